/**
 * A private PostgreSQL cluster in a directory of our own, for tests, benchmarks and `npm run
 * cluster` when no DATABASE_URL is given. It never touches a system cluster: its data, its log
 * and its unix socket all live in `dir`, and it listens on 127.0.0.1 on a free port.
 *
 * PostgreSQL refuses to run as root, so as root (CI, containers) every PostgreSQL program runs
 * as the `postgres` user (`runuser`), and `dir` is handed to that user. A developer's own
 * account runs them directly.
 *
 * CLI: `npx tsx scripts/lib/pg-local.ts start <dir> [--durable] [--db <name>]` prints the
 * database URL; `npx tsx scripts/lib/pg-local.ts stop <dir>`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The superuser initdb creates; with trust authentication it needs no password. */
export const LOCAL_PG_USER = 'te';

export interface LocalPgOptions {
  /**
   * Durable settings (fsync and synchronous commit on) for data worth keeping; the default
   * trades durability for speed, which is what tests want.
   */
  durable?: boolean;
  /** A database to create if missing; the URL names it. Default `postgres`. */
  database?: string;
}

export interface LocalPg {
  /** postgres://te@127.0.0.1:<port>/<database> */
  url: string;
  port: number;
  dir: string;
  /** False when a cluster was already running in `dir` and was reused. */
  started: boolean;
}

/** Settings for throwaway data: nothing waits for the disk. */
const TEST_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=200'];
const DURABLE_SETTINGS = ['max_connections=200'];

/**
 * Starts the cluster in `dir` (creating it with initdb if `dir` is empty or missing), or reuses
 * the one already running there, and creates `options.database` if it does not exist.
 */
export async function startLocalPg(dir: string, options: LocalPgOptions = {}): Promise<LocalPg> {
  dir = resolve(dir);
  const bin = findPgBin();
  const runAs = await pgUser();
  let port = runningPort(dir) ?? undefined;
  const started = port === undefined || !(await isRunning(bin, dir, runAs));
  if (started) {
    if (!existsSync(join(dir, 'PG_VERSION'))) await initCluster(bin, dir, runAs, options.durable ?? false);
    port = await startCluster(bin, dir, runAs, options.durable ?? false);
  }
  const database = options.database ?? 'postgres';
  const url = localPgUrl(port!, database);
  if (database !== 'postgres') await createDatabase(localPgUrl(port!, 'postgres'), database);
  return { url, port: port!, dir, started };
}

/**
 * `preferred`, unless we are root and the `postgres` user could not reach it (a checkout under
 * a private home directory): then a directory under the system temp dir, the same one each time.
 */
export function reachableClusterDir(preferred: string): string {
  preferred = resolve(preferred);
  if (process.getuid?.() !== 0) return preferred;
  const searchable = (path: string): boolean => {
    try {
      return (statSync(path).mode & 0o001) !== 0;
    } catch {
      return true; // not created yet: we create it, searchable
    }
  };
  const ancestors: string[] = [];
  for (let at = dirname(preferred); at !== dirname(at); at = dirname(at)) ancestors.push(at);
  if (ancestors.every(searchable)) return preferred;
  const hash = createHash('sha256').update(preferred).digest('hex').slice(0, 12);
  return join(tmpdir(), `te-pg-${hash}`);
}

/** Stops the cluster running in `dir`, if any (fast shutdown: open sessions are ended). */
export async function stopLocalPg(dir: string): Promise<void> {
  dir = resolve(dir);
  if (!existsSync(join(dir, 'postmaster.pid'))) return;
  const bin = findPgBin();
  const runAs = await pgUser();
  if (!(await isRunning(bin, dir, runAs))) return;
  await pgRun(runAs, join(bin, 'pg_ctl'), ['stop', '-D', dir, '-m', 'fast', '-w', '-t', '60']);
}

