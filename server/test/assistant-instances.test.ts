/**
 * Ari with several server instances on one database: a turn (the answer to a reply, or the
 * greeting of a candidate who texts first) is due in the database, not in the memory of the
 * instance that received the text. One that dies before the turn leaves it to another; two
 * instances' rounds at once take each turn once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type TextEngagementApp } from '../app.js';
import type { Db } from '../db/types.js';
import { silentLogger } from '../deps.js';
import { FakeClock } from '../lib/clock.js';
import { createSimulatorProvider } from '../providers/simulator.js';
import { ASSISTANT_GATHER_MS } from '../tuning.js';
import { createHarness, type Harness } from './harness.js';
import { insertCandidates, iso } from './support/campaigns.js';
import { openTestDatabase, testEngine } from './support/test-db.js';

const GREETING = "Hi Dana, this is Ari, the recruiting assistant for Jordan Avery's team. Are you asking about a job opening? Reply YES or NO.";

let dir: string;
const closing: (() => Promise<void>)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'te-ari-instances-'));
});
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
  rmSync(dir, { recursive: true, force: true });
});

/** An instance on the test's database (a file on SQLite, one PostgreSQL database standing for it). */
async function instance(now?: number): Promise<Harness> {
  const h = await createHarness({ databasePath: join(dir, 'te.db'), ...(now ? { now: iso(now) } : {}) });
  closing.push(() => h.close());
  return h;
}

let serial = 0;
async function candidates(h: Harness, count: number) {
  const list = Array.from({ length: count }, () => {
    serial++;
    return { atsId: `ari-i-${serial}`, phone: `+1646555${String(6000 + serial).padStart(4, '0')}`, firstName: 'Dana' };
  });
  await insertCandidates(h.db, 'acme', list);
  return list;
}

const bodiesTo = async (h: Harness, phone: string) =>
  (await h.simulator.phoneMessages(phone, 100)).filter((m) => m.direction === 'to-phone').map((m) => m.body);

async function assistantOf(h: Harness, atsId: string) {
  const res = await h.api('GET', `/api/candidates/${atsId}/assistant`);
  expect(res.status).toBe(200);
  return res.body as { active: boolean; stepId: string | null };
}

async function dueTurns(db: Db): Promise<number> {
  return (await db.get<{ n: number }>(db.stmt('select count(*) as n from conversations where assistant_turn_at is not null')))!.n;
}

/** Waits on `h`'s fake clock (in steps of `step` ms, at most `ms`) until `check` holds. */
async function until(h: Harness, check: () => Promise<boolean>, what: string, { ms = 10_000, step = 100 } = {}) {
  for (let waited = 0; !(await check()); waited += step) {
    if (waited >= ms) throw new Error(`timed out waiting for ${what}`);
    await h.advance(step);
  }
}

describe('a turn whose instance died', () => {
  it('is taken by another instance once due: the reply answered and the greeting sent, each once', async () => {
    const a = await instance();
    const [inSequence, textsFirst] = await candidates(a, 2);
    expect((await a.api('POST', `/api/candidates/${inSequence!.atsId}/assistant`, { active: true })).status).toBe(200);
    await until(a, async () => (await bodiesTo(a, inSequence!.phone)).length === 1, 'the greeting of the hand-off');
    expect(await bodiesTo(a, inSequence!.phone)).toEqual([GREETING]);

    // Both texts reach instance A, which dies inside the gathering pause: its timers never run.
    await a.simulator.reply(inSequence!.phone, 'yes');
    await a.simulator.reply(textsFirst!.phone, 'Hi, is the warehouse job still open?');
    expect(await dueTurns(a.db)).toBe(2);
    const diedAt = a.clock.now();
    closing.pop();
    await a.close();

    const b = await instance(diedAt);
    await until(b, async () => (await dueTurns(b.db)) === 0 && (await bodiesTo(b, textsFirst!.phone)).length === 1, "instance B's turns");
    await b.advance(5000);
    expect(await bodiesTo(b, inSequence!.phone)).toEqual([GREETING, 'Which role are you interested in?']);
    expect(await bodiesTo(b, textsFirst!.phone)).toEqual([GREETING]);
    expect(await assistantOf(b, inSequence!.atsId)).toMatchObject({ active: true, stepId: 'role' });
    expect(await assistantOf(b, textsFirst!.atsId)).toMatchObject({ active: true, stepId: 'intro' });
    // Nothing of it came before the due time: the gathering pause holds on the new instance too.
    const answered = (await b.simulator.phoneMessages(inSequence!.phone, 100)).filter((m) => m.direction === 'to-phone').at(-1)!;
    expect(answered.createdAt).toBeGreaterThanOrEqual(diedAt + ASSISTANT_GATHER_MS);
  });
});

describe('two instances sweeping at once', () => {
  it('take each due turn once: every reply answered once', async () => {
    const a = await instance();
    // SQLite is served by one process: two apps in it share its connection (two connections in
    // one process would block each other's thread on the file's lock). On PostgreSQL each has its own pool.
    let second: Db = a.db;
    if (testEngine === 'pg') {
      const database = await openTestDatabase(join(dir, 'te.db'));
      closing.push(() => database.close());
      second = database.db;
    }
    const clock = new FakeClock(a.clock.now());
    clock.settleOn(() => second.idle());
    const b: TextEngagementApp = await createApp({
      db: second,
      clock,
      config: a.config,
      provider: createSimulatorProvider(second, clock, a.config.simulator),
      log: silentLogger,
    });
    closing.push(() => b.stop());

    const list = await candidates(a, 6);
    for (const c of list) expect((await a.api('POST', `/api/candidates/${c.atsId}/assistant`, { active: true })).status).toBe(200);
    await until(a, async () => (await Promise.all(list.map((c) => bodiesTo(a, c.phone)))).every((b) => b.length === 1), 'the greetings');
    for (const c of list) await a.simulator.reply(c.phone, 'yes');
    expect(await dueTurns(a.db)).toBe(list.length);

    // Both instances reach the due time together (A's own timers have not run) and sweep at once.
    const due = a.clock.now() + ASSISTANT_GATHER_MS;
    a.clock.set(due);
    clock.set(due);
    const [byA, byB] = await Promise.all([a.services.assistant.runDueTurns(due), b.services.assistant.runDueTurns(due)]);
    expect(byA + byB).toBe(list.length);
    expect(await dueTurns(a.db)).toBe(0);

    // A's timers for those turns find them done; the dispatcher sends what the turns queued.
    await a.advance(5000);
    for (const c of list) {
      expect(await bodiesTo(a, c.phone)).toEqual([GREETING, 'Which role are you interested in?']);
      expect(await assistantOf(a, c.atsId)).toMatchObject({ active: true, stepId: 'role' });
    }
    const ariTexts = await a.sql.all<{ n: number }>(
      `select count(*) as n from messages m join candidates c on c.id = m.candidate_id where m.sender = 'assistant' and c.ats_id like 'ari-i-%' group by m.candidate_id`,
    );
    expect(ariTexts.map((r) => r.n)).toEqual(list.map(() => 2));
  });
});
