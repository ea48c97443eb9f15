/**
 * The Review of Schedule Message -> Review -> Send/Save: what will happen if a campaign message
 * is sent — who gets it and who is skipped (and why), the texts as the first recipients will
 * read them, encoding and segments, who waits for their texting hours, when it should finish,
 * and warnings. A pure function of what it is given: the same answer for a saved message, an
 * edit not yet saved, or a preview that saves nothing.
 */
import type { Review } from '../../shared/api.js';
import { characterCount, countSegments, MAX_BODY_CHARACTERS, type SmsEncoding } from '../../shared/segments.js';
import { ApiError, validation } from '../lib/errors.js';
import { nextAllowed } from '../lib/zoned-time.js';
import { timeZoneOf } from './candidates.js';
import { exclusionReason } from './campaign-exclusion.js';
import { RECOMMENDED_MAX_RECIPIENTS } from '../../shared/campaign-size.js';
import { clockOfMinute } from '../lib/zoned-time.js';
import { textingWindow } from './campaign-delivery.js';
import { bodyRenderer, mergeValuesFor, refuseOverlongBody } from './message-body.js';
import type { Candidate, Organization } from './textability.js';

/** The Review names this many of the excluded; the counts cover everyone. */
const NAMED_EXCLUSIONS = 100;
const PREVIEWS = 3;

/** The message as it would be saved. */
export interface MessageToReview {
  /** With its merge fields, as the recruiter wrote it. */
  body: string;
  /** null: as soon as it is committed. */
  sendAt: number | null;
  /** An approved WhatsApp template, unedited: it may open a conversation outside the 24-hour window. */
  approvedTemplate: boolean;
}

/** Everything else the Review depends on, read by the caller. */
export interface ReviewSetting {
  org: Organization;
  /** The campaign's creator: texts go in their name ({{recruiterName}}, {{calendarLink}}). */
  sender: { id: number; name: string; bookingSlug: string };
  /** The campaign's open role, which wins over each candidate's own in {{jobTitle}}. */
  jobTitle: string | null;
  /** Every recipient, in name order (the previews are the first who will be texted). */
  recipients: Candidate[];
  now: number;
  /** The server's segments per second: the organisation's own rate when lower, else this. */
  serverRatePerSecond: number;
  publicUrl: string;
  /** How long a {{calendarLink}} books (the previews show one as it would be sent). */
  bookingLinkTtlMs: number;
}

