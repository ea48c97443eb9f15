import type { SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy';
import type { LockKey } from './locks.js';
import type * as schema from './schema.js';

/**
 * The database as every service sees it, whichever engine is underneath (embedded SQLite by
 * default, PostgreSQL with DATABASE_URL). Everything is async, so one set of services runs on
 * both; on SQLite a query still runs synchronously underneath and only resolves a promise.
 *
 * Rules the two engines need (lint enforces the first two):
 * - query builders are awaited, never ended with `.get()`/`.all()`/`.run()`/`.values()` (those
 *   exist on SQLite's builders only): `await first(db.orm.select()…)` for one row;
 * - tables come from `db.t` (each engine has its own table objects with the same names and row
 *   types), never imported from schema.ts as values;
 * - nothing but database calls is awaited inside `tx()`: SQLite has one connection, so while a
 *   transaction is open every other query waits for it;
 * - inside `tx(fn)`, use the `tx` handle `fn` gets, never the outer `db` (that waits for the
 *   transaction to end: a deadlock, reported as such in tests).
 */
export interface Db {
  readonly engine: Engine;
  /** Drizzle's query builder, typed as (async) SQLite's; on PostgreSQL its node-postgres twin. */
  readonly orm: Orm;
  /** The tables, as this engine's drizzle objects. */
  readonly t: Tables;
  /**
   * A hand-written statement, prepared once: `?` or `@name` parameters. `pg` gives the
   * PostgreSQL text where the two dialects differ (else `sqlite` is rewritten to `$n`).
   */
  stmt(sqlite: string, pg?: string): Stmt;
  all<T>(statement: Stmt, ...params: Params): Promise<T[]>;
  get<T>(statement: Stmt, ...params: Params): Promise<T | undefined>;
  run(statement: Stmt, ...params: Params): Promise<{ changes: number }>;
  /**
   * Runs a one-row insert once per parameter set, in order, in one call; the new rows' ids, in
   * order. SQLite's text has no RETURNING (the id is its last insert rowid, and RETURNING costs
   * SQLite a fifth of an insert); PostgreSQL's (stmt()'s `pg`) ends `returning id`.
   */
  insertEach(statement: Stmt, paramSets: Params[]): Promise<number[]>;
  /**
   * Runs `fn` in a transaction (a savepoint when nested) and commits what it did, or rolls it
   * back if it throws. `write: true` is for a read-then-write that must not interleave with
   * another writer of the same thing: SQLite takes its one write lock up front (BEGIN IMMEDIATE);
   * PostgreSQL takes the advisory `locks` (server/db/locks.ts) up front, sorted, and only
   * transactions sharing a key wait for each other. `locks: []` says the body protects itself
   * (row locks, compare-and-set, unique keys): every caller states which.
   */
  tx<T>(fn: (tx: Db) => Promise<T>, options?: TxOptions): Promise<T>;
  /**
   * Inside a write transaction, once it knows what it is about: takes more advisory locks now, on
   * PostgreSQL (nothing on SQLite, whose write transaction excludes every other writer already).
   * Take them before reading what they protect. Outside a transaction it throws.
   */
  lock(...keys: LockKey[]): Promise<void>;
  /**
   * As lock(), but without waiting: false when another transaction holds one of them (the caller
   * leaves the work to it; any it did take are held to this transaction's end). Always true on SQLite.
   */
  tryLock(...keys: LockKey[]): Promise<boolean>;
  /** How many rows an awaited insert/update/delete without `.returning()` changed. */
  changes(result: unknown): number;
  /** Whether `error` is a unique-constraint violation (an insert that lost a race). */
  isUniqueViolation(error: unknown): boolean;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** This code's migrations against those applied to the database (readiness waits for equal). */
  migrationsApplied(): Promise<{ applied: number; expected: number }>;
  /** Resolves once no query or transaction is in flight (tests settle on it). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export type Engine = 'sqlite' | 'pg';
export type TxOptions = { write?: false } | { write: true; locks: readonly LockKey[] };
export type Orm = SqliteRemoteDatabase;
export type Tables = typeof schema;

/** A statement made by `Db.stmt()`; opaque outside server/db/. */
export interface Stmt {
  readonly sqlite: string;
  readonly pg: string;
}

/** Positional values for `?`, or one object for `@name` parameters. */
export type Params = unknown[] | [Record<string, unknown>];

/** The first row of a query builder's result (adds `limit 1` where the builder allows it). */
export async function first<T>(query: PromiseLike<T[]> & { limit?: (n: number) => PromiseLike<T[]> }): Promise<T | undefined> {
  const rows = await (typeof query.limit === 'function' ? query.limit(1) : query);
  return rows[0];
}
