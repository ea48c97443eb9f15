/**
 * Words and numbers every screen writes the same way (the Text Engagement tab, the campaign
 * screens, the popups): counts, names, phone numbers, refusals. Plain strings only; Preact
 * renders them as text.
 */
import type { RelayError } from '../lib/protocol';

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** +12125550101 → +1 (212) 555-0101; other countries stay in E.164. */
export function formatPhone(phone: string | null): string {
  if (!phone) return 'No mobile number';
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(phone);
  return nanp ? `+1 (${nanp[1]}) ${nanp[2]}-${nanp[3]}` : phone;
}

/** First and last name as the ATS gave them (empty when it gave none). */
export const fullName = (c: { firstName: string; lastName: string }) => `${c.firstName} ${c.lastName}`.trim();

/** A refusal from the server or the relay, worded for the person who clicked (a screen may word its own codes first). */
export function describeError(error: RelayError): string {
  switch (error.code) {
    case 'OFFLINE':
      return error.message || "Can't reach the Text Engagement server. Check your connection and try again.";
    case 'SIGNED_OUT':
      return 'You are signed out of Text Engagement. Sign in and try again.';
    case 'EXTENSION_RELOADED':
    case 'NO_RESPONSE':
      return 'The extension was updated or restarted. Reload this page and try again.';
    default:
      return error.message || 'Something went wrong. Try again.';
  }
}