export function reviewCampaignMessage(message: MessageToReview, setting: ReviewSetting): Review {
  const { org, recipients, now } = setting;
  refuseOverlongBody(message.body);
  const startsAt = Math.max(now, message.sendAt ?? now);
  const window = textingWindow(org);
  const rate = Math.min(org.sendRatePerSecond ?? Infinity, setting.serverRatePerSecond);

  const excluded: Record<string, number> = {};
  const excludedCandidates: Review['excludedCandidates'] = [];
  const exclude = (c: Candidate, reason: string) => {
    excluded[reason] = (excluded[reason] ?? 0) + 1;
    if (excludedCandidates.length < NAMED_EXCLUSIONS) excludedCandidates.push({ id: c.atsId, firstName: c.firstName, lastName: c.lastName, reason });
  };
  const eligible: Candidate[] = [];
  for (const c of recipients) {
    const reason = exclusionReason(c, org, startsAt, message.approvedTemplate);
    if (reason) exclude(c, reason);
    else eligible.push(c);
  }

  let encoding: SmsEncoding = 'GSM-7';
  let characters = 0;
  const segments = { min: Number.POSITIVE_INFINITY, max: 0, total: 0 };
  const previews: Review['previews'] = [];
  const zones = new Map<string, { count: number; sendsAt: number }>();
  const slots: { at: number; segments: number }[] = [];
  let quietCount = 0;
  let willSend = 0;
  // Every recipient is checked at the same instant: one texting-window answer per time zone.
  const slotByZone = new Map<string, ReturnType<typeof nextAllowed>>();

  // Made at the first recipient (with none, a body is not judged here), then one replace per recipient.
  let renderText: ReturnType<typeof bodyRenderer> | undefined;
  for (const c of eligible) {
    let rendered: string;
    try {
      rendered = (renderText ??= bodyRenderer(message.body))(
        mergeValuesFor({
          candidate: c,
          recruiter: setting.sender,
          org,
          publicUrl: setting.publicUrl,
          linkExpiresAt: now + setting.bookingLinkTtlMs,
          jobTitle: setting.jobTitle,
        }),
      );
    } catch (err) {
      if (err instanceof ApiError && err.details?.missingFields) {
        exclude(c, 'MISSING_MERGE_FIELD');
        continue;
      }
      throw err;
    }
    willSend++;
    const info = countSegments(rendered);
    if (info.encoding === 'UCS-2') encoding = 'UCS-2';
    characters = Math.max(characters, info.characters);
    segments.min = Math.min(segments.min, info.segments);
    segments.max = Math.max(segments.max, info.segments);
    segments.total += info.segments;
    if (previews.length < PREVIEWS) previews.push({ candidateId: c.atsId, name: `${c.firstName} ${c.lastName}`, body: rendered, segments: info.segments });
    const tz = timeZoneOf(c, org);
    let slot = slotByZone.get(tz);
    if (!slot) slotByZone.set(tz, (slot = nextAllowed(startsAt, tz, window)));
    if (slot.waited) {
      quietCount++;
      const zone = zones.get(tz) ?? { count: 0, sendsAt: slot.at };
      zone.count++;
      zones.set(tz, zone);
    }
    slots.push({ at: slot.at, segments: info.segments });
  }
  if (!willSend) segments.min = 0;

  // Completion: texts go in order of their earliest allowed time, one rate-limited stream.
  slots.sort((a, b) => a.at - b.at);
  let t = startsAt;
  for (const s of slots) t = Math.max(t, s.at) + (Number.isFinite(rate) ? (s.segments / rate) * 1000 : 0);

  const warnings: Review['warnings'] = [];
  if (recipients.length > RECOMMENDED_MAX_RECIPIENTS) {
    warnings.push({
      code: 'OVER_RECOMMENDED_SIZE',
      message: `${recipients.length.toLocaleString('en-US')} recipients: we recommend ${RECOMMENDED_MAX_RECIPIENTS} or fewer per campaign.`,
    });
  }
  if (quietCount) {
    warnings.push({
      code: 'QUIET_HOURS',
      message: `${quietCount} recipient${quietCount > 1 ? 's are' : ' is'} outside texting hours (${clockOfMinute(window.startMinute)}–${clockOfMinute(window.endMinute)} their time) and will get it when their window opens.`,
    });
  }
  if (segments.max > 1) warnings.push({ code: 'MULTIPART', message: `Each text is up to ${segments.max} segments (billed per segment).` });
  if (encoding === 'UCS-2') {
    warnings.push({
      code: 'UNICODE',
      message: 'Some characters (emoji, curly quotes, non-Latin letters) switch texts to Unicode: 70 characters per segment instead of 160.',
    });
  }
  if (!willSend) warnings.push({ code: 'NO_ELIGIBLE_RECIPIENTS', message: 'No recipient can be texted: add textable candidates first.' });

  return {
    recipients: recipients.length,
    eligible: willSend,
    excluded,
    excludedCandidates,
    encoding,
    characters,
    segments,
    previews,
    quietHours: {
      count: quietCount,
      window: { start: clockOfMinute(window.startMinute), end: clockOfMinute(window.endMinute) },
      byTimeZone: [...zones].map(([timeZone, z]) => ({ timeZone, count: z.count, sendsAt: new Date(z.sendsAt).toISOString() })),
    },
    startsAt: new Date(startsAt).toISOString(),
    estimatedCompletionAt: willSend ? new Date(t).toISOString() : null,
    ratePerSecond: Number.isFinite(rate) ? rate : null,
    warnings,
  };
}

/** A message whose rendered text is too long for some recipient is refused, not saved. */
export function refuseOverlongTexts(review: Review): void {
  const longest = review.previews.reduce((m, p) => Math.max(m, characterCount(p.body)), review.characters);
  if (longest > MAX_BODY_CHARACTERS) throw validation(`The message is ${longest} characters for some recipients; the limit is ${MAX_BODY_CHARACTERS}.`);
}
