/**
 * Status reports logged before reports were kept in the product's terms (webhook_events.report)
 * and still waiting for their send to be recorded: read now, once, so they apply like any other
 * when it is. Every report logged then had Twilio's fields (the simulator imitates Twilio).
 */
import type { Db } from '../db/client.js';
import { twilioStatusEvent } from './twilio-webhooks.js';

export async function readLegacyStatusReports(db: Db): Promise<void> {
  const waiting = db.stmt(`select id, payload from webhook_events where kind = 'status' and org_id is null and report is null`);
  const save = db.stmt(`update webhook_events set report = ? where id = ?`);
  await db.tx(
    async (tx) => {
      for (const row of await tx.all<{ id: number; payload: string }>(waiting)) {
        const { status, reason, rawCode, rawMessage } = twilioStatusEvent(JSON.parse(row.payload) as Record<string, string>);
        await tx.run(save, JSON.stringify({ status, reason, rawCode, rawMessage }), row.id);
      }
    },
    { write: true },
  );
}
