/**
 * Did a request write to the database? SQLite's total_changes() counts every row inserted,
 * updated or deleted on the connection (the app, its dispatcher and the simulator share the one
 * the harness opened), so an unchanged count proves nothing was written, cheaply. When the count
 * moved, every table's rows are compared with a copy taken before: a write undone by a rolled-back
 * transaction leaves the rows as they were and is not a write. The copy is only re-read when the
 * count moved since it was taken, so a run of refused requests costs one query each.
 */
import type { Params } from '../../../db/types.js';

/** Hand-written SQL against the test's database (the harness's `h.sql`). */
export interface SqlReader {
  all<T = Record<string, unknown>>(text: string, ...params: Params): Promise<T[]>;
  get<T = Record<string, unknown>>(text: string, ...params: Params): Promise<T | undefined>;
}

export interface WriteWatch {
  /** Call before the request: remembers the database as it is now. */
  before(): Promise<void>;
  /** After it: the tables whose rows changed since `before` (none when nothing was written). */
  changedTables(): Promise<string[]>;
}

export function watchWrites(sql: SqlReader): WriteWatch {
  // pg: no total_changes(); sum pg_stat_xact_user_tables' n_tup_ins/upd/del, or compare the tables every time
  const totalChanges = async () => (await sql.get<{ n: number }>('select total_changes() as n'))!.n;
  const tableNames = async () =>
    // pg: information_schema.tables where table_schema = current_schema()
    (await sql.all<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")).map((t) => t.name);

  async function contents(): Promise<Map<string, string>> {
    const tables = new Map<string, string>();
    for (const name of await tableNames()) {
      // pg: no rowid; order by every column (or the primary key)
      const rows = await sql.all(`select * from "${name}" order by rowid`);
      tables.set(
        name,
        JSON.stringify(rows, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)),
      );
    }
    return tables;
  }

  let copy = { changes: -1, tables: new Map<string, string>() };
  let mark = 0;
  return {
    async before() {
      mark = await totalChanges();
      if (copy.changes !== mark) copy = { changes: mark, tables: await contents() };
    },
    async changedTables() {
      if ((await totalChanges()) === mark) return [];
      const now = await contents();
      const names = new Set([...copy.tables.keys(), ...now.keys()]);
      return [...names].filter((name) => copy.tables.get(name) !== now.get(name));
    },
  };
}