/** Creates database `name` on the server at `serverUrl` unless it exists; `template` copies that database. */
export async function createDatabase(serverUrl: string, name: string, template?: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      const from = template ? ` template ${quoteIdent(template)}` : '';
      try {
        await client.query(`create database ${quoteIdent(name)}${from}`);
      } catch (error) {
        // Another process created it between the check and the create.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
  return withDatabase(serverUrl, name);
}

/** Drops database `name` if it exists, ending the sessions still connected to it. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  } finally {
    await client.end();
  }
}

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function localPgUrl(port: number, database: string): string {
  return `postgres://${LOCAL_PG_USER}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/** The directory holding pg_ctl and initdb: PATH first, then Debian's /usr/lib/postgresql/<version>/bin (newest). */
export function findPgBin(): string {
  for (const entry of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(entry, 'pg_ctl');
    if (entry && isExecutable(candidate)) {
      // /usr/local/bin may hold symlinks: initdb is found next to the real pg_ctl.
      const real = dirname(realpathSync(candidate));
      if (isExecutable(join(real, 'initdb'))) return real;
    }
  }
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => isExecutable(join(debian, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(debian, versions[0], 'bin');
  throw new Error('PostgreSQL was not found: no pg_ctl on PATH or in /usr/lib/postgresql/*/bin. Install it (Debian: apt-get install postgresql).');
}

/** pg_ctl hands `-o` to a shell. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function isExecutable(path: string): boolean {
  try {
    return statSync(path).isFile() && (statSync(path).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** The account PostgreSQL's programs must run as: null for ourselves, `postgres` when we are root. */
async function pgUser(): Promise<string | null> {
  if (process.getuid?.() !== 0) return null;
  try {
    await run('id', ['-u', 'postgres']);
  } catch {
    throw new Error('Running as root, and PostgreSQL refuses root: a `postgres` user is needed to run it as (the Debian package creates one).');
  }
  return 'postgres';
}

function pgRun(runAs: string | null, program: string, args: string[]) {
  // Plain C locale: initdb needs no installed locales, and text sorts by bytes, as in SQLite.
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  return runAs ? run('runuser', ['-u', runAs, '--', program, ...args], { env }) : run(program, args, { env });
}

async function initCluster(bin: string, dir: string, runAs: string | null, durable: boolean): Promise<void> {
  mkdirSync(dir, { recursive: true });
  if (runAs) {
    await run('chown', ['-R', `${runAs}:`, dir]);
    try {
      await run('runuser', ['-u', runAs, '--', 'test', '-w', dir]);
    } catch {
      throw new Error(`The ${runAs} user cannot write ${dir}: every directory above it must be searchable by others (chmod o+x).`);
    }
  }
  await pgRun(runAs, join(bin, 'initdb'), ['-D', dir, '--auth=trust', '-U', LOCAL_PG_USER, '--encoding=UTF8', '--locale=C', ...(durable ? [] : ['--no-sync'])]);
}

async function startCluster(bin: string, dir: string, runAs: string | null, durable: boolean): Promise<number> {
  // A free port can be taken by someone else before the server binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const settings = [
      `port=${port}`,
      'listen_addresses=127.0.0.1',
      // A unix socket path is limited to ~107 bytes; a deep `dir` gets TCP only.
      `unix_socket_directories=${join(dir, '.s.PGSQL.00000').length < 100 ? dir : ''}`,
      ...(durable ? DURABLE_SETTINGS : TEST_SETTINGS),
    ];
    const log = join(dir, 'server.log');
    try {
      await pgRun(runAs, join(bin, 'pg_ctl'), ['start', '-D', dir, '-l', log, '-w', '-t', '60', '-o', settings.map((s) => `-c ${shellQuote(s)}`).join(' ')]);
      return port;
    } catch (error) {
      if (attempt >= 3) {
        const tail = existsSync(log) ? readFileSync(log, 'utf-8').split('\n').slice(-15).join('\n') : '';
        throw new Error(`PostgreSQL did not start in ${dir}: ${(error as Error).message}\n${tail}`);
      }
    }
  }
}

async function isRunning(bin: string, dir: string, runAs: string | null): Promise<boolean> {
  try {
    await pgRun(runAs, join(bin, 'pg_ctl'), ['status', '-D', dir]);
    return true;
  } catch {
    return false;
  }
}

/** The port of the server running in `dir`, from its postmaster.pid (4th line). */
function runningPort(dir: string): number | null {
  try {
    const port = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf-8').split('\n')[3]);
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

async function main(argv: string[]): Promise<void> {
  const [command, dir, ...rest] = argv;
  if (!dir || (command !== 'start' && command !== 'stop')) {
    console.error('Usage: pg-local.ts start <dir> [--durable] [--db <name>] | stop <dir>');
    process.exitCode = 2;
    return;
  }
  if (command === 'stop') {
    await stopLocalPg(dir);
    return;
  }
  const dbAt = rest.indexOf('--db');
  const pgLocal = await startLocalPg(dir, { durable: rest.includes('--durable'), database: dbAt >= 0 ? rest[dbAt + 1] : undefined });
  console.log(pgLocal.url);
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
