/**
 * PostgreSQL for the tests (vitest globalSetup). The server is TEST_DATABASE_URL when that
 * answers; otherwise a private cluster in `.tmp/pg-test` (scripts/lib/pg-local.ts), started
 * here and stopped at the end of the run. On it, a migrated template database, so each test
 * file copies a ready schema (`CREATE DATABASE … TEMPLATE`, ~100 ms) instead of migrating.
 *
 * Test files get the server through `inject('pgTest')` and their own database from
 * `createTestDatabase()`. Databases a run created are dropped when it ends.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDatabase, dropDatabase, quoteIdent, reachableClusterDir, startLocalPg, stopLocalPg } from '../../../scripts/lib/pg-local.js';
import { MIGRATIONS_PG, openPostgres } from '../../db/postgres.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
/** `.tmp/pg-test`, or a temp dir when PostgreSQL (run as `postgres` under root) could not reach it. */
export const PG_TEST_DIR = reachableClusterDir(join(root, '.tmp/pg-test'));

export interface PgTestServer {
  /** A URL on the server (its `postgres` database, or TEST_DATABASE_URL's). */
  serverUrl: string;
  /** The migrated template database's name. */
  template: string;
  /** Prefix of the databases this run creates (dropped at its end). */
  prefix: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgTest: PgTestServer;
  }
}

/** globalSetup: provides `pgTest`, and returns the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { server, stop } = await startTestPostgres();
  project.provide('pgTest', server);
  return stop;
}

/**
 * The server and template for a test run; `stop` drops the run's databases and stops the
 * cluster if it was started here. Also usable from a test file that has no globalSetup.
 */
export async function startTestPostgres(dir = PG_TEST_DIR): Promise<{ server: PgTestServer; stop: () => Promise<void> }> {
  let serverUrl = process.env.TEST_DATABASE_URL;
  let startedDir: string | null = null;
  if (serverUrl && !(await answers(serverUrl))) {
    console.warn(`TEST_DATABASE_URL does not answer; starting a private PostgreSQL in ${dir}.`);
    serverUrl = undefined;
  }
  if (!serverUrl) {
    const local = await startLocalPg(dir);
    serverUrl = local.url;
    if (local.started) startedDir = dir;
  }
  const server = { serverUrl, template: await ensureTemplate(serverUrl), prefix: `te_run_${randomBytes(4).toString('hex')}_` };
  const stop = async () => {
    await dropRunDatabases(server);
    if (startedDir) await stopLocalPg(startedDir);
  };
  return { server, stop };
}

let created = 0;

/** A new database for this test file (or harness), copied from the migrated template; returns its URL. */
export async function createTestDatabase(server: PgTestServer): Promise<string> {
  created++;
  return createDatabase(server.serverUrl, `${server.prefix}${process.pid}_${created}`, server.template);
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The template for the current migrations, named by their hash: built once per server (and
 * again when the migrations change), under a temporary name that is renamed only once migrated,
 * so a half-built template is never used.
 */
async function ensureTemplate(serverUrl: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_PG)
    .filter((f) => f.endsWith('.sql'))
    .sort())
    hash.update(readFileSync(join(MIGRATIONS_PG, file)));
  const template = `te_tpl_${hash.digest('hex').slice(0, 12)}`;
  if (await databaseExists(serverUrl, template)) return template;
  const building = `te_tpl_build_${process.pid}_${randomBytes(3).toString('hex')}`;
  const db = await openPostgres(await createDatabase(serverUrl, building), { poolSize: 1 });
  await db.close();
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`alter database ${quoteIdent(building)} rename to ${quoteIdent(template)}`);
  } catch (error) {
    // Another run built it meanwhile (duplicate_database): use theirs.
    if ((error as { code?: string }).code !== '42P04') throw error;
    await client.query(`drop database ${quoteIdent(building)}`);
  } finally {
    await client.end();
  }
  return template;
}

async function databaseExists(serverUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

async function dropRunDatabases(server: PgTestServer): Promise<void> {
  const client = new pg.Client({ connectionString: server.serverUrl });
  await client.connect();
  let names: string[];
  try {
    const result = await client.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [server.prefix]);
    names = result.rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
  for (const name of names) await dropDatabase(server.serverUrl, name);
}
