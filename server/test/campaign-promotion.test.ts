/**
 * One promotion round writes its deliveries together (server/services/campaign-delivery.ts
 * plan() and write()): the texts in one insert call (a statement per 64 on PostgreSQL) and their
 * deliveries marked in one statement, the skipped and the held a statement per reason and time.
 * This checks that each delivery ends up with its own text, whatever the batch's mix (the
 * statements' SQLite query plans: sqlite-plans.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { bulkCandidates, insertCandidates, sendCampaign } from './support/campaigns.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

interface DeliveryRow {
  atsId: string;
  phone: string;
  candidateId: number;
  status: string;
  skipReason: string | null;
  dueAt: number;
  messageId: number | null;
  textCandidateId: number | null;
  textTo: string | null;
  textKey: string | null;
}

async function deliveriesOf(messageId: number): Promise<Map<string, DeliveryRow>> {
  const rows = await h.sql.all<DeliveryRow>(
    `select c.ats_id as "atsId", c.phone, d.candidate_id as "candidateId", d.status, d.skip_reason as "skipReason", d.due_at as "dueAt",
       d.message_id as "messageId", m.candidate_id as "textCandidateId", m.to_address as "textTo", m.idempotency_key as "textKey"
     from campaign_deliveries d join candidates c on c.id = d.candidate_id left join messages m on m.id = d.message_id
     where d.campaign_message_id = ?`,
    messageId,
  );
  return new Map(rows.map((r) => [r.atsId, { ...r, dueAt: Number(r.dueAt), messageId: r.messageId == null ? null : Number(r.messageId) }]));
}

describe('a promotion round', () => {
  it('queues, skips and holds in one round, each delivery with its own text (140 texts: three insert statements on PostgreSQL)', async () => {
    h = await createHarness({ start: false });
    const nowAt = h.clock.now();
    // 10:00 in New York: texted now. Midnight in Tokyo: held until the texting hours start there (08:00).
    const texted = bulkCandidates('p', 140);
    const optingOut = bulkCandidates('o', 2, 3000);
    const tokyo = bulkCandidates('t', 3, 4000, 'Asia/Tokyo');
    await insertCandidates(h.db, 'acme', [...texted, ...optingOut, ...tokyo]);
    const { messageId } = await sendCampaign(h, { candidateIds: [...texted, ...optingOut, ...tokyo].map((c) => c.atsId) });
    // Opted out between the Send and the promotion: skipped, not texted.
    await h.sql.run(`update candidates set opted_out_at = ?, opt_out_method = 'keyword' where ats_id in ('o1', 'o2')`, nowAt);

    await h.services.outbox.round();

    const deliveries = await deliveriesOf(messageId);
    expect(deliveries.size).toBe(145);
    for (const c of texted) {
      const d = deliveries.get(c.atsId)!;
      expect(d.status, c.atsId).toBe('queued');
      // Its own text: the same candidate and phone, the key made from this message and candidate.
      expect(d.textCandidateId, c.atsId).toBe(d.candidateId);
      expect(d.textTo, c.atsId).toBe(c.phone);
      expect(d.textKey, c.atsId).toBe(`campaign:${messageId}:${d.candidateId}`);
    }
    const messageIds = [...texted].map((c) => deliveries.get(c.atsId)!.messageId);
    expect(new Set(messageIds).size).toBe(140);
    for (const atsId of ['o1', 'o2']) expect(deliveries.get(atsId)).toMatchObject({ status: 'skipped', skipReason: 'OPTED_OUT', messageId: null });
    const eightInTokyo = Date.parse('2026-03-02T23:00:00Z');
    for (const c of tokyo) expect(deliveries.get(c.atsId), c.atsId).toMatchObject({ status: 'pending', dueAt: eightInTokyo, messageId: null });

    const texts = await h.sql.all<{ n: number }>(`select count(*) as n from messages where campaign_message_id = ?`, messageId);
    expect(Number(texts[0]!.n)).toBe(140);
    // Handed to the phones once each.
    expect((await h.simulator.received()).filter((m) => m.body.startsWith('Hi Bulk')).length).toBe(140);
  });
});
