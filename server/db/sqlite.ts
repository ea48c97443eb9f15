import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle as drizzleSync } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as drizzleProxy } from 'drizzle-orm/sqlite-proxy';
import { journalLength, MIGRATIONS_SQLITE } from './migrations-dir.js';
import * as schema from './schema.js';
import { TxHandleBase } from './tx-handle.js';
import type { LockKey } from './locks.js';
import type { Db, Orm, Params, Stmt, TxOptions } from './types.js';

/**
 * Embedded SQLite (better-sqlite3) behind the async Db. Queries run synchronously, as
 * before, and resolve at once. SQLite has one connection, so an async transaction holds a gate:
 * while one is open, queries from outside it wait for its end (the statements inside it run on
 * the same connection through the `tx` handle, which skips the gate).
 */
export function openSqlite(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  // WAL lets readers (the API) run while the dispatcher writes; the busy timeout makes a second
  // server process on the same file wait its turn instead of failing.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  // Reads straight from the memory-mapped file instead of a read() call per page: a long thread's
  // rows lie on pages all over the table, and this halves the time to read them.
  if (path !== ':memory:') sqlite.pragma('mmap_size = 1073741824');
  migrateWithoutForeignKeys(sqlite);
  sqlite.pragma('foreign_keys = ON');
  return new SqliteDb(sqlite);
}

/**
 * Applies the migrations with foreign keys off, then checks them. SQLite cannot change a column's
 * type, so drizzle-kit rebuilds the table (copy to `__new_x`, drop `x`, rename); dropping a table
 * others reference fails with foreign keys on (or cascades). The migration's own
 * `PRAGMA foreign_keys=OFF` does nothing inside the migrator's transaction: it must be off before.
 */
function migrateWithoutForeignKeys(sqlite: Database.Database): void {
  sqlite.pragma('foreign_keys = OFF');
  migrate(drizzleSync(sqlite), { migrationsFolder: MIGRATIONS_SQLITE });
  const broken = sqlite.pragma('foreign_key_check') as { table: string; parent: string }[];
  if (broken.length > 0) {
    const pairs = [...new Set(broken.map((row) => `${row.table} → ${row.parent}`))].join(', ');
    sqlite.close();
    throw new Error(`The migrations left rows referencing missing rows (${pairs}): restore the database from its backup.`);
  }
}

/** How long a query waits on an open transaction before tests call it a deadlock. */
const GATE_DEADLOCK_MS = 10_000;
const detectDeadlocks = process.env.NODE_ENV === 'test' || process.env.VITEST !== undefined;

class SqliteDb implements Db {
  readonly engine = 'sqlite' as const;
  readonly t = schema;
  readonly orm: Orm;
  /** Set while a transaction is open; resolves when it ends. */
  private gate: Promise<void> | null = null;
  private statements = new Map<string, Database.Statement>();

  constructor(readonly sqlite: Database.Database) {
    this.orm = drizzleProxy((text, params, method) => this.outside(() => this.execute(text, params, method)));
  }

  stmt(sqlite: string, pg?: string): Stmt {
    return { sqlite, pg: pg ?? sqlite };
  }

  all<T>(statement: Stmt, ...params: Params): Promise<T[]> {
    return this.outside(() => this.prepared(statement.sqlite).all(...params) as T[]);
  }
  get<T>(statement: Stmt, ...params: Params): Promise<T | undefined> {
    return this.outside(() => this.prepared(statement.sqlite).get(...params) as T | undefined);
  }
  run(statement: Stmt, ...params: Params): Promise<{ changes: number }> {
    return this.outside(() => ({ changes: this.prepared(statement.sqlite).run(...params).changes }));
  }
  insertEach(statement: Stmt, paramSets: Params[]): Promise<number[]> {
    return this.outside(() => this.insertNow(statement, paramSets));
  }
  /** insertEach, synchronously: one call for the whole set, so a batch pays one await, not one per row. */
  insertNow(statement: Stmt, paramSets: Params[]): number[] {
    const prepared = this.prepared(statement.sqlite);
    return paramSets.map((params) => Number(prepared.run(...params).lastInsertRowid));
  }

  async tx<T>(fn: (tx: Db) => Promise<T>, options: TxOptions = {}): Promise<T> {
    while (this.gate) await this.waitForGate();
    let open!: () => void;
    this.gate = new Promise((resolve) => (open = resolve));
    // A handle per transaction, so one kept past its end fails instead of joining the next.
    // Its advisory locks (options.locks) are PostgreSQL's: here the write lock covers them all.
    const inner = new TxHandle(this, 0, !!options.write);
    try {
      this.sqlite.exec(options.write ? 'begin immediate' : 'begin');
      inner.open = true;
      // Only database calls (microtasks here) may run inside: an I/O turn would hold every
      // other query of the process behind this transaction. Tests fail such a transaction.
      let spannedIo = false;
      const ioCheck = detectDeadlocks ? setImmediate(() => (spannedIo = true)) : null;
      try {
        const result = await fn(inner);
        if (spannedIo) throw new Error('A transaction stayed open across an I/O turn: only database calls may be awaited inside tx().');
        this.sqlite.exec('commit');
        return result;
      } catch (error) {
        if (this.sqlite.inTransaction) this.sqlite.exec('rollback');
        throw error;
      } finally {
        if (ioCheck) clearImmediate(ioCheck);
        inner.open = false;
      }
    } finally {
      this.gate = null;
      open();
    }
  }

