/**
 * The database a test runs on: SQLite (in memory, or the file given) by default; a fresh
 * PostgreSQL database copied from the migrated template when the test project is `pg`
 * (TEST_DB=pg, PostgreSQL started by support/pg-global.ts). Closing a PostgreSQL one drops it.
 */
import { inject } from 'vitest';
import { dropDatabase } from '../../../scripts/lib/pg-local.js';
import { openDatabase } from '../../db/client.js';
import { openPostgres } from '../../db/postgres.js';
import type { Db } from '../../db/types.js';
import { createTestDatabase } from './pg-global.js';

export const testEngine: 'sqlite' | 'pg' = process.env.TEST_DB === 'pg' ? 'pg' : 'sqlite';

export interface TestDatabase {
  db: Db;
  /** For a child process: DATABASE_URL (PostgreSQL) or DATABASE_PATH (SQLite file). */
  env: Record<string, string>;
  /** Closes it (and drops a PostgreSQL one). */
  close(): Promise<void>;
}

/**
 * PostgreSQL databases standing for SQLite files, by path: opening the same path again (a
 * restart, a second instance, a child server) opens the same database, as it would the same file.
 */
const databaseForPath = new Map<string, Promise<string>>();

/**
 * A migrated database: SQLite at `sqlitePath` (default a new one in memory), or on PostgreSQL a
 * fresh database, the same one again for a file path opened before in this test file. A fresh
 * one is dropped by `close()`; one standing for a file outlives it, as the file does (the run
 * drops it at its end).
 */
export async function openTestDatabase(sqlitePath = ':memory:', options: { poolSize?: number } = {}): Promise<TestDatabase> {
  if (testEngine === 'sqlite') {
    const db = openDatabase(sqlitePath);
    return { db, env: { DATABASE_PATH: sqlitePath }, close: () => db.close() };
  }
  const server = inject('pgTest');
  const inMemory = sqlitePath === ':memory:';
  let url: string;
  if (inMemory) url = await createTestDatabase(server);
  else {
    if (!databaseForPath.has(sqlitePath)) databaseForPath.set(sqlitePath, createTestDatabase(server));
    url = await databaseForPath.get(sqlitePath)!;
  }
  const db = await openPostgres(url, { poolSize: options.poolSize ?? 4, migrate: false });
  return {
    db,
    env: { DATABASE_URL: url },
    async close() {
      await db.close();
      if (inMemory) await dropDatabase(server.serverUrl, new URL(url).pathname.slice(1));
    },
  };
}
