/**
 * Delivery reports logged before reports were kept in the product's terms, still waiting for
 * their send to be recorded, are read once at start so they apply like any other.
 */
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { first } from '../db/types.js';
import { openTestDatabase } from '../test/support/test-db.js';
import { readLegacyStatusReports } from './legacy-reports.js';

describe('readLegacyStatusReports', () => {
  it('reads the waiting Twilio-shaped reports into the product’s terms, and leaves the others alone', async () => {
    const database = await openTestDatabase();
    const { db } = database;
    const { webhookEvents } = db.t;
    const log = async (dedupeKey: string, payload: Record<string, string>, orgId: number | null) =>
      (
        await db.orm
          .insert(webhookEvents)
          .values({ provider: 'twilio', kind: 'status', dedupeKey, payload, orgId, receivedAt: 1 })
          .returning({ id: webhookEvents.id })
      )[0]!.id;
    const waiting = await log('SM1:undelivered', { MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '21610', To: '+15551230000' }, null);
    const delivered = await log('SM2:delivered', { MessageSid: 'SM2', MessageStatus: 'delivered' }, null);
    const applied = await log('SM3:sent', { MessageSid: 'SM3', MessageStatus: 'sent' }, 7);

    await readLegacyStatusReports(db);
    const report = async (id: number) => (await first(db.orm.select().from(webhookEvents).where(eq(webhookEvents.id, id))))!.report;
    expect(await report(waiting)).toEqual({
      status: 'undelivered',
      reason: 'OPTED_OUT_AT_CARRIER',
      rawCode: '21610',
      rawMessage: 'The recipient has unsubscribed (replied STOP to this number).',
    });
    expect(await report(delivered)).toEqual({ status: 'delivered', reason: null, rawCode: null, rawMessage: null });
    // Already applied under its organisation: nothing waits on it.
    expect(await report(applied)).toBeNull();
    await database.close();
  });
});
