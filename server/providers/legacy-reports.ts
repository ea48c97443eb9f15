/**
 * Status reports logged before reports were kept in the product's terms (webhook_events.report)
 * and still waiting for their send to be recorded: read now, once, so they apply like any other
 * when it is. Every report logged then had Twilio's fields (the simulator imitates Twilio).
 */
import type { Db } from '../db/client.js';
import { fromDriverRow } from '../lib/sql-rows.js';
import { twilioStatusEvent } from './twilio-webhooks.js';

export async function readLegacyStatusReports(db: Db): Promise<void> {
  const waiting = db.stmt(`select id, payload from webhook_events where kind = 'status' and org_id is null and report is null`);
  const save = db.stmt(`update webhook_events set report = ? where id = ?`);
  await db.tx(
    async (tx) => {
      for (const raw of await tx.all<Record<string, unknown>>(waiting)) {
        // payload is JSON: text on SQLite, already parsed on PostgreSQL; the column's own conversion reads both.
        const row = fromDriverRow<{ id: number; payload: Record<string, string> }>(db.t.webhookEvents, raw);
        const { status, reason, rawCode, rawMessage } = twilioStatusEvent(row.payload);
        await tx.run(save, JSON.stringify({ status, reason, rawCode, rawMessage }), row.id);
      }
    },
    // Race: two instances starting together converting the same reports (idempotent, but once is enough).
    { write: true, locks: [['startup', 'legacy-reports']] },
  );
}
