/**
 * Integration keys: how an ATS's sync job signs in. A key belongs to an organisation, not to a
 * person; it may read and write candidates and nothing else (the routes enforce that). Shown
 * once at creation, stored as a SHA-256 hash, revoked by deleting it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { ApiKey } from '../../shared/api.js';
import { apiKeys, organizations, recruiters } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { notFound } from '../lib/errors.js';
import { API_KEY_LAST_USED_RESOLUTION_MS } from '../tuning.js';
import type { Organization } from './textability.js';

/** Keys carry a prefix so they are told apart from sign-in tokens at a glance (and by the server). */
export const API_KEY_PREFIX = 'tek_';

export interface KeyCaller {
  keyId: number;
  name: string;
  org: Organization;
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

export function isApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export function createApiKeyService({ db, clock }: Pick<Deps, 'db' | 'clock'>) {
  const byHash = db
    .select({ key: apiKeys, org: organizations })
    .from(apiKeys)
    .innerJoin(organizations, eq(organizations.id, apiKeys.orgId))
    .where(eq(apiKeys.keyHash, sql.placeholder('hash')))
    .prepare();

  const touch = db.$client.prepare('update api_keys set last_used_at = ? where id = ? and coalesce(last_used_at, 0) < ?');

  function serialize(row: typeof apiKeys.$inferSelect, createdBy: string): ApiKey {
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
    create(org: Organization, recruiterId: number, name: string) {
      const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
      const now = clock.now();
      const row = db
        .insert(apiKeys)
        .values({ orgId: org.id, name, keyHash: hashKey(key), prefix: key.slice(0, API_KEY_PREFIX.length + 6), createdBy: recruiterId, createdAt: now })
        .returning()
        .get();
      const creator = db.select({ name: recruiters.name }).from(recruiters).where(eq(recruiters.id, recruiterId)).get();
      return { ...serialize(row, creator?.name ?? ''), key };
    },

    list(org: Organization): ApiKey[] {
      return db
        .select({ key: apiKeys, createdBy: recruiters.name })
        .from(apiKeys)
        .innerJoin(recruiters, eq(recruiters.id, apiKeys.createdBy))
        .where(eq(apiKeys.orgId, org.id))
        .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
        .all()
        .map((r) => serialize(r.key, r.createdBy));
    },

    /** Revoked at once: the next request with it is a 401. */
    revoke(org: Organization, id: number): void {
      const removed = db
        .delete(apiKeys)
        .where(and(eq(apiKeys.orgId, org.id), eq(apiKeys.id, id)))
        .returning({ id: apiKeys.id })
        .get();
      if (!removed) throw notFound('API key');
    },

    authenticate(key: string): KeyCaller | null {
      const row = byHash.get({ hash: hashKey(key) });
      if (!row) return null;
      const now = clock.now();
      if ((row.key.lastUsedAt ?? 0) < now - API_KEY_LAST_USED_RESOLUTION_MS) touch.run(now, row.key.id, now - API_KEY_LAST_USED_RESOLUTION_MS);
      return { keyId: row.key.id, name: row.key.name, org: row.org };
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
