/**
 * A database for tests that run the real server as a child process: the demo seeded and `extra`
 * bulk candidates added to Acme (ids from `first`). On SQLite a file in a temp folder; on
 * PostgreSQL a database of its own (the folder is still made, for anything else the test keeps).
 * `env` points a child server at it; `open()` gives the test its own connection to read it while
 * the servers run (close it when done). Remove the folder (`dir`) when done.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../db/types.js';
import { seedDemo } from '../../seed/demo.js';
import { bulkCandidates, insertCandidates } from './campaigns.js';
import { openTestDatabase, type TestDatabase } from './test-db.js';

export interface SeededDatabase {
  dir: string;
  /** For a child server: DATABASE_PATH (SQLite) or DATABASE_URL (PostgreSQL). */
  env: Record<string, string>;
  /** A connection of the test's own to the same database. */
  open(): Promise<TestDatabase>;
}

export async function seededTestDatabase(name: string, extra: { count: number; first: number }): Promise<SeededDatabase> {
  const dir = mkdtempSync(join(tmpdir(), `te-${name}-`));
  const dbPath = join(dir, 'te.db');
  const seeding = await openTestDatabase(dbPath);
  const db: Db = seeding.db;
  await seedDemo(db);
  await insertCandidates(db, 'acme', bulkCandidates(name, extra.count, extra.first));
  await seeding.close();
  return { dir, env: seeding.env, open: () => openTestDatabase(dbPath) };
}
