/**
 * Serving the contract's endpoints (shared/contract/): the server side of "declared once". A route
 * file names the endpoint and writes only what the service does; its path, its checks and its
 * success status come from the contract.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import {
  contract,
  type Contract,
  type EndpointName,
  type EndpointSpec,
  type OutputInputOf,
  type SuccessStatus,
  type ValidInput,
} from '../../shared/contract/index.js';
import { validate, validationError, type AppEnv } from './http.js';

/** A success with another status than the endpoint's own (the upsert answers 200 when it only updated). */
export class WithStatus<T> {
  constructor(
    readonly status: SuccessStatus,
    readonly data: T,
  ) {}
}
export const withStatus = <T>(status: SuccessStatus, data: T) => new WithStatus(status, data);

/**
 * What a handler answers: the output (checked against the contract's schema by the type checker),
 * the output with another status, or a Response of its own (the pre-serialized thread, the event
 * stream), sent as it is.
 */
type Reply<E> = OutputInputOf<E> | WithStatus<OutputInputOf<E>> | Response;
export type ContractHandler<N extends EndpointName> = (c: Context<AppEnv>, input: ValidInput<Contract[N]>) => Reply<Contract[N]> | Promise<Reply<Contract[N]>>;

/**
 * Serves contract endpoints on `router`, which app.ts mounts at /api. Before the handler runs, the
 * request's path parameters, query, headers and JSON body are checked with the endpoint's schemas
 * (a refusal is our 400 VALIDATION naming the field); the handler gets them parsed.
 */
export function serve(router: Hono<AppEnv>) {
  return function on<N extends EndpointName>(name: N, handler: ContractHandler<N>): void {
    const spec: EndpointSpec = contract[name];
    // zValidator's middleware is typed for any env; ours only adds AppEnv's variables.
    const checks = [] as MiddlewareHandler[];
    if (spec.params) checks.push(validate('param', spec.params));
    if (spec.query) checks.push(validate('query', spec.query));
    if (spec.headers) checks.push(checkHeaders(spec.headers));
    if (spec.body) checks.push(validate('json', spec.body));
    const status = spec.status ?? 200;
    const respond: MiddlewareHandler<AppEnv> = async (c) => {
      const valid = (target: 'param' | 'query' | 'header' | 'json') => c.req.valid(target as never) as unknown;
      const input = {
        params: spec.params ? valid('param') : {},
        query: spec.query ? valid('query') : {},
        headers: spec.headers ? valid('header') : {},
        body: spec.body ? valid('json') : undefined,
      } as ValidInput<Contract[N]>;
      const reply = await handler(c, input);
      if (reply instanceof Response) return reply;
      if (reply instanceof WithStatus) return c.json(reply.data as never, reply.status as ContentfulStatusCode);
      if (spec.output === null) return c.body(null, status);
      return c.json(reply as never, status as ContentfulStatusCode);
    };
    router.on(spec.method, spec.path.slice('/api'.length), ...(checks as [MiddlewareHandler<AppEnv>]), respond);
  };
}

/** The endpoint's headers, read by their names whatever their case, checked like the rest. */
function checkHeaders(schema: z.ZodObject): MiddlewareHandler {
  return async (c, next) => {
    const values = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, c.req.header(name)]));
    const parsed = schema.safeParse(values);
    if (!parsed.success) throw validationError(parsed.error.issues, 'headers');
    c.req.addValidatedData('header', parsed.data as Record<string, string>);
    await next();
  };
}
