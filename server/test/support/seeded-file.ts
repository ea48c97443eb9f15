/**
 * A database file for tests that run the real server as a child process: a temp folder with the
 * demo seeded and `extra` bulk candidates added to Acme (ids from `first`). Remove the folder
 * (`dir`) when done.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../db/client.js';
import { seedDemo } from '../../seed/demo.js';
import { bulkCandidates, insertCandidates } from './campaigns.js';

export async function seededDatabaseFile(name: string, extra: { count: number; first: number }): Promise<{ dir: string; dbPath: string }> {
  const dir = mkdtempSync(join(tmpdir(), `te-${name}-`));
  const dbPath = join(dir, 'te.db');
  const db = openDatabase(dbPath);
  await seedDemo(db);
  await insertCandidates(db, 'acme', bulkCandidates(name, extra.count, extra.first));
  await db.close();
  return { dir, dbPath };
}
