/**
 * The one definition of "textable" (PRODUCT.md): a valid mobile, consent, no opt-out, and the
 * candidate's channel enabled for the organisation. Every refusal names its reason.
 */
import type { candidates, organizations } from '../db/schema.js';

export type Candidate = typeof candidates.$inferSelect;
export type Organization = typeof organizations.$inferSelect;

export const NOT_TEXTABLE_REASONS = ['NO_MOBILE', 'NO_CONSENT', 'OPTED_OUT', 'CHANNEL_DISABLED'] as const;
export type NotTextableReason = (typeof NOT_TEXTABLE_REASONS)[number];

export const REASON_MESSAGES: Record<NotTextableReason | 'WHATSAPP_WINDOW_CLOSED', string> = {
  NO_MOBILE: 'This candidate has no valid mobile number.',
  NO_CONSENT: 'This candidate has not consented to receive text messages.',
  OPTED_OUT: 'This candidate has opted out of text messages.',
  CHANNEL_DISABLED: 'This candidate’s channel is not enabled for your organization.',
  WHATSAPP_WINDOW_CLOSED: 'More than 24 hours have passed since this candidate last wrote on WhatsApp; send an approved template instead.',
};

export function notTextableReason(candidate: Candidate, org: Organization): NotTextableReason | null {
  if (!candidate.phone) return 'NO_MOBILE';
  if (candidate.optedOutAt != null) return 'OPTED_OUT';
  if (candidate.consentAt == null) return 'NO_CONSENT';
  if (candidate.channel === 'whatsapp' ? !org.whatsappEnabled : !org.smsEnabled) return 'CHANNEL_DISABLED';
  return null;
}

export const WHATSAPP_WINDOW_MS = 24 * 3600_000;

/** Free-form WhatsApp text is allowed only within 24 hours of the candidate's last message. */
export function whatsappWindowOpen(candidate: Candidate, now: number): boolean {
  if (candidate.channel !== 'whatsapp') return true;
  return candidate.lastInboundAt != null && now - candidate.lastInboundAt < WHATSAPP_WINDOW_MS;
}
