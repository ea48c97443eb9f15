/**
 * Shared by the campaign benchmarks (campaign-throughput, rate-fidelity, schedule-lateness):
 * the whole server in this process on a fresh database file, with the real system clock and
 * the built-in simulator, driven through its HTTP API with `app.request()` as the demo admin
 * recruiter (recruiter@acme.test). Bulk candidates are written straight into the database with
 * one prepared INSERT in a transaction (the ATS import is not what these benchmarks measure).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, type TextEngagementApp } from '../../server/app.js';
import { loadConfig, type AppConfig } from '../../server/config.js';
import { openDatabase, type Db } from '../../server/db/client.js';
import type Database from 'better-sqlite3';
import { sqliteHandle } from '../../server/db/sqlite.js';
import type { Logger } from '../../server/deps.js';
import type { SimulatorProvider } from '../../server/providers/simulator.js';
import type { Provider } from '../../server/providers/types.js';
import { seedDemo } from '../../server/seed/demo.js';
import { REPO_ROOT } from './child.js';
import { demoRecruiterToken } from './sign-in.js';

/** Area codes with their zones; half the bulk candidates carry the zone, half leave it to the area code. */
const AREAS: [string, string][] = [
  ['212', 'America/New_York'],
  ['646', 'America/New_York'],
  ['312', 'America/Chicago'],
  ['713', 'America/Chicago'],
  ['303', 'America/Denver'],
  ['602', 'America/Phoenix'],
  ['213', 'America/Los_Angeles'],
  ['206', 'America/Los_Angeles'],
];
const FIRST = ['Maria', 'James', 'Aisha', 'Liam', 'Noah', 'Olivia', 'Sofia', 'Mateo', 'Emma', 'Lucas', 'Chloé', 'Wei'];
const LAST = ['Garcia', 'Wilson', 'Khan', 'Nguyen', 'Smith', 'Johnson', 'Brown', 'Lopez', 'Martin', 'Kowalski'];
const JOBS = ['Warehouse Associate', 'Forklift Operator', 'Picker', 'Packer', 'Shift Lead'];
/** Numbers the simulator fails on purpose (server/providers/simulator.ts): never given to bulk candidates. */
const FAILING_SUFFIXES = new Set(['0196', '0197', '0198', '0199']);

export interface CampaignBench {
  te: TextEngagementApp;
  db: Db;
  sqlite: Database.Database;
  config: AppConfig;
  simulator: SimulatorProvider;
  path: string;
  /** A JSON request as the signed-in admin recruiter; throws unless the status is 2xx. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Errors and warnings the server logged (a dispatcher round that threw shows up here). */
  logged: { errors: string[]; warnings: number };
  /** Inserts `count` textable SMS candidates (ATS ids `${prefix}${n}`), returns their ATS ids and how long it took. */
  insertCandidates(prefix: string, count: number): { atsIds: string[]; ms: number };
  /** Creates a campaign with these candidates (in API-sized batches of 5,000). */
  createCampaign(name: string, atsIds: string[]): Promise<number>;
  close(): Promise<void>;
}

export interface CampaignBenchOptions {
  /** File name under .tmp/bench/ (a fresh file each time: any old one is deleted). */
  name: string;
  /** Server environment on top of the defaults (SEND_RATE_PER_SECOND, CAMPAIGN_MAX_RECIPIENTS...). */
  env?: Record<string, string>;
  /** Start the dispatcher (default true). */
  start?: boolean;
  /** Another provider than the built-in simulator (rate-fidelity's Twilio mode); `simulator` is then unusable. */
  provider?: (config: AppConfig) => Provider;
}

export interface BulkCandidate {
  atsId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  timeZone: string | null;
  jobTitle: string;
}

/**
 * `count` textable SMS candidates with ATS ids `${prefix}1`… and phones all distinct (over 8 US
 * area codes, never one the simulator fails on purpose), half with an explicit time zone, half
 * left to the area code. `counter` carries on across calls, so later batches get new phones.
 */
