/**
 * The headline of issue 13: the real server as a child process with PROVIDER=twilio, against the
 * fake Twilio in this process (real HTTP both ways: the API, and signed status callbacks to the
 * server's webhook), during a campaign of several hundred recipients while Twilio misbehaves
 * (creates then answers 502/504, creates then resets the connection, 429s, 503s without creating,
 * a short outage, a list that lags behind creation) and the server is SIGKILLed three times and
 * restarted on the same database (a file on SQLite, a database on PostgreSQL). At the end every eligible recipient has exactly one
 * message at Twilio, the ineligible none, nothing is left queued or handed over without an id,
 * and nothing is `unknown`.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Params } from '../db/types.js';
import { call, freePort, startChildServer, type ChildServer } from './support/child-server.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, startFakeTwilio, type FakeTwilio, type Step } from './support/fake-twilio.js';
import { seededTestDatabase } from './support/seeded-file.js';
import type { TestDatabase } from './support/test-db.js';

const EXTRA = 300;
const LIST_LAG_MS = 1000;

let dir: string;
/** Points a child server at the test database (DATABASE_PATH or DATABASE_URL). */
let databaseEnv: Record<string, string>;
/** The test's own connection, reading what the servers wrote. */
let reader: TestDatabase;
let port: number;
let twilio: FakeTwilio;
let server: ChildServer | null = null;
const started: ChildServer[] = [];
let token: string;

function env(): Record<string, string> {
  return {
    PORT: String(port),
    ...databaseEnv,
    PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: FAKE_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
    TWILIO_SMS_FROM: '+15005550006',
    TWILIO_API_BASE_URL: twilio.baseUrl,
    // Longer than the fake's list lag: a miss within it is asked again, not re-sent.
    TWILIO_LIST_GRACE_MS: String(3 * LIST_LAG_MS),
    SEND_RATE_PER_SECOND: '100',
    DISPATCH_LEASE_MS: '1000',
  };
}

async function start() {
  server = await startChildServer(env());
  started.push(server);
  return server;
}

async function kill() {
  await server!.kill('SIGKILL');
  server = null;
}

const api = (method: string, path: string, body?: unknown) => call(server!.url, method, path, body, token);
const all = <T>(text: string, ...params: Params) => reader.db.all<T>(reader.db.stmt(text), ...params);

