/**
 * Integration keys: how an ATS's sync job signs in. A key belongs to an organisation, not to a
 * person; it may read and write candidates and nothing else (the routes enforce that). Shown
 * once at creation, stored as a SHA-256 hash, revoked by deleting it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import type { ApiKey } from '../../shared/api.js';
import type { apiKeys } from '../db/schema.js';
import { first } from '../db/types.js';
import type { Deps } from '../deps.js';
import { notFound } from '../lib/errors.js';
import { fromDriverRow, sqlColumns } from '../lib/sql-rows.js';
import { API_KEY_LAST_USED_RESOLUTION_MS } from '../tuning.js';
import type { Organization } from './textability.js';

/** Keys carry a prefix so they are told apart from sign-in tokens at a glance (and by the server). */
export const API_KEY_PREFIX = 'tek_';

export interface KeyCaller {
  keyId: number;
  name: string;
  org: Organization;
}

type ApiKeyRow = typeof apiKeys.$inferSelect;

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

export function isApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export function createApiKeyService({ db, clock }: Pick<Deps, 'db' | 'clock'>) {
  const { apiKeys, organizations, recruiters } = db.t;
  const touch = db.stmt('update api_keys set last_used_at = ? where id = ? and coalesce(last_used_at, 0) < ?');
  // Prepared once, as the sign-in token's look-up: every request with a key starts here.
  const keyByHash = db.stmt(
    `select ${sqlColumns(apiKeys, 'k', 'k.')}, ${sqlColumns(organizations, 'o', 'o.')} from api_keys k join organizations o on o.id = k.org_id where k.key_hash = ?`,
  );

  function serialize(row: ApiKeyRow, createdBy: string): ApiKey {
    return {
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      createdAt: new Date(row.createdAt).toISOString(),
      createdBy,
      lastUsedAt: iso(row.lastUsedAt),
    };
  }

  return {
    async create(org: Organization, recruiterId: number, name: string) {
      const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
      const now = clock.now();
      const [row] = await db.orm
        .insert(apiKeys)
        .values({ orgId: org.id, name, keyHash: hashKey(key), prefix: key.slice(0, API_KEY_PREFIX.length + 6), createdBy: recruiterId, createdAt: now })
        .returning();
      const creator = await first(db.orm.select({ name: recruiters.name }).from(recruiters).where(eq(recruiters.id, recruiterId)));
      return { ...serialize(row!, creator?.name ?? ''), key };
    },

    async list(org: Organization): Promise<ApiKey[]> {
      const rows = await db.orm
        .select({ key: apiKeys, createdBy: recruiters.name })
        .from(apiKeys)
        .innerJoin(recruiters, eq(recruiters.id, apiKeys.createdBy))
        .where(eq(apiKeys.orgId, org.id))
        .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
      return rows.map((r) => serialize(r.key, r.createdBy));
    },

    /** Revoked at once: the next request with it is a 401. */
    async revoke(org: Organization, id: number): Promise<void> {
      const [removed] = await db.orm
        .delete(apiKeys)
        .where(and(eq(apiKeys.orgId, org.id), eq(apiKeys.id, id)))
        .returning({ id: apiKeys.id });
      if (!removed) throw notFound('API key');
    },

    async authenticate(key: string): Promise<KeyCaller | null> {
      const raw = await db.get<Record<string, unknown>>(keyByHash, hashKey(key));
      if (!raw) return null;
      const row = { key: fromDriverRow<typeof apiKeys.$inferSelect>(apiKeys, raw, 'k.'), org: fromDriverRow<Organization>(organizations, raw, 'o.') };
      const now = clock.now();
      // The compare-and-set in the statement keeps concurrent requests with one key to one write per resolution.
      if ((row.key.lastUsedAt ?? 0) < now - API_KEY_LAST_USED_RESOLUTION_MS) await db.run(touch, now, row.key.id, now - API_KEY_LAST_USED_RESOLUTION_MS);
      return { keyId: row.key.id, name: row.key.name, org: row.org };
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
