/**
 * Opted-out phone numbers: the number's own record for the whole organisation, whichever
 * candidate rows carry it. It outlives the candidate (erasure keeps it as the only trace, as a
 * keyed hash), and it decides who may lift it:
 *
 * - the candidate's own word (STOP, the carrier's 21610, an erasure) is lifted only by the
 *   candidate's START;
 * - a revocation from the ATS is also lifted by a later grant from the ATS.
 *
 * `candidates.opted_out_at` mirrors it for every row with that phone, so "textable" stays a
 * one-row question for the badges, campaigns and the dispatcher.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { candidates, organizations, phoneOptOuts, type OptOutMethod } from '../db/schema.js';
import type { Deps } from '../deps.js';
import type { Organization } from './textability.js';

export interface OptOutState {
  method: OptOutMethod;
  optedOutAt: number;
}

/** Methods only the candidate's START can lift. */
const CANDIDATES_OWN_WORD: ReadonlySet<OptOutMethod> = new Set(['keyword', 'provider', 'erased']);

export function createPhoneOptOuts({ db }: Pick<Deps, 'db'>) {
  const secrets = new Map<number, string>();

  /** The organisation's key for phone hashes (made on first use for an organisation without one). */
  function secretOf(org: Pick<Organization, 'id' | 'privacySecret'>): string {
    const cached = secrets.get(org.id);
    if (cached) return cached;
    let secret = org.privacySecret;
    if (!secret) {
      db.update(organizations)
        .set({ privacySecret: randomBytes(32).toString('hex') })
        .where(and(eq(organizations.id, org.id), eq(organizations.privacySecret, '')))
        .run();
      secret = db.select({ s: organizations.privacySecret }).from(organizations).where(eq(organizations.id, org.id)).get()!.s;
    }
    secrets.set(org.id, secret);
    return secret;
  }

  const hash = (org: Pick<Organization, 'id' | 'privacySecret'>, phone: string) => createHmac('sha256', secretOf(org)).update(phone).digest('base64url');

  const stateByHash = db
    .select({ method: phoneOptOuts.method, optedOutAt: phoneOptOuts.optedOutAt })
    .from(phoneOptOuts)
    .where(and(eq(phoneOptOuts.orgId, sql.placeholder('orgId')), eq(phoneOptOuts.phoneHash, sql.placeholder('hash'))))
    .prepare();

  // A whole import batch's phones in one statement (the hashes as one JSON array).
  const statesByHashes = db.$client.prepare(
    `select phone_hash as phoneHash, method, opted_out_at as optedOutAt from phone_opt_outs where org_id = ? and phone_hash in (select value from json_each(?))`,
  );

  function mirror(orgId: number, phone: string, state: OptOutState | null) {
    db.update(candidates)
      .set({ optedOutAt: state?.optedOutAt ?? null, optOutMethod: state?.method ?? null })
      .where(and(eq(candidates.orgId, orgId), eq(candidates.phone, phone)))
      .run();
  }

  const registry = {
    hash,

    state(org: Organization, phone: string): OptOutState | null {
      return stateByHash.get({ orgId: org.id, hash: hash(org, phone) }) ?? null;
    },

    /** The states of many phones at once (an import batch), by phone. */
    states(org: Organization, phones: string[]): Map<string, OptOutState> {
      const found = new Map<string, OptOutState>();
      if (!phones.length) return found;
      const byHash = new Map(phones.map((p) => [hash(org, p), p]));
      const rows = statesByHashes.all(org.id, JSON.stringify([...byHash.keys()])) as (OptOutState & { phoneHash: string })[];
      for (const r of rows) found.set(byHash.get(r.phoneHash)!, { method: r.method, optedOutAt: r.optedOutAt });
      return found;
    },

    /**
     * Opts the phone out for the whole organisation. An existing opt-out keeps its time; its method
     * moves only towards "the candidate's own word" (an ATS revocation followed by an erasure
     * becomes one that only START lifts). Returns true if the phone was not opted out before.
     */
    optOut(org: Organization, phone: string, method: OptOutMethod, at: number): boolean {
      const key = hash(org, phone);
      const existing = stateByHash.get({ orgId: org.id, hash: key });
      if (existing) {
        if (existing.method === 'ats' && CANDIDATES_OWN_WORD.has(method)) {
          db.update(phoneOptOuts)
            .set({ method })
            .where(and(eq(phoneOptOuts.orgId, org.id), eq(phoneOptOuts.phoneHash, key)))
            .run();
          mirror(org.id, phone, { method, optedOutAt: existing.optedOutAt });
        }
        return false;
      }
      db.insert(phoneOptOuts).values({ orgId: org.id, phoneHash: key, method, optedOutAt: at }).run();
      mirror(org.id, phone, { method, optedOutAt: at });
      return true;
    },

    /** The carrier says the candidate's number unsubscribed (21610): their phone is opted out. */
    optOutCandidatePhone(orgId: number, candidateId: number, method: OptOutMethod, at: number): void {
      const row = db
        .select({ phone: candidates.phone, org: organizations })
        .from(candidates)
        .innerJoin(organizations, eq(organizations.id, candidates.orgId))
        .where(and(eq(candidates.orgId, orgId), eq(candidates.id, candidateId)))
        .get();
      if (row?.phone) registry.optOut(row.org, row.phone, method, at);
    },

    /** The candidate's own START: lifts any opt-out of the phone. Returns true if there was one. */
    optInByCandidate(org: Organization, phone: string): boolean {
      const removed = db
        .delete(phoneOptOuts)
        .where(and(eq(phoneOptOuts.orgId, org.id), eq(phoneOptOuts.phoneHash, hash(org, phone))))
        .returning()
        .get();
      mirror(org.id, phone, null);
      return !!removed;
    },

    /**
     * A grant from the ATS dated `grantedAt`: lifts an opt-out that the ATS itself made earlier,
     * never one that was the candidate's own word. Returns true if it lifted one.
     */
    liftAtsOptOut(org: Organization, phone: string, grantedAt: number): boolean {
      const key = hash(org, phone);
      const existing = stateByHash.get({ orgId: org.id, hash: key });
      if (!existing || existing.method !== 'ats' || existing.optedOutAt > grantedAt) return false;
      db.delete(phoneOptOuts)
        .where(and(eq(phoneOptOuts.orgId, org.id), eq(phoneOptOuts.phoneHash, key)))
        .run();
      mirror(org.id, phone, null);
      return true;
    },

    /**
     * Candidates opted out before opt-outs were kept per phone get their phone's record (once per
     * start; a handful of rows, and nothing to do after the first).
     */
    backfill(): number {
      const rows = db
        .select({
          orgId: candidates.orgId,
          phone: candidates.phone,
          at: candidates.optedOutAt,
          method: candidates.optOutMethod,
          secret: organizations.privacySecret,
        })
        .from(candidates)
        .innerJoin(organizations, eq(organizations.id, candidates.orgId))
        .where(sql`${candidates.optedOutAt} is not null and ${candidates.phone} is not null`)
        .all();
      let added = 0;
      db.transaction(() => {
        for (const r of rows) {
          const method = (['keyword', 'provider', 'ats', 'erased'] as const).find((m) => m === r.method) ?? 'keyword';
          const inserted = db
            .insert(phoneOptOuts)
            .values({ orgId: r.orgId, phoneHash: hash({ id: r.orgId, privacySecret: r.secret }, r.phone!), method, optedOutAt: r.at! })
            .onConflictDoNothing()
            .returning()
            .get();
          if (inserted) added++;
        }
      });
      return added;
    },
  };
  return registry;
}

export type PhoneOptOuts = ReturnType<typeof createPhoneOptOuts>;
