/**
 * The recruiter's booking page behind {{calendarLink}}: open slots from the recruiter's working
 * hours (in their time zone, shown in the candidate's), booked once (a unique slot per
 * recruiter), confirmed to the candidate in the conversation, announced to the recruiter.
 */
import { and, asc, count, eq, gt, lte, min } from 'drizzle-orm';
import type { Assistant } from '../assistant/engine.js';
import type { bookings, recruiters, WorkingHours } from '../db/schema.js';
import { first } from '../db/types.js';
import type { Deps } from '../deps.js';
import { ApiError } from '../lib/errors.js';
import { instantOf, wallClock, zonedFormatter } from '../lib/zoned-time.js';
import { checkBookingToken } from './booking-links.js';
import { timeZoneOf, type CandidateService } from './candidates.js';
import { messageJson, type MessageRow } from './message-json.js';
import type { Outbox } from './outbox.js';
import { notTextableReason, whatsappWindowOpen, type Candidate, type Organization } from './textability.js';

const DAYS_AHEAD = 14;
const HOUR_MS = 3600_000;
const LEAD_TIME_MS = 60 * 60_000;
/**
 * Bookings a candidate's link may make (or try) per hour: enough to change one's mind a few times;
 * a script replaying a leaked link cannot churn the recruiter's calendar or text the candidate
 * a confirmation a second.
 */
const BOOKINGS_PER_HOUR = 10;
const DEFAULT_HOURS: WorkingHours = { days: [1, 2, 3, 4, 5], startMinute: 9 * 60, endMinute: 17 * 60, slotMinutes: 30 };

type RecruiterRow = typeof recruiters.$inferSelect;
type BookingRow = typeof bookings.$inferSelect;

export interface BookingContext {
  recruiter: RecruiterRow;
  org: Organization;
  candidate: Candidate;
  candidateTimeZone: string;
}

// The booking page formats every open slot (about 170 of them), for anyone who opens a link: its
// formats are made once per zone (zonedFormatter).
const SLOT_DAY: Intl.DateTimeFormatOptions = { weekday: 'long', month: 'short', day: 'numeric' };
const SLOT_TIME: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit' };
const SLOT_ZONE: Intl.DateTimeFormatOptions = { timeZoneName: 'short' };

export function formatSlot(ms: number, timeZone: string): { day: string; time: string; full: string } {
  const day = zonedFormatter('slot day', timeZone, SLOT_DAY).format(ms);
  // Some ICU versions put a narrow no-break space before AM/PM, which would make the
  // confirmation text UCS-2 (70 characters a segment instead of 160).
  const time = zonedFormatter('slot time', timeZone, SLOT_TIME)
    .format(ms)
    .replace(/[\u202f\u00a0]/g, ' ');
  const zone =
    zonedFormatter('slot zone', timeZone, SLOT_ZONE)
      .formatToParts(ms)
      .find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  return { day, time, full: `${day} at ${time} ${zone}` };
}

