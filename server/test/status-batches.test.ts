/**
 * Status reports a provider hands over together (the simulator's batches): logged and applied in
 * one transaction, in their order, with each text's live event and hooks once that transaction
 * has committed; a batch that fails as a whole is received report by report, losing nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../db/types.js';
import type { AppEvent } from '../lib/events.js';
import type { StatusReportEvent } from '../providers/types.js';
import { twilioStatusEvent } from '../providers/twilio-webhooks.js';
import { createHarness, type Harness } from './harness.js';
import { candidatePool } from './support/demo-candidates.js';

describe('status reports received together', () => {
  let h: Harness;
  const pool = candidatePool('sms');
  afterEach(() => h?.close());

  /** Two texts handed to the simulator (before its own reports, due 300 ms later). */
  async function twoHandedOff(): Promise<{ id: number; sid: string }[]> {
    h = await createHarness({ inboundGreeting: false });
    const texts: { id: number; sid: string }[] = [];
    for (const body of ['First of two', 'Second of two']) {
      const res = await h.api('POST', `/api/candidates/${pool.next().id}/messages`, { body });
      expect(res.status).toBe(202);
      texts.push({ id: res.body.id, sid: '' });
    }
    await h.advance(50);
    for (const text of texts) {
      const row = await h.sql.get<{ provider_sid: string | null; status: string }>('select provider_sid, status from messages where id = ?', text.id);
      expect(row).toMatchObject({ status: 'sending' });
      text.sid = row!.provider_sid!;
    }
    return texts;
  }

  const report = (sid: string, status: string): StatusReportEvent => twilioStatusEvent({ MessageSid: sid, MessageStatus: status });
  const statusOf = async (id: number) => (await h.sql.get<{ status: string }>('select status from messages where id = ?', id))!.status;

  it('applies the batch in order, logs a repeated report once, and runs hooks only after the whole batch is committed', async () => {
    const [a, b] = await twoHandedOff();
    const orgId = (await h.sql.get<{ org_id: number }>('select org_id from messages where id = ?', a!.id))!.org_id;
    const published: AppEvent[] = [];
    h.deps.events.subscribe(orgId, (event) => published.push(event));
    // The first hook call (for A's "sent") already sees B delivered: the hooks ran after the batch's commit.
    const seenByHooks: string[] = [];
    h.services.inbound.onStatusChange(async (row) => {
      seenByHooks.push(`${row.id}:${row.status} (B ${await statusOf(b!.id)})`);
    });

    await h.services.inbound.receiveStatuses('simulator', [
      report(a!.sid, 'sent'),
      report(a!.sid, 'delivered'),
      report(b!.sid, 'sent'),
      report(a!.sid, 'sent'),
      report(b!.sid, 'delivered'),
      report('SMunknown0000000000000000000000000', 'delivered'),
    ]);

    expect(await statusOf(a!.id)).toBe('delivered');
    expect(await statusOf(b!.id)).toBe('delivered');
    expect(seenByHooks).toEqual([
      `${a!.id}:sent (B delivered)`,
      `${a!.id}:delivered (B delivered)`,
      `${b!.id}:sent (B delivered)`,
      `${b!.id}:delivered (B delivered)`,
    ]);
    const updates = published
      .filter((e) => e.type === 'message.updated')
      .map((e) => `${(e.data as { id: number }).id}:${(e.data as { status: string }).status}`);
    expect(updates).toEqual([`${a!.id}:sent`, `${a!.id}:delivered`, `${b!.id}:sent`, `${b!.id}:delivered`]);
    const logged = await h.sql.all<{ dedupe_key: string; org_id: number | null }>(
      `select dedupe_key, org_id from webhook_events where kind = 'status' and dedupe_key in (?, ?, ?) order by id`,
      `${a!.sid}:sent`,
      `${a!.sid}:delivered`,
      'SMunknown0000000000000000000000000:delivered',
    );
    // A's "sent" once (the repeat is a duplicate); the unknown text's report kept, waiting for its send.
    expect(logged).toEqual([
      { dedupe_key: `${a!.sid}:sent`, org_id: orgId },
      { dedupe_key: `${a!.sid}:delivered`, org_id: orgId },
      { dedupe_key: 'SMunknown0000000000000000000000000:delivered', org_id: null },
    ]);
  });

  it('receives each report on its own when the batch’s transaction fails, so none is lost', async () => {
    const [a, b] = await twoHandedOff();
    const db = h.deps.db as Db & { tx: Db['tx'] };
    const realTx = db.tx.bind(db);
    let failed = 0;
    // The batch's transaction fails once (as a deadlock would on PostgreSQL); later ones are real.
    db.tx = (async (fn, options) => {
      if (failed++ === 0) throw new Error('deadlock detected');
      return realTx(fn, options);
    }) as Db['tx'];
    try {
      await h.services.inbound.receiveStatuses('simulator', [report(a!.sid, 'sent'), report(b!.sid, 'delivered'), report(a!.sid, 'delivered')]);
    } finally {
      db.tx = realTx;
    }
    expect(failed).toBe(1);
    expect(await statusOf(a!.id)).toBe('delivered');
    expect(await statusOf(b!.id)).toBe('delivered');
    const logged = await h.sql.all<{ n: number }>(`select count(*) as n from webhook_events where kind = 'status' and dedupe_key like ?`, `${a!.sid}:%`);
    expect(Number(logged[0]!.n)).toBe(2);
  });
});
