/**
 * Twilio's vocabulary, read into ours: its addresses, message statuses and error codes. Used by
 * the REST client (twilio.ts), the webhooks (twilio-webhooks.ts) and the simulator, which fails
 * the way Twilio does.
 */
import type { FailureReason, ReportedStatus } from './types.js';

/** Twilio addresses WhatsApp as `whatsapp:+1…`; we keep the number and the channel apart. */
export const stripWhatsapp = (address: string) => address.replace(/^whatsapp:/i, '');

const STATUS_MAP: Record<string, ReportedStatus> = {
  accepted: 'sending',
  scheduled: 'sending',
  queued: 'sending',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  // MMS with some media delivered: the text itself reached the handset.
  partially_delivered: 'delivered',
  read: 'read',
  undelivered: 'undelivered',
  failed: 'failed',
  // A scheduled message cancelled before it went out: it will never be delivered.
  canceled: 'failed',
  receiving: 'received',
  received: 'received',
};

/**
 * Maps a Twilio message status (MessageStatus / SmsStatus of a status callback, or `status` of
 * a Message resource) to ours. Case and surrounding spaces are ignored. A value Twilio may add
 * later maps to 'sending', the lowest outbound rank, so it can never move a message forward
 * past what we know.
 */
export function mapTwilioStatus(s: string): ReportedStatus {
  return (
    STATUS_MAP[
      String(s ?? '')
        .trim()
        .toLowerCase()
    ] ?? 'sending'
  );
}

/** Twilio error codes we know: what it means for the product, and how to say it when Twilio gives no message. */
const ERRORS: Record<string, { reason: FailureReason; description: string }> = {
  '21610': { reason: 'OPTED_OUT_AT_CARRIER', description: 'The recipient has unsubscribed (replied STOP to this number).' },
  '21211': { reason: 'INVALID_NUMBER', description: 'The number is not a valid phone number.' },
  '21614': { reason: 'INVALID_NUMBER', description: 'The number is not a mobile number.' },
  '30003': { reason: 'UNREACHABLE', description: 'Unreachable destination handset (phone off or out of coverage).' },
  '30004': { reason: 'BLOCKED', description: 'Message blocked by the recipient or their carrier.' },
  '30005': { reason: 'INVALID_NUMBER', description: 'Unknown destination handset (the number may no longer exist).' },
  '30006': { reason: 'INVALID_NUMBER', description: 'Landline or unreachable carrier.' },
  '30007': { reason: 'BLOCKED', description: 'Filtered by the carrier as possible spam.' },
  '30008': { reason: 'UNKNOWN', description: 'Unknown delivery error.' },
  '30036': { reason: 'EXPIRED', description: 'The validity period ended before the text could be sent (it was still queued at Twilio).' },
  '63016': { reason: 'WINDOW_CLOSED', description: 'Outside the WhatsApp 24-hour window: only an approved template can be sent.' },
  '20429': { reason: 'RATE_LIMITED', description: 'Too many requests.' },
  '429': { reason: 'RATE_LIMITED', description: 'Too many requests.' },
};

/** What a Twilio error code means for the product; a code we do not know is UNKNOWN. */
export function reasonForTwilioCode(code: string): FailureReason {
  return ERRORS[code]?.reason ?? 'UNKNOWN';
}

/** Twilio often reports a failure with a code only: a readable sentence for it. */
export function describeTwilioError(code: string): string {
  return ERRORS[code]?.description ?? `Delivery failed (provider error ${code}).`;
}
