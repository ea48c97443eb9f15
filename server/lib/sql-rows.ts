/**
 * Column lists for hand-written SQL whose rows must come back in drizzle's shape: every column
 * aliased to its camelCase key, so a prepared statement's rows need no mapping. Only for tables
 * without JSON or boolean columns (their values would need drizzle's conversion).
 */
import { getTableColumns } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

export function sqlColumns(table: SQLiteTable, alias?: string): string {
  return Object.entries(getTableColumns(table))
    .map(([key, column]) => `${alias ? `${alias}.` : ''}"${column.name}" as "${key}"`)
    .join(', ');
}