export function* bulkCandidates(prefix: string, count: number, counter: { next: number } = { next: 0 }): Generator<BulkCandidate> {
  for (let i = 0; i < count; i++) {
    let n: number;
    do n = counter.next++;
    while (FAILING_SUFFIXES.has(String(n % 10_000).padStart(4, '0')));
    const line = String(n % 10_000).padStart(4, '0');
    const [area, zone] = AREAS[Math.floor(n / 10_000) % AREAS.length]!;
    // Every number distinct: the line, then the area code, then the exchange move on.
    const exchange = 200 + (Math.floor(n / (10_000 * AREAS.length)) % 700);
    const atsId = `${prefix}${i + 1}`;
    yield {
      atsId,
      firstName: FIRST[i % FIRST.length]!,
      lastName: LAST[Math.floor(i / FIRST.length) % LAST.length]!,
      email: `${atsId.toLowerCase()}@example.com`,
      phone: `+1${area}${exchange}${line}`,
      timeZone: i % 2 ? zone : null,
      jobTitle: JOBS[i % JOBS.length]!,
    };
  }
}

function removeDatabase(path: string) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

export async function startCampaignBench(options: CampaignBenchOptions): Promise<CampaignBench> {
  const dir = join(REPO_ROOT, '.tmp', 'bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${options.name}-${process.pid}.db`);
  removeDatabase(path);
  const db = openDatabase(path);
  await seedDemo(db, Date.now());
  const sqlite = sqliteHandle(db);
  const config = loadConfig({ DATABASE_PATH: path, PUBLIC_URL: 'http://bench.test', ...options.env });
  const logged = { errors: [] as string[], warnings: 0 };
  const log: Logger = {
    info() {},
    warn() {
      logged.warnings++;
    },
    error(message, fields) {
      if (logged.errors.length < 20) logged.errors.push(`${message} ${fields ? JSON.stringify(fields).slice(0, 400) : ''}`);
    },
  };
  const te = await createApp({ db, config, log, ...(options.provider ? { provider: options.provider(config) } : {}) });
  const simulator = te.deps.provider as SimulatorProvider;
  if (!options.provider && simulator.name !== 'simulator') throw new Error('the campaign benchmarks need PROVIDER=simulator');

  const token = await demoRecruiterToken((path, init) => te.app.request(path, init));

  async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
    const res = await te.app.request(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status < 200 || res.status > 299) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 400)}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  // Texting hours all day, so quiet hours hold nobody back.
  await api('PATCH', '/api/organization', { textingHours: { start: '00:00', end: '24:00' } });
  const orgId = (sqlite.prepare(`select id from organizations where slug = 'acme'`).get() as { id: number }).id;

  const bulk = { next: 0 };
  function insertCandidates(prefix: string, count: number) {
    const t0 = performance.now();
    const now = Date.now();
    const insert = sqlite.prepare(
      `insert into candidates (org_id, ats_id, first_name, last_name, email, phone, consent_at, consent_source, channel, time_zone, job_title, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, 'application-form', 'sms', ?, ?, ?, ?)`,
    );
    const atsIds: string[] = [];
    sqlite.transaction(() => {
      for (const c of bulkCandidates(prefix, count, bulk)) {
        insert.run(orgId, c.atsId, c.firstName, c.lastName, c.email, c.phone, now - 86_400_000, c.timeZone, c.jobTitle, now, now);
        atsIds.push(c.atsId);
      }
    })();
    return { atsIds, ms: performance.now() - t0 };
  }

  async function createCampaign(name: string, atsIds: string[]): Promise<number> {
    const created = await api<{ campaign: { id: number } }>('POST', '/api/campaigns', {
      name,
      jobTitle: 'Warehouse Associate',
      candidateIds: atsIds.slice(0, 5000),
    });
    const id = created.campaign.id;
    for (let i = 5000; i < atsIds.length; i += 5000) {
      await api('POST', `/api/campaigns/${id}/candidates`, { candidateIds: atsIds.slice(i, i + 5000) });
    }
    return id;
  }

  if (options.start !== false) te.start();

  return {
    te,
    db,
    sqlite,
    config,
    simulator,
    path,
    api,
    logged,
    insertCandidates,
    createCampaign,
    async close() {
      await te.stop();
      await db.close();
      if (existsSync(path) && process.env.BENCH_KEEP_DB !== '1') removeDatabase(path);
    },
  };
}

/** Waits until `done()` or the timeout, printing `progress()` every `everyMs`. */
export async function waitFor(
  done: () => boolean,
  options: { timeoutMs: number; everyMs?: number; progress?: () => string; log?: (line: string) => void; what: string },
): Promise<void> {
  const started = performance.now();
  let lastPrint = started;
  while (!done()) {
    const now = performance.now();
    if (now - started > options.timeoutMs)
      throw new Error(
        `timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}${options.progress ? ` (${options.progress()})` : ''}`,
      );
    if (options.progress && options.log && now - lastPrint >= (options.everyMs ?? 2000)) {
      lastPrint = now;
      options.log(`    ${options.progress()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
