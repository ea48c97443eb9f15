/**
 * The campaign read model reads by SQL, not by loading every recipient: the Candidates tab pages
 * with LIMIT/OFFSET, and campaign lists and summaries count recipients, the eligible and the
 * excluded with aggregates. Measured by the rows the database hands back while a request runs.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../db/client.js';
import { sqliteHandle } from '../db/sqlite.js';
import { createHarness, type Harness } from './harness.js';
import { bulkCandidates, insertCandidates } from './support/campaigns.js';
import { testEngine } from './support/test-db.js';

const SIZE = 1200;

/**
 * Rows returned by every statement (drizzle's and hand-written) while `run` goes: counted in
 * SQLite's own statements, or in what each PostgreSQL connection receives.
 */
async function rowsReadDuring<T>(db: Db, run: () => Promise<T>): Promise<{ result: T; rows: number }> {
  const counter = testEngine === 'pg' ? countPgRows() : countSqliteRows(db);
  try {
    return { result: await run(), rows: counter.rows };
  } finally {
    counter.stop();
  }
}

function countSqliteRows(db: Db) {
  const statement = Object.getPrototypeOf(sqliteHandle(db).prepare('select 1')) as { all(...args: unknown[]): unknown[] };
  const all = statement.all;
  const counter = { rows: 0, stop: () => void (statement.all = all) };
  statement.all = function (this: unknown, ...args: unknown[]) {
    const result = all.apply(this, args);
    counter.rows += result.length;
    return result;
  };
  return counter;
}

/** Every query of the pool goes through a pg.Client: with a callback (the pool's own) or for a promise (a transaction's). */
function countPgRows() {
  type Result = { rows?: unknown[] } | undefined;
  const proto = pg.Client.prototype as unknown as { query(...args: unknown[]): unknown };
  const query = proto.query;
  const counter = { rows: 0, stop: () => void (proto.query = query) };
  const count = (result: Result) => (counter.rows += result?.rows?.length ?? 0);
  proto.query = function (this: unknown, ...args: unknown[]) {
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      args[args.length - 1] = (error: unknown, result: Result) => {
        count(result);
        callback(error, result);
      };
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    return result instanceof Promise ? result.then((r: Result) => (count(r), r)) : result;
  };
  return counter;
}

describe('campaign recipients by SQL', () => {
  let h: Harness;
  let campaignId: number;
  let names: string[];

  beforeEach(async () => {
    h = await createHarness({ now: '2026-03-03T15:00:00Z' });
    // 1,200 candidates, in shuffled name order; every 100th has no consent, every 150th opted out.
    const list = bulkCandidates('rm', SIZE).map((c, i) => ({
      ...c,
      lastName: `Name${String((i * 7919) % SIZE).padStart(5, '0')}`,
      consent: i % 100 !== 0,
      optedOut: i % 150 === 1,
    }));
    await insertCandidates(h.db, 'acme', list);
    names = list.map((c) => c.lastName).sort();
    const created = await h.api('POST', '/api/campaigns', { name: 'Big', candidateIds: list.map((c) => c.atsId) });
    expect(created.status).toBe(201);
    campaignId = created.body.campaign.id;
  });
  afterEach(() => h.close());

  it('pages the Candidates tab in name order, reading one page at a time', async () => {
    const seen: string[] = [];
    const offsets: (number | null)[] = [];
    let offset: number | null = 0;
    while (offset != null) {
      const at: number = offset;
      const { result: page, rows } = await rowsReadDuring(h.db, () => h.api('GET', `/api/campaigns/${campaignId}/candidates?limit=500&offset=${at}`));
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(SIZE);
      // The page itself and a few rows per recipient on it (sessions, deliveries), never the campaign.
      expect(rows).toBeLessThan(page.body.recipients.length + 50);
      seen.push(...page.body.recipients.map((r: { lastName: string }) => r.lastName));
      offset = page.body.nextOffset;
      offsets.push(offset);
    }
    expect(offsets).toEqual([500, 1000, null]);
    expect(seen).toEqual(names);
  });

  it('lists campaigns with their counts without loading their recipients', async () => {
    const noConsent = Math.ceil(SIZE / 100);
    const optedOut = Math.ceil((SIZE - 1) / 150);
    const { result: list, rows } = await rowsReadDuring(h.db, () => h.api('GET', '/api/campaigns'));
    expect(list.body.campaigns).toHaveLength(1);
    expect(list.body.campaigns[0]).toMatchObject({
      recipients: SIZE,
      eligible: SIZE - noConsent - optedOut,
      excluded: { NO_CONSENT: noConsent, OPTED_OUT: optedOut },
    });
    expect(rows).toBeLessThan(50);

    // The same counts the Review gives, reasons in the same order.
    const message = await h.api('POST', `/api/campaigns/${campaignId}/messages`, { body: 'Hi', sendAt: null });
    const detail = await h.api('GET', `/api/campaigns/${campaignId}`);
    expect(Object.entries(detail.body.excluded)).toEqual(Object.entries(message.body.review.excluded));
    expect(detail.body.eligible).toBe(message.body.review.eligible);
  });
});