export function createBookingService(deps: Deps, services: { candidates: CandidateService; outbox: Outbox; assistant: Assistant }) {
  const { db, clock, events } = deps;
  const { bookingAttempts, bookings, candidates, organizations, recruiters } = db.t;

  // Booking attempts live in the database (booking_attempts), so a link's limit holds across
  // server instances. Each count locks the candidate's row (on PostgreSQL; on SQLite the write
  // transaction does), so parallel posts from one link are counted one after another.
  const lockCandidate = db.stmt('select id from candidates where id = ?', 'select id from candidates where id = $1 for update');
  let lastPruned = 0;

  /** Counts a booking tried through a candidate's link; a 429 once BOOKINGS_PER_HOUR were tried in the last hour. */
  async function countAttempt(candidateId: number, now: number): Promise<void> {
    const hourAgo = now - HOUR_MS;
    const retryAfterSeconds = await db.tx(
      async (tx) => {
        await tx.get(lockCandidate, candidateId);
        const [recent] = await tx.orm
          .select({ n: count(), oldest: min(bookingAttempts.at) })
          .from(bookingAttempts)
          .where(and(eq(bookingAttempts.candidateId, candidateId), gt(bookingAttempts.at, hourAgo)));
        if (recent!.n >= BOOKINGS_PER_HOUR) return Math.ceil((recent!.oldest! + HOUR_MS - now) / 1000);
        await tx.orm.insert(bookingAttempts).values({ candidateId, at: now });
        return null;
      },
      // Race: parallel posts from one link each counting under the limit (the candidate's row is locked for update above).
      { write: true, locks: [] },
    );
    if (retryAfterSeconds != null) {
      throw new ApiError(429, 'TOO_MANY_ATTEMPTS', 'Too many bookings from this link for now. Please try again later.', { retryAfterSeconds });
    }
    // Attempts older than the hour count for nothing: forgotten now and then.
    if (now - lastPruned > HOUR_MS) {
      lastPruned = now;
      await db.orm.delete(bookingAttempts).where(lte(bookingAttempts.at, hourAgo));
    }
  }

  /** The recruiter and candidate a link is for, or a 404 that reveals nothing. */
  async function resolve(slug: string, atsId: string | undefined, token: string | undefined): Promise<BookingContext> {
    const invalid = new ApiError(404, 'NOT_FOUND', 'This booking link is not valid. Ask your recruiter for a new one.');
    const recruiter = await first(db.orm.select().from(recruiters).where(eq(recruiters.bookingSlug, slug)));
    if (!recruiter || !atsId || !token) throw invalid;
    const org = (await first(db.orm.select().from(organizations).where(eq(organizations.id, recruiter.orgId))))!;
    const checked = checkBookingToken(org.bookingSecret, recruiter.id, atsId, token, clock.now());
    if (checked === 'expired') throw new ApiError(410, 'LINK_EXPIRED', 'This booking link has expired. Ask your recruiter for a new one.');
    if (checked !== 'valid') throw invalid;
    const candidate = await first(
      db.orm
        .select()
        .from(candidates)
        .where(and(eq(candidates.orgId, org.id), eq(candidates.atsId, atsId))),
    );
    if (!candidate) throw invalid;
    return { recruiter, org, candidate, candidateTimeZone: timeZoneOf(candidate, org) };
  }

  function slotStarts(recruiter: RecruiterRow, now: number): number[] {
    const hours = recruiter.workingHours ?? DEFAULT_HOURS;
    const tz = recruiter.timeZone;
    const today = wallClock(now, tz);
    const starts: number[] = [];
    for (let offset = 0; offset <= DAYS_AHEAD; offset++) {
      const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
      const isoWeekday = ((date.getUTCDay() + 6) % 7) + 1;
      if (!hours.days.includes(isoWeekday)) continue;
      for (let m = hours.startMinute; m + hours.slotMinutes <= hours.endMinute; m += hours.slotMinutes) {
        const at = instantOf(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), m, tz);
        if (at >= now + LEAD_TIME_MS) starts.push(at);
      }
    }
    return starts;
  }

  function upcomingFor(candidateId: number): Promise<BookingRow | undefined> {
    return first(
      db.orm
        .select()
        .from(bookings)
        .where(and(eq(bookings.candidateId, candidateId), gt(bookings.startsAt, clock.now())))
        .orderBy(asc(bookings.startsAt)),
    );
  }

  return {
    resolve,
    upcomingFor,

    /** Open slots, grouped by the candidate's local day. */
    async openSlots(context: BookingContext) {
      const now = clock.now();
      const booked = await db.orm
        .select({ at: bookings.startsAt })
        .from(bookings)
        .where(and(eq(bookings.recruiterId, context.recruiter.id), gt(bookings.startsAt, now)));
      const taken = new Set(booked.map((b) => b.at));
      const days = new Map<string, { startsAt: string; time: string }[]>();
      for (const at of slotStarts(context.recruiter, now)) {
        if (taken.has(at)) continue;
        const f = formatSlot(at, context.candidateTimeZone);
        if (!days.has(f.day)) days.set(f.day, []);
        days.get(f.day)!.push({ startsAt: new Date(at).toISOString(), time: f.time });
      }
      return [...days].map(([day, slots]) => ({ day, slots }));
    },

    /** Books a slot (never twice); confirms it in the conversation and tells the recruiter. */
    async book(context: BookingContext, startsAtIso: string) {
      const { recruiter, org, candidate } = context;
      const startsAt = Date.parse(startsAtIso);
      const now = clock.now();
      await countAttempt(candidate.id, now);
      if (!Number.isFinite(startsAt) || !slotStarts(recruiter, now).includes(startsAt)) {
        throw new ApiError(409, 'SLOT_UNAVAILABLE', 'That time is no longer available. Please pick another.');
      }
      const slotMs = (recruiter.workingHours ?? DEFAULT_HOURS).slotMinutes * 60_000;
      const when = formatSlot(startsAt, context.candidateTimeZone).full;
      let booking: BookingRow;
      let sent: MessageRow[] = [];
      // The conversation Ari confirms in, made now if the candidate has none yet: its id is the lock's key.
      const conversationId = (await services.candidates.ensureConversation(org.id, candidate.id)).id;
      try {
        // A write transaction: what it reads (the earlier booking, Ari's step) decides what it writes.
        booking = await db.tx(
          async (tx) => {
            // A new pick replaces the candidate's earlier upcoming booking with this recruiter.
            await tx.orm
              .delete(bookings)
              .where(and(eq(bookings.candidateId, candidate.id), eq(bookings.recruiterId, recruiter.id), gt(bookings.startsAt, now)));
            const [row] = await tx.orm
              .insert(bookings)
              .values({ orgId: org.id, recruiterId: recruiter.id, candidateId: candidate.id, startsAt, endsAt: startsAt + slotMs, createdAt: now })
              .returning();
            // Ari confirms only while it is handling the conversation (not after a take-over).
            const ariHandling = (await services.candidates.conversationOf(candidate.id, tx))?.assistantActive ?? false;
            sent = await services.assistant.onBooked(org, candidate, when, tx);
            if (!notTextableReason(candidate, org) && whatsappWindowOpen(candidate, now)) {
              sent.push(
                await services.outbox.enqueue(
                  {
                    org,
                    candidate,
                    body: `You're booked with ${recruiter.name} on ${when}. Reply here if you need to change it.`,
                    sender: ariHandling ? 'assistant' : 'system',
                    idempotencyKey: `booking:${row!.id}`,
                  },
                  tx,
                ),
              );
            }
            return row!;
          },
          // Races: two picks by the candidate (each replacing the other's), or a pick and Ari's turn moving the
          // conversation; two candidates on one slot meet the unique slot index instead.
          { write: true, locks: [['conversation', conversationId]] },
        );
      } catch (err) {
        // The slot is unique per recruiter: two candidates picking it at once, one gets it. Caught
        // outside the transaction, which has rolled back (the earlier booking is kept).
        if (db.isUniqueViolation(err)) throw new ApiError(409, 'SLOT_TAKEN', 'Someone just booked that time. Please pick another.');
        throw err;
      }
      for (const row of sent) events.publish(org.id, { type: 'message.created', data: messageJson(row, candidate.atsId) });
      const json = bookingJson(booking, context);
      events.publish(org.id, { type: 'booking.created', data: json });
      await services.assistant.publish(org.id, candidate.id, []);
      if (sent.length) services.outbox.kick();
      return json;
    },
  };

  function bookingJson(b: BookingRow, context: BookingContext) {
    return {
      id: b.id,
      candidateId: context.candidate.atsId,
      recruiter: { id: context.recruiter.id, name: context.recruiter.name },
      startsAt: new Date(b.startsAt).toISOString(),
      endsAt: new Date(b.endsAt).toISOString(),
      candidateTime: formatSlot(b.startsAt, context.candidateTimeZone).full,
      recruiterTime: formatSlot(b.startsAt, context.recruiter.timeZone).full,
    };
  }
}

export type BookingService = ReturnType<typeof createBookingService>;
