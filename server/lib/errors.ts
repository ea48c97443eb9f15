import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * A refusal the client can act on: it becomes `{ error: { code, message } }` with `status`.
 * Services throw it; the app's error handler renders it.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'NOT_FOUND', `${what} not found.`);
export const validation = (message: string, details?: Record<string, unknown>) => new ApiError(400, 'VALIDATION', message, details);
