/**
 * The fuzz suite: every operation of GET /api/openapi.json, first as a request the server should
 * accept (its baseline), then mutated one wrong thing at a time: each required field left out,
 * wrong types, unknown fields, huge strings and numbers, unicode, bad path ids, bad cursors and
 * query values, bad tokens, bad content types, bodies over the limit. Whatever is asked:
 *
 * - the server never answers 5xx;
 * - a refusal (4xx) is `{ error: { code, message } }`, both non-empty (the booking page, which a
 *   candidate opens on a phone, may answer its own HTML page instead);
 * - a refusal writes nothing to the database (support/fuzz/write-watch.ts: every row of every
 *   table, no table left out, but the throttles' own: a refused sign-in or booking is counted, in
 *   memory or, shared by a cluster's instances, in login_failures and booking_attempts; an
 *   integration key's last use is recorded before the cases);
 * - a success answers what the contract says (the harness's check of every answer);
 * - another organisation's administrator never reaches this organisation's rows by their ids;
 * - after each operation's cases, the requests every screen makes, and a dispatcher round, still
 *   succeed: no accepted setting breaks later requests.
 *
 * Every operation is sent, those outside the JSON API too: the providers' webhooks (signed, then
 * unsigned, mis-signed and malformed), the booking page's GET and POST, and the event stream,
 * whose first answer is read and the stream then cancelled (it never ends by itself).
 *
 * Bounded and seeded: the structural cases (tokens, ids, content types, limits, missing fields)
 * run every time; of the many per-field ones (a type, a strange string or number for each field) a
 * seeded sample of SAMPLED_PER_OPERATION per operation. A failure names the operation, the case
 * and the seed; run it again with
 *   FUZZ_SEED=<seed> FUZZ_OP='<METHOD> <path>' npx vitest run server/test/fuzz.test.ts
 * FUZZ_FULL=1 runs every case of every operation (minutes, not seconds).
 */
import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { first } from '../db/types.js';
import { bookingToken } from '../services/booking-links.js';
import { computeTwilioSignature } from '../providers/twilio-signature.js';
import { createHarness, TEST_AUTH_TOKEN } from './harness.js';
import { checkAgainstContract } from './support/contract-check.js';
import { describeCase, mutationsFor, render, type Auth, type Draft, type Mutation } from './support/fuzz/cases.js';
import { operationsOf, validValue, type Hints, type OpenApiDocument, type Operation } from './support/fuzz/operations.js';
import { hashSeed, prng } from './support/fuzz/prng.js';
import { watchWrites } from './support/fuzz/write-watch.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 0x5eed;
if (!Number.isInteger(SEED)) throw new Error(`FUZZ_SEED must be an integer, not ${process.env.FUZZ_SEED}`);
/** FUZZ_OP runs only the operations whose key (`POST /api/campaigns`) contains it. */
const ONLY = process.env.FUZZ_OP;
const FULL = process.env.FUZZ_FULL === '1';
/** FUZZ_STATS=1 prints each operation's statuses and its slowest case. */
const STATS = process.env.FUZZ_STATS === '1';
/** FUZZ_TRACE=1 prints every case's status and name. */
const TRACE = process.env.FUZZ_TRACE === '1';
/** Per-field cases a run samples per operation (the structural ones always run). */
const SAMPLED_PER_OPERATION = 45;
/** The document has 46 operations today; far fewer means it (or its reading) broke. */
const OPERATIONS_AT_LEAST = 40;

const PUBLIC_URL = 'http://te.test';
const ACME_SMS = '+12025550100';
const MARIA = { id: '10001', phone: '+12125550101' };
/**
 * The candidate the candidate paths name: not Maria, whom the import's example line (run by
 * Globex's administrator too) also creates in Globex, where she then legitimately exists.
 */
const NEHA = '10008';
/** Handed to Ari, and taken back, with each sequence the cases created or changed. */
const CHIOMA = '10035';
const LOGOUT = 'POST /api/auth/logout';
/** Where the throttles count refused sign-ins and bookings: a refusal is what they count. */
const THROTTLE_TABLES = new Set(['login_failures', 'booking_attempts']);