async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs: number, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${server ? `\nserver output:\n${server.output()}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A fault for roughly half the recipients, by position: the rest are created at once. */
function faultFor(i: number): Step[] {
  switch (i % 10) {
    case 1:
      return ['create-then-5xx'];
    case 2:
      return ['create-then-reset'];
    case 3:
      return [{ status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '1' }, 'create'];
    case 4:
      return [{ status: 503, code: 20503, message: 'Service Unavailable' }, 'create'];
    case 5:
      return [{ status: 429, code: 20429, message: 'Too Many Requests' }, 'create-then-5xx'];
    default:
      return ['create'];
  }
}

beforeAll(async () => {
  twilio = await startFakeTwilio({ now: Date.now });
  twilio.setListLag(LIST_LAG_MS);
  twilio.setAutoReport(['sent']);
  const seeded = await seededTestDatabase('twilio-crash', { count: EXTRA, first: 2000 });
  ({ dir, env: databaseEnv } = seeded);
  port = await freePort();
  await start();
  reader = await seeded.open();
  const login = await call(server!.url, 'POST', '/api/auth/login', { email: 'recruiter@acme.test', password: 'demo1234' });
  expect(login.status).toBe(200);
  token = login.body.token;
  // Texting all day, so the test does not depend on the hour it runs at.
  const org = await api('PATCH', '/api/organization', { textingHours: { start: '00:00', end: '24:00' } });
  expect(org.status).toBe(200);
}, 60_000);

afterAll(async () => {
  for (const s of started) if (s.alive()) await s.kill('SIGKILL');
  await reader?.close();
  await twilio?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('SIGKILL during a campaign while Twilio fails on purpose', () => {
  it('killed three times with 5xx-after-create, resets, 429s, 503s, an outage and list lag: exactly one message per eligible recipient', async () => {
    const everyone = await all<{ atsId: string; phone: string | null; eligible: number }>(
      `select c.ats_id as "atsId", c.phone,
         case when c.phone is not null and c.consent_at is not null and c.opted_out_at is null and c.channel = 'sms' then 1 else 0 end as eligible
       from candidates c join organizations o on o.id = c.org_id where o.slug = 'acme'`,
    );
    const eligible = everyone.filter((c) => c.eligible);
    const ineligible = everyone.filter((c) => !c.eligible && c.phone);
    expect(eligible.length).toBeGreaterThan(EXTRA);
    eligible.forEach((c, i) => twilio.script(c.phone!, faultFor(i)));

    const created = await api('POST', '/api/campaigns', { name: 'Faults', candidateIds: everyone.map((c) => c.atsId) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.campaign.id as number;
    const message = await api('POST', `/api/campaigns/${id}/messages`, { body: 'Faults for {{firstName}}', sendAt: null });
    expect(message.status, JSON.stringify(message.body)).toBe(201);
    expect(message.body.review.eligible).toBe(eligible.length);
    const scheduled = await api('POST', `/api/campaigns/${id}/messages/${message.body.message.id}/schedule`);
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200);

    const target = eligible.length;
    const killedAt: number[] = [];
    for (const share of [0.1, 0.4, 0.7]) {
      await waitFor(`${share * 100}% at Twilio`, () => twilio.created.length >= Math.floor(target * share), 30_000, 5);
      await kill();
      killedAt.push(twilio.created.length);
      // Once, Twilio is also down for a moment while the server comes back.
      if (share === 0.4) await twilio.outage(500);
      await start();
    }
    expect(killedAt[2]!).toBeLessThan(target);

    await waitFor(
      'every text at Twilio and recorded',
      async () => {
        const [open] = await all<{ n: number }>(
          `select count(*) as n from messages where campaign_id = ? and (status = 'queued' or (status = 'sending' and provider_sid is null) or claim_token is not null)`,
          id,
        );
        return open!.n === 0 && twilio.created.length >= target;
      },
      40_000,
      100,
    );

    // Exactly one message at Twilio per eligible recipient, none for anyone else.
    const perPhone = new Map<string, number>();
    for (const m of twilio.created) perPhone.set(m.to, (perPhone.get(m.to) ?? 0) + 1);
    const duplicates = [...perPhone].filter(([, n]) => n > 1);
    const missing = eligible.filter((c) => !perPhone.has(c.phone!)).map((c) => c.atsId);
    expect({ duplicates, missing }).toEqual({ duplicates: [], missing: [] });
    for (const c of ineligible) expect(perPhone.has(c.phone!)).toBe(false);
    expect(twilio.created).toHaveLength(target);

    // Every text recorded with Twilio's id for it; nothing unknown, nothing failed.
    const statuses = Object.fromEntries(
      (await all<{ status: string; n: number }>(`select status, count(*) as n from messages where campaign_id = ? group by status`, id)).map((r) => [
        r.status,
        r.n,
      ]),
    );
    expect(statuses.unknown ?? 0).toBe(0);
    expect(statuses.failed ?? 0).toBe(0);
    expect(statuses.queued ?? 0).toBe(0);
    const sids = await all<{ sid: string | null }>(`select provider_sid as sid from messages where campaign_id = ?`, id);
    expect(sids).toHaveLength(target);
    expect(new Set(sids.map((r) => r.sid))).toEqual(new Set(twilio.created.map((m) => m.sid)));
    await waitFor('the campaign to be sent', async () => (await api('GET', `/api/campaigns/${id}`)).body.status === 'sent', 10_000, 100);
    console.info(`twilio crash test: killed at ${killedAt.join(', ')} of ${target} messages at Twilio; ${twilio.posts().length} POSTs`);
  }, 120_000);
});
