/**
 * Candidate data from the ATS: the upsert behind PUT /api/candidates/:atsId, every import row,
 * the recruiter's capture from the host page and the demo seed, and consent statements and their
 * history (erasure: erasure.ts). One path, so the rules hold whichever way data arrives:
 *
 * - a row is validated and normalised completely before anything is written (never half written);
 * - the same body twice changes nothing the second time (updatedAt included);
 * - consent is history: each statement is a record (status, source, time, who set it) and the
 *   latest one is the candidate's current consent;
 * - nothing the ATS says overrides the candidate's own word: a phone that texted STOP stays
 *   opted out until the candidate's START, whatever consent an import reports.
 */
import type { LockKey } from '../db/locks.js';
import { eq, getTableColumns, sql } from 'drizzle-orm';
import type { CandidateUpsert, ConsentInput, ConsentRecord, ConsentStatus } from '../../shared/api.js';
import { checkMobile } from '../../shared/phone.js';
import type { CountryCode } from 'libphonenumber-js/max';
import type { candidates } from '../db/schema.js';
import { chunks, placeholders, statementsBySize } from '../db/multi-row.js';
import type { Db } from '../db/types.js';
import type { Deps } from '../deps.js';
import { ApiError, notFound, validation } from '../lib/errors.js';
import { sqlColumns } from '../lib/sql-rows.js';
import { isValidTimeZone } from '../lib/zoned-time.js';
import type { OptOutState, PhoneOptOuts } from './phone-opt-outs.js';
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

/**
 * Every write runs in one transaction with the reads it is based on: the service's own, or (for
 * `recordConsent`, which inbound calls while it records a STOP) the caller's, as a savepoint.
 */
