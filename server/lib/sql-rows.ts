/**
 * Column lists for hand-written SQL whose rows must come back in drizzle's shape: every column
 * aliased to its camelCase key, so a prepared statement's rows need no mapping. Only for tables
 * without JSON or boolean columns (their values would need drizzle's conversion).
 */
import { getTableColumns } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

/** `keyPrefix`: for a join of tables with keys in common (id, name), each table's keys prefixed (see fromPrefixedRow). */
export function sqlColumns(table: SQLiteTable, alias?: string, keyPrefix = ''): string {
  return Object.entries(getTableColumns(table))
    .map(([key, column]) => `${alias ? `${alias}.` : ''}"${column.name}" as "${keyPrefix}${key}"`)
    .join(', ');
}

/**
 * A row of hand-written SQL selected with `sqlColumns(table)`, in drizzle's shape even where the
 * table has JSON or boolean columns: each value goes through its column's own conversion.
 */
export function fromDriverRow<T>(table: SQLiteTable, raw: Record<string, unknown>): T {
  const columns = getTableColumns(table);
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) row[key] = value == null ? value : columns[key]!.mapFromDriverValue(value);
  return row as T;
}

/** One table's row out of a joined row selected with `sqlColumns(table, alias, prefix)`, converted as fromDriverRow does. */
export function fromPrefixedRow<T>(table: SQLiteTable, raw: Record<string, unknown>, prefix: string): T {
  const columns = getTableColumns(table);
  const row: Record<string, unknown> = {};
  for (const key of Object.keys(columns)) {
    const value = raw[prefix + key];
    row[key] = value == null ? value : columns[key]!.mapFromDriverValue(value);
  }
  return row as T;
}
