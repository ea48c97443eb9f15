/**
 * Did a request write to the database? SQLite's total_changes() counts every row inserted,
 * updated or deleted on the connection (the app, its dispatcher and the simulator share the one
 * the harness opened), so an unchanged count proves nothing was written, cheaply. When the count
 * moved, every table's rows are compared with a copy taken before: a write undone by a rolled-back
 * transaction leaves the rows as they were and is not a write. The copy is only re-read when the
 * count moved since it was taken, so a run of refused requests costs one query each.
 */
import type Database from 'better-sqlite3';

export interface WriteWatch {
  /** Call before the request: remembers the database as it is now. */
  before(): void;
  /** After it: the tables whose rows changed since `before` (none when nothing was written). */
  changedTables(): string[];
}

export function watchWrites(sqlite: Database.Database): WriteWatch {
  const totalChanges = sqlite.prepare('select total_changes()').pluck();
  const tableNames = () =>
    sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").pluck().all() as string[];

  function contents(): Map<string, string> {
    const tables = new Map<string, string>();
    for (const name of tableNames()) {
      const rows = sqlite.prepare(`select * from "${name}" order by rowid`).raw().all();
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
    before() {
      mark = totalChanges.get() as number;
      if (copy.changes !== mark) copy = { changes: mark, tables: contents() };
    },
    changedTables() {
      if ((totalChanges.get() as number) === mark) return [];
      const now = contents();
      const names = new Set([...copy.tables.keys(), ...now.keys()]);
      return [...names].filter((name) => copy.tables.get(name) !== now.get(name));
    },
  };
}
