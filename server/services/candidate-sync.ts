/**
 * Candidate data from the ATS: the upsert behind PUT /api/candidates/:atsId, every import row,
 * the recruiter's capture from the host page and the demo seed, plus consent history and
 * erasure. One path, so the rules hold whichever way data arrives:
 *
 * - a row is validated and normalised completely before anything is written (never half written);
 * - the same body twice changes nothing the second time (updatedAt included);
 * - consent is history: each statement is a record (status, source, time, who set it) and the
 *   latest one is the candidate's current consent;
 * - nothing the ATS says overrides the candidate's own word: a phone that texted STOP stays
 *   opted out until the candidate's START, whatever consent an import reports.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { CandidateUpsert, ConsentRecord, ConsentStatus } from '../../shared/api.js';
import { checkMobile } from '../../shared/phone.js';
import type { CountryCode } from 'libphonenumber-js/max';
import {
  bookings,
  campaignDeliveries,
  campaignRecipients,
  candidateAnswers,
  candidates,
  consentRecords,
  conversations,
  messages,
  webhookEvents,
} from '../db/schema.js';
import type { Deps } from '../deps.js';
import { notFound, validation } from '../lib/errors.js';
import { isValidTimeZone } from '../lib/zoned-time.js';
import type { PhoneOptOuts } from './phone-opt-outs.js';
import type { Candidate, Organization } from './textability.js';

/** Who is writing: an integration key, a recruiter (capture, an admin's own sync), the candidate, or the server itself. */
export interface Writer {
  type: 'key' | 'recruiter' | 'candidate' | 'system';
  name: string;
}

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

/** A consent statement in the ATS's future is a clock or data error, not a consent (a little skew is fine). */
const CONSENT_CLOCK_SKEW_MS = 5 * 60_000;

/** An upsert body, validated and normalised: every field ready to compare and write. */
export interface PreparedCandidate {
  atsId: string;
  firstName: string;
  lastName: string;
  /** undefined: leave as it is; null: clear. */
  email?: string | null;
  /** E.164 mobile, or null (none, or a number that is not a mobile). */
  phone?: string | null;
  channel?: 'sms' | 'whatsapp';
  timeZone?: string | null;
  jobTitle?: string | null;
  location?: string | null;
  consent?: { status: ConsentStatus; source: string; at: number | undefined };
}

type CandidateInsert = typeof candidates.$inferInsert;

