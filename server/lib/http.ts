import type { Context, MiddlewareHandler } from 'hono';
import { zValidator } from '@hono/zod-validator';
import { bodyLimit } from 'hono/body-limit';
import type { z, ZodType } from 'zod';
import { validationFailure, type RequestPart } from '../../shared/contract/define.js';
import { ApiError } from './errors.js';
import type { Actor, Caller } from '../services/auth.js';

/**
 * `actor` is set on every signed-in request; `caller` and `token` only for recruiters (the
 * routes that read them are closed to integration keys).
 */
export type AppEnv = { Variables: { actor: Actor; caller: Caller; token: string } };

const PART_OF = { json: 'body', query: 'query', param: 'params', header: 'headers' } as const satisfies Record<string, RequestPart>;

/** zod validation whose refusal is our error shape: 400 VALIDATION naming the field. */
export function validate<T extends ZodType, Target extends keyof typeof PART_OF>(target: Target, schema: T) {
  return zValidator(target, schema, (result) => {
    if (!result.success) throw validationError(result.error.issues, PART_OF[target]);
  });
}

/** 400 VALIDATION, worded as the extension's background words the same refusal (shared/contract/define.ts). */
export function validationError(issues: readonly z.core.$ZodIssue[], part: RequestPart): ApiError {
  const { field, message, issues: count } = validationFailure(issues, part);
  return new ApiError(400, 'VALIDATION', message, { field, issues: count });
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/**
 * Who is asking: the socket's peer, or behind a proxy (TRUST_PROXY names its header) the address
 * the proxy reports. For X-Forwarded-For that is the last entry, the one our proxy appended; the
 * ones before it are whatever the client chose to send.
 */
export function clientAddress(c: Context, trustProxy: string | undefined): string {
  if (trustProxy) {
    const reported = c.req.header(trustProxy)?.split(',').at(-1)?.trim();
    if (reported) return reported;
  }
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'local';
}

/** Bodies must be JSON and say so: a form or text body is a clear 415, not a parse error. Bodiless POSTs (actions) pass. */
export const requireJson: MiddlewareHandler = async (c, next) => {
  const length = c.req.header('content-length');
  const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
  if (['POST', 'PUT', 'PATCH'].includes(c.req.method) && hasBody) {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/json\b/i.test(type)) {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the request body as JSON with Content-Type: application/json.');
    }
  }
  await next();
};

/**
 * Refuses a body over `maxBytes` (413 PAYLOAD_TOO_LARGE) before a handler reads it: by its
 * Content-Length when it states one, else as it streams in.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `The request body is over ${Math.round(maxBytes / 1024)} KB; nothing was saved.`);
    },
  });
}
