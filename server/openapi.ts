/**
 * GET /api/openapi.json, generated from the same zod schemas the routes validate with
 * (shared/api.ts). A test checks that every route the app serves is described here.
 */
import { z, type ZodType } from 'zod';
import * as api from '../shared/api.js';
import { SequenceSchema } from '../shared/sequences.js';
import { CampaignListQueryWithMineSchema, RecipientPageQuerySchema } from './routes/campaigns.js';
import { SequenceBodySchema } from './routes/sequences.js';

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tags: string[];
  auth?: boolean;
  query?: ZodType;
  body?: ZodType;
  /** A body that is not JSON (the candidate import's files): content type → description. */
  files?: Record<string, string>;
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
  413: 'IMPORT_TOO_LARGE: more than 100,000 rows (or 128 MB); split the file.',
  415: 'UNSUPPORTED_MEDIA_TYPE: send JSON.',
  429: 'TOO_MANY_ATTEMPTS: wait before trying again.',
};

const idPath = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The candidate’s ATS id.' };

export const operations: Operation[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness and database check', tags: ['meta'], auth: false, responses: { 200: { description: 'OK' } } },
  { method: 'get', path: '/api/openapi.json', summary: 'This document', tags: ['meta'], auth: false, responses: { 200: { description: 'OpenAPI 3.1' } } },
  {
    method: 'post',
    path: '/api/auth/login',
    summary: 'Sign in with email and password',
    tags: ['auth'],
    auth: false,
    body: api.LoginBodySchema,
    responses: { 200: { description: 'A bearer token', schema: api.LoginResponseSchema }, ...errors(400, 401, 429) },
  },
  {
    method: 'post',
    path: '/api/auth/logout',
    summary: 'Revoke the current token',
    tags: ['auth'],
    responses: { 204: { description: 'Signed out' }, ...errors(401) },
  },
  {
    method: 'get',
    path: '/api/me',
    summary: 'The signed-in recruiter and organization',
    tags: ['auth'],
    responses: { 200: { description: 'Recruiter', schema: api.RecruiterSchema }, ...errors(401) },
  },
  {
    method: 'get',
    path: '/api/candidates',
    summary: 'Look up candidates by ATS ids (ids=a,b,c; up to 200) or search (query, limit, cursor)',
    tags: ['candidates'],
    query: api.CandidateQuerySchema,
    responses: { 200: { description: 'Candidates with textable and reason', schema: api.CandidateListSchema }, ...errors(400, 401) },
  },
  {
    method: 'get',
    path: '/api/candidates/{id}',
    summary: 'One candidate (recruiters and integration keys)',
    tags: ['candidates'],
    responses: { 200: { description: 'Candidate', schema: api.CandidateSchema }, ...errors(401, 404) },
  },
  {
    method: 'put',
    path: '/api/candidates/{id}',
    tags: ['candidates'],
    body: api.CandidateUpsertSchema,
    summary:
      'Create or update a candidate from the ATS (integration keys and administrators; a licensed recruiter may add one the server does not know). Fields left out stay as they are; null clears. The same body twice changes nothing.',
    responses: {
      201: { description: 'Created', schema: api.CandidateSchema },
      200: { description: 'Updated, or unchanged (updatedAt tells)', schema: api.CandidateSchema },
      ...errors(400, 401, 403, 415),
    },
  },
  {
    method: 'delete',
    path: '/api/candidates/{id}',
    summary: 'Erase a candidate: personal data, messages, consent history; only an opt-out tombstone (a keyed hash of the phone) stays',
    tags: ['candidates'],
    responses: { 204: { description: 'Erased' }, ...errors(401, 403, 404) },
  },
  {
    method: 'post',
    path: '/api/candidates/{id}/consent',
    tags: ['candidates'],
    body: api.ConsentInputSchema,
    summary:
      'Record a consent statement (granted or revoked, with its source) about a known candidate: keys, administrators and licensed recruiters. Never lifts the candidate’s own STOP.',
    responses: { 200: { description: 'The candidate as it is now', schema: api.CandidateSchema }, ...errors(400, 401, 403, 404, 415) },
  },
  {
    method: 'get',
    path: '/api/candidates/{id}/consent',
    summary: 'The candidate’s consent history, newest first',
    tags: ['candidates'],
    responses: { 200: { description: 'Consent records', schema: api.ConsentHistorySchema }, ...errors(401, 404) },
  },
  {
    method: 'post',
    path: '/api/candidates/import',
    tags: ['candidates'],
    summary:
      'Import up to 100,000 candidates from a CSV (header row; columns as the upsert’s fields, consent as granted/revoked with consentSource and consentAt) or NDJSON (one upsert body with atsId per line). Bad rows are reported and skipped; a malformed file is a 400 before anything is written.',
    files: {
      'text/csv': 'atsId,firstName,lastName,email,phone,channel,consent,consentSource,consentAt,timeZone,jobTitle,location',
      'application/x-ndjson':
        '{"atsId":"10001","firstName":"Maria","lastName":"Garcia","phone":"(212) 555-0101","consent":{"status":"granted","source":"application-form"}}',
    },
    responses: { 202: { description: 'Accepted: follow GET /api/imports/{importId}', schema: api.ImportStatusSchema }, ...errors(400, 401, 403, 413) },
  },
  {
    method: 'get',
    path: '/api/imports/{importId}',
    summary: 'An import’s progress, counts and row errors',
    tags: ['candidates'],
    responses: { 200: { description: 'Import status', schema: api.ImportStatusSchema }, ...errors(401, 404) },
  },
  {
    method: 'post',
    path: '/api/api-keys',
    summary: 'Create an integration key for the ATS’s sync job (administrators); the key is in this response only',
    tags: ['integration'],
    body: api.ApiKeyBodySchema,
    responses: { 201: { description: 'The key', schema: api.CreatedApiKeySchema }, ...errors(400, 401, 403, 415) },
  },
  {
    method: 'get',
    path: '/api/api-keys',
    summary: 'The organization’s integration keys, without their secrets (administrators)',
    tags: ['integration'],
    responses: { 200: { description: 'Keys', schema: z.object({ keys: z.array(api.ApiKeySchema) }) }, ...errors(401, 403) },
  },
  {
    method: 'delete',
    path: '/api/api-keys/{id}',
    summary: 'Revoke an integration key at once (administrators)',
    tags: ['integration'],
    responses: { 204: { description: 'Revoked' }, ...errors(401, 403, 404) },
  },
  {
    method: 'get',
    path: '/api/candidates/{id}/messages',
    summary: 'The conversation, oldest first (cursor: after)',
    tags: ['messages'],
    query: api.MessagePageQuerySchema,
    responses: { 200: { description: 'A page of messages', schema: api.MessagePageSchema }, ...errors(400, 401, 404) },
  },
  {
    method: 'post',
    path: '/api/candidates/{id}/messages',
    summary: 'Text a candidate',
    tags: ['messages'],
    body: api.SendMessageBodySchema,
    headers: [
      { name: 'Idempotency-Key', description: 'Optional; the same key never sends twice (the first message is returned with Idempotent-Replayed: true).' },
    ],
    responses: { 202: { description: 'Queued for delivery', schema: api.MessageSchema }, ...errors(400, 401, 403, 404, 409, 415) },
  },
  {
    method: 'post',
    path: '/api/candidates/{id}/read',
    summary: 'Mark the conversation read',
    tags: ['messages'],
    responses: { 200: { description: 'Unread count now 0' }, ...errors(401, 404) },
  },
  {
    method: 'post',
    path: '/api/candidates/{id}/assistant',
    summary: 'Hand the conversation to Ari ({active:true}) or take it back',
    tags: ['assistant'],
    body: api.AssistantBodySchema,
    responses: { 200: { description: 'The candidate', schema: api.CandidateSchema }, ...errors(400, 401, 403, 404, 409) },
  },
  {
    method: 'get',
    path: '/api/templates',
    summary: 'Message templates',
    tags: ['templates'],
    responses: { 200: { description: 'Templates', schema: z.object({ templates: z.array(api.TemplateSchema) }) }, ...errors(401) },
  },
  {
    method: 'get',
    path: '/api/events',
    summary: `Server-sent events: ${api.EVENT_TYPES.join(', ')}`,
    tags: ['events'],
    responses: { 200: { description: 'text/event-stream', contentType: 'text/event-stream' }, ...errors(401) },
  },
  {
    method: 'get',
    path: '/api/organization',
    summary: 'The organization’s texting settings',
    tags: ['organization'],
    responses: { 200: { description: 'Organization', schema: api.RecruiterSchema.shape.organization }, ...errors(401) },
  },
  {
    method: 'patch',
    path: '/api/organization',
    summary: 'Change texting hours, default time zone or send rate (administrators)',
    tags: ['organization'],
    body: api.OrganizationPatchSchema,
    responses: { 200: { description: 'Organization', schema: api.RecruiterSchema.shape.organization }, ...errors(400, 401, 403, 415) },
  },
  {
    method: 'get',
    path: '/api/campaigns',
    summary: 'Campaigns (status, mine)',
    tags: ['campaigns'],
    query: CampaignListQueryWithMineSchema,
    responses: { 200: { description: 'Campaigns', schema: z.object({ campaigns: z.array(api.CampaignSchema) }) }, ...errors(400, 401) },
  },
  {
    method: 'post',
    path: '/api/campaigns',
    summary: 'Create a campaign, optionally with candidates',
    tags: ['campaigns'],
    body: api.CreateCampaignBodySchema,
    responses: {
      201: {
        description: 'The campaign and the result of adding the candidates',
        schema: z.object({ campaign: api.CampaignDetailSchema, candidates: api.AddCandidatesResultSchema.nullable() }),
      },
      ...errors(400, 401, 403, 415),
    },
  },
  {
    method: 'get',
    path: '/api/campaigns/{id}',
    summary: 'One campaign with its messages',
    tags: ['campaigns'],
    responses: { 200: { description: 'Campaign', schema: api.CampaignDetailSchema }, ...errors(401, 404) },
  },
  {
    method: 'patch',
    path: '/api/campaigns/{id}',
    summary: 'Rename, describe, or enable ARI',
    tags: ['campaigns'],
    body: api.UpdateCampaignBodySchema,
    responses: { 200: { description: 'Campaign', schema: api.CampaignDetailSchema }, ...errors(400, 401, 403, 404, 409, 415) },
  },
  {
    method: 'delete',
    path: '/api/campaigns/{id}',
    summary: 'Delete an unsent campaign',
    tags: ['campaigns'],
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404, 409) },
  },
  {
    method: 'get',
    path: '/api/campaigns/{id}/candidates',
    summary: 'The campaign’s recipients with delivery state (limit, offset)',
    tags: ['campaigns'],
    query: RecipientPageQuerySchema,
    responses: {
      200: {
        description: 'A page of recipients',
        schema: z.object({ recipients: z.array(api.CampaignRecipientSchema), total: z.number(), nextOffset: z.number().nullable() }),
      },
      ...errors(400, 401, 404),
    },
  },
  {
    method: 'post',
    path: '/api/campaigns/{id}/candidates',
    summary: 'Add candidates (ATS ids)',
    tags: ['campaigns'],
    body: api.AddCandidatesBodySchema,
    responses: {
      200: { description: 'What was added, excluded or not found', schema: api.AddCandidatesResultSchema },
      ...errors(400, 401, 403, 404, 409, 415),
    },
  },
  {
    method: 'delete',
    path: '/api/campaigns/{id}/candidates/{candidateId}',
    summary: 'Remove a candidate',
    tags: ['campaigns'],
    responses: { 200: { description: 'Recipients left', schema: z.object({ recipients: z.number() }) }, ...errors(401, 403, 404, 409) },
  },
  {
    method: 'post',
    path: '/api/campaigns/{id}/messages',
    summary: 'Add a message (draft) and review it',
    tags: ['campaigns'],
    body: api.CreateCampaignMessageBodySchema,
    responses: { 201: { description: 'The message and its review', schema: api.CampaignMessageWithReviewSchema }, ...errors(400, 401, 403, 404, 409, 415) },
  },
  {
    method: 'post',
    path: '/api/campaigns/{id}/preview',
    summary: 'Review a message without saving it (the same answer as adding it; nothing is written)',
    tags: ['campaigns'],
    body: api.CreateCampaignMessageBodySchema,
    responses: {
      200: { description: 'The message as it would be saved, and its review', schema: api.CampaignMessagePreviewSchema },
      ...errors(400, 401, 403, 404, 415),
    },
  },
  {
    method: 'get',
    path: '/api/campaigns/{id}/messages/{messageId}',
    summary: 'One campaign message with its review',
    tags: ['campaigns'],
    responses: { 200: { description: 'The message and its review', schema: api.CampaignMessageWithReviewSchema }, ...errors(401, 404) },
  },
  {
    method: 'patch',
    path: '/api/campaigns/{id}/messages/{messageId}',
    summary: 'Edit a draft or scheduled message in one transaction (a refusal changes nothing)',
    tags: ['campaigns'],
    body: api.UpdateCampaignMessageBodySchema,
    responses: { 200: { description: 'The message and its review', schema: api.CampaignMessageWithReviewSchema }, ...errors(400, 401, 403, 404, 409, 415) },
  },
  {
    method: 'delete',
    path: '/api/campaigns/{id}/messages/{messageId}',
    summary: 'Delete an unsent message',
    tags: ['campaigns'],
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404, 409) },
  },
  {
    method: 'post',
    path: '/api/campaigns/{id}/messages/{messageId}/schedule',
    summary: 'Send now, or save for its send time',
    tags: ['campaigns'],
    responses: {
      200: {
        description: 'The scheduled message, its review and a confirmation line',
        schema: api.CampaignMessageWithReviewSchema.extend({ confirmation: z.string() }),
      },
      ...errors(400, 401, 403, 404, 409),
    },
  },
  {
    method: 'get',
    path: '/api/candidates/{id}/assistant',
    summary: 'What Ari is doing for the candidate: sequence, step, hand-back reason, collected answers, booking',
    tags: ['assistant'],
    responses: { 200: { description: 'Assistant state' }, ...errors(401, 404) },
  },
  {
    method: 'get',
    path: '/api/sequences',
    summary: 'The organization’s sequences for Ari (empty without the assistant subscription)',
    tags: ['assistant'],
    responses: { 200: { description: 'Sequences' }, ...errors(401) },
  },
  {
    method: 'post',
    path: '/api/sequences',
    summary: 'Create a sequence (administrators); a malformed one is a 400 naming the problem',
    tags: ['assistant'],
    body: SequenceBodySchema.extend({ definition: SequenceSchema }),
    responses: { 201: { description: 'The sequence' }, ...errors(400, 401, 403, 415) },
  },
  {
    method: 'patch',
    path: '/api/sequences/{id}',
    summary: 'Replace a sequence’s definition (administrators)',
    tags: ['assistant'],
    body: SequenceBodySchema.extend({ definition: SequenceSchema }),
    responses: { 200: { description: 'The sequence' }, ...errors(400, 401, 403, 404, 415) },
  },
  {
    method: 'get',
    path: '/book/{slug}',
    summary: 'The candidate’s booking page (HTML) behind {{calendarLink}}; needs the link’s c and t parameters',
    tags: ['booking'],
    auth: false,
    responses: {
      200: { description: 'Open slots in the candidate’s time zone', contentType: 'text/html' },
      404: { description: 'Not a valid booking link (HTML)' },
    },
  },
  {
    method: 'post',
    path: '/book/{slug}',
    summary: 'Book a slot (form: c, t, startsAt); a slot is booked once',
    tags: ['booking'],
    auth: false,
    responses: { 200: { description: 'Confirmation page', contentType: 'text/html' }, 409: { description: 'The slot was taken or is not open (HTML)' } },
  },
  {
    method: 'post',
    path: '/webhooks/twilio/inbound',
    summary: 'Twilio inbound message webhook (form-encoded, signed)',
    tags: ['webhooks'],
    auth: false,
    responses: { 200: { description: 'Empty TwiML', contentType: 'text/xml' }, ...errors(403) },
  },
  {
    method: 'post',
    path: '/webhooks/twilio/status',
    summary: 'Twilio status callback (form-encoded, signed)',
    tags: ['webhooks'],
    auth: false,
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
    for (const [, name] of op.path.matchAll(/\{(\w+)\}/g)) {
      if (name === 'id' && op.path.startsWith('/api/candidates/')) parameters.push(idPath);
      else if (name === 'candidateId') parameters.push({ ...idPath, name });
      else if (name === 'importId')
        parameters.push({ name, in: 'path', required: true, schema: { type: 'string' }, description: 'As POST /api/candidates/import answered.' });
      else if (name === 'slug')
        parameters.push({ name, in: 'path', required: true, schema: { type: 'string' }, description: 'The recruiter’s booking handle.' });
      else parameters.push({ name, in: 'path', required: true, schema: { type: 'integer', minimum: 1 } });
    }
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
      ...(op.files
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(Object.entries(op.files).map(([type, example]) => [type, { schema: { type: 'string' }, example }])),
            },
          }
        : {}),
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
