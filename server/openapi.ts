/**
 * GET /api/openapi.json, generated from the same zod schemas the routes validate with
 * (shared/api.ts). A test checks that every route the app serves is described here.
 */
import { z, type ZodType } from 'zod';
import * as api from '../shared/api.js';

interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  tags: string[];
  auth?: boolean;
  query?: ZodType;
  body?: ZodType;
  headers?: { name: string; description: string }[];
  responses: Record<number, { description: string; schema?: ZodType; contentType?: string }>;
}

const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [code, { description: ERROR_DESCRIPTIONS[code] ?? 'Error', schema: api.ErrorSchema }]));

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'VALIDATION: the request is malformed (the message names the field).',
  401: 'UNAUTHORIZED: missing, expired or wrong token (or credentials).',
  403: 'Refused for this caller (NOT_LICENSED, FORBIDDEN, ASSISTANT_NOT_SUBSCRIBED, INVALID_SIGNATURE).',
  404: 'NOT_FOUND: no such resource in your organization.',
  409: 'Refused in the current state (NO_MOBILE, NO_CONSENT, OPTED_OUT, CHANNEL_DISABLED, WHATSAPP_WINDOW_CLOSED, IDEMPOTENCY_KEY_REUSED...).',
  415: 'UNSUPPORTED_MEDIA_TYPE: send JSON.',
  429: 'TOO_MANY_ATTEMPTS: wait before trying again.',
};

const idPath = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The candidate’s ATS id.' };

export const operations: Operation[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness and database check', tags: ['meta'], auth: false, responses: { 200: { description: 'OK' } } },
  { method: 'get', path: '/api/openapi.json', summary: 'This document', tags: ['meta'], auth: false, responses: { 200: { description: 'OpenAPI 3.1' } } },
  {
    method: 'post', path: '/api/auth/login', summary: 'Sign in with email and password', tags: ['auth'], auth: false,
    body: api.LoginBodySchema, responses: { 200: { description: 'A bearer token', schema: api.LoginResponseSchema }, ...errors(400, 401, 429) },
  },
  { method: 'post', path: '/api/auth/logout', summary: 'Revoke the current token', tags: ['auth'], responses: { 204: { description: 'Signed out' }, ...errors(401) } },
  { method: 'get', path: '/api/me', summary: 'The signed-in recruiter and organization', tags: ['auth'], responses: { 200: { description: 'Recruiter', schema: api.RecruiterSchema }, ...errors(401) } },
  {
    method: 'get', path: '/api/candidates', summary: 'Look up candidates by ATS ids (ids=a,b,c; up to 200) or search (query, limit, cursor)', tags: ['candidates'],
    query: api.CandidateQuerySchema, responses: { 200: { description: 'Candidates with textable and reason', schema: api.CandidateListSchema }, ...errors(400, 401) },
  },
  { method: 'get', path: '/api/candidates/{id}', summary: 'One candidate', tags: ['candidates'], responses: { 200: { description: 'Candidate', schema: api.CandidateSchema }, ...errors(401, 404) } },
  {
    method: 'get', path: '/api/candidates/{id}/messages', summary: 'The conversation, oldest first (cursor: after)', tags: ['messages'],
    query: api.MessagePageQuerySchema, responses: { 200: { description: 'A page of messages', schema: api.MessagePageSchema }, ...errors(400, 401, 404) },
  },
  {
    method: 'post', path: '/api/candidates/{id}/messages', summary: 'Text a candidate', tags: ['messages'], body: api.SendMessageBodySchema,
    headers: [{ name: 'Idempotency-Key', description: 'Optional; the same key never sends twice (the first message is returned with Idempotent-Replayed: true).' }],
    responses: { 202: { description: 'Queued for delivery', schema: api.MessageSchema }, ...errors(400, 401, 403, 404, 409, 415) },
  },
  { method: 'post', path: '/api/candidates/{id}/read', summary: 'Mark the conversation read', tags: ['messages'], responses: { 200: { description: 'Unread count now 0' }, ...errors(401, 404) } },
  {
    method: 'post', path: '/api/candidates/{id}/assistant', summary: 'Hand the conversation to Ari ({active:true}) or take it back', tags: ['assistant'],
    body: api.AssistantBodySchema, responses: { 200: { description: 'The candidate', schema: api.CandidateSchema }, ...errors(400, 401, 403, 404, 409) },
  },
  { method: 'get', path: '/api/templates', summary: 'Message templates', tags: ['templates'], responses: { 200: { description: 'Templates', schema: z.object({ templates: z.array(api.TemplateSchema) }) }, ...errors(401) } },
  {
    method: 'get', path: '/api/events', summary: `Server-sent events: ${api.EVENT_TYPES.join(', ')}`, tags: ['events'],
    responses: { 200: { description: 'text/event-stream', contentType: 'text/event-stream' }, ...errors(401) },
  },
  {
    method: 'post', path: '/webhooks/twilio/inbound', summary: 'Twilio inbound message webhook (form-encoded, signed)', tags: ['webhooks'], auth: false,
    responses: { 200: { description: 'Empty TwiML', contentType: 'text/xml' }, ...errors(403) },
  },
  {
    method: 'post', path: '/webhooks/twilio/status', summary: 'Twilio status callback (form-encoded, signed)', tags: ['webhooks'], auth: false,
    responses: { 204: { description: 'Recorded' }, ...errors(403) },
  },
];

export type { Operation };

function jsonSchema(schema: ZodType) {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
}

export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const parameters: unknown[] = [];
    if (op.path.includes('{id}')) parameters.push(idPath);
    if (op.query) {
      const schema = jsonSchema(op.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, prop] of Object.entries(schema.properties ?? {})) {
        parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: prop });
      }
    }
    for (const h of op.headers ?? []) parameters.push({ name: h.name, in: 'header', required: false, description: h.description, schema: { type: 'string' } });
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      tags: op.tags,
      ...(op.auth === false ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } } : {}),
      responses: Object.fromEntries(
        Object.entries(op.responses).map(([status, r]) => [
          status,
          {
            description: r.description,
            ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: z.toJSONSchema(r.schema, { unrepresentable: 'any' }) } } } : {}),
          },
        ]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Text Engagement API', version: '1.0.0', description: 'Text candidates by SMS and WhatsApp from the ATS. Errors are { error: { code, message } }.' },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
