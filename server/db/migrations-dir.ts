import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** drizzle-kit's generated migrations for SQLite (drizzle.config.ts). */
export const MIGRATIONS_SQLITE = join(here, 'migrations');

/** How many migrations the journal in `folder` lists: what a current database has applied. */
export function journalLength(folder: string): number {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf-8')) as { entries: unknown[] };
  return journal.entries.length;
}
