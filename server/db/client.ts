import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Opens (creating if needed) the database at `path` (':memory:' for tests) and brings its
 * schema up to date with the generated migrations.
 */
/**
 * Whether this code's migrations are all applied to `db` (another process, or an older release,
 * may have opened it): what readiness waits for.
 */
export function migrationsApplied(db: Db): { applied: number; expected: number } {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS, 'meta', '_journal.json'), 'utf-8')) as { entries: unknown[] };
  const { n } = db.$client.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number };
  return { applied: n, expected: journal.entries.length };
}

export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  // WAL lets readers (the API) run while the dispatcher writes; the busy timeout makes a second
  // server process on the same file wait its turn instead of failing.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // Reads straight from the memory-mapped file instead of a read() call per page: a long thread's
  // rows lie on pages all over the table, and this halves the time to read them.
  if (path !== ':memory:') sqlite.pragma('mmap_size = 1073741824');
  const db = drizzle(sqlite, { schema }) as Db;
  migrate(db, { migrationsFolder: MIGRATIONS });
  return db;
}
