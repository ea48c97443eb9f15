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
import { and, eq, lte, sql } from 'drizzle-orm';
import type { OptOutMethod } from '../db/schema.js';
import { first, type Db } from '../db/types.js';
import type { Deps } from '../deps.js';
import type { Organization } from './textability.js';

export interface OptOutState {
  method: OptOutMethod;
  optedOutAt: number;
}

/** Methods only the candidate's START can lift. */
const CANDIDATES_OWN_WORD: ReadonlySet<OptOutMethod> = new Set(['keyword', 'provider', 'erased']);

/**
 * Every function that reads or writes takes, last, the database to use: the caller's transaction
 * handle when it runs inside one (an inbound STOP, an upsert, an erasure), else the service's own.
 */
export function createPhoneOptOuts(deps: Pick<Deps, 'db'>) {
  const { candidates, organizations, phoneOptOuts } = deps.db.t;
  const secrets = new Map<number, string>();

  /** The organisation's key for phone hashes (made on first use for an organisation without one). */
  async function secretOf(org: Pick<Organization, 'id' | 'privacySecret'>, db: Db): Promise<string> {
    const cached = secrets.get(org.id);
    if (cached) return cached;
    if (org.privacySecret) {
      secrets.set(org.id, org.privacySecret);
      return org.privacySecret;
    }
    // Only the first writer's key sticks (the update requires none yet); everyone then reads it.
    await db.orm
      .update(organizations)
      .set({ privacySecret: randomBytes(32).toString('hex') })
      .where(and(eq(organizations.id, org.id), eq(organizations.privacySecret, '')));
    const secret = (await first(db.orm.select({ s: organizations.privacySecret }).from(organizations).where(eq(organizations.id, org.id))))!.s;
    // A key made inside the caller's transaction is not kept until that commits: should it roll
    // back, a cached key would hash this organisation's phones with one the database never had.
    if (db === deps.db) secrets.set(org.id, secret);
    return secret;
  }

  const hashWith = (secret: string, phone: string) => createHmac('sha256', secret).update(phone).digest('base64url');
  const hash = async (org: Pick<Organization, 'id' | 'privacySecret'>, phone: string, db: Db = deps.db) => hashWith(await secretOf(org, db), phone);

  const stateByHash = deps.db.stmt(`select method, opted_out_at as "optedOutAt" from phone_opt_outs where org_id = ? and phone_hash = ?`);
  // A whole import batch's phones in one statement (the hashes as one JSON array).
  const statesByHashes = deps.db.stmt(
    `select phone_hash as "phoneHash", method, opted_out_at as "optedOutAt" from phone_opt_outs where org_id = ? and phone_hash in (select value from json_each(?))`,
    `select phone_hash as "phoneHash", method, opted_out_at as "optedOutAt" from phone_opt_outs where org_id = ? and phone_hash in (select json_array_elements_text(?::json))`,
  );

  async function mirror(db: Db, orgId: number, phone: string, state: OptOutState | null) {
    await db.orm
      .update(candidates)
      .set({ optedOutAt: state?.optedOutAt ?? null, optOutMethod: state?.method ?? null })
      .where(and(eq(candidates.orgId, orgId), eq(candidates.phone, phone)));
  }

  const registry = {
    hash,

    async state(org: Organization, phone: string, db: Db = deps.db): Promise<OptOutState | null> {
      return (await db.get<OptOutState>(stateByHash, org.id, await hash(org, phone, db))) ?? null;
    },

    /** The states of many phones at once (an import batch), by phone. */
    async states(org: Organization, phones: string[], db: Db = deps.db): Promise<Map<string, OptOutState>> {
      const found = new Map<string, OptOutState>();
      if (!phones.length) return found;
      const secret = await secretOf(org, db);
      const byHash = new Map(phones.map((p) => [hashWith(secret, p), p]));
      const rows = await db.all<OptOutState & { phoneHash: string }>(statesByHashes, org.id, JSON.stringify([...byHash.keys()]));
      for (const r of rows) found.set(byHash.get(r.phoneHash)!, { method: r.method, optedOutAt: r.optedOutAt });
      return found;
    },

    /**
     * Opts the phone out for the whole organisation. An existing opt-out keeps its time; its method
     * moves only towards "the candidate's own word" (an ATS revocation followed by an erasure
     * becomes one that only START lifts). Returns true if the phone was not opted out before.
     */
    async optOut(org: Organization, phone: string, method: OptOutMethod, at: number, db: Db = deps.db): Promise<boolean> {
      const key = await hash(org, phone, db);
      // Insert first, so two opt-outs of one phone at once (two STOPs, a STOP during an import)
      // cannot both see none and both insert: the second finds the first's row.
      const added = await first(
        db.orm
          .insert(phoneOptOuts)
          .values({ orgId: org.id, phoneHash: key, method, optedOutAt: at })
          .onConflictDoNothing()
          .returning({ at: phoneOptOuts.optedOutAt }),
      );
      if (added) {
        await mirror(db, org.id, phone, { method, optedOutAt: at });
        return true;
      }
      if (CANDIDATES_OWN_WORD.has(method)) {
        // Only an ATS revocation moves; the condition is in the update, not read before it.
        const moved = await first(
          db.orm
            .update(phoneOptOuts)
            .set({ method })
            .where(and(eq(phoneOptOuts.orgId, org.id), eq(phoneOptOuts.phoneHash, key), eq(phoneOptOuts.method, 'ats')))
            .returning({ optedOutAt: phoneOptOuts.optedOutAt }),
        );
        if (moved) await mirror(db, org.id, phone, { method, optedOutAt: moved.optedOutAt });
      }
      return false;
    },

    /** The carrier says the candidate's number unsubscribed (21610): their phone is opted out. */
    async optOutCandidatePhone(orgId: number, candidateId: number, method: OptOutMethod, at: number, db: Db = deps.db): Promise<void> {
      const row = await first(
        db.orm
          .select({ phone: candidates.phone, org: organizations })
          .from(candidates)
          .innerJoin(organizations, eq(organizations.id, candidates.orgId))
          .where(and(eq(candidates.orgId, orgId), eq(candidates.id, candidateId))),
      );
      if (row?.phone) await registry.optOut(row.org, row.phone, method, at, db);
    },

    /** The candidate's own START: lifts any opt-out of the phone. Returns true if there was one. */
    async optInByCandidate(org: Organization, phone: string, db: Db = deps.db): Promise<boolean> {
      const key = await hash(org, phone, db);
      const removed = await first(
        db.orm
          .delete(phoneOptOuts)
          .where(and(eq(phoneOptOuts.orgId, org.id), eq(phoneOptOuts.phoneHash, key)))
          .returning({ method: phoneOptOuts.method }),
      );
      await mirror(db, org.id, phone, null);
      return !!removed;
    },

    /**
     * A grant from the ATS dated `grantedAt`: lifts an opt-out that the ATS itself made earlier,
     * never one that was the candidate's own word. Returns true if it lifted one.
     */
    async liftAtsOptOut(org: Organization, phone: string, grantedAt: number, db: Db = deps.db): Promise<boolean> {
      const key = await hash(org, phone, db);
      // One statement: a STOP that turns the opt-out into the candidate's own meanwhile is never lifted.
      const lifted = await first(
        db.orm
          .delete(phoneOptOuts)
          .where(and(eq(phoneOptOuts.orgId, org.id), eq(phoneOptOuts.phoneHash, key), eq(phoneOptOuts.method, 'ats'), lte(phoneOptOuts.optedOutAt, grantedAt)))
          .returning({ method: phoneOptOuts.method }),
      );
      if (!lifted) return false;
      await mirror(db, org.id, phone, null);
      return true;
    },

    /**
     * Candidates opted out before opt-outs were kept per phone get their phone's record (once per
     * start; a handful of rows, and nothing to do after the first).
     */
    async backfill(): Promise<number> {
      const rows = await deps.db.orm
        .select({
          orgId: candidates.orgId,
          phone: candidates.phone,
          at: candidates.optedOutAt,
          method: candidates.optOutMethod,
          secret: organizations.privacySecret,
        })
        .from(candidates)
        .innerJoin(organizations, eq(organizations.id, candidates.orgId))
        .where(sql`${candidates.optedOutAt} is not null and ${candidates.phone} is not null`);
      return deps.db.tx(async (tx) => {
        let added = 0;
        for (const r of rows) {
          const method = (['keyword', 'provider', 'ats', 'erased'] as const).find((m) => m === r.method) ?? 'keyword';
          const phoneHash = await hash({ id: r.orgId, privacySecret: r.secret }, r.phone!, tx);
          const inserted = await first(
            tx.orm
              .insert(phoneOptOuts)
              .values({ orgId: r.orgId, phoneHash, method, optedOutAt: r.at! })
              .onConflictDoNothing()
              .returning({ at: phoneOptOuts.optedOutAt }),
          );
          if (inserted) added++;
        }
        return added;
      });
    },
  };
  return registry;
}

export type PhoneOptOuts = ReturnType<typeof createPhoneOptOuts>;
