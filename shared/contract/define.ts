/**
 * How an endpoint of the HTTP API is declared, once, for everyone who needs it: the server
 * validates requests with its schemas (server/lib/contract-routes.ts), the OpenAPI document is
 * generated from it (server/openapi.ts), and the extension's background checks what a page asks
 * for and parses what the server answers with it (extension/lib/relay-server.ts, api-client.ts).
 */
import type { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type SuccessStatus = 200 | 201 | 202 | 204;
/** The refusals an endpoint may answer with; server/openapi.ts says which codes each carries. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429;

export interface EndpointSpec {
  method: HttpMethod;
  /** With `:name` for each path parameter, in Hono's syntax; everything in the contract is under /api. */
  path: `/api/${string}`;
  summary: string;
  /** The OpenAPI tag it is listed under. */
  tag: string;
  /** Callable without a token: only the sign-in. */
  public?: boolean;
  /** One entry per `:name` in the path, as the server reads it from the URL (a string). */
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers by their canonical names; they are read case-insensitively. */
  headers?: z.ZodObject;
  /** A JSON body. */
  body?: z.ZodType;
  /** A body that is not JSON, by content type, with an example (the candidate import's files). */
  files?: Record<string, string>;
  /** The success status; 200 when left out. */
  status?: SuccessStatus;
  /** What the success answer is, in a few words (OpenAPI's response description). */
  answers: string;
  /** Its JSON body, or null when there is none (a 204, or a body that is not JSON: see `produces`). */
  output: z.ZodType | null;
  /** The content type of a success answer that is not JSON (the event stream). */
  produces?: string;
  /** A second success status with the same body (the upsert: 201 created, 200 updated). */
  alsoAnswers?: { status: SuccessStatus; answers: string };
  errors: readonly ErrorStatus[];
}

/**
 * Declares an endpoint. The type of what is passed is kept exactly (`const`), so the server's
 * handlers, the relay and the API client are typed from the schemas themselves.
 */
export function endpoint<const E extends EndpointSpec>(spec: E): E {
  const inPath = [...spec.path.matchAll(/:(\w+)/g)].map((m) => m[1]).join();
  const declared = Object.keys(spec.params?.shape ?? {}).join();
  // A path parameter without a schema would reach a handler unchecked; fail where it is declared.
  if (inPath !== declared) throw new Error(`${spec.method} ${spec.path}: params must declare exactly ${inPath || 'nothing'}, not ${declared || 'nothing'}.`);
  return {
    ...spec,
    ...(spec.params && { params: refuseNul(spec.params) }),
    ...(spec.query && { query: refuseNul(spec.query) }),
    ...(spec.body && { body: refuseNul(spec.body) }),
  };
}

/** The refusal of U+0000 in anything a caller sends (after the field's name). */
export const NUL_REFUSED = 'must not contain the NUL character (U+0000).';

/**
 * `schema`, also refusing U+0000 in any text of the value, each occurrence an issue naming its
 * field. No one types it; PostgreSQL's text cannot hold it while SQLite stores it: refused here,
 * both engines answer the same 400 VALIDATION (and the extension refuses it before sending).
 * Text from providers (an inbound SMS) is not refused but stripped (server/lib/storable-text.ts).
 */
function refuseNul<T extends z.ZodType>(schema: T): T {
  return schema.superRefine((value, ctx) => {
    for (const path of nulPaths(value, [])) ctx.addIssue({ code: 'custom', message: NUL_REFUSED, path, input: value });
  });
}

function* nulPaths(value: unknown, path: PropertyKey[]): Generator<PropertyKey[]> {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) yield path;
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* nulPaths(item, [...path, i]);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) yield [...path, key];
      else yield* nulPaths(item, [...path, key]);
    }
  }
}

type Nothing = Record<never, never>;

/** Path parameters as a caller gives them (a campaign id as a number); they become strings in the URL. */
export type ParamsOf<E> = E extends { params: infer P extends z.ZodType } ? z.output<P> : Nothing;
/** Query values as a caller gives them (numbers, booleans, a list of ids); they become strings in the URL. */
export type QueryOf<E> = E extends { query: infer Q extends z.ZodType } ? Partial<z.output<Q>> : Nothing;
export type HeadersOf<E> = E extends { headers: infer H extends z.ZodType } ? z.input<H> : Nothing;
/** The JSON body as a caller sends it. */
export type BodyOf<E> = E extends { body: infer B extends z.ZodType } ? z.input<B> : undefined;
/** What a success answers, once parsed. */
export type OutputOf<E> = E extends { output: infer O extends z.ZodType } ? z.output<O> : null;
/** What a server handler may answer with (before the output schema's defaults and transforms). */
export type OutputInputOf<E> = E extends { output: infer O extends z.ZodType } ? z.input<O> : null;

/** A call's parts, each present when the endpoint has it. */
export type CallInput<E> = (E extends { params: z.ZodType } ? { params: ParamsOf<E> } : { params?: undefined }) &
  (E extends { query: z.ZodType } ? { query?: QueryOf<E> } : { query?: undefined }) &
  (E extends { headers: z.ZodType } ? { headers?: HeadersOf<E> } : { headers?: undefined }) &
  (E extends { body: z.ZodType } ? { body: BodyOf<E> } : { body?: undefined }) &
  (E extends { files: infer F extends Record<string, string> } ? { file: { contentType: keyof F & string; text: string } } : { file?: undefined });

/** A request's parts after the server checked them with the endpoint's schemas. */
export interface ValidInput<E> {
  params: E extends { params: infer P extends z.ZodType } ? z.output<P> : Nothing;
  query: E extends { query: infer Q extends z.ZodType } ? z.output<Q> : Nothing;
  headers: E extends { headers: infer H extends z.ZodType } ? z.output<H> : Nothing;
  body: E extends { body: infer B extends z.ZodType } ? z.output<B> : undefined;
}

/** The path with its parameters filled in, each encoded. */
export function fillPath(path: string, params: Record<string, unknown> | undefined): string {
  const strings = paramStrings(params);
  return path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(strings[name] ?? ''));
}

/**
 * Query values as the server will read them: strings; a list joined with commas (the look-up's
 * `ids=a,b,c`); left-out and null values not sent.
 */
export function queryStrings(query: Record<string, unknown> | undefined): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(query ?? {})) {
    const text = Array.isArray(value) ? value.map(asText).join(',') : asText(value);
    if (text !== undefined) strings[name] = text;
  }
  return strings;
}

/** A value that can go in a URL as it is; anything else is left out (and a required one is then refused). */
function asText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/** `?a=1&b=2`, or nothing. */
export function searchOf(query: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams(queryStrings(query)).toString();
  return search ? `?${search}` : '';
}

/** Path parameters as the server will read them: strings. */
export function paramStrings(params: Record<string, unknown> | undefined): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    const text = asText(value);
    if (text !== undefined) strings[name] = text;
  }
  return strings;
}

/** Where in a request a problem is. */
export type RequestPart = 'params' | 'query' | 'headers' | 'body';

/**
 * A request the contract refuses, worded once for both ends: the server's 400 VALIDATION and the
 * background's refusal of the same request before it leaves the browser say the same words and
 * name the same field (a form shows the message beside that field).
 */
export function validationFailure(issues: readonly z.core.$ZodIssue[], part: RequestPart): { field: string; message: string; issues: number } {
  const issue = issues[0]!;
  const field = issue.path.length ? issue.path.map(String).join('.') : part;
  return { field, message: `${field}: ${issue.message}`, issues: issues.length };
}
