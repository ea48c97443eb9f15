/**
 * Delivery reports logged before reports were kept in the product's terms, still waiting for
 * their send to be recorded, are read once at start so they apply like any other.
 */
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { openDatabase } from '../db/client.js';
import { webhookEvents } from '../db/schema.js';
import { readLegacyStatusReports } from './legacy-reports.js';

describe('readLegacyStatusReports', () => {
  it('reads the waiting Twilio-shaped reports into the product’s terms, and leaves the others alone', () => {
    const db = openDatabase(':memory:');
    const log = (dedupeKey: string, payload: Record<string, string>, orgId: number | null) =>
      db.insert(webhookEvents).values({ provider: 'twilio', kind: 'status', dedupeKey, payload, orgId, receivedAt: 1 }).returning().get().id;
    const waiting = log('SM1:undelivered', { MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '21610', To: '+15551230000' }, null);
    const delivered = log('SM2:delivered', { MessageSid: 'SM2', MessageStatus: 'delivered' }, null);
    const applied = log('SM3:sent', { MessageSid: 'SM3', MessageStatus: 'sent' }, 7);

    readLegacyStatusReports(db);
    const report = (id: number) => db.select().from(webhookEvents).where(eq(webhookEvents.id, id)).get()!.report;
    expect(report(waiting)).toEqual({
      status: 'undelivered',
      reason: 'OPTED_OUT_AT_CARRIER',
      rawCode: '21610',
      rawMessage: 'The recipient has unsubscribed (replied STOP to this number).',
    });
    expect(report(delivered)).toEqual({ status: 'delivered', reason: null, rawCode: null, rawMessage: null });
    // Already applied under its organisation: nothing waits on it.
    expect(report(applied)).toBeNull();
    db.$client.close();
  });
});