const h = await createHarness({ start: false });
const document = (await (await h.request('/api/openapi.json')).json()) as OpenApiDocument;
const operations = operationsOf(document);
const writes = watchWrites(h.sql, h.db.engine);

/** What the cases need that the document cannot say: tokens, ids of real rows, a valid sequence. */
interface Fixtures {
  tokens: Record<'admin' | 'nonAdmin' | 'otherOrg' | 'apiKey' | 'revokedToken', string>;
  campaignId: number;
  campaignMessageId: number;
  importId: string;
  sequenceId: number;
  /** Acme's own template, for the template endpoints' path. */
  templateId: number;
  sequenceDefinition: unknown;
  /** A picture Maria sent (GET /api/media/:id). */
  mediaId: number;
  slug: string;
  bookingToken: string;
  /** Candidates with their booking links: a link books at most 10 times an hour, so the cases take turns. */
  bookers: { id: string; token: string }[];
  /** The recruiter's open slots (the cases take each in turn, so a valid booking finds it free). */
  slots: string[];
  /** Globex's, for the cases that name another organisation's rows. */
  other: { campaignId: number; campaignMessageId: number; candidateId: string; apiKeyId: number; importId: string; templateId: number };
}
let fx: Fixtures;
let fresh = 0;
const unique = (prefix: string) => `${prefix}-${++fresh}`;
/** Whose turn it is to book, and which slot they take. */
let bookingTurn = 0;

