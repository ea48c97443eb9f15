import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { journalLength } from './migrations-dir.js';
import { bindValues, compileStatement, type PgStatement } from './pg-statements.js';
import * as pgSchema from './schema.pg.js';
import { TxHandleBase } from './tx-handle.js';
import { orderedLockIds, type LockKey } from './locks.js';
import type { Db, Orm, Params, Stmt, Tables, TxOptions } from './types.js';

/** drizzle-kit's generated migrations for PostgreSQL (drizzle.pg.config.ts). */
export const MIGRATIONS_PG = join(dirname(fileURLToPath(import.meta.url)), 'migrations-pg');

export interface PostgresOptions {
  /** Connections in the pool (DATABASE_POOL_SIZE). Default 10. */
  poolSize?: number;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

/**
 * PostgreSQL behind the Db every service uses: a pg.Pool for queries, and a connection of its
 * own for each transaction. Opening it applies the migrations under an advisory lock, so several
 * instances starting together take turns and the later ones find nothing to do.
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types: POOL_TYPES,
    application_name: options.applicationName ?? 'text-engagement',
  });
  // An idle connection the server ended (restart, admin) errors on the pool; the next query reconnects.
  pool.on('error', (error) => console.error(`PostgreSQL connection lost: ${error.message}`));
  try {
    if (options.migrate ?? true) await migrateLocked(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresDb(pool);
}

/** The advisory lock key migrations are applied under (the plan's `hashtext('te:migrate')`). */
const MIGRATION_LOCK = 'te:migrate';

async function migrateLocked(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_PG });
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK]).catch((error: Error) => (broken = error));
    }
  } finally {
    client.release(broken);
  }
}

// int8 (counts, sums, epoch ms) and numeric (sums of int8) arrive as strings by default. Our
// values fit a double, so they are numbers here, on this pool only (not pg's global parsers).
const INT8 = 20;
const NUMERIC = 1700;
const INT8_ARRAY = 1016;
const toNumber = (value: string) => Number(value);
const parseTextArray = pg.types.getTypeParser(INT8_ARRAY as never, 'text') as (value: string) => (string | null)[];
const toNumberArray = (value: string) => parseTextArray(value).map((item) => (item === null ? null : Number(item)));
function numberParser(oid: number): ((value: string) => unknown) | null {
  if (oid === INT8 || oid === NUMERIC) return toNumber;
  if (oid === INT8_ARRAY) return toNumberArray;
  return null;
}
type GetTypeParser = (oid: number, format?: string) => unknown;
const POOL_TYPES = {
  getTypeParser: ((oid: number, format?: string) => numberParser(oid) ?? pg.types.getTypeParser(oid, format as 'text')) as GetTypeParser,
} as pg.CustomTypesConfig;

type Queryable = pg.Pool | pg.PoolClient;

/** Errors worth running a whole transaction again for: serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);

function errorCode(error: unknown): string | undefined {
  // Drizzle wraps the driver's error (DrizzleQueryError), with the original as its cause.
  for (let e = error as { code?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 3; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

/**
 * Whether `error` is PostgreSQL refusing a character it cannot store: NUL in text (22021) or in
 * JSON (22P05), or half of a surrogate pair in JSON (22P02, the only malformed JSON our own
 * JSON.stringify writes). SQLite stores those, so input that reaches the database with one is the
 * client's to fix (400), not a fault of ours.
 */
