/**
 * Multi-row inserts for PostgreSQL, where a round trip per row would be most of a batch's time
 * (SQLite has no round trips, and a multi-row insert costs it as much per row as one insert each:
 * it runs Db.insertEach). One prepared statement per size; chunks() keeps the sizes few.
 */
import type { Db, Stmt } from './types.js';

/** `(?, ?, …), (?, ?, …)`: the VALUES list of `rows` rows of `columns` parameters. */
export const placeholders = (rows: number, columns: number) => Array.from({ length: rows }, () => `(${Array(columns).fill('?').join(', ')})`).join(', ');

/** Rows of a multi-row insert per statement; 64 × 22 values stays far below either engine's parameter limit. */
const MAX_ROWS_PER_INSERT = 64;

/**
 * `items` in chunks of MAX_ROWS_PER_INSERT, the rest in powers of two: at most seven statement
 * sizes, each prepared once, however many rows a batch has.
 */
export function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length;) {
    let size = MAX_ROWS_PER_INSERT;
    while (size > items.length - i) size /= 2;
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}

/** The statement for `rows` rows, made from `text(rows)` the first time that size is asked for. */
export function statementsBySize(db: Pick<Db, 'stmt'>, text: (rows: number) => string): (rows: number) => Stmt {
  const made = new Map<number, Stmt>();
  return (rows) => {
    let statement = made.get(rows);
    if (!statement) made.set(rows, (statement = db.stmt(text(rows))));
    return statement;
  };
}
