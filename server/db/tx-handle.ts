import type { LockKey } from './locks.js';
import type { Db, Engine, Orm, Params, Stmt, Tables, TxOptions } from './types.js';

/**
 * What a transaction's handle answers as the database it belongs to (statements, errors,
 * readiness), for both engines' handles: they differ only in how they run a query and a nested
 * transaction on their connection.
 */
export abstract class TxHandleBase implements Db {
  abstract readonly engine: Engine;
  abstract readonly orm: Orm;
  readonly t: Tables;

  constructor(protected root: Db) {
    this.t = root.t;
  }

  abstract all<T>(statement: Stmt, ...params: Params): Promise<T[]>;
  abstract get<T>(statement: Stmt, ...params: Params): Promise<T | undefined>;
  abstract run(statement: Stmt, ...params: Params): Promise<{ changes: number }>;
  abstract insertEach(statement: Stmt, paramSets: Params[]): Promise<number[]>;
  abstract tx<T>(fn: (tx: Db) => Promise<T>, options?: TxOptions): Promise<T>;
  abstract lock(...keys: LockKey[]): Promise<void>;
  abstract tryLock(...keys: LockKey[]): Promise<boolean>;

  stmt(sqlite: string, pg?: string): Stmt {
    return this.root.stmt(sqlite, pg);
  }
  changes(result: unknown): number {
    return this.root.changes(result);
  }
  isUniqueViolation(error: unknown): boolean {
    return this.root.isUniqueViolation(error);
  }
  ping(): Promise<void> {
    return this.root.ping();
  }
  migrationsApplied(): Promise<{ applied: number; expected: number }> {
    return this.root.migrationsApplied();
  }
  /** Inside a transaction nothing else of its own is in flight. */
  idle(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.reject(new Error('close() is not for a transaction'));
  }
}
