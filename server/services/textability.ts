/**
 * The one definition of "textable", for every path that sends (a recruiter's text, campaigns,
 * Ari, booking confirmations, the outbox's last check): a valid mobile, consent, no opt-out, and
 * the candidate's channel enabled for the organisation. Every refusal names its reason.
 */
import type { NotTextableReason } from '../../shared/api.js';
import { whatsappWindowOpenAt } from '../../shared/whatsapp.js';
import type { candidates, organizations } from '../db/schema.js';

export type Candidate = typeof candidates.$inferSelect;
export type Organization = typeof organizations.$inferSelect;

export const REASON_MESSAGES: Record<NotTextableReason | 'WHATSAPP_WINDOW_CLOSED' | 'TEMPLATE_NOT_APPROVED', string> = {
  NO_MOBILE: 'This candidate has no valid mobile number.',
  NO_CONSENT: 'This candidate has not consented to receive text messages.',
  OPTED_OUT: 'This candidate has opted out of text messages.',
  CHANNEL_DISABLED: 'This candidate’s channel is not enabled for your organization.',
  WHATSAPP_WINDOW_CLOSED: 'More than 24 hours have passed since this candidate last wrote on WhatsApp; send an approved template instead.',
  TEMPLATE_NOT_APPROVED:
    'More than 24 hours have passed since this candidate last wrote on WhatsApp, and this template has no approved WhatsApp content (a content SID); pick one that has.',
};

export function notTextableReason(candidate: Candidate, org: Organization): NotTextableReason | null {
  if (!candidate.phone) return 'NO_MOBILE';
  if (candidate.optedOutAt != null) return 'OPTED_OUT';
  if (candidate.consentAt == null) return 'NO_CONSENT';
  if (candidate.channel === 'whatsapp' ? !org.whatsappEnabled : !org.smsEnabled) return 'CHANNEL_DISABLED';
  return null;
}

/** Free-form text may go now: always by SMS; by WhatsApp within its 24-hour window (shared/whatsapp.ts). */
export function whatsappWindowOpen(candidate: Candidate, now: number): boolean {
  return candidate.channel !== 'whatsapp' || whatsappWindowOpenAt(candidate.lastInboundAt, now);
}
