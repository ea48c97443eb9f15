/**
 * A campaign's live numbers (queued, sent, delivered, failed, skipped by reason, replied, opted
 * out), counted in SQL from its deliveries and their texts: a campaign's summary and every
 * campaign.updated event carry them, so they never load a recipient.
 */
import type { CampaignStats } from '../../shared/api.js';
import type { Db } from '../db/client.js';

/** Failures that were refusals before anything was sent (the candidate is counted as skipped). */
export const REFUSAL_CODES = [
  'NO_MOBILE',
  'NO_CONSENT',
  'OPTED_OUT',
  'CHANNEL_DISABLED',
  'WHATSAPP_WINDOW_CLOSED',
  'MISSING_MERGE_FIELD',
  'NOT_FOUND',
  'VALIDITY_EXPIRED',
];

export function createCampaignStats(db: Db): (campaignId: number) => Promise<CampaignStats> {
  const stmt = {
    outcomes: db.stmt(
      `select d.status as dstatus, d.skip_reason as reason, m.status as mstatus, m.error_code as code,
              case when m.provider_sid is not null then 1 else 0 end as accepted, count(*) as n
       from campaign_deliveries d
       join campaign_messages cm on cm.id = d.campaign_message_id
       left join messages m on m.id = d.message_id
       where cm.campaign_id = ?
       group by 1, 2, 3, 4, 5`,
    ),
    engagement: db.stmt(
      `select
         count(distinct case when exists (select 1 from messages i where i.candidate_id = d.candidate_id and i.direction = 'inbound' and i.id > m.id) then d.candidate_id end) as replied,
         count(distinct case when c.opted_out_at >= m.created_at then d.candidate_id end) as "optedOut"
       from campaign_deliveries d
       join campaign_messages cm on cm.id = d.campaign_message_id
       join messages m on m.id = d.message_id
       join candidates c on c.id = d.candidate_id
       where cm.campaign_id = ?`,
    ),
    recipients: db.stmt('select count(*) as n from campaign_recipients where campaign_id = ?'),
  };

  return async function stats(campaignId: number): Promise<CampaignStats> {
    const rows = await db.all<{
      dstatus: string;
      reason: string | null;
      mstatus: string | null;
      code: string | null;
      accepted: number;
      n: number;
    }>(stmt.outcomes, campaignId);
    const s: CampaignStats = {
      recipients: 0,
      queued: 0,
      sent: 0,
      delivered: 0,
      failed: 0,
      unknown: 0,
      skipped: {},
      replied: 0,
      optedOut: 0,
      total: 0,
      done: 0,
    };
    for (const r of rows) {
      s.total += r.n;
      if (r.dstatus === 'pending') s.queued += r.n;
      else if (r.dstatus === 'skipped') s.skipped[r.reason ?? 'SKIPPED'] = (s.skipped[r.reason ?? 'SKIPPED'] ?? 0) + r.n;
      else if (r.mstatus === 'queued' || (r.mstatus === 'sending' && !r.accepted)) s.queued += r.n;
      else if (r.mstatus === 'failed' && r.code && REFUSAL_CODES.includes(r.code)) s.skipped[r.code] = (s.skipped[r.code] ?? 0) + r.n;
      else if (r.mstatus === 'failed' || r.mstatus === 'undelivered') s.failed += r.n;
      else if (r.mstatus === 'unknown') s.unknown += r.n;
      else {
        s.sent += r.n;
        if (r.mstatus === 'delivered' || r.mstatus === 'read') s.delivered += r.n;
      }
    }
    s.done = s.total - s.queued;
    const engagement = (await db.get<{ replied: number; optedOut: number }>(stmt.engagement, campaignId))!;
    s.replied = engagement.replied;
    s.optedOut = engagement.optedOut;
    s.recipients = (await db.get<{ n: number }>(stmt.recipients, campaignId))!.n;
    return s;
  };
}
