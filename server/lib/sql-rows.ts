/**
 * Column lists for hand-written SQL whose rows must come back in drizzle's shape: every column
 * aliased to its camelCase key, so a prepared statement's rows need no mapping. Only for tables
 * without JSON or boolean columns (their values would need drizzle's conversion).
 */
import { getTableColumns } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

/** `keyPrefix`: for a join of tables with keys in common (id, name), each table's keys prefixed (see fromDriverRow). */
export function sqlColumns(table: SQLiteTable, alias?: string, keyPrefix = ''): string {
  return Object.entries(getTableColumns(table))
    .map(([key, column]) => `${alias ? `${alias}.` : ''}"${column.name}" as "${keyPrefix}${key}"`)
    .join(', ');
}

/**
 * A row of hand-written SQL selected with `sqlColumns(table)`, in drizzle's shape even where the
 * table has JSON or boolean columns: each value goes through its column's own conversion. With
 * `prefix`, the table's part of a joined row selected with `sqlColumns(table, alias, prefix)`.
 */
export function fromDriverRow<T>(table: SQLiteTable, raw: Record<string, unknown>, prefix = ''): T {
  const columns = getTableColumns(table);
  const row: Record<string, unknown> = {};
  for (const [selected, value] of Object.entries(raw)) {
    if (!selected.startsWith(prefix)) continue;
    const key = selected.slice(prefix.length);
    row[key] = value == null ? value : columns[key]!.mapFromDriverValue(value);
  }
  return row as T;
}