async function json(method: string, path: string, body?: unknown, token = fx?.tokens.admin): Promise<{ status: number; body: any }> {
  const res = await h.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`fixture ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A sign-in token written straight to the database: signing out with it costs no password check. */
async function mintToken(email: string): Promise<string> {
  const { apiTokens } = h.db.t;
  const recruiter = await recruiterOf(email);
  const token = randomBytes(24).toString('base64url');
  const now = h.clock.now();
  await h.db.orm.insert(apiTokens).values({
    orgId: recruiter.orgId,
    recruiterId: recruiter.id,
    tokenHash: createHash('sha256').update(token).digest('hex'),
    createdAt: now,
    expiresAt: now + 86_400_000,
  });
  return token;
}

async function recruiterOf(email: string) {
  const { recruiters } = h.db.t;
  return (await first(h.db.orm.select().from(recruiters).where(eq(recruiters.email, email))))!;
}

async function setUp(): Promise<Fixtures> {
  const admin = await h.login();
  const nonAdmin = await h.login('nolicense@acme.test');
  const otherOrg = await h.login('recruiter@globex.test');
  const revokedToken = await mintToken('recruiter@acme.test');
  await json('POST', '/api/auth/logout', undefined, revokedToken);
  const key = await json('POST', '/api/api-keys', { name: 'Fuzz key' }, admin);
  const apiKey = key.body.key as string;
  // A key's first use is recorded (api_keys.last_used_at, at most once a minute); the clock never
  // moves in this file, so using it once here means no refused request later records a use.
  await json('GET', `/api/candidates/${MARIA.id}`, undefined, apiKey);

  const campaign = await json('POST', '/api/campaigns', { name: 'Fuzz shared', candidateIds: [MARIA.id, '10002', '10003'] }, admin);
  const message = await json(
    'POST',
    `/api/campaigns/${campaign.body.campaign.id}/messages`,
    { body: 'Hi {{firstName}}', sendAt: '2026-03-10T15:00:00Z' },
    admin,
  );
  const sequences = (await json('GET', '/api/sequences', undefined, admin)).body.sequences as { id: number; kind: string; definition: unknown }[];
  const outbound = sequences.find((s) => s.kind === 'outbound')!;

  const globexCampaign = await json('POST', '/api/campaigns', { name: 'Globex', candidateIds: ['20001'] }, otherOrg);
  const globexMessage = await json('POST', `/api/campaigns/${globexCampaign.body.campaign.id}/messages`, { body: 'Hi', sendAt: null }, otherOrg);
  const globexKey = await json('POST', '/api/api-keys', { name: 'Globex key' }, otherOrg);
  const globexTemplates = (await json('GET', '/api/templates', undefined, otherOrg)).body.templates as { id: number }[];
  const acmeTemplates = (await json('GET', '/api/templates', undefined, admin)).body.templates as { id: number }[];
  const { candidateImports, organizations } = h.db.t;
  const importOf = async (slug: string) =>
    (await first(
      h.db.orm
        .select({ id: candidateImports.id })
        .from(candidateImports)
        .innerJoin(organizations, eq(organizations.id, candidateImports.orgId))
        .where(eq(organizations.slug, slug)),
    ))!.id;

  const recruiter = await recruiterOf('recruiter@acme.test');
  const org = (await first(h.db.orm.select().from(organizations).where(eq(organizations.id, recruiter.orgId))))!;
  const linkFor = (id: string) => ({ id, token: bookingToken(org.bookingSecret, recruiter.id, id, h.clock.now() + 7 * 86_400_000) });
  const bookers = [MARIA.id, '10011', '10016', '10022', '10024', '10025', '10029', '10031', '10032', '10034'].map(linkFor);
  const booking = await h.services.bookings.resolve(recruiter.bookingSlug, MARIA.id, bookers[0]!.token);
  return {
    tokens: { admin, nonAdmin, otherOrg, apiKey, revokedToken },
    campaignId: campaign.body.campaign.id,
    campaignMessageId: message.body.message.id,
    importId: await importOf('acme'),
    sequenceId: outbound.id,
    templateId: acmeTemplates[0]!.id,
    sequenceDefinition: outbound.definition,
    mediaId: await storedPicture(admin),
    slug: recruiter.bookingSlug,
    bookingToken: bookers[0]!.token,
    bookers,
    slots: (await h.services.bookings.openSlots(booking)).flatMap((d) => d.slots.map((slot) => slot.startsAt)),
    other: {
      campaignId: globexCampaign.body.campaign.id,
      campaignMessageId: globexMessage.body.message.id,
      candidateId: '20001',
      apiKeyId: globexKey.body.id,
      importId: await importOf('globex'),
      templateId: globexTemplates[0]!.id,
    },
  };
}

/** JSON bodies' fields by name, where the schema alone does not say what the server accepts. */
const bodyHints = (): Hints => ({
  email: 'recruiter@acme.test',
  password: 'demo1234',
  body: 'Hi {{firstName}}, this is the fuzz suite.',
  templateId: undefined,
  sequenceId: fx.sequenceId,
  definition: structuredClone(fx.sequenceDefinition),
  primary: false,
  active: true,
  candidateIds: [MARIA.id, '10002'],
  sendAt: '2026-03-10T15:00:00Z',
  at: '2026-03-01T12:00:00Z',
  phone: '+12125550177',
  timeZone: 'America/Chicago',
  defaultTimeZone: 'America/Chicago',
  start: '08:00',
  end: '21:00',
  sendRatePerSecond: 1,
  // A template's name is unique in its organisation; its WhatsApp content SID and variables have their own forms.
  name: unique('fz-name'),
  contentSid: 'HX' + '0123456789abcdef'.repeat(2),
  contentVariables: { '1': 'firstName' },
  // The organisation's senders: its own numbers again (another organisation's would be 409).
  smsFrom: '+12025550100',
  whatsappFrom: '+12025550101',
  messagingServiceSid: null,
});
/** Query values by name: `ids` would turn the search into a look-up, and no cursor is valid unasked. */
const queryHints: Hints = { ids: undefined, cursor: undefined, query: 'Garcia' };

/**
 * Operations that use up what they are given (a deletion, a schedule, an upsert that creates):
 * each of their cases gets its own rows, made before the database is watched. (Signing out uses
 * up its token: authorizationFor gives each of its cases a fresh one.)
 */
const freshParams: Record<string, () => Promise<Record<string, string>>> = {
  'PUT /api/candidates/{id}': async () => ({ id: unique('fz-new') }),
  'DELETE /api/candidates/{id}': async () => {
    const id = unique('fz-erase');
    await json('PUT', `/api/candidates/${id}`, { firstName: 'Erase', lastName: 'Me', phone: '+12125550188' });
    return { id };
  },
  'DELETE /api/api-keys/{id}': async () => ({ id: String((await json('POST', '/api/api-keys', { name: unique('key') })).body.id) }),
  'DELETE /api/campaigns/{id}': async () => ({ id: String((await json('POST', '/api/campaigns', { name: unique('camp') })).body.campaign.id) }),
  'DELETE /api/campaigns/{id}/candidates/{candidateId}': async () => ({
    id: String((await json('POST', '/api/campaigns', { name: unique('camp'), candidateIds: [MARIA.id] })).body.campaign.id),
    candidateId: MARIA.id,
  }),
  'DELETE /api/campaigns/{id}/messages/{messageId}': () => campaignWithMessage(),
  'POST /api/campaigns/{id}/messages/{messageId}/schedule': () => campaignWithMessage(),
  'DELETE /api/templates/{id}': async () => ({ id: String((await json('POST', '/api/templates', { name: unique('tpl'), body: 'Hi {{firstName}}' })).body.id) }),
};

async function campaignWithMessage() {
  const id = (await json('POST', '/api/campaigns', { name: unique('camp'), candidateIds: [MARIA.id, '10002'] })).body.campaign.id;
  const messageId = (await json('POST', `/api/campaigns/${id}/messages`, { body: 'Hi {{firstName}}', sendAt: '2026-03-10T15:00:00Z' })).body.message.id;
  return { id: String(id), messageId: String(messageId) };
}

/** A picture on one of Maria's texts, stored as services/media.ts leaves one once fetched. */
async function storedPicture(admin: string): Promise<number> {
  const sent = await json('POST', `/api/candidates/${MARIA.id}/messages`, { body: 'A text with a picture' }, admin);
  const message = (await h.sql.get<{ id: number; orgId: number }>(`select id, org_id as "orgId" from messages where id = ?`, sent.body.id))!;
  const row = await h.sql.get<{ id: number }>(
    `insert into message_media (org_id, message_id, idx, content_type, bytes, size, status, created_at) values (?, ?, 0, 'image/png', ?, 4, 'stored', ?) returning id`,
    message.orgId,
    message.id,
    Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    h.clock.now(),
  );
  return row!.id;
}

function sharedParam(op: Operation, name: string): string {
  if (op.path.startsWith('/api/media/')) return String(fx.mediaId);
  if (name === 'slug') return fx.slug;
  if (name === 'importId') return fx.importId;
  if (name === 'messageId') return String(fx.campaignMessageId);
  if (op.path.startsWith('/api/candidates/')) return NEHA;
  if (op.path.startsWith('/api/campaigns/')) return String(fx.campaignId);
  if (op.path.startsWith('/api/sequences/')) return String(fx.sequenceId);
  if (op.path.startsWith('/api/templates/')) return String(fx.templateId);
  throw new Error(`${op.key}: no value for path parameter ${name}; add one to the fuzz suite's fixtures`);
}

