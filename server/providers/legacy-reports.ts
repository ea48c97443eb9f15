/**
 * Status reports logged before reports were kept in the product's terms (webhook_events.report)
 * and still waiting for their send to be recorded: read now, once, so they apply like any other
 * when it is. Every report logged then had Twilio's fields (the simulator imitates Twilio).
 */
import type { Db } from '../db/client.js';
import { twilioStatusEvent } from './twilio-webhooks.js';

export function readLegacyStatusReports(db: Db): void {
  const sqlite = db.$client;
  const waiting = sqlite.prepare(`select id, payload from webhook_events where kind = 'status' and org_id is null and report is null`).all() as {
    id: number;
    payload: string;
  }[];
  if (!waiting.length) return;
  const save = sqlite.prepare(`update webhook_events set report = ? where id = ?`);
  sqlite.transaction(() => {
    for (const row of waiting) {
      const { status, reason, rawCode, rawMessage } = twilioStatusEvent(JSON.parse(row.payload) as Record<string, string>);
      save.run(JSON.stringify({ status, reason, rawCode, rawMessage }), row.id);
    }
  })();
}
