import { and, asc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Candidate as CandidateJson } from '../../shared/api.js';
import { northAmericanAreaCode } from '../../shared/phone.js';
import type { conversations } from '../db/schema.js';
import { first, type Db } from '../db/types.js';
import type { Deps } from '../deps.js';
import { timeZoneForAreaCode } from '../lib/area-codes.js';
import { isValidTimeZone } from '../lib/zoned-time.js';
import { notFound, validation } from '../lib/errors.js';
import { sqlColumns } from '../lib/sql-rows.js';
import { notTextableReason, whatsappWindowOpen, type Candidate, type Organization } from './textability.js';

type ConversationRow = typeof conversations.$inferSelect;

/** The candidate's own zone, else the one their area code is in, else the organisation's. */
export function timeZoneOf(candidate: Candidate, org: Organization): string {
  // A zone the runtime does not know (bad ATS data) would make every quiet-hours check throw.
  if (candidate.timeZone && isValidTimeZone(candidate.timeZone)) return candidate.timeZone;
  const areaCode = candidate.phone ? northAmericanAreaCode(candidate.phone) : null;
  return (areaCode && timeZoneForAreaCode(areaCode)) || org.defaultTimeZone;
}

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

/**
 * The look-ups other services make inside their own transactions take, last, the database to use:
 * the caller's transaction handle, else the service's own.
 */
