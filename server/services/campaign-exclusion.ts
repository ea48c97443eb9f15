/**
 * Who a campaign text skips, and why: a candidate who is not textable, or a WhatsApp candidate
 * outside their 24-hour window (unless the text is an approved template, unedited). The Review
 * and adding candidates name them one by one in JavaScript; campaign summaries count them over
 * every recipient, which only SQL can do without loading each row. So the rule is written here
 * twice, side by side, and campaign-exclusion.test.ts checks that the two always agree.
 */
import { WHATSAPP_WINDOW_MS } from '../../shared/whatsapp.js';
import { notTextableReason, whatsappWindowOpen, type Candidate, type Organization } from './textability.js';

export type ExclusionReason = NonNullable<ReturnType<typeof notTextableReason>> | 'WHATSAPP_WINDOW_CLOSED';

/** Why a campaign text sent at `at` would skip this candidate, or null if it would reach them. */
export function exclusionReason(candidate: Candidate, org: Organization, at: number, approvedTemplate = false): ExclusionReason | null {
  return notTextableReason(candidate, org) ?? (approvedTemplate || whatsappWindowOpen(candidate, at) ? null : 'WHATSAPP_WINDOW_CLOSED');
}

/**
 * `exclusionReason(c, org, @at)` (no approved template) as an SQL expression over `candidates c`,
 * null when the candidate would be texted. Bind the parameters from `exclusionParams`. Each
 * setting is compared with 0 on its own, so both engines read the parameter as a number (a
 * `case` choosing between two parameters would leave PostgreSQL to guess text).
 */
export const EXCLUSION_REASON_SQL = `case
    when c.phone is null or c.phone = '' then 'NO_MOBILE'
    when c.opted_out_at is not null then 'OPTED_OUT'
    when c.consent_at is null then 'NO_CONSENT'
    when (c.channel = 'whatsapp' and @whatsappEnabled = 0) or (c.channel <> 'whatsapp' and @smsEnabled = 0) then 'CHANNEL_DISABLED'
    when c.channel = 'whatsapp' and (c.last_inbound_at is null or @at - c.last_inbound_at >= ${WHATSAPP_WINDOW_MS}) then 'WHATSAPP_WINDOW_CLOSED'
  end`;

/** The organisation's settings (as 1/0: SQLite takes no booleans) and the instant. */
export function exclusionParams(org: Organization, at: number) {
  return { smsEnabled: org.smsEnabled ? 1 : 0, whatsappEnabled: org.whatsappEnabled ? 1 : 0, at };
}
