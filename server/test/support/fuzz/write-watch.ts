/**
 * Did a request write to the database? Every table's rows are compared with how they were
 * before it: a write undone by a rolled-back transaction leaves the rows as they were and is not
 * a write.
 *
 * SQLite: total_changes() counts every row inserted, updated or deleted on the connection (the
 * app, its dispatcher and the simulator share the one the harness opened), so an unchanged count
 * proves nothing was written, cheaply; the rows are only compared when it moved, and the copy is
 * only re-read when the count moved since it was taken, so a run of refused requests costs one
 * query each.
 *
 * PostgreSQL has no such counter for a pool of connections (pg_stat_xact_* sees one transaction,
 * pg_stat_user_tables is flushed late, the xid counter is shared with every other database on the
 * server), so there each table's rows are reduced to a digest, all tables in one statement, before
 * and after the request: the same comparison of every row, done by the server.
 */
import type { Engine, Params } from '../../../db/types.js';

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

export function watchWrites(sql: SqlReader, engine: Engine): WriteWatch {
  return engine === 'pg' ? watchPostgres(sql) : watchSqlite(sql);
}

/** The tables whose entry differs between two snapshots (a table added or dropped counts too). */
function differing(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => before.get(name) !== after.get(name));
}

function watchSqlite(sql: SqlReader): WriteWatch {
  const totalChanges = async () => (await sql.get<{ n: number }>('select total_changes() as n'))!.n;
  const tableNames = async () =>
    (await sql.all<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")).map((t) => t.name);

  async function contents(): Promise<Map<string, string>> {
    const tables = new Map<string, string>();
    for (const name of await tableNames()) {
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
      return differing(copy.tables, await contents());
    },
  };
}

function watchPostgres(sql: SqlReader): WriteWatch {
  // Made once: the tables of the test's schema (drizzle's migration journal lives in its own).
  let digestQuery: string | undefined;
  async function digests(): Promise<Map<string, string>> {
    if (!digestQuery) {
      const tables = await sql.all<{ name: string }>(
        "select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name",
      );
      if (tables.length === 0) throw new Error('write watch: the test database has no tables');
      // Each row as its text form, sorted, so the digest does not depend on the order rows come in.
      digestQuery = tables
        .map(({ name }) => {
          const quoted = `"${name.replaceAll('"', '""')}"`;
          const literal = `'${name.replaceAll("'", "''")}'`;
          return `select ${literal}::text as name, (select md5(coalesce(string_agg(r::text, E'\\n' order by r::text), '')) from ${quoted} r) as digest`;
        })
        .join(' union all ');
    }
    const rows = await sql.all<{ name: string; digest: string }>(digestQuery);
    return new Map(rows.map((row) => [row.name, row.digest]));
  }

  let copy = new Map<string, string>();
  return {
    async before() {
      copy = await digests();
    },
    async changedTables() {
      return differing(copy, await digests());
    },
  };
}
