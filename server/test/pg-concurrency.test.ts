/**
 * On PostgreSQL a write transaction waits only for those about the same thing (server/db/locks.ts),
 * so N instances share the work: shown here with the services' own transactions, against a
 * transaction of the test's that holds one key open. PostgreSQL only (SQLite has one writer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockKey } from '../db/locks.js';
import { createHarness, type Harness } from './harness.js';
import { candidatePool } from './support/demo-candidates.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ inboundGreeting: false, start: false });
});
afterAll(() => h.close());

/** Advisory locks some transaction of this database is waiting for right now. */
async function waitingForLocks(): Promise<number> {
  const row = await h.sql.get<{ n: number }>(
    `select count(*) as n from pg_locks where locktype = 'advisory' and not granted
       and database = (select oid from pg_database where datname = current_database())`,
  );
  return row!.n;
}

async function until(done: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached');
}

/** A write transaction holding `locks` until the returned `end()` (which resolves once it has committed). */
async function holdOpen(locks: LockKey[]): Promise<{ end(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const tx = h.db.tx(
    async () => {
      holding();
      await released;
    },
    { write: true, locks },
  );
  await held;
  return {
    end() {
      release();
      return tx;
    },
  };
}

/** Tracks a request: whether it has answered yet. */
function track<T>(work: Promise<T>) {
  const state = { done: false, result: work };
  void work.finally(() => (state.done = true)).catch(() => undefined);
  return state;
}

describe('write transactions on PostgreSQL', () => {
  it("a campaign's writes wait for that campaign only", async () => {
    const pool = candidatePool('sms');
    const create = async (name: string) => {
      const res = await h.api('POST', '/api/campaigns', { name, candidateIds: [pool.next().id] });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.campaign.id as number;
    };
    const busy = await create('Busy one');
    const other = await create('Other one');
    // Logged in before the hold: sign-in is a write transaction of its own (on the login's keys).
    await h.login();

    const hold = await holdOpen([['campaign', busy]]);
    // Another campaign's message is written while the first campaign is held.
    const elsewhere = await h.api('POST', `/api/campaigns/${other}/messages`, { body: 'Hello from the other one', sendAt: null });
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(201);
    // The held campaign's waits for the holder: blocked on its key, not merely slow.
    const same = track(h.api('POST', `/api/campaigns/${busy}/messages`, { body: 'Hello from the busy one', sendAt: null }));
    await until(async () => (await waitingForLocks()) === 1);
    expect(same.done).toBe(false);
    await hold.end();
    expect((await same.result).status).toBe(201);
    expect(await waitingForLocks()).toBe(0);
  });

  it("an inbound text waits only for its own phone's writers", async () => {
    const pool = candidatePool('sms');
    const held = pool.next().phone!;
    const free = pool.next().phone!;
    const hold = await holdOpen([['phone', held]]);
    // A text from another phone is recorded (and answered) while the first phone is held.
    await h.simulator.reply(free, 'Yes please');
    const fromHeld = track(h.simulator.reply(held, 'Me too'));
    await until(async () => (await waitingForLocks()) === 1);
    expect(fromHeld.done).toBe(false);
    await hold.end();
    await fromHeld.result;
    const bodies = await h.sql.all<{ body: string }>(
      `select body from messages where direction = 'inbound' and from_address in (?, ?) order by id`,
      free,
      held,
    );
    expect(bodies.map((r) => r.body)).toEqual(['Yes please', 'Me too']);
  });
});
