import type { AppConfig } from '../config.js';
import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';
import type { Db } from './types.js';

export type { Db } from './types.js';

/**
 * Opens (creating if needed) the SQLite database at `path` (':memory:' for tests) and brings its
 * schema up to date with the generated migrations.
 */
export function openDatabase(path: string): Db {
  return openSqlite(path);
}

/**
 * The server's database as configured: PostgreSQL when DATABASE_URL is set (migrated under a
 * lock, so instances starting together take turns), else the SQLite file at DATABASE_PATH.
 */
export async function connectDatabase(config: Pick<AppConfig, 'databaseUrl' | 'databasePath' | 'databasePoolSize' | 'instanceId'>): Promise<Db> {
  if (config.databaseUrl)
    return openPostgres(config.databaseUrl, { poolSize: config.databasePoolSize, applicationName: `text-engagement ${config.instanceId}` });
  return openDatabase(config.databasePath);
}

/** Where the configured database is, for logs (a URL's password hidden). */
export function describeDatabase(config: Pick<AppConfig, 'databaseUrl' | 'databasePath'>): string {
  return config.databaseUrl ? config.databaseUrl.replace(/:[^:@/]*@/, ':***@') : config.databasePath;
}