export function createCandidateSync(deps: Pick<Deps, 'db' | 'clock'>, optOuts: PhoneOptOuts) {
  const { clock } = deps;
  const { candidates, consentRecords } = deps.db.t;
  // An import writes up to 100,000 rows: its statements are prepared once, not built per row, and
  // the insert returns only the id and the update nothing (RETURNING every column costs more than
  // the insert itself): the row as written is known here. (candidates has no JSON or boolean
  // column: raw rows need no mapping.)
  const CANDIDATE = sqlColumns(candidates);
  // Every insert of new candidates (one row; many on PostgreSQL) takes insertValues()' values; the
  // row as written is known here, so only the id comes back.
  const candidateColumns = getTableColumns(candidates);
  const insertCandidates = (rows: number) =>
    `insert into candidates (${INSERT_COLUMNS.map((key) => candidateColumns[key].name).join(', ')}) values ${placeholders(rows, INSERT_COLUMNS.length)}`;
  /** Consent records, with firstConsentValues()' values. */
  const insertConsents = (rows: number) =>
    `insert into consent_records (org_id, candidate_id, status, source, at, set_by_type, set_by_name, recorded_at) values ${placeholders(rows, 8)}`;
  const stmt = {
    insert: deps.db.stmt(insertCandidates(1), `${insertCandidates(1)} returning id`),
    /** Every field the ATS owns, at once (the row as it should be now). */
    update: deps.db.stmt(
      `update candidates set ats_id = @atsId, first_name = @firstName, last_name = @lastName, email = @email, phone = @phone, channel = @channel,
         time_zone = @timeZone, job_title = @jobTitle, location = @location, opted_out_at = @optedOutAt, opt_out_method = @optOutMethod, updated_at = @updatedAt
       where id = @id`,
    ),
    setConsent: deps.db.stmt(
      `update candidates set consent_status = @status, consent_source = @source, consent_changed_at = @at, consent_at = @consentAt, updated_at = @now
       where id = @id returning ${CANDIDATE}`,
    ),
    touch: deps.db.stmt(`update candidates set updated_at = ? where id = ? returning ${CANDIDATE}`),
    insertConsent: deps.db.stmt(insertConsents(1), `${insertConsents(1)} returning id`),
    byId: deps.db.stmt(`select ${CANDIDATE} from candidates where id = ?`),
    byAtsId: deps.db.stmt(`select ${CANDIDATE} from candidates where org_id = ? and ats_id = ?`),
    anyPlaceholder: deps.db.stmt(`select 1 from candidates where org_id = ? and ats_id >= 'phone:' and ats_id < 'phone;' limit 1`),
    /** Rows by ATS id, for a whole batch (the ids as one JSON array: one statement for any batch size). */
    byAtsIds: deps.db.stmt(
      `select ${CANDIDATE} from candidates where org_id = ? and ats_id in (select value from json_each(?))`,
      `select ${CANDIDATE} from candidates where org_id = ? and ats_id in (select json_array_elements_text(?::json))`,
    ),
    sameConsentRecord: deps.db.stmt(`select id from consent_records where candidate_id = ? and status = ? and source = ? and at = ? limit 1`),
  };
  /** PostgreSQL's multi-row inserts (server/db/multi-row.ts); SQLite runs insertEach. */
  const insertMany = statementsBySize(deps.db, (n) => `${insertCandidates(n)} returning id, ats_id as "atsId"`);
  const insertConsentMany = statementsBySize(deps.db, insertConsents);

  /**
   * Validates and normalises one body for `org` (throws 400 VALIDATION naming the field). Pure:
   * nothing is read or written, so a refused row leaves no trace.
   */
  function prepare(org: Organization, atsId: string, body: CandidateUpsert, now = clock.now(), storedPhone?: string | null): PreparedCandidate {
    const row: PreparedCandidate = { atsId, firstName: body.firstName, lastName: body.lastName };
    if (body.email !== undefined) row.email = body.email;
    if (body.phone !== undefined) {
      if (body.phone === null) row.phone = null;
      else if (storedPhone && sameDigits(body.phone, storedPhone, org.defaultCountry)) row.phone = storedPhone;
      else {
        const check = checkMobile(body.phone, org.defaultCountry as CountryCode);
        if (!check.ok && check.reason === 'INVALID') {
          throw validation(`phone: "${body.phone}" is not a valid phone number (numbers without a country code are read as ${org.defaultCountry}).`, {
            field: 'phone',
          });
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
   * What a batch of rows needs to know before writing, read in a few queries instead of several
   * per row: the rows that exist, the opt-outs of the phones involved, and placeholders (texters
   * the ATS did not know) with those phones. Kept current as the batch writes.
   */
  interface Known {
    existing: Map<string, Candidate>;
    optOuts: Map<string, OptOutState>;
    placeholders: Map<string, Candidate>;
  }

  async function existingRows(tx: Db, org: Organization, atsIds: string[]): Promise<Map<string, Candidate>> {
    const existing = new Map<string, Candidate>();
    for (const c of await tx.all<Candidate>(stmt.byAtsIds, org.id, JSON.stringify(atsIds))) existing.set(c.atsId, c);
    return existing;
  }

  /** `existingAlready`: the rows by ATS id, when the caller has read them (writeMany, to prepare each row). */
  async function lookAhead(tx: Db, org: Organization, rows: PreparedCandidate[], existingAlready?: Map<string, Candidate>): Promise<Known> {
    const existing =
      existingAlready ??
      (await existingRows(
        tx,
        org,
        rows.map((r) => r.atsId),
      ));
    const placeholders = new Map<string, Candidate>();
    // The opt-outs a row may need: its phone's when the row is new or brings another number, and
    // the number it keeps when it makes a consent statement. A row that says what is already
    // known needs none (a re-import of the same file computes no phone hash at all).
    const phones = new Set<string>();
    for (const row of rows) {
      const before = existing.get(row.atsId);
      if (row.phone && (!before || row.phone !== before.phone)) phones.add(row.phone);
      const consentMayMove =
        row.consent &&
        !(
          before &&
          before.consentStatus === row.consent.status &&
          before.consentSource === row.consent.source &&
          (row.consent.at === undefined || before.consentChangedAt === row.consent.at)
        );
      if (consentMayMove) {
        const phone = row.phone !== undefined ? row.phone : before?.phone;
        if (phone) phones.add(phone);
        if (before?.phone) phones.add(before.phone);
      }
    }
    // Placeholders are rare: one look at the id range first spares the batch a look-up per phone.
    const anyPlaceholder = !!(await tx.get(stmt.anyPlaceholder, org.id));
    const newPhones = anyPlaceholder ? rows.flatMap((r) => (r.phone && !existing.has(r.atsId) ? [`phone:${r.phone}`] : [])) : [];
    if (newPhones.length) for (const c of await tx.all<Candidate>(stmt.byAtsIds, org.id, JSON.stringify(newPhones))) placeholders.set(c.phone!, c);
    return { existing, optOuts: await optOuts.states(org, [...phones], tx), placeholders };
  }

  /**
   * Records a consent statement; the latest statement (by its time) becomes the candidate's
   * consent. Returns the candidate as it is now, or null when the statement says nothing new.
   */
  async function applyConsent(
    tx: Db,
    org: Organization,
    candidate: Candidate,
    consent: NonNullable<PreparedCandidate['consent']>,
    writer: Writer,
    now: number,
    known: Known,
    isNew: boolean,
  ): Promise<Candidate | null> {
    if (consentIsCurrent(candidate, consent)) return null;
    // An older statement already on record (it is history, not the current one): nothing new.
    if (consent.at !== undefined && !isNew && (await tx.get(stmt.sameConsentRecord, candidate.id, consent.status, consent.source, consent.at))) return null;
    const at = consent.at ?? now;
    await tx.run(stmt.insertConsent, org.id, candidate.id, consent.status, consent.source, at, writer.type, writer.name, now);
    // An older statement arriving late is history; it does not undo a newer one. The candidate's
    // own word is never "older": their STOP or START counts whatever the ATS dated its records.
    const current = writer.type === 'candidate' || candidate.consentChangedAt == null || at >= candidate.consentChangedAt;
    if (!current) return (await tx.get<Candidate>(stmt.touch, now, candidate.id))!;
    const updated = (await tx.get<Candidate>(stmt.setConsent, {
      id: candidate.id,
      status: consent.status,
      source: consent.source,
      at,
      consentAt: consent.status === 'granted' ? at : null,
      now,
    }))!;
    // The opt-out covers every row with the number: if it moved, this row's mirror moved with it.
    return (await consentMovesOptOut(tx, org, candidate.phone, consent.status, at, writer, known))
      ? (await tx.get<Candidate>(stmt.byId, candidate.id))!
      : updated;
  }

  /**
   * What a current consent statement does to the phone's opt-out: a revocation opts the number
   * out (the candidate's own, STOP, only they can lift; the organisation's record of one, a later
   * grant from the organisation may), the candidate's grant lifts any, an organisation's grant
   * lifts only the organisation's earlier revocation. True if the opt-out changed.
   */
  async function consentMovesOptOut(
    tx: Db,
    org: Organization,
    phone: string | null,
    status: ConsentStatus,
    at: number,
    writer: Writer,
    known: Known,
  ): Promise<boolean> {
    if (!phone) return false;
    const optOut = known.optOuts.get(phone);
    if (status === 'revoked') {
      const added = await optOuts.optOut(org, phone, writer.type === 'candidate' ? 'keyword' : 'ats', at, tx);
      known.optOuts.set(phone, (await optOuts.state(org, phone, tx))!);
      return added || optOut?.method !== known.optOuts.get(phone)!.method;
    }
    if (writer.type === 'candidate') {
      if (!(await optOuts.optInByCandidate(org, phone, tx)) && !optOut) return false;
    } else if (optOut?.method !== 'ats' || optOut.optedOutAt > at || !(await optOuts.liftAtsOptOut(org, phone, at, tx))) {
      return false;
    }
    known.optOuts.delete(phone);
    return true;
  }

  /**
   * The existing candidate when writing `row` would change nothing (no field differs, its consent
   * statement is the current one already), told without a query; else null and write() decides.
   */
  function unchangedCandidate(row: PreparedCandidate, known: Known): Candidate | null {
    const existing = known.existing.get(row.atsId);
    if (!existing || Object.keys(fieldChanges(existing, row, known)).length) return null;
    return !row.consent || consentIsCurrent(existing, row.consent) ? existing : null;
  }

  /** The field changes `row` makes to `existing` (only what differs). */
  function fieldChanges(existing: Candidate, row: PreparedCandidate, known: Known): Partial<CandidateInsert> {
    const changes: Partial<CandidateInsert> = {};
    const fields = ['firstName', 'lastName', 'email', 'channel', 'timeZone', 'jobTitle', 'location'] as const;
    for (const f of fields) {
      const value = row[f];
      if (value !== undefined && value !== existing[f]) (changes as Record<string, unknown>)[f] = value;
    }
    if (row.phone !== undefined && row.phone !== existing.phone) {
      changes.phone = row.phone;
      // Opting out belongs to the number: a new number brings its own state.
      const state = row.phone ? known.optOuts.get(row.phone) : undefined;
      changes.optedOutAt = state?.optedOutAt ?? null;
      changes.optOutMethod = state?.method ?? null;
    }
    return changes;
  }

  /** The row a new candidate is written as (also its insert's parameters). Its id is 0 until inserted. */
  function newCandidate(org: Organization, row: PreparedCandidate, known: Known, now: number): Candidate {
    const state = row.phone ? known.optOuts.get(row.phone) : undefined;
    // A new row carries its first consent statement from the start (one write, not two).
    const consent = row.consent ? { ...row.consent, at: row.consent.at ?? now } : null;
    return {
      id: 0,
      orgId: org.id,
      atsId: row.atsId,
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
      consentStatus: consent?.status ?? null,
      consentSource: consent?.source ?? null,
      consentChangedAt: consent?.at ?? null,
      consentAt: consent?.status === 'granted' ? consent.at : null,
      lastInboundAt: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** Inserts a new candidate with its first consent statement, which may move its phone's opt-out. */
  async function insertNew(tx: Db, org: Organization, row: PreparedCandidate, writer: Writer, known: Known, now: number): Promise<Candidate> {
    let candidate = newCandidate(org, row, known, now);
    candidate.id = (await tx.insertEach(stmt.insert, [insertValues(candidate)]))[0]!;
    if (candidate.consentStatus) {
      await tx.run(stmt.insertConsent, ...firstConsentValues(candidate, writer, now));
      if (await consentMovesOptOut(tx, org, candidate.phone, candidate.consentStatus, candidate.consentChangedAt!, writer, known)) {
        candidate = (await tx.get<Candidate>(stmt.byId, candidate.id))!;
      }
    }
    known.existing.set(candidate.atsId, candidate);
    return candidate;
  }

  /**
   * An import batch's plain new rows, written together: most rows of a first import are new
   * candidates whose consent moves no opt-out, and a call per row (two with consent) was much of
   * an import's time (SQLite: one call for the lot; PostgreSQL: many rows per statement). Rows
   * queue while they are plain; the caller flushes before any other row, so every write still
   * happens in the batch's order.
   */
  function newRowBatch(tx: Db, org: Organization, writer: Writer, known: Known, now: number) {
    const queued = new Map<string, Candidate>();
    return {
      /** Queues `row` if it is plain (new, no placeholder to take over, an opt-out its consent leaves alone); its candidate, or null. */
      take(row: PreparedCandidate): Candidate | null {
        if (known.existing.has(row.atsId) || queued.has(row.atsId)) return null;
        if (row.phone && known.placeholders.has(row.phone)) return null;
        if (!consentLeavesOptOut(row, writer, known)) return null;
        const candidate = newCandidate(org, row, known, now);
        queued.set(row.atsId, candidate);
        return candidate;
      },
      /** Writes the queued rows and their consent records; their candidates get their ids. */
      async flush(): Promise<void> {
        const rows = [...queued.values()];
        queued.clear();
        if (!rows.length) return;
        if (tx.engine === 'pg') await insertPerStatement(rows);
        else await insertEachRow(rows);
        for (const candidate of rows) known.existing.set(candidate.atsId, candidate);
      },
    };

    async function insertEachRow(rows: Candidate[]) {
      const ids = await tx.insertEach(stmt.insert, rows.map(insertValues));
      rows.forEach((c, i) => (c.id = ids[i]!));
      await tx.insertEach(
        stmt.insertConsent,
        rows.filter((c) => c.consentStatus).map((c) => firstConsentValues(c, writer, now)),
      );
    }

    async function insertPerStatement(rows: Candidate[]) {
      for (const chunk of chunks(rows)) {
        // RETURNING's order is not promised for a multi-row insert: each id is matched by its ATS id.
        const ids = await tx.all<{ id: number; atsId: string }>(insertMany(chunk.length), ...chunk.flatMap(insertValues));
        const byAtsId = new Map(ids.map((r) => [r.atsId, r.id]));
        for (const candidate of chunk) candidate.id = byAtsId.get(candidate.atsId)!;
      }
      for (const chunk of chunks(rows.filter((c) => c.consentStatus)))
        await tx.run(insertConsentMany(chunk.length), ...chunk.flatMap((c) => firstConsentValues(c, writer, now)));
    }
  }

  /** True when a new row's consent statement leaves its phone's opt-out as it is (consentMovesOptOut would change nothing). */
  function consentLeavesOptOut(row: PreparedCandidate, writer: Writer, known: Known): boolean {
    if (!row.consent || !row.phone) return true;
    return row.consent.status !== 'revoked' && writer.type !== 'candidate' && known.optOuts.get(row.phone)?.method !== 'ats';
  }

  /** Writes one prepared row (inside the caller's transaction). */
  async function write(
    tx: Db,
    org: Organization,
    row: PreparedCandidate,
    writer: Writer,
    known: Known,
    now: number,
  ): Promise<{ outcome: UpsertOutcome; candidate: Candidate }> {
    const existing = known.existing.get(row.atsId);
    let candidate: Candidate;
    let outcome: UpsertOutcome;
    if (existing) {
      const changes = fieldChanges(existing, row, known);
      if (Object.keys(changes).length) {
        candidate = { ...existing, ...(changes as Partial<Candidate>), updatedAt: now };
        await tx.run(stmt.update, candidate);
        outcome = 'updated';
      } else {
        candidate = existing;
        outcome = 'unchanged';
      }
    } else {
      // Someone who texted before the ATS knew them: their thread (and their own word on consent) becomes this candidate's.
      const placeholder = row.phone ? known.placeholders.get(row.phone) : undefined;
      if (!placeholder) return { outcome: 'created', candidate: await insertNew(tx, org, row, writer, known, now) };
      known.placeholders.delete(row.phone!);
      await tx.run(stmt.update, { ...newCandidate(org, row, known, now), id: placeholder.id });
      candidate = (await tx.get<Candidate>(stmt.byId, placeholder.id))!;
      outcome = 'created';
    }
    if (row.consent) {
      const after = await applyConsent(tx, org, candidate, row.consent, writer, now, known, false);
      if (after) {
        candidate = after;
        if (outcome === 'unchanged') outcome = 'updated';
      }
    }
    known.existing.set(candidate.atsId, candidate);
    return { outcome, candidate };
  }

  /** The phones' locks (locks.ts), taken before their opt-outs and placeholders are read. */
  function phoneLocks(phones: (string | null | undefined)[]): LockKey[] {
    return phones.filter((p): p is string => !!p).map((p) => ['phone', p] as const);
  }

  return {
    prepare,
    /**
     * A consent statement on its own (the candidate's STOP or START, say); false if it said nothing
     * new. `db`: the caller's transaction, if it runs in one (the statement is then a savepoint of it).
     */
    async recordConsent(
      org: Organization,
      candidate: Candidate,
      consent: NonNullable<PreparedCandidate['consent']>,
      writer: Writer,
      db: Db = deps.db,
    ): Promise<boolean> {
      const now = clock.now();
      return db.tx(
        async (tx) => {
          const known: Known = {
            existing: new Map(),
            optOuts: candidate.phone ? await optOuts.states(org, [candidate.phone], tx) : new Map(),
            placeholders: new Map(),
          };
          return (await applyConsent(tx, org, candidate, consent, writer, now, known, false)) !== null;
        },
        // Race: a consent statement weighed against the candidate's consent as another write changes it. The
        // phone's lock only: an inbound text (which holds it already) records its keyword here.
        { write: true, locks: phoneLocks([candidate.phone]) },
      );
    },

    /**
     * POST /api/candidates/:atsId/consent: a consent statement about a candidate the server knows
     * (a recruiter who heard "yes, text me" on the phone, say). The same rules as the upsert's:
     * history, the latest statement wins, never over the candidate's own STOP.
     */
    async stateConsent(org: Organization, atsId: string, input: ConsentInput, writer: Writer): Promise<{ changed: boolean; candidate: Candidate }> {
      const now = clock.now();
      // The candidate is read in the transaction that writes, so the statement is weighed
      // against their consent as it is, not as it was before another write got in.
      return deps.db.tx(
        async (tx) => {
          const candidate = await tx.get<Candidate>(stmt.byAtsId, org.id, atsId);
          if (!candidate) throw notFound('Candidate');
          await tx.lock(...phoneLocks([candidate.phone]));
          const { consent } = prepare(
            org,
            atsId,
            {
              firstName: candidate.firstName,
              lastName: candidate.lastName,
              phone: undefined,
              timeZone: undefined,
              jobTitle: undefined,
              location: undefined,
              consent: input,
            },
            now,
          );
          const known: Known = {
            existing: new Map(),
            optOuts: candidate.phone ? await optOuts.states(org, [candidate.phone], tx) : new Map(),
            placeholders: new Map(),
          };
          const after = await applyConsent(tx, org, candidate, consent!, writer, now, known, false);
          return { changed: after !== null, candidate: after ?? candidate };
        },
        // Race: as recordConsent's (the phone's lock is taken once the candidate is read).
        { write: true, locks: [['candidate', `${org.id}:${atsId}`]] },
      );
    },

    /**
     * One candidate (PUT /api/candidates/:atsId, capture). `onlyNew` (a recruiter's capture) refuses
     * a candidate the server already knows with 403, checked in the transaction that writes, so two
     * captures of one candidate at once make one create and one refusal, never an update.
     */
    async upsert(
      org: Organization,
      atsId: string,
      body: CandidateUpsert,
      writer: Writer,
      { onlyNew = false }: { onlyNew?: boolean } = {},
    ): Promise<{ outcome: UpsertOutcome; candidate: Candidate }> {
      const now = clock.now();
      return deps.db.tx(
        async (tx) => {
          if (onlyNew && (await tx.get(stmt.byAtsId, org.id, atsId))) {
            throw new ApiError(403, 'FORBIDDEN', 'This candidate is already in Text Engagement; only administrators (or the ATS sync) can change their data.');
          }
          const row = prepare(org, atsId, body, now);
          await tx.lock(...phoneLocks([row.phone]));
          return write(tx, org, row, writer, await lookAhead(tx, org, [row]), now);
        },
        // Races: two captures of one candidate both creating it; a write taking over a placeholder as an
        // inbound text creates it (the phone's lock, taken once the row is prepared).
        { write: true, locks: [['candidate', `${org.id}:${atsId}`]] },
      );
    },

    /**
     * Many rows in one transaction (an import batch): read what exists in a few queries, validate
     * and normalise every row (a refused row is reported, never written), write the rest. Returns
     * one result per item, in order.
     */
    async writeMany(
      org: Organization,
      items: { atsId: string; body: CandidateUpsert }[],
      writer: Writer,
    ): Promise<({ outcome: UpsertOutcome; candidate: Candidate } | { error: ApiError })[]> {
      const now = clock.now();
      return deps.db.tx(
        async (tx) => {
          const existing = await existingRows(
            tx,
            org,
            items.map((i) => i.atsId),
          );
          const prepared = items.map((item) => {
            try {
              return prepare(org, item.atsId, item.body, now, existing.get(item.atsId)?.phone);
            } catch (err) {
              if (err instanceof ApiError) return { error: err };
              throw err;
            }
          });
          await tx.lock(...phoneLocks(prepared.map((p) => ('error' in p ? null : p.phone))));
          const known = await lookAhead(
            tx,
            org,
            prepared.filter((p): p is PreparedCandidate => !('error' in p)),
            existing,
          );
          // In the rows' order: a row's write can change what the next one knows (`known`). Plain
          // new rows queue and are written together before any other row is.
          const plain = newRowBatch(tx, org, writer, known, now);
          const results: ({ outcome: UpsertOutcome; candidate: Candidate } | { error: ApiError })[] = [];
          for (const row of prepared) {
            if ('error' in row) {
              results.push(row);
              continue;
            }
            // Most rows of a repeated import: nothing to write, so no query and no await (nor a flush first).
            const same = unchangedCandidate(row, known);
            if (same) {
              results.push({ outcome: 'unchanged', candidate: same });
              continue;
            }
            const queued = plain.take(row);
            if (queued) {
              results.push({ outcome: 'created', candidate: queued });
              continue;
            }
            await plain.flush();
            results.push(await write(tx, org, row, writer, known, now));
          }
          await plain.flush();
          return results;
        },
        // As upsert's, for every row of the batch.
        { write: true, locks: items.map((i) => ['candidate', `${org.id}:${i.atsId}`] as const) },
      );
    },

    /** Every consent statement about the candidate, newest first. */
    async consentHistory(org: Organization, atsId: string): Promise<ConsentRecord[]> {
      const candidate = await deps.db.get<Candidate>(stmt.byAtsId, org.id, atsId);
      if (!candidate) throw notFound('Candidate');
      const records = await deps.db.orm
        .select()
        .from(consentRecords)
        .where(eq(consentRecords.candidateId, candidate.id))
        .orderBy(sql`${consentRecords.at} desc, ${consentRecords.id} desc`);
      return records.map((r) => ({
        status: r.status,
        source: r.source,
        at: new Date(r.at).toISOString(),
        recordedAt: new Date(r.recordedAt).toISOString(),
        setBy: { type: r.setByType, name: r.setByName },
      }));
    },
  };
}

export type CandidateSync = ReturnType<typeof createCandidateSync>;

/** True when the statement is the candidate's current consent already (same status and source, and its time when it gives one). */
function consentIsCurrent(candidate: Candidate, consent: NonNullable<PreparedCandidate['consent']>): boolean {
  return (
    candidate.consentStatus === consent.status &&
    candidate.consentSource === consent.source &&
    (consent.at === undefined || candidate.consentChangedAt === consent.at)
  );
}

/**
 * True when `raw`, as the ATS wrote it, is plainly the number already stored: its digits are the
 * stored E.164's, written with "+" or as a national North American number. A re-import of
 * unchanged data then skips the full parse (the stored number was validated when it was stored);
 * anything else (another country's national format, an extension) is parsed as usual.
 */
export function sameDigits(raw: string, stored: string, defaultCountry: string): boolean {
  const digits = raw.replace(/\D/g, '');
  if (raw.trimStart().startsWith('+')) return '+' + digits === stored;
  if (defaultCountry !== 'US' && defaultCountry !== 'CA') return false;
  return (digits.length === 10 ? '+1' + digits : digits.length === 11 && digits[0] === '1' ? '+' + digits : '') === stored;
}

/** The columns a new candidate is inserted with, in the order of insertValues()' values. */
const INSERT_COLUMNS = [
  'orgId',
  'atsId',
  'firstName',
  'lastName',
  'email',
  'phone',
  'channel',
  'timeZone',
  'jobTitle',
  'location',
  'optedOutAt',
  'optOutMethod',
  'consentStatus',
  'consentSource',
  'consentChangedAt',
  'consentAt',
  'createdAt',
  'updatedAt',
] as const satisfies readonly (keyof Candidate)[];

const insertValues = (c: Candidate) => INSERT_COLUMNS.map((column) => c[column]);
/** The consent record of a new candidate's first statement (its consent fields as written). */
const firstConsentValues = (c: Candidate, writer: Writer, now: number) => [
  c.orgId,
  c.id,
  c.consentStatus,
  c.consentSource,
  c.consentChangedAt,
  writer.type,
  writer.name,
  now,
];