export function createCandidateSync({ db, clock }: Pick<Deps, 'db' | 'clock'>, optOuts: PhoneOptOuts) {
  const byAtsId = db
    .select()
    .from(candidates)
    .where(and(eq(candidates.orgId, sql.placeholder('orgId')), eq(candidates.atsId, sql.placeholder('atsId'))))
    .prepare();
  const sameConsentRecord = db
    .select({ id: consentRecords.id })
    .from(consentRecords)
    .where(
      and(
        eq(consentRecords.candidateId, sql.placeholder('candidateId')),
        eq(consentRecords.status, sql.placeholder('status')),
        eq(consentRecords.source, sql.placeholder('source')),
        eq(consentRecords.at, sql.placeholder('at')),
      ),
    )
    .limit(1)
    .prepare();

  /**
   * Validates and normalises one body for `org` (throws 400 VALIDATION naming the field). Pure:
   * nothing is read or written, so a refused row leaves no trace.
   */
  function prepare(org: Organization, atsId: string, body: CandidateUpsert, now = clock.now()): PreparedCandidate {
    const row: PreparedCandidate = { atsId, firstName: body.firstName, lastName: body.lastName };
    if (body.email !== undefined) row.email = body.email;
    if (body.phone !== undefined) {
      if (body.phone === null) row.phone = null;
      else {
        const check = checkMobile(body.phone, org.defaultCountry as CountryCode);
        if (!check.ok && check.reason === 'INVALID') {
          throw validation(`phone: "${body.phone}" is not a valid phone number (numbers without a country code are read as ${org.defaultCountry}).`, { field: 'phone' });
        }
        // A landline is a real number, but not one to text: the candidate has no mobile.
        row.phone = check.ok ? check.e164 : null;
      }
    }
    if (body.channel !== undefined) row.channel = body.channel ?? 'sms';
    if (body.timeZone !== undefined) {
      if (body.timeZone !== null && !isValidTimeZone(body.timeZone)) {
        throw validation(`timeZone: "${body.timeZone}" is not an IANA time zone such as America/Chicago.`, { field: 'timeZone' });
      }
      row.timeZone = body.timeZone;
    }
    if (body.jobTitle !== undefined) row.jobTitle = body.jobTitle;
    if (body.location !== undefined) row.location = body.location;
    if (body.consent) {
      const at = body.consent.at === undefined ? undefined : Date.parse(body.consent.at);
      if (at !== undefined && at > now + CONSENT_CLOCK_SKEW_MS) {
        throw validation(`consent.at: ${body.consent.at} is in the future.`, { field: 'consent.at' });
      }
      row.consent = { status: body.consent.status, source: body.consent.source, at };
    }
    return row;
  }

  /**
   * Records a consent statement; the latest statement (by its time) becomes the candidate's
   * consent. Returns false when it says nothing new (the same statement again).
   */
  function applyConsent(org: Organization, candidate: Candidate, consent: NonNullable<PreparedCandidate['consent']>, writer: Writer, now: number): boolean {
    if (consent.at !== undefined) {
      if (sameConsentRecord.get({ candidateId: candidate.id, status: consent.status, source: consent.source, at: consent.at })) return false;
    } else if (candidate.consentStatus === consent.status && candidate.consentSource === consent.source) {
      return false;
    }
    const at = consent.at ?? now;
    db.insert(consentRecords)
      .values({ orgId: org.id, candidateId: candidate.id, status: consent.status, source: consent.source, at, setByType: writer.type, setByName: writer.name, recordedAt: now })
      .run();
    // An older statement arriving late is history; it does not undo a newer one. The candidate's
    // own word is never "older": their STOP or START counts whatever the ATS dated its records.
    const current = writer.type === 'candidate' || candidate.consentChangedAt == null || at >= candidate.consentChangedAt;
    if (!current) return true;
    db.update(candidates)
      .set({
        consentStatus: consent.status,
        consentSource: consent.source,
        consentChangedAt: at,
        consentAt: consent.status === 'granted' ? at : null,
        updatedAt: now,
      })
      .where(eq(candidates.id, candidate.id))
      .run();
    if (candidate.phone) {
      if (consent.status === 'revoked') {
        // The candidate's own word would be 'keyword'; this is the organisation's record of it.
        optOuts.optOut(org, candidate.phone, writer.type === 'candidate' ? 'keyword' : 'ats', at);
      } else if (writer.type === 'candidate') {
        optOuts.optInByCandidate(org, candidate.phone);
      } else {
        optOuts.liftAtsOptOut(org, candidate.phone, at);
      }
    }
    return true;
  }

  /** The field changes `row` makes to `existing` (only what differs). */
  function fieldChanges(org: Organization, existing: Candidate, row: PreparedCandidate): Partial<CandidateInsert> {
    const changes: Partial<CandidateInsert> = {};
    const fields = ['firstName', 'lastName', 'email', 'channel', 'timeZone', 'jobTitle', 'location'] as const;
    for (const f of fields) {
      const value = row[f];
      if (value !== undefined && value !== existing[f]) (changes as Record<string, unknown>)[f] = value;
    }
    if (row.phone !== undefined && row.phone !== existing.phone) {
      changes.phone = row.phone;
      // Opting out belongs to the number: a new number brings its own state.
      const state = row.phone ? optOuts.state(org, row.phone) : null;
      changes.optedOutAt = state?.optedOutAt ?? null;
      changes.optOutMethod = state?.method ?? null;
    }
    return changes;
  }

  /** Writes one prepared row (inside the caller's transaction). `existing`: the row by atsId, if known. */
  function write(org: Organization, row: PreparedCandidate, writer: Writer, existing: Candidate | undefined, now: number): { outcome: UpsertOutcome; candidate: Candidate } {
    let candidate: Candidate;
    let outcome: UpsertOutcome;
    if (existing) {
      const changes = fieldChanges(org, existing, row);
      candidate = Object.keys(changes).length
        ? db.update(candidates).set({ ...changes, updatedAt: now }).where(eq(candidates.id, existing.id)).returning().get()!
        : existing;
      outcome = Object.keys(changes).length ? 'updated' : 'unchanged';
    } else {
      const state = row.phone ? optOuts.state(org, row.phone) : null;
      const values = {
        firstName: row.firstName,
        lastName: row.lastName,
        email: row.email ?? null,
        phone: row.phone ?? null,
        channel: row.channel ?? 'sms',
        timeZone: row.timeZone ?? null,
        jobTitle: row.jobTitle ?? null,
        location: row.location ?? null,
        optedOutAt: state?.optedOutAt ?? null,
        optOutMethod: state?.method ?? null,
        updatedAt: now,
      } satisfies Partial<CandidateInsert>;
      // Someone who texted before the ATS knew them: their thread becomes this candidate's.
      const placeholder = row.phone ? byAtsId.get({ orgId: org.id, atsId: `phone:${row.phone}` }) : undefined;
      candidate = placeholder
        ? db.update(candidates).set({ ...values, atsId: row.atsId }).where(eq(candidates.id, placeholder.id)).returning().get()!
        : db.insert(candidates).values({ ...values, orgId: org.id, atsId: row.atsId, createdAt: now }).returning().get();
      outcome = 'created';
    }
    if (row.consent && applyConsent(org, candidate, row.consent, writer, now)) {
      candidate = db.select().from(candidates).where(eq(candidates.id, candidate.id)).get()!;
      if (outcome === 'unchanged') {
        outcome = 'updated';
        if (candidate.updatedAt !== now) candidate = db.update(candidates).set({ updatedAt: now }).where(eq(candidates.id, candidate.id)).returning().get()!;
      }
    }
    return { outcome, candidate };
  }

  return {
    prepare,
    /** A consent statement on its own (the candidate's STOP or START, say); false if it said nothing new. */
    recordConsent: (org: Organization, candidate: Candidate, consent: NonNullable<PreparedCandidate['consent']>, writer: Writer) =>
      applyConsent(org, candidate, consent, writer, clock.now()),

    /** One candidate (PUT /api/candidates/:atsId, capture, an import row written alone). */
    upsert(org: Organization, atsId: string, body: CandidateUpsert, writer: Writer): { outcome: UpsertOutcome; candidate: Candidate } {
      const now = clock.now();
      const row = prepare(org, atsId, body, now);
      return db.transaction(() => write(org, row, writer, byAtsId.get({ orgId: org.id, atsId }), now));
    },

    /**
     * Many prepared rows in one transaction (an import batch): existing rows are read in one query.
     * Returns one outcome per row, in order.
     */
    writeMany(org: Organization, rows: PreparedCandidate[], writer: Writer): { outcome: UpsertOutcome; candidate: Candidate }[] {
      const now = clock.now();
      return db.transaction(() => {
        const existing = new Map<string, Candidate>();
        for (let i = 0; i < rows.length; i += 500) {
          const ids = rows.slice(i, i + 500).map((r) => r.atsId);
          for (const c of db.select().from(candidates).where(and(eq(candidates.orgId, org.id), inArray(candidates.atsId, ids))).all()) existing.set(c.atsId, c);
        }
        return rows.map((row) => write(org, row, writer, existing.get(row.atsId), now));
      });
    },

    /** Every consent statement about the candidate, newest first. */
    consentHistory(org: Organization, atsId: string): ConsentRecord[] {
      const candidate = byAtsId.get({ orgId: org.id, atsId });
      if (!candidate) throw notFound('Candidate');
      return db
        .select()
        .from(consentRecords)
        .where(eq(consentRecords.candidateId, candidate.id))
        .orderBy(sql`${consentRecords.at} desc, ${consentRecords.id} desc`)
        .all()
        .map((r) => ({
          status: r.status,
          source: r.source,
          at: new Date(r.at).toISOString(),
          recordedAt: new Date(r.recordedAt).toISOString(),
          setBy: { type: r.setByType, name: r.setByName },
        }));
    },

    /**
     * Erases the candidate: their data, conversation, consent history, answers and bookings, and
     * the raw webhook payloads that carried their number. What stays is the phone's opt-out, as a
     * keyed hash, so no later import makes the number textable again without the candidate's START.
     */
    erase(org: Organization, atsId: string): void {
      const candidate = byAtsId.get({ orgId: org.id, atsId });
      if (!candidate) throw notFound('Candidate');
      const now = clock.now();
      db.transaction(() => {
        if (candidate.phone) optOuts.optOut(org, candidate.phone, 'erased', now);
        const id = candidate.id;
        db.delete(campaignDeliveries).where(eq(campaignDeliveries.candidateId, id)).run();
        db.delete(campaignRecipients).where(eq(campaignRecipients.candidateId, id)).run();
        db.delete(candidateAnswers).where(eq(candidateAnswers.candidateId, id)).run();
        db.delete(bookings).where(eq(bookings.candidateId, id)).run();
        db.delete(consentRecords).where(eq(consentRecords.candidateId, id)).run();
        db.delete(messages).where(eq(messages.candidateId, id)).run();
        db.delete(conversations).where(eq(conversations.candidateId, id)).run();
        db.delete(candidates).where(eq(candidates.id, id)).run();
        if (candidate.phone && !otherCandidateHasPhone(org.id, candidate.phone)) redactWebhooks(org.id, candidate.phone);
      });
    },
  };

  function otherCandidateHasPhone(orgId: number, phone: string): boolean {
    return !!db.select({ id: candidates.id }).from(candidates).where(and(eq(candidates.orgId, orgId), eq(candidates.phone, phone))).limit(1).get();
  }

  /** The raw provider payloads to or from the number keep their place (duplicates stay recognised) but lose their content. */
  function redactWebhooks(orgId: number, phone: string) {
    const addresses = [phone, `whatsapp:${phone}`];
    db.update(webhookEvents)
      .set({ payload: { redacted: 'erased' } })
      .where(
        and(
          eq(webhookEvents.orgId, orgId),
          sql`(json_extract(${webhookEvents.payload}, '$.From') in ${addresses} or json_extract(${webhookEvents.payload}, '$.To') in ${addresses})`,
        ),
      )
      .run();
  }
}

export type CandidateSync = ReturnType<typeof createCandidateSync>;
