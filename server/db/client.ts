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
