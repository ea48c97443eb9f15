/**
 * Campaign delivery survives crashes: the real server as a child process on a database (a file,
 * or a PostgreSQL database), killed with SIGKILL at several points of a campaign of several
 * hundred recipients and restarted each time on the same database. At the end every eligible recipient has exactly one text, none is missing,
 * the campaign is sent and nothing is left queued or half-sent.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Params } from '../db/types.js';
import { call, freePort, startChildServer, type ChildServer } from './support/child-server.js';
import { seededTestDatabase } from './support/seeded-file.js';
import type { TestDatabase } from './support/test-db.js';

const EXTRA = 300;
const RATE = 50;

let dir: string;
let databaseEnv: Record<string, string>;
/** The test's own connection, reading beside the server. */
let reader: TestDatabase;
let port: number;
let server: ChildServer | null = null;
const started: ChildServer[] = [];
let token: string;

function env(): Record<string, string> {
  return {
    PORT: String(port),
    ...databaseEnv,
    PROVIDER: 'simulator',
    SEND_RATE_PER_SECOND: String(RATE),
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
const get = async <T>(text: string, ...params: Params) => (await reader.db.get<T>(reader.db.stmt(text), ...params))!;

/** Texts the simulated phones received whose body starts with `prefix`, per phone. */
async function receivedPerPhone(prefix: string): Promise<Map<string, number>> {
  const rows = await all<{ phone: string; n: number }>(
    `select phone, count(*) as n from simulator_messages where direction = 'to-phone' and body like ? group by phone`,
    `${prefix}%`,
  );
  return new Map(rows.map((r) => [r.phone, r.n]));
}

async function receivedCount(prefix: string): Promise<number> {
  return (await get<{ n: number }>(`select count(*) as n from simulator_messages where direction = 'to-phone' and body like ?`, `${prefix}%`)).n;
}

/** Acme's candidates who can be texted (SMS; WhatsApp ones have no open window), with their phones. */
async function eligibleCandidates(atsIds?: string[]) {
  const rows = await all<{ atsId: string; phone: string }>(
    `select c.ats_id as "atsId", c.phone from candidates c join organizations o on o.id = c.org_id
     where o.slug = 'acme' and c.phone is not null and c.consent_at is not null and c.opted_out_at is null and c.channel = 'sms'`,
  );
  return atsIds ? rows.filter((r) => atsIds.includes(r.atsId)) : rows;
}

async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs: number, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${server ? `\nserver output:\n${server.output()}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function createAndSchedule(name: string, body: string, candidateIds: string[], sendAt: string | null = null) {
  const created = await api('POST', '/api/campaigns', { name, candidateIds });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.campaign.id as number;
  const message = await api('POST', `/api/campaigns/${id}/messages`, { body, sendAt });
  expect(message.status, JSON.stringify(message.body)).toBe(201);
  const scheduled = await api('POST', `/api/campaigns/${id}/messages/${message.body.message.id}/schedule`);
  expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200);
  return { id, review: message.body.review, messageId: message.body.message.id as number };
}

/** Waits for the campaign to finish and every text to reach a final state, then checks the books. */
async function expectExactlyOnce(campaignId: number, prefix: string, expected: { atsId: string; phone: string }[]) {
  await waitFor(
    'the campaign to be sent and every text settled',
    async () => {
      const detail = await api('GET', `/api/campaigns/${campaignId}`);
      if (detail.body.status !== 'sent') return false;
      const open = await get<{ n: number }>(`select count(*) as n from messages where campaign_id = ? and status in ('queued', 'sending')`, campaignId);
      return open.n === 0;
    },
    30_000,
    100,
  );
  // The simulator refuses ...-0197 at send time (21211): no text, a failed message.
  const reachable = expected.filter((c) => !c.phone.endsWith('0197'));
  const perPhone = await receivedPerPhone(prefix);
  const wanted = new Map<string, number>();
  for (const c of reachable) wanted.set(c.phone, (wanted.get(c.phone) ?? 0) + 1);
  const duplicates = [...perPhone].filter(([phone, n]) => n > (wanted.get(phone) ?? 0));
  const missing = [...wanted].filter(([phone, n]) => (perPhone.get(phone) ?? 0) < n);
  expect({ duplicates, missing }).toEqual({ duplicates: [], missing: [] });
  expect(Object.fromEntries(perPhone)).toEqual(Object.fromEntries(wanted));

  const statuses = Object.fromEntries(
    (await all<{ status: string; n: number }>(`select status, count(*) as n from messages where campaign_id = ? group by status`, campaignId)).map((r) => [
      r.status,
      r.n,
    ]),
  );
  expect(statuses.queued ?? 0).toBe(0);
  expect(statuses.sending ?? 0).toBe(0);
  expect(statuses.unknown ?? 0).toBe(0);
  expect((await get<{ n: number }>(`select count(*) as n from messages where campaign_id = ? and claim_token is not null`, campaignId)).n).toBe(0);
  // One message per candidate, one delivery per recipient, none pending.
  expect(await all(`select candidate_id from messages where campaign_id = ? group by candidate_id having count(*) > 1`, campaignId)).toEqual([]);
  expect(
    await get(
      `select count(*) as n from campaign_deliveries d join campaign_messages m on m.id = d.campaign_message_id where m.campaign_id = ? and d.status = 'pending'`,
      campaignId,
    ),
  ).toEqual({ n: 0 });
  const detail = (await api('GET', `/api/campaigns/${campaignId}`)).body;
  expect(detail.stats.sent + detail.stats.failed).toBe(expected.length);
  expect(detail.stats.queued).toBe(0);
  return detail;
}

beforeAll(async () => {
  const seeded = await seededTestDatabase('crash', { count: EXTRA, first: 2000 });
  ({ dir, env: databaseEnv } = seeded);
  port = await freePort();

  await start();
  // Beside the server (SQLite's WAL lets it read while the server writes).
  reader = await seeded.open();
  const login = await call(server!.url, 'POST', '/api/auth/login', { email: 'recruiter@acme.test', password: 'demo1234' });
  expect(login.status).toBe(200);
  token = login.body.token;
  // Texting all day, so the test does not depend on the hour it runs at.
  const org = await api('PATCH', '/api/organization', { textingHours: { start: '00:00', end: '24:00' } });
  expect(org.status).toBe(200);
});

afterAll(async () => {
  for (const s of started) if (s.alive()) await s.kill('SIGKILL');
  await reader?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('SIGKILL during a campaign, restart on the same database', () => {
  it('killed at 10%, 40% and 70% of the texts: every eligible recipient gets exactly one', async () => {
    const everyone = (
      await all<{ atsId: string }>(`select c.ats_id as "atsId" from candidates c join organizations o on o.id = c.org_id where o.slug = 'acme'`)
    ).map((r) => r.atsId);
    const eligible = await eligibleCandidates();
    expect(eligible.length).toBeGreaterThan(EXTRA + 50);
    const { id, review } = await createAndSchedule('Crash one', 'Crash one for {{firstName}}', everyone);
    expect(review.recipients).toBe(everyone.length);
    expect(review.eligible).toBe(eligible.length);

    const target = eligible.length;
    const killedAt: number[] = [];
    for (const share of [0.1, 0.4, 0.7]) {
      await waitFor(`${share * 100}% of the texts`, async () => (await receivedCount('Crash one')) >= Math.floor(target * share), 30_000, 10);
      await kill();
      killedAt.push(await receivedCount('Crash one'));
      await start();
    }
    // The kills landed mid-campaign.
    expect(killedAt[0]!).toBeLessThan(target);
    expect(killedAt[2]!).toBeLessThan(target);
    const detail = await expectExactlyOnce(id, 'Crash one', eligible);
    expect(detail.status).toBe('sent');
    // For the record: how often a kill landed mid-hand-over (claims recovered on restart).
    const recovered = started.reduce((n, s) => n + s.count('recovered a text claimed before a restart'), 0);
    console.info(`crash test: killed at ${killedAt.join(', ')} of ${target} texts; ${recovered} claimed text(s) recovered after restarts`);
  }, 60_000);

  it('killed right after Send: the restart sends the whole campaign, once', async () => {
    const ids = (await eligibleCandidates()).map((c) => c.atsId);
    const before = await receivedCount('Crash two');
    expect(before).toBe(0);
    const { id } = await createAndSchedule('Crash two', 'Crash two for {{firstName}}', ids);
    await kill();
    const atKill = await receivedCount('Crash two');
    expect(atKill).toBeLessThan(ids.length);
    await start();
    await expectExactlyOnce(id, 'Crash two', await eligibleCandidates(ids));
  }, 60_000);

  it('killed after Save for later: the restart sends it at its time, once', async () => {
    const ids = (await eligibleCandidates()).slice(0, 40).map((c) => c.atsId);
    const sendAt = new Date(Date.now() + 2500).toISOString();
    const { id } = await createAndSchedule('Crash three', 'Crash three for {{firstName}}', ids, sendAt);
    await kill();
    expect(await receivedCount('Crash three')).toBe(0);
    await start();
    await waitFor('the scheduled start', async () => (await receivedCount('Crash three')) > 0, 15_000, 10);
    const first = await get<{ at: number }>(`select min(created_at) as at from simulator_messages where body like 'Crash three%'`);
    // It waited for its time (restart permitting, it starts at once after).
    expect(first.at).toBeGreaterThanOrEqual(Date.parse(sendAt));
    await expectExactlyOnce(id, 'Crash three', await eligibleCandidates(ids));
  }, 60_000);
});