/** Something of Globex's, where an id of Acme's is expected. */
function otherOrgValue(op: Operation, name: string): unknown {
  if (name === 'candidateId' || (name === 'id' && op.path.startsWith('/api/candidates/'))) return fx.other.candidateId;
  if (name === 'candidateIds') return [fx.other.candidateId];
  if (name === 'messageId') return fx.other.campaignMessageId;
  if (name === 'importId') return fx.other.importId;
  if (name === 'id' && op.path.startsWith('/api/campaigns/')) return fx.other.campaignId;
  if (name === 'id' && op.path.startsWith('/api/api-keys/')) return fx.other.apiKeyId;
  if (name === 'templateId') return fx.other.templateId;
  if (name === 'id' && op.path.startsWith('/api/templates/')) return fx.other.templateId;
  return undefined;
}

/** A provider's id for a text no earlier case used (a repeated one is a duplicate, answered as such). */
const newSid = () => `SM${String(++fresh).padStart(32, '0')}`;

/** The request the server should accept, for one case (fresh rows for the operations that use them up). */
async function baseline(op: Operation): Promise<Draft> {
  const pathParams: Draft['pathParams'] = {};
  const made = await freshParams[op.key]?.();
  for (const p of op.parameters.filter((p) => p.in === 'path')) pathParams[p.name] = { value: made?.[p.name] ?? sharedParam(op, p.name) };
  const query: [string, string][] = [];
  for (const p of op.parameters.filter((p) => p.in === 'query')) {
    const value = validValue(p.schema, p.name, queryHints);
    if (value !== undefined) query.push([p.name, String(value)]);
  }
  const headers: Record<string, string> = {};
  if (op.parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')) headers['Idempotency-Key'] = unique('fuzz-key');
  const draft: Draft = {
    method: op.method,
    path: op.path,
    pathParams,
    query,
    headers,
    auth: op.public ? 'none' : op.key === LOGOUT ? 'fresh' : 'admin',
    body: { kind: 'none' },
  };

  if (op.jsonBody) draft.body = { kind: 'json', value: validValue(op.jsonBody, '', bodyHints()) };
  else if (op.files) {
    const [contentType, example] = Object.entries(op.files).find(([type]) => type.includes('ndjson')) ?? Object.entries(op.files)[0]!;
    draft.body = { kind: 'bytes', bytes: example };
    draft.contentType = contentType;
  } else if (op.key === 'POST /webhooks/twilio/inbound') {
    draft.body = {
      kind: 'form',
      fields: [
        ['MessageSid', newSid()],
        ['AccountSid', 'AC' + 'a'.repeat(32)],
        ['From', MARIA.phone],
        ['To', ACME_SMS],
        ['Body', 'Hello from the fuzz suite'],
      ],
    };
    draft.signature = 'valid';
  } else if (op.key === 'POST /webhooks/twilio/status') {
    draft.body = {
      kind: 'form',
      fields: [
        ['MessageSid', newSid()],
        ['MessageStatus', 'delivered'],
        ['To', MARIA.phone],
      ],
    };
    draft.signature = 'valid';
  } else if (op.key === 'GET /book/{slug}') {
    draft.query = [
      ['c', MARIA.id],
      ['t', fx.bookingToken],
    ];
  } else if (op.key === 'POST /book/{slug}') {
    const booker = fx.bookers[bookingTurn % fx.bookers.length]!;
    draft.body = {
      kind: 'form',
      fields: [
        ['c', booker.id],
        ['t', booker.token],
        ['startsAt', fx.slots[bookingTurn++ % fx.slots.length]!],
      ],
    };
  }
  return draft;
}

async function authorization(auth: Auth): Promise<string | undefined> {
  if (typeof auth === 'object') return auth.header;
  switch (auth) {
    case 'none':
      return undefined;
    case 'fresh':
      return `Bearer ${await mintToken('recruiter@acme.test')}`;
    case 'unknownToken':
      return 'Bearer not-a-token-this-server-issued-0123456789';
    case 'unknownApiKey':
      return 'Bearer tek_not-a-key-this-server-issued-0123456789';
    default:
      return `Bearer ${fx.tokens[auth]}`;
  }
}

/** Signing out uses its token up: there, every recruiter's token is a fresh one. */
async function authorizationFor(op: Operation, auth: Auth): Promise<string | undefined> {
  if (op.key !== LOGOUT) return authorization(auth);
  if (auth === 'admin' || auth === 'fresh') return `Bearer ${await mintToken('recruiter@acme.test')}`;
  if (auth === 'nonAdmin') return `Bearer ${await mintToken('nolicense@acme.test')}`;
  if (auth === 'otherOrg') return `Bearer ${await mintToken('recruiter@globex.test')}`;
  return authorization(auth);
}

function sign(url: string, fields: [string, string][]): string {
  const params: Record<string, string | string[]> = {};
  for (const [k, v] of fields) {
    const seen = params[k];
    params[k] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
  }
  return computeTwilioSignature(TEST_AUTH_TOKEN, PUBLIC_URL + url, params);
}

/** Until the imports a case started have written their rows (they run after the 202). */
async function settle(): Promise<void> {
  const running = async () => (await h.sql.get<{ n: number }>("select count(*) as n from candidate_imports where status = 'running'"))!.n;
  for (let i = 0; (await running()) > 0; i++) {
    if (i > 2000) throw new Error('an import is still running after 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setImmediate(resolve));
}

const isErrorBody = (body: unknown): boolean => {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && error.code.length > 0 && typeof error.message === 'string' && error.message.length > 0;
};

/** Paths that reach one of this organisation's rows by its id (a Globex caller must not). */
const reachesRowsById = (op: Operation) => op.path.startsWith('/api/') && op.path.includes('{') && op.key !== 'PUT /api/candidates/{id}';

interface CaseResult {
  status: number;
  problems: string[];
  ms: number;
  /** The baseline the case started from, before its mutation. */
  baseline: Draft;
}

/** One request, and what is wrong with its answer. */
async function runCase(op: Operation, mutation: Mutation | null): Promise<CaseResult> {
  const base = await baseline(op);
  const draft = structuredClone(base);
  mutation?.apply(draft);
  // Minted (a sign-in token written) before the database is watched; render only reads it.
  const authorizationHeader = await authorizationFor(op, draft.auth);
  const { url, init } = render(draft, { authorization: () => authorizationHeader, sign });
  await settle();
  await writes.before();
  const started = performance.now();
  const res = await h.app.request(url, init);
  const type = res.headers.get('content-type') ?? '';
  // The event stream never ends: its first answer is all a case needs.
  const text = type.startsWith('text/event-stream') ? (await res.body?.cancel(), '') : await res.text();
  await new Promise((resolve) => setImmediate(resolve));
  const problems: string[] = [];
  const shown = `${res.status} ${type.split(';')[0]} ${text.slice(0, 300)}`;
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = undefined;
  }
  if (res.status >= 500) problems.push(`answered ${shown}`);
  if (res.status >= 400) {
    const htmlPage = op.path.startsWith('/book/') && type.startsWith('text/html') && text.includes('<h1>');
    if (!htmlPage && (!type.startsWith('application/json') || !isErrorBody(body))) problems.push(`refused without { error: { code, message } }: ${shown}`);
    const changed = (await writes.changedTables()).filter((table) => !THROTTLE_TABLES.has(table));
    if (changed.length) problems.push(`refused with ${res.status} but wrote to ${changed.join(', ')}: ${shown}`);
  } else if (res.status < 300) {
    if (type.startsWith('application/json')) {
      try {
        checkAgainstContract(draft.method, url, res.status, body);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    if (draft.auth === 'otherOrg' && reachesRowsById(op)) problems.push(`another organization's administrator got ${shown}`);
    await settle();
  }
  return { status: res.status, problems, ms: performance.now() - started, baseline: base };
}

/** Sequences as the last operation's check ran them (id → definition). */
const sequencesSeen = new Map<number, string>();

/** The requests the extension's screens make, and a dispatcher round: each must still work. */
async function laterRequestsStillWork(): Promise<string[]> {
  const problems: string[] = [];
  const later: [string, string, unknown?][] = [
    ['GET', '/api/me'],
    ['GET', '/api/organization'],
    ['GET', `/api/candidates/${NEHA}`],
    ['GET', '/api/candidates?query=a&limit=100'],
    ['GET', `/api/candidates?ids=${NEHA},10002,nope`],
    ['GET', `/api/candidates/${NEHA}/messages`],
    ['GET', `/api/candidates/${NEHA}/assistant`],
    ['GET', '/api/campaigns'],
    ['GET', `/api/campaigns/${fx.campaignId}`],
    ['GET', `/api/campaigns/${fx.campaignId}/candidates`],
    ['POST', `/api/campaigns/${fx.campaignId}/preview`, { body: 'Hi {{firstName}} {{calendarLink}}', sendAt: null }],
    ['GET', '/api/sequences'],
    ['GET', '/api/templates'],
  ];
  for (const [method, path, body] of later) {
    try {
      await json(method, path, body);
    } catch (err) {
      problems.push(`later ${(err as Error).message.replace(/^fixture /, '')}`);
    }
  }
  // Every sequence the cases created or changed runs: a hand-off sends its first question.
  const sequences = (await json('GET', '/api/sequences')).body.sequences as { id: number; definition: unknown }[];
  for (const sequence of sequences) {
    const definition = JSON.stringify(sequence.definition);
    if (sequencesSeen.get(sequence.id) === definition) continue;
    sequencesSeen.set(sequence.id, definition);
    try {
      await json('POST', `/api/candidates/${CHIOMA}/assistant`, { active: true, sequenceId: sequence.id });
      await json('POST', `/api/candidates/${CHIOMA}/assistant`, { active: false });
    } catch (err) {
      problems.push(`later, with sequence ${sequence.id} ${definition.slice(0, 300)}: ${(err as Error).message.replace(/^fixture /, '')}`);
    }
  }
  const page = await h.request(`/book/${fx.slug}?c=${MARIA.id}&t=${fx.bookingToken}`);
  if (page.status !== 200) problems.push(`later GET /book/{slug} answered ${page.status}`);
  await page.text();
  try {
    await h.services.outbox.drain();
  } catch (err) {
    problems.push(`a dispatcher round threw: ${(err as Error).stack}`);
  }
  const blank = await h.sql.all("select id, sender from messages where direction = 'outbound' and trim(body) = ''");
  if (blank.length) problems.push(`blank texts were queued: ${JSON.stringify(blank)}`);
  return problems;
}

/** Every case of an operation, or this run's sample: the structural ones, and a seeded share of the rest. */
function casesOf(op: Operation, sample: Draft): Mutation[] {
  const rnd = prng(hashSeed(SEED, op.key));
  const declaredMethods = operations.filter((o) => o.path === op.path).map((o) => o.method);
  const firstOfPath = operations.find((o) => o.path === op.path) === op;
  const all = mutationsFor(op, sample, { otherOrg: (name) => otherOrgValue(op, name), declaredMethods, wrongMethod: firstOfPath });
  if (FULL) return all;
  const core = all.filter((m) => m.core);
  return [
    ...core,
    ...rnd.sample(
      all.filter((m) => !m.core),
      SAMPLED_PER_OPERATION,
    ),
  ];
}

describe(`fuzz (seed ${SEED})`, () => {
  beforeAll(async () => {
    fx = await setUp();
  });
  afterAll(() => h.close());

  it('reads every operation from the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(OPERATIONS_AT_LEAST);
    expect(operations.map((o) => o.key)).toContain('POST /api/candidates/{id}/messages');
  });

  operations.forEach((op) => {
    const run = ONLY && !op.key.includes(ONLY) ? it.skip : it;
    run(
      op.key,
      async () => {
        const failures: string[] = [];
        const first = await runCase(op, null);
        if (first.status >= 300)
          failures.push(`${describeCase(op.key, 'baseline', SEED)}: a valid request answered ${first.status} (${first.problems.join('; ')})`);
        for (const p of first.problems) failures.push(`${describeCase(op.key, 'baseline', SEED)}: ${p}`);
        const statuses = new Map<number, number>();
        let slowest = { ms: first.ms, name: 'baseline' };
        const cases = casesOf(op, first.baseline);
        for (const mutation of cases) {
          const { problems, status, ms } = await runCase(op, mutation);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (TRACE) console.log(`  ${status} ${mutation.name}`);
          if (ms > slowest.ms) slowest = { ms, name: mutation.name };
          for (const p of problems) failures.push(`${describeCase(op.key, mutation.name, SEED)}: ${p}`);
        }
        if (STATS) {
          const histogram = [...statuses]
            .sort(([a], [b]) => a - b)
            .map(([s, n]) => `${s}×${n}`)
            .join(' ');
          console.log(`${op.key}: ${cases.length + 1} cases, baseline ${first.status}; ${histogram}; slowest ${slowest.name} ${Math.round(slowest.ms)} ms`);
        }
        for (const p of await laterRequestsStillWork()) failures.push(`${describeCase(op.key, 'after its cases', SEED)}: ${p}`);
        expect(failures.slice(0, 25), `${failures.length} failures`).toEqual([]);
      },
      60_000,
    );
  });
});
