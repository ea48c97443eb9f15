/**
 * Words and numbers the campaign screens show: statuses, reasons, dates, counts, refusals.
 * Plain strings only; Preact renders them as text.
 */
import type { Campaign, CampaignMessage, MessageStatus } from '../../../shared/api';
import type { RelayError } from '../../lib/protocol';
import { describeError, fullName, plural } from '../format';
import { MESSAGE_STATUS_LABELS, statusTone } from '../message-status';

/** A recipient's name; never empty, so a row always says who it is. */
export const recipientName = (c: { firstName: string; lastName: string }) => fullName(c) || 'Unnamed candidate';

const REASONS: Record<string, string> = {
  NO_MOBILE: 'No mobile number',
  NO_CONSENT: 'No consent to texts',
  OPTED_OUT: 'Opted out of texts',
  CHANNEL_DISABLED: 'Channel not enabled for your organization',
  WHATSAPP_WINDOW_CLOSED: 'WhatsApp 24-hour window closed',
  MISSING_MERGE_FIELD: 'No value for a merge field in the message',
  NOT_FOUND: 'Not found in Text Engagement',
  NOT_IN_TEXT_ENGAGEMENT: 'Not found in Text Engagement',
  VALIDITY_EXPIRED: 'Texting hours passed before it could be sent',
  SKIPPED: 'Not sent',
};

/** Why a candidate is not texted, for a person (the server's codes are never shown raw). */
export const reasonLabel = (code: string | null | undefined) => (code ? (REASONS[code] ?? code.toLowerCase().replace(/_/g, ' ')) : '');

const CAMPAIGN_STATUS: Record<Campaign['status'], string> = { draft: 'Draft', scheduled: 'Scheduled', sending: 'Sending', sent: 'Sent' };
export const campaignStatusLabel = (s: Campaign['status']) => CAMPAIGN_STATUS[s];

const MESSAGE_STATUS: Record<CampaignMessage['status'], string> = { draft: 'Not scheduled yet', scheduled: 'Scheduled', sending: 'Sending', sent: 'Sent' };
export const messageStatusLabel = (s: CampaignMessage['status']) => MESSAGE_STATUS[s];

const DELIVERY: Record<string, string> = MESSAGE_STATUS_LABELS;

/** A recipient's delivery, in words, with a tone for its chip. */
export function deliveryLabel(d: { status: string; reason: string | null; messageStatus: string | null } | null): {
  text: string;
  tone: 'none' | 'wait' | 'ok' | 'bad';
} {
  if (!d) return { text: 'Not sent yet', tone: 'none' };
  if (d.status === 'skipped') return { text: `Not sent: ${reasonLabel(d.reason)}`, tone: 'bad' };
  if (d.messageStatus === 'failed' && d.reason && REASONS[d.reason]) return { text: `Not sent: ${reasonLabel(d.reason)}`, tone: 'bad' };
  if (d.messageStatus) {
    const tone = statusTone(d.messageStatus as MessageStatus);
    return { text: DELIVERY[d.messageStatus] ?? d.messageStatus, tone: tone === 'ok' || tone === 'bad' ? tone : 'wait' };
  }
  return { text: d.status === 'pending' ? 'Waiting to send' : (DELIVERY[d.status] ?? d.status), tone: 'wait' };
}

let dateTime: Intl.DateTimeFormat | undefined;
let shortDate: Intl.DateTimeFormat | undefined;

/** "Tue, Dec 1, 2026, 10:00 AM" in the recruiter's own time zone. */
export function formatWhen(iso: string): string {
  dateTime ??= new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit' });
  return dateTime.format(new Date(iso));
}

export function formatDay(iso: string): string {
  shortDate ??= new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', year: 'numeric' });
  return shortDate.format(new Date(iso));
}

/** The time in another zone: "8:00 AM" (a candidate's own time). */
export function formatInZone(iso: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone, weekday: 'short', hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
  } catch {
    return formatWhen(iso);
  }
}

/** The recruiter's own time zone, as the browser knows it: "America/New_York (EST)". */
export function recruiterTimeZone(): { id: string; label: string } {
  const id = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const short = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName')?.value;
  return { id, label: short && short !== id ? `${id.replace(/_/g, ' ')} (${short})` : id.replace(/_/g, ' ') };
}

/** "in about 3 minutes" / "2 hours" — how long something takes, roughly. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s <= 1 ? 'a moment' : `${s} seconds`;
  const m = Math.round(s / 60);
  if (m < 60) return plural(m, 'minute');
  const h = Math.round(m / 60);
  if (h < 48) return plural(h, 'hour');
  return plural(Math.round(h / 24), 'day');
}

/** A refusal from the server or the relay, worded for the person who clicked: campaigns' own codes, then every screen's. */
export function describeCampaignError(error: RelayError): string {
  switch (error.code) {
    case 'UNAUTHORIZED':
      return describeError({ ...error, code: 'SIGNED_OUT' });
    case 'NOT_LICENSED':
      return error.message || 'You need a Text Engagement licence to create and send campaigns. Ask your administrator.';
    case 'CAMPAIGN_SENT':
      return 'This campaign has already sent, so it can no longer be changed.';
    case 'MESSAGE_SENT':
      return 'This message has started sending, so it can no longer be edited or deleted.';
    case 'NO_ELIGIBLE_RECIPIENTS':
      return 'None of the candidates in this campaign can be texted. Add textable candidates first.';
    default:
      return describeError(error);
  }
}

/** A local date (YYYY-MM-DD) and time (HH:MM) as the instant they name in this browser's zone. */
export function localToIso(date: string, time: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^\d{2}:\d{2}$/.test(time)) return null;
  const d = new Date(`${date}T${time}`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const pad = (n: number) => String(n).padStart(2, '0');
/** An instant as local date and time inputs' values. */
export function isoToLocal(iso: string): { date: string; time: string } {
  const d = new Date(iso);
  return { date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, time: `${pad(d.getHours())}:${pad(d.getMinutes())}` };
}

/** Tomorrow at 10:00, the default "later". */
export function defaultLater(now = new Date()): { date: string; time: string } {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  d.setHours(10, 0, 0, 0);
  return isoToLocal(d.toISOString());
}