export function isUnstorableText(error: unknown): boolean {
  const code = errorCode(error);
  if (code === '22021' || code === '22P05') return true;
  if (code !== '22P02') return false;
  for (let e = error as { detail?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 3; e = e.cause as typeof e, depth++) {
    if (typeof e.detail === 'string' && e.detail.includes('surrogate')) return true;
  }
  return false;
}

class PostgresDb implements Db {
  readonly engine = 'pg' as const;
  readonly t = pgSchema as unknown as Tables;
  readonly orm: Orm;
  private compiled = new Map<string, PgStatement & { name: string }>();
  /** Queries and transactions in flight, for idle(). */
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly expectedMigrations = journalLength(MIGRATIONS_PG);

  constructor(readonly pool: pg.Pool) {
    this.orm = this.ormOn(pool, () => true);
  }

  stmt(sqlite: string, pgText?: string): Stmt {
    const text = pgText ?? sqlite;
    this.statement(text); // a malformed statement fails when the service is built, not on first use
    return { sqlite, pg: text };
  }

  all<T>(statement: Stmt, ...params: Params): Promise<T[]> {
    return this.query(this.pool, statement, params).then((result) => result.rows as T[]);
  }
  get<T>(statement: Stmt, ...params: Params): Promise<T | undefined> {
    return this.query(this.pool, statement, params).then((result) => result.rows[0] as T | undefined);
  }
  run(statement: Stmt, ...params: Params): Promise<{ changes: number }> {
    return this.query(this.pool, statement, params).then((result) => ({ changes: result.rowCount ?? 0 }));
  }
  /** Outside a transaction each insert commits by itself (as run() would), one after another. */
  async insertEach(statement: Stmt, paramSets: Params[]): Promise<number[]> {
    const ids: number[] = [];
    for (const params of paramSets) ids.push(insertedId(await this.query(this.pool, statement, params)));
    return ids;
  }

  async tx<T>(fn: (tx: Db) => Promise<T>, options: TxOptions = {}): Promise<T> {
    this.active++;
    try {
      // A deadlock or serialization failure rolls the whole transaction back; one more try
      // usually gets through, and the body only touches the database, so it can run again.
      try {
        return await this.txOnce(fn, options);
      } catch (error) {
        if (!RETRYABLE.has(errorCode(error) ?? '')) throw error;
        return await this.txOnce(fn, options);
      }
    } finally {
      this.settled();
    }
  }

  private async txOnce<T>(fn: (tx: Db) => Promise<T>, options: TxOptions): Promise<T> {
    const client = await this.pool.connect();
    const handle = new PgTx(this, client, 0, !!options.write);
    let broken: Error | undefined;
    try {
      await client.query('begin');
      if (options.write) await handle.lock(...options.locks);
      const result = await fn(handle);
      await client.query('commit');
      return result;
    } catch (error) {
      // A connection that cannot even roll back is dropped rather than handed to the next caller.
      await client.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      handle.open = false;
      client.release(broken);
    }
  }

  lock(): Promise<void> {
    return Promise.reject(new Error('lock() is for a write transaction: call it on the tx handle.'));
  }
  tryLock(): Promise<boolean> {
    return Promise.reject(new Error('tryLock() is for a write transaction: call it on the tx handle.'));
  }

  changes(result: unknown): number {
    return (result as { rowCount?: number | null } | null)?.rowCount ?? 0;
  }

  isUniqueViolation(error: unknown): boolean {
    return errorCode(error) === '23505';
  }

  async ping(): Promise<void> {
    await this.pool.query('select 1');
  }

  async migrationsApplied(): Promise<{ applied: number; expected: number }> {
    try {
      const result = await this.pool.query<{ n: number }>('select count(*) as n from drizzle.__drizzle_migrations');
      return { applied: result.rows[0]?.n ?? 0, expected: this.expectedMigrations };
    } catch (error) {
      // Nothing applied yet: no migrations table (42P01), or not even its schema (3F000).
      if (errorCode(error) === '42P01' || errorCode(error) === '3F000') return { applied: 0, expected: this.expectedMigrations };
      throw error;
    }
  }

  async idle(): Promise<void> {
    for (;;) {
      while (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      // A query's continuation may start another one: idle only if none did by the next turn.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.active === 0) return;
    }
  }

  async close(): Promise<void> {
    await this.idle();
    await this.pool.end();
  }

  /** Runs a hand-written statement on `target` (the pool, or a transaction's connection). */
  query(target: Queryable, statement: Stmt, params: Params): Promise<pg.QueryResult> {
    let values: unknown[];
    let compiled: PgStatement & { name: string };
    try {
      compiled = this.statement(statement.pg);
      values = bindValues(compiled, params);
    } catch (error) {
      return Promise.reject(error);
    }
    // Named, so each connection parses and plans it once.
    return this.track(target.query({ name: compiled.name, text: compiled.text, values }));
  }

  /** A drizzle database whose queries run on `target`, with this pool's number parsing. */
  ormOn(target: Queryable, usable: () => boolean): Orm {
    const client = {
      query: (config: pg.QueryConfig & { types?: pg.CustomTypesConfig }, values?: unknown[]) => {
        if (!usable()) return Promise.reject(new Error('This transaction has ended: its tx handle was used after tx() returned.'));
        // drizzle passes parsers of its own that fall back to pg's global ones: put ours first.
        const theirs = config.types?.getTypeParser as GetTypeParser | undefined;
        const types = {
          getTypeParser: (oid: number, format?: string) =>
            numberParser(oid) ?? (theirs ? theirs(oid, format) : POOL_TYPES.getTypeParser(oid, format as 'text')),
        } as pg.CustomTypesConfig;
        return this.track(target.query({ ...config, types }, values));
      },
    };
    const orm = drizzle({ client: client as unknown as pg.Pool });
    // drizzle's own transaction() would run BEGIN and COMMIT on whichever pooled connection is
    // free (or nest a BEGIN in ours): db.tx() is the one way in.
    orm.transaction = () => Promise.reject(new Error('Use db.tx() (or tx.tx() for a savepoint), not orm.transaction().'));
    return orm as unknown as Orm;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.active++;
    return work.finally(() => this.settled());
  }

  private settled(): void {
    this.active--;
    if (this.active === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private statement(text: string): PgStatement & { name: string } {
    let compiled = this.compiled.get(text);
    if (!compiled) {
      compiled = { ...compileStatement(text), name: `te_${this.compiled.size + 1}` };
      this.compiled.set(text, compiled);
    }
    return compiled;
  }
}

/** A transaction's handle: its own connection; a nested tx() is a savepoint on it. */
class PgTx extends TxHandleBase {
  readonly engine = 'pg' as const;
  readonly orm: Orm;
  open = true;

  constructor(
    private db: PostgresDb,
    private client: pg.PoolClient,
    private depth: number,
    private write: boolean,
  ) {
    super(db);
    this.orm = db.ormOn(client, () => this.open);
  }

  all<T>(statement: Stmt, ...params: Params): Promise<T[]> {
    return this.query(statement, params).then((result) => result.rows as T[]);
  }
  get<T>(statement: Stmt, ...params: Params): Promise<T | undefined> {
    return this.query(statement, params).then((result) => result.rows[0] as T | undefined);
  }
  run(statement: Stmt, ...params: Params): Promise<{ changes: number }> {
    return this.query(statement, params).then((result) => ({ changes: result.rowCount ?? 0 }));
  }
  async insertEach(statement: Stmt, paramSets: Params[]): Promise<number[]> {
    const ids: number[] = [];
    for (const params of paramSets) ids.push(insertedId(await this.query(statement, params)));
    return ids;
  }

  /** A savepoint; its `locks` are taken (held to the end of the whole transaction, as advisory xact locks are). */
  async tx<T>(fn: (tx: Db) => Promise<T>, options: TxOptions = {}): Promise<T> {
    if (!this.open) throw new Error('This transaction has ended: its tx handle was used after tx() returned.');
    const name = `sp${this.depth + 1}`;
    await this.db.track(this.client.query(`savepoint ${name}`));
    const nested = new PgTx(this.db, this.client, this.depth + 1, this.write || !!options.write);
    try {
      if (options.write) await nested.lock(...options.locks);
      const result = await fn(nested);
      await this.db.track(this.client.query(`release savepoint ${name}`));
      return result;
    } catch (error) {
      await this.db.track(this.client.query(`rollback to savepoint ${name}`));
      await this.db.track(this.client.query(`release savepoint ${name}`));
      throw error;
    } finally {
      nested.open = false;
    }
  }

  /** Advisory locks held to the transaction's end, taken in one statement, in the one order (locks.ts). */
  async lock(...keys: LockKey[]): Promise<void> {
    if (!this.open) throw new Error('This transaction has ended: its tx handle was used after tx() returned.');
    if (!this.write) throw new Error('lock() is for a write transaction: tx(fn, { write: true, locks }).');
    const ids = orderedLockIds(keys);
    if (!ids.length) return;
    // The select list is evaluated left to right: the locks are taken in this order.
    const calls = ids.map((_, i) => `pg_advisory_xact_lock($${2 * i + 1}::int4, $${2 * i + 2}::int4)`).join(', ');
    await this.db.track(this.client.query(`select ${calls}`, ids.flat()));
  }

  async tryLock(...keys: LockKey[]): Promise<boolean> {
    if (!this.open) throw new Error('This transaction has ended: its tx handle was used after tx() returned.');
    if (!this.write) throw new Error('tryLock() is for a write transaction: tx(fn, { write: true, locks }).');
    const ids = orderedLockIds(keys);
    if (!ids.length) return true;
    const calls = ids.map((_, i) => `pg_try_advisory_xact_lock($${2 * i + 1}::int4, $${2 * i + 2}::int4)`).join(' and ');
    const result = await this.db.track(this.client.query<{ taken: boolean }>(`select (${calls}) as taken`, ids.flat()));
    return result.rows[0]!.taken;
  }

  private query(statement: Stmt, params: Params): Promise<pg.QueryResult> {
    if (!this.open) return Promise.reject(new Error('This transaction has ended: its tx handle was used after tx() returned.'));
    return this.db.query(this.client, statement, params);
  }
}

/**
 * For what needs PostgreSQL connections of its own (the cross-instance event bus, which holds one
 * for LISTEN): the pool under a PostgreSQL Db, and a way to open a dedicated connection to the
 * same database. Null on SQLite.
 */
export function pgConnections(db: Db): { pool: pg.Pool; connect(applicationName: string): Promise<pg.Client> } | null {
  if (!(db instanceof PostgresDb)) return null;
  const { pool } = db;
  return {
    pool,
    async connect(applicationName) {
      const client = new pg.Client({ ...pool.options, application_name: applicationName });
      await client.connect();
      return client;
    },
  };
}

/** The id an insert's `returning id` gave (insertEach's PostgreSQL text must have one). */
function insertedId(result: pg.QueryResult): number {
  const id = (result.rows[0] as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'number') throw new Error('insertEach: the PostgreSQL statement must insert one row and end `returning id`.');
  return id;
}
