/**
 * GET /api/openapi.json. Everything under /api is generated from the contract (shared/contract/),
 * the same declarations the routes validate with; the few routes outside it (health, this
 * document, the candidate's booking page, the provider's webhooks) are not the extension's API and
 * take no JSON, so they are described here by hand. A test checks that every route the app serves
 * is described, and nothing else.
 */
import { z, type ZodType } from 'zod';
import { ErrorSchema } from '../shared/api.js';
import { contract, type EndpointSpec, type ErrorStatus } from '../shared/contract/index.js';
import { SequenceDefinitionInput } from '../shared/contract/sequences.js';
import { SequenceSchema } from '../shared/sequences.js';
import type { ProviderWebhook } from './providers/types.js';

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'VALIDATION: the request is malformed (the message names the field).',
  401: 'UNAUTHORIZED: missing, expired or wrong token (or credentials).',
  403: 'Refused for this caller (NOT_LICENSED, FORBIDDEN, ASSISTANT_NOT_SUBSCRIBED, INVALID_SIGNATURE).',
  404: 'NOT_FOUND: no such resource in your organization.',
  409: 'Refused in the current state (NO_MOBILE, NO_CONSENT, OPTED_OUT, CHANNEL_DISABLED, WHATSAPP_WINDOW_CLOSED, IDEMPOTENCY_KEY_REUSED...).',
  413: 'IMPORT_TOO_LARGE: more than 100,000 rows (or 128 MB); split the file.',
  415: 'UNSUPPORTED_MEDIA_TYPE: send JSON.',
  429: 'TOO_MANY_ATTEMPTS: wait before trying again.',
};

type Responses = Record<number, { description: string; content?: Record<string, { schema?: unknown }> }>;

interface HandWritten {
  method: 'get' | 'post';
  path: string;
  summary: string;
  tag: string;
  responses: Responses;
}

const errorResponses = (...statuses: readonly ErrorStatus[]): Responses =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: ERROR_DESCRIPTIONS[status], content: { 'application/json': { schema: jsonSchema(ErrorSchema, 'output') } } },
    ]),
  );

/** Routes outside the contract: not under /api, and none of them JSON requests from the extension. */
const handWritten: HandWritten[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness and database check', tag: 'meta', responses: { 200: { description: 'OK' } } },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: the database answers with every migration applied, and the server is not shutting down',
    tag: 'meta',
    responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready: {ok: false, reason: DRAINING | MIGRATIONS_PENDING}' } },
  },
  { method: 'get', path: '/api/openapi.json', summary: 'This document', tag: 'meta', responses: { 200: { description: 'OpenAPI 3.1' } } },
  {
    method: 'get',
    path: '/book/{slug}',
    summary: 'The candidate’s booking page (HTML) behind {{calendarLink}}; needs the link’s c and t parameters',
    tag: 'booking',
    responses: {
      200: { description: 'Open slots in the candidate’s time zone', content: { 'text/html': {} } },
      404: { description: 'Not a valid booking link (HTML)' },
    },
  },
  {
    method: 'post',
    path: '/book/{slug}',
    summary: 'Book a slot (form: c, t, startsAt); a slot is booked once',
    tag: 'booking',
    responses: { 200: { description: 'Confirmation page', content: { 'text/html': {} } }, 409: { description: 'The slot was taken or is not open (HTML)' } },
  },
];

/** The booking page's slug, the one path parameter outside the contract. */
const SLUG_PARAMETER = { name: 'slug', in: 'path', required: true, schema: { type: 'string' }, description: 'The recruiter’s booking handle.' };

function jsonSchema(schema: ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
    // A sequence's definition is taken as any JSON and checked by the route as a whole; show its real shape.
    override: (ctx) => {
      if (ctx.zodSchema !== SequenceDefinitionInput) return;
      const { $schema: _draft, ...sequence } = z.toJSONSchema(SequenceSchema, { io: 'input', unrepresentable: 'any' });
      Object.assign(ctx.jsonSchema, sequence);
    },
  }) as { properties?: Record<string, { description?: string }>; required?: string[] };
}

/** Path, query or header parameters, each with its schema and description. */
function parameters(schema: z.ZodObject | undefined, where: 'path' | 'query' | 'header') {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input');
  return Object.entries(object.properties ?? {}).map(([name, { description, ...property }]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required?.includes(name) ?? false),
    ...(description ? { description } : {}),
    schema: property,
  }));
}

function operation(spec: EndpointSpec) {
  const success = (answers: string) => ({
    description: answers,
    ...(spec.output ? { content: { 'application/json': { schema: jsonSchema(spec.output, 'output') } } } : {}),
    ...(spec.produces ? { content: { [spec.produces]: {} } } : {}),
  });
  const params = [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query'), ...parameters(spec.headers, 'header')];
  return {
    summary: spec.summary,
    tags: [spec.tag],
    ...(spec.public ? { security: [] } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } } } : {}),
    ...(spec.files
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(Object.entries(spec.files).map(([type, example]) => [type, { schema: { type: 'string' }, example }])),
          },
        }
      : {}),
    responses: {
      [spec.status ?? 200]: success(spec.answers),
      ...(spec.alsoAnswers ? { [spec.alsoAnswers.status]: success(spec.alsoAnswers.answers) } : {}),
      ...errorResponses(...spec.errors),
    },
  };
}

/** Each provider's webhooks, as its module describes them (mounted under /webhooks). */
function webhookOperations(webhooks: ProviderWebhook[]): HandWritten[] {
  return webhooks.map((w) => ({
    method: 'post',
    path: `/webhooks${w.path}`,
    summary: w.summary,
    tag: 'webhooks',
    responses: {
      ...(w.reply.status === 204
        ? { 204: { description: 'Recorded' } }
        : { 200: { description: 'Recorded', content: { [w.reply.contentType.split(';')[0]!]: {} } } }),
      ...errorResponses(400, 403),
    },
  }));
}

export function openApiDocument(serverUrl: string, webhooks: ProviderWebhook[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of Object.values(contract) as EndpointSpec[]) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    (paths[path] ??= {})[spec.method.toLowerCase()] = operation(spec);
  }
  for (const op of [...handWritten, ...webhookOperations(webhooks)]) {
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      tags: [op.tag],
      security: [],
      ...(op.path.includes('{slug}') ? { parameters: [SLUG_PARAMETER] } : {}),
      responses: op.responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Text Engagement API',
      version: '1.0.0',
      description: 'Text candidates by SMS and WhatsApp from the ATS. Errors are { error: { code, message } }.',
    },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