  lock(): Promise<void> {
    return Promise.reject(new Error('lock() is for a write transaction: call it on the tx handle.'));
  }
  tryLock(): Promise<boolean> {
    return Promise.reject(new Error('tryLock() is for a write transaction: call it on the tx handle.'));
  }

  changes(result: unknown): number {
    return (result as { changes?: number }).changes ?? 0;
  }

  isUniqueViolation(error: unknown): boolean {
    // Drizzle wraps a failed query's error (DrizzleQueryError): better-sqlite3's is its cause.
    const codeOf = (e: unknown) => (e as { code?: unknown } | null)?.code;
    const code = codeOf(error) ?? codeOf((error as { cause?: unknown } | null)?.cause);
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }

  async ping(): Promise<void> {
    await this.get(this.stmt('select 1'));
  }

  async migrationsApplied(): Promise<{ applied: number; expected: number }> {
    const row = await this.get<{ n: number }>(this.stmt('select count(*) as n from __drizzle_migrations'));
    return { applied: row?.n ?? 0, expected: journalLength(MIGRATIONS_SQLITE) };
  }

  async idle(): Promise<void> {
    while (this.gate) await this.gate;
  }

  async close(): Promise<void> {
    await this.idle();
    this.sqlite.close();
  }

  /** Runs `work` now if no transaction is open, else once it ends. */
  outside<T>(work: () => T): Promise<T> {
    if (!this.gate) {
      try {
        return Promise.resolve(work());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return (async () => {
      while (this.gate) await this.waitForGate();
      return work();
    })();
  }

  private waitForGate(): Promise<void> {
    const gate = this.gate!;
    if (!detectDeadlocks) return gate;
    let timer: NodeJS.Timeout;
    const deadlock = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('A query waited 10 s for an open transaction: the outer db used inside tx()? Use the tx handle.')),
        GATE_DEADLOCK_MS,
      );
    });
    return Promise.race([gate, deadlock]).finally(() => clearTimeout(timer));
  }

  prepared(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.sqlite.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Drizzle's remote-SQLite callback: rows as arrays, as drizzle maps them itself. */
  execute(text: string, params: unknown[], method: 'run' | 'all' | 'values' | 'get'): { rows: unknown[] } & Partial<Database.RunResult> {
    const statement = this.prepared(text);
    if (method === 'run' || !statement.reader) {
      const result = statement.run(...params);
      return { rows: [], changes: result.changes, lastInsertRowid: result.lastInsertRowid };
    }
    statement.raw(true);
    try {
      if (method === 'get') return { rows: statement.get(...params) as unknown[] };
      return { rows: statement.all(...params) };
    } finally {
      statement.raw(false);
    }
  }
}

/** The handle a transaction's body gets: the same connection, past the gate. */
class TxHandle extends TxHandleBase {
  readonly engine = 'sqlite' as const;
  readonly orm: Orm;
  open = false;

  constructor(
    private db: SqliteDb,
    private depth: number,
    private write: boolean,
  ) {
    super(db);
    this.orm = drizzleProxy((text, params, method) => this.now(() => db.execute(text, params, method)));
  }

  all<T>(statement: Stmt, ...params: Params): Promise<T[]> {
    return this.now(() => this.db.prepared(statement.sqlite).all(...params) as T[]);
  }
  get<T>(statement: Stmt, ...params: Params): Promise<T | undefined> {
    return this.now(() => this.db.prepared(statement.sqlite).get(...params) as T | undefined);
  }
  run(statement: Stmt, ...params: Params): Promise<{ changes: number }> {
    return this.now(() => ({ changes: this.db.prepared(statement.sqlite).run(...params).changes }));
  }
  insertEach(statement: Stmt, paramSets: Params[]): Promise<number[]> {
    return this.now(() => this.db.insertNow(statement, paramSets));
  }

  async tx<T>(fn: (tx: Db) => Promise<T>, options: TxOptions = {}): Promise<T> {
    const name = `sp${this.depth + 1}`;
    this.db.sqlite.exec(`savepoint ${name}`);
    const nested = new TxHandle(this.db, this.depth + 1, this.write || !!options.write);
    nested.open = true;
    try {
      const result = await fn(nested);
      this.db.sqlite.exec(`release ${name}`);
      return result;
    } catch (error) {
      this.db.sqlite.exec(`rollback to ${name}`);
      this.db.sqlite.exec(`release ${name}`);
      throw error;
    } finally {
      nested.open = false;
    }
  }

  /** The write transaction (BEGIN IMMEDIATE) excludes every other writer already. */
  lock(..._keys: LockKey[]): Promise<void> {
    if (!this.open) return Promise.reject(new Error('This transaction has ended: its tx handle was used after tx() returned.'));
    if (!this.write) return Promise.reject(new Error('lock() is for a write transaction: tx(fn, { write: true, locks }).'));
    return Promise.resolve();
  }

  /** Nothing to wait for: this transaction is the only writer. */
  tryLock(...keys: LockKey[]): Promise<boolean> {
    return this.lock(...keys).then(() => true);
  }

  private now<T>(work: () => T): Promise<T> {
    if (!this.open) return Promise.reject(new Error('This transaction has ended: its tx handle was used after tx() returned.'));
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/** The better-sqlite3 handle under an Db, for the few tools that need SQLite itself (benchmarks' bulk builds). */
export function sqliteHandle(db: Db): Database.Database {
  if (!(db instanceof SqliteDb)) throw new Error('Not an SQLite database.');
  return db.sqlite;
}
