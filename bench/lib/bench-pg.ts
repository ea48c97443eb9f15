/**
 * PostgreSQL for the benchmarks: the server at BENCH_DATABASE_URL (any database on it; the
 * benchmark creates its own databases there and drops them after), or else a private cluster
 * started with scripts/lib/pg-local.ts in `dir` and stopped again at the end.
 *
 * A private cluster runs with fsync on but synchronous_commit off: the guarantee the server's
 * SQLite has (WAL with synchronous=NORMAL: a commit survives the process dying, the last few may
 * be lost if the machine loses power), so the two engines are compared on equal terms.
 */
import pg from 'pg';
import { createDatabase, dropDatabase, startLocalPg, stopLocalPg } from '../../scripts/lib/pg-local.js';

export interface BenchPostgres {
  /** A URL on the server (its `postgres` database, or BENCH_DATABASE_URL's). */
  serverUrl: string;
  /** Where it came from, for the docs. */
  describe: string;
  /** Creates (or, with `fresh`, recreates) database `name`; returns its URL. */
  database(name: string, options?: { fresh?: boolean }): Promise<string>;
  drop(name: string): Promise<void>;
  /** The server's version and the settings that matter for speed. */
  settings(): Promise<Record<string, string>>;
  /** Stops the private cluster (BENCH_DATABASE_URL's server is left running). */
  stop(): Promise<void>;
}

export async function benchPostgres(dir: string, log: (line: string) => void): Promise<BenchPostgres> {
  const given = process.env.BENCH_DATABASE_URL;
  let serverUrl: string;
  let describe: string;
  let ownDir: string | null = null;
  if (given) {
    serverUrl = given;
    describe = `BENCH_DATABASE_URL (${given.replace(/:[^:@/]*@/, ':***@')})`;
  } else {
    log(`  starting a private PostgreSQL in ${dir}…`);
    const local = await startLocalPg(dir, { durable: true });
    serverUrl = local.url;
    if (local.started) ownDir = dir;
    await query(serverUrl, `alter system set synchronous_commit = off`);
    await query(serverUrl, `select pg_reload_conf()`);
    describe = `a private cluster (scripts/lib/pg-local.ts) on this machine, fsync on, synchronous_commit off`;
  }
  return {
    serverUrl,
    describe,
    async database(name, options = {}) {
      if (options.fresh) await dropDatabase(serverUrl, name);
      return createDatabase(serverUrl, name);
    },
    drop: (name) => dropDatabase(serverUrl, name),
    async settings() {
      const rows = await query<{ name: string; setting: string }>(
        serverUrl,
        `select name, setting from pg_settings where name in ('server_version', 'shared_buffers', 'fsync', 'synchronous_commit', 'max_connections') order by name`,
      );
      return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
    },
    async stop() {
      if (ownDir) await stopLocalPg(ownDir);
    },
  };
}

export async function query<T = unknown>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
