/**
 * Query plans SQLite must keep (the `sqlite` project only: PostgreSQL's planner chooses by the
 * tables' statistics, and at a test's size rightly reads a small table whole). SQLite's planner has
 * no statistics here and prefers an index on an equality: a batch statement that lists its rows
 * by id in JSON can end up reading every row of a partial index instead, each against the whole
 * list (the promotion's writes did: 60 ms for a 500-recipient campaign).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PROMOTION_WRITES } from '../services/campaign-delivery.js';
import { createHarness, type Harness } from './harness.js';
import { bulkCandidates, insertCandidates, sendCampaign } from './support/campaigns.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function plan(sql: string, ...params: (string | number)[]): Promise<string> {
  return (await h.sql.all<{ detail: string }>(`explain query plan ${sql}`, ...params)).map((r) => r.detail).join(' | ');
}

describe('SQLite query plans', () => {
  it("a promotion's batch writes find each listed delivery by its id, not by reading every pending one", async () => {
    h = await createHarness({ start: false });
    // Pending deliveries present, as when a campaign is being promoted.
    await insertCandidates(h.db, 'acme', bulkCandidates('p', 300));
    await sendCampaign(h, { candidateIds: bulkCandidates('p', 300).map((c) => c.atsId) });
    const ids = JSON.stringify([1, 2]);
    expect(await plan(PROMOTION_WRITES.queued.sqlite, 0, JSON.stringify([[1, 1]]))).toMatch(/^SCAN j VIRTUAL TABLE .* \| SEARCH d USING INTEGER PRIMARY KEY/);
    expect(await plan(PROMOTION_WRITES.skipped.sqlite, 'OPTED_OUT', 0, ids)).toMatch(/^SEARCH campaign_deliveries USING INTEGER PRIMARY KEY/);
    expect(await plan(PROMOTION_WRITES.due.sqlite, 0, 0, ids)).toMatch(/^SEARCH campaign_deliveries USING INTEGER PRIMARY KEY/);
  });
});
