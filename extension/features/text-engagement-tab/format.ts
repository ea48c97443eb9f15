/**
 * Words and numbers the panel shows: statuses, senders, reasons, times (the ones every screen
 * shares are in ui/format.ts). Everything here returns plain strings; Preact renders them as text.
 */
import type { Candidate, Channel, Message, NotTextableReason } from '../../../shared/api';
import { MESSAGE_STATUS_LABELS } from '../../ui/message-status';

export const channelName = (channel: Channel) => (channel === 'whatsapp' ? 'WhatsApp' : 'SMS');

/** Two letters for the avatar, taken from letters only (a name may carry markup or punctuation). */
export function initials(c: Pick<Candidate, 'firstName' | 'lastName'>): string {
  const first = (s: string) => s.match(/\p{L}/u)?.[0] ?? '';
  return (first(c.firstName) + first(c.lastName)).toUpperCase() || '?';
}

export const statusLabel = (status: Message['status']) => MESSAGE_STATUS_LABELS[status];

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
