/**
 * Words and numbers the panel shows: statuses, senders, refusals, times, phone numbers.
 * Everything here returns plain strings; Preact renders them as text.
 */
import type { Candidate, Channel, Message, NotTextableReason } from '../../../shared/api';
import type { RelayError } from '../../lib/protocol';
import { MESSAGE_STATUS_LABELS } from '../../ui/message-status';

export const channelName = (channel: Channel) => (channel === 'whatsapp' ? 'WhatsApp' : 'SMS');

export const fullName = (c: Pick<Candidate, 'firstName' | 'lastName'>) => `${c.firstName} ${c.lastName}`.trim();

/** Two letters for the avatar, taken from letters only (a name may carry markup or punctuation). */
export function initials(c: Pick<Candidate, 'firstName' | 'lastName'>): string {
  const first = (s: string) => s.match(/\p{L}/u)?.[0] ?? '';
  return (first(c.firstName) + first(c.lastName)).toUpperCase() || '?';
}

/** +12125550101 → +1 (212) 555-0101; other countries stay in E.164. */
export function formatPhone(phone: string | null): string {
  if (!phone) return 'No mobile number';
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(phone);
  return nanp ? `+1 (${nanp[1]}) ${nanp[2]}-${nanp[3]}` : phone;
}

export const statusLabel = (status: Message['status']) => MESSAGE_STATUS_LABELS[status];

export type StatusTone = 'pending' | 'ok' | 'bad' | 'review';
export function statusTone(status: Message['status']): StatusTone {
  if (status === 'failed' || status === 'undelivered') return 'bad';
  if (status === 'unknown') return 'review';
  if (status === 'delivered' || status === 'read') return 'ok';
  return 'pending';
}

export function senderLabel(m: Message, candidate: Candidate | null): string {
  if (m.direction === 'inbound') return candidate?.firstName || 'Candidate';
  if (m.sender === 'assistant') return 'Ari';
  if (m.sender === 'system') return 'Automatic reply';
  return m.senderName || 'Recruiter';
}

/** Why this candidate can't be texted, as a sentence about them. */
export function reasonSentence(reason: NotTextableReason, c: Candidate): { title: string; body: string } {
  const name = c.firstName || 'This candidate';
  switch (reason) {
    case 'NO_MOBILE':
      return { title: 'No mobile number', body: `${name} has no valid mobile number, so texts can't reach them. Add a mobile number to their profile first.` };
    case 'NO_CONSENT':
      return {
        title: 'No consent to texts',
        body: `${name} hasn't agreed to receive text messages yet. You can text them once they give consent, for example on an application form.`,
      };
    case 'OPTED_OUT':
      return { title: 'Opted out', body: `${name} has opted out of text messages. You can't text them unless they text START to opt back in.` };
    case 'CHANNEL_DISABLED':
      return {
        title: `${channelName(c.channel)} is turned off`,
        body: `${name} is reached by ${channelName(c.channel)}, which isn't enabled for your organization. Ask your administrator to turn it on.`,
      };
  }
}

/** A refusal from the server or the relay, worded for the person who clicked. */
export function describeError(error: RelayError): string {
  switch (error.code) {
    case 'OFFLINE':
      return error.message || "Can't reach the Text Engagement server. Check your connection and try again.";
    case 'SIGNED_OUT':
      return 'You are signed out of Text Engagement. Sign in and try again.';
    case 'EXTENSION_RELOADED':
    case 'NO_RESPONSE':
      return 'The extension was updated or restarted. Reload this page and try again.';
    case 'RATE_LIMITED':
      return 'Too many messages at once. Wait a moment and try again.';
    default:
      return error.message || 'Something went wrong. Try again.';
  }
}

const sameDay = (a: Date, b: Date) => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

let timeFormat: Intl.DateTimeFormat | undefined;
let dayFormat: Intl.DateTimeFormat | undefined;
let fullFormat: Intl.DateTimeFormat | undefined;

export function formatTime(iso: string): string {
  timeFormat ??= new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
  return timeFormat.format(new Date(iso));
}

export function formatFull(iso: string): string {
  fullFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
  return fullFormat.format(new Date(iso));
}

/** "Today", "Yesterday", or "Wed, Oct 14" (with the year when it isn't this year). */
export function dayLabel(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (sameDay(d, now)) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(d, yesterday)) return 'Yesterday';
  const label = formatDay(iso);
  return d.getFullYear() === now.getFullYear() ? label : `${label}, ${d.getFullYear()}`;
}

/** "Tue, Mar 3". */
export function formatDay(iso: string): string {
  dayFormat ??= new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric' });
  return dayFormat.format(new Date(iso));
}

let dateFormat: Intl.DateTimeFormat | undefined;

/** "Dec 1" (with the year when it isn't this year: "Dec 1, 2025"). */
export function formatDate(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (d.getFullYear() !== now.getFullYear()) return new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', year: 'numeric' }).format(d);
  dateFormat ??= new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
  return dateFormat.format(d);
}

export const dayKey = (iso: string) => {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
};

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