export function createCandidateService(deps: Deps) {
  const { clock } = deps;
  const { candidates, conversations, organizations } = deps.db.t;
  const caseless = sql.raw(deps.db.engine === 'pg' ? 'ilike' : 'like');

  function serialize(candidate: Candidate, org: Organization, conversation?: ConversationRow | null): CandidateJson {
    const reason = notTextableReason(candidate, org);
    return {
      id: candidate.atsId,
      firstName: candidate.firstName,
      lastName: candidate.lastName,
      email: candidate.email,
      phone: candidate.phone,
      channel: candidate.channel,
      jobTitle: candidate.jobTitle,
      location: candidate.location,
      consent:
        candidate.consentStatus && candidate.consentChangedAt != null
          ? { status: candidate.consentStatus, source: candidate.consentSource ?? '', at: new Date(candidate.consentChangedAt).toISOString() }
          : null,
      textable: reason === null,
      reason,
      timeZone: timeZoneOf(candidate, org),
      optedOut: candidate.optedOutAt != null,
      whatsappWindowOpen: whatsappWindowOpen(candidate, clock.now()),
      lastInboundAt: iso(candidate.lastInboundAt),
      assistant: {
        active: conversation?.assistantActive ?? false,
        sequenceId: conversation?.assistantActive ? (conversation.assistantSequenceId ?? null) : null,
      },
      unreadCount: conversation?.unreadCount ?? 0,
      createdAt: new Date(candidate.createdAt).toISOString(),
      updatedAt: new Date(candidate.updatedAt).toISOString(),
    };
  }

  async function withConversations(orgId: number, where: SQL | undefined, limit?: number) {
    const query = deps.db.orm
      .select({ candidate: candidates, conversation: conversations })
      .from(candidates)
      .leftJoin(conversations, eq(conversations.candidateId, candidates.id))
      .where(and(eq(candidates.orgId, orgId), where))
      .orderBy(asc(candidates.lastName), asc(candidates.firstName), asc(candidates.id));
    return limit ? await query.limit(limit) : await query;
  }

  // candidates has no JSON or boolean column: its raw rows are drizzle's rows.
  const candidateByAtsId = deps.db.stmt(`select ${sqlColumns(candidates)} from candidates where org_id = ? and ats_id = ?`);

  return {
    serialize,

    /** By ATS id, within the caller's organisation; 404 for anyone else's. */
    async get(org: Organization, atsId: string, db: Db = deps.db): Promise<Candidate> {
      const row = await db.get<Candidate>(candidateByAtsId, org.id, atsId);
      if (!row) throw notFound('Candidate');
      return row;
    },

    async orgOf(orgId: number, db: Db = deps.db): Promise<Organization> {
      return (await first(db.orm.select().from(organizations).where(eq(organizations.id, orgId))))!;
    },

    async getById(orgId: number, id: number, db: Db = deps.db): Promise<Candidate | undefined> {
      return first(
        db.orm
          .select()
          .from(candidates)
          .where(and(eq(candidates.orgId, orgId), eq(candidates.id, id))),
      );
    },

    async conversationOf(candidateId: number, db: Db = deps.db): Promise<ConversationRow | undefined> {
      return first(db.orm.select().from(conversations).where(eq(conversations.candidateId, candidateId)));
    },

    /** The batched look-up behind the phone badges: up to 200 ATS ids in one query. */
    async lookup(org: Organization, atsIds: string[]) {
      const rows = await withConversations(org.id, inArray(candidates.atsId, atsIds));
      const byAtsId = new Map(rows.map((r) => [r.candidate.atsId, r]));
      return {
        candidates: atsIds.flatMap((id) => {
          const row = byAtsId.get(id);
          return row ? [serialize(row.candidate, org, row.conversation)] : [];
        }),
        unknownIds: atsIds.filter((id) => !byAtsId.has(id)),
      };
    },

    /** Search by name, email, phone or ATS id; keyset-paged by name. */
    async search(org: Organization, query: string | undefined, limit: number, cursor: string | undefined) {
      const conditions: SQL[] = [];
      const raw = (query ?? '').trim();
      // A phone number as the ATS shows it ("(212) 555-0101", "+1 212 555 0101") is one term, not several.
      const isPhone = /^[\d\s()+.-]+$/.test(raw) && raw.replace(/\D/g, '').length >= 4;
      for (const term of isPhone ? [raw] : raw.split(/\s+/).filter(Boolean).slice(0, 5)) {
        const like = `%${term.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
        const digits = term.replace(/\D/g, '');
        conditions.push(
          or(
            // SQLite's like ignores (ASCII) case; PostgreSQL's ilike does what it does.
            sql`${candidates.firstName} ${caseless} ${like} escape '\\'`,
            sql`${candidates.lastName} ${caseless} ${like} escape '\\'`,
            sql`${candidates.email} ${caseless} ${like} escape '\\'`,
            eq(candidates.atsId, term),
            digits.length >= 4 ? sql`${candidates.phone} like ${'%' + digits + '%'}` : undefined,
          )!,
        );
      }
      const after = decodeCursor(cursor);
      if (after) {
        conditions.push(sql`(${candidates.lastName}, ${candidates.firstName}, ${candidates.id}) > (${after[0]}, ${after[1]}, ${after[2]})`);
      }
      const rows = await withConversations(org.id, conditions.length ? and(...conditions) : undefined, limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1]?.candidate;
      return {
        candidates: page.map((r) => serialize(r.candidate, org, r.conversation)),
        nextCursor: rows.length > limit && last ? encodeCursor([last.lastName, last.firstName, last.id]) : null,
      };
    },

    /** The conversation row, created on first use. */
    async ensureConversation(orgId: number, candidateId: number, db: Db = deps.db): Promise<ConversationRow> {
      // Created, or (two first uses at once) the other's: the unique candidate_id decides.
      const created = await first(db.orm.insert(conversations).values({ orgId, candidateId, createdAt: clock.now() }).onConflictDoNothing().returning());
      return created ?? (await first(db.orm.select().from(conversations).where(eq(conversations.candidateId, candidateId))))!;
    },
  };
}

function encodeCursor(parts: [string, string, number]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

function decodeCursor(cursor: string | undefined): [string, string, number] | null {
  if (!cursor) return null;
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (Array.isArray(parts) && parts.length === 3 && typeof parts[0] === 'string' && typeof parts[1] === 'string' && Number.isSafeInteger(parts[2])) {
      return parts as [string, string, number];
    }
  } catch {
    // fall through to the refusal
  }
  throw validation('cursor is not one this server handed out.');
}

export type CandidateService = ReturnType<typeof createCandidateService>;
