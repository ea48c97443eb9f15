/**
 * Signed webhooks per second and campaign throughput with 1, 2 and 3 server instances on
 * PostgreSQL, next to 1 instance on SQLite, on this machine.
 *
 *   npm run bench -- cluster-throughput            (or: npx tsx bench/cluster-throughput.ts)
 *   npm run bench -- cluster-throughput --quick    (a smoke run: 1,000 recipients, 1.5 s of webhooks)
 *
 * Per configuration: a fresh database (a SQLite file in a temp dir, or a new PostgreSQL database
 * on BENCH_DATABASE_URL's server or on a private cluster started in a temp dir), seeded from this
 * process with the demo, one earlier text for each demo candidate and N bulk SMS candidates; then
 * N instances, each a real child process running startServer() (bench/lib/cluster-instance.ts).
 * 1. Webhooks: the load generator (its own process) holds BENCH_CONNECTIONS keep-alive
 *    connections spread round-robin over the instances, each posting signed Twilio inbound
 *    webhooks one after another, as bench/webhooks.ts does against one server.
 * 2. Campaign: a warm-up campaign of 300, then one of N recipients built through the API of the
 *    first instance and sent with its Send call; every instance's dispatcher shares the work.
 *    Timed from Send to the last hand-off to the simulator and to the last "delivered" applied.
 * Env: BENCH_RECIPIENTS (20000), BENCH_CONFIGS (sqlite:1,pg:1,pg:2,pg:3), BENCH_CONNECTIONS (18),
 * BENCH_WARMUP_MS (1000), BENCH_DURATION_MS (5000), BENCH_DATABASE_URL, BENCH_QUICK=1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eq } from 'drizzle-orm';
import { connectDatabase } from '../server/db/client.js';
import { first, type Db } from '../server/db/types.js';
import { seedDemo } from '../server/seed/demo.js';
import { classifyKeyword } from '../shared/keywords.js';
import { benchPostgres, type BenchPostgres } from './lib/bench-pg.js';
import { bulkCandidates } from './lib/campaign-app.js';
import { freePort, startChild, type Child } from './lib/child.js';
import type { LoadConfig, LoadResult } from './lib/loadgen.js';
import { giveCandidatesAnEarlierText } from './lib/reply-context.js';
import { demoRecruiterToken } from './lib/sign-in.js';
import { formatCount, round, summarize } from './lib/stats.js';
import type { BenchOptions, BenchResult } from './lib/types.js';
import { demoSenders, REPLY_BODIES } from './webhooks.js';

export const description = 'Webhooks/s and campaign messages/s with 1, 2, 3 instances on PostgreSQL next to 1 on SQLite';

const AUTH_TOKEN = 'bench-auth-token-0123456789abcdef';
const ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
const PUBLIC_URL = 'http://bench.test';
const WARMUP_RECIPIENTS = 300;
const BODY = 'Hi {{firstName}}, Acme Staffing is hiring a {{jobTitle}} near you: $19-$22/hr, weekly pay. Interested? Reply YES. Reply STOP to opt out.';

interface Configuration {
  engine: 'sqlite' | 'pg';
  instances: number;
  label: string;
}

interface Settings {
  recipients: number;
  connections: number;
  warmupMs: number;
  durationMs: number;
}

interface WebhookOutcome {
  requestsPerSecond: number;
  p50: number;
  p95: number;
  errors: number;
  /** The instances' CPU time over the window, in cores (1.0 = one core busy all the time). */
  instanceCores: number;
  loadgenCores: number;
  machineBusy: number;
  stored: { inbound: number; webhookEvents: number; outbound: number };
}

interface CampaignOutcome {
  lastHandoffMs: number;
  allDeliveredMs: number;
  messagesPerSecond: number;
  instanceCpuMsPerMessage: number;
  instanceCores: number;
  /** Each instance's share of the instances' CPU time (how evenly they shared the work). */
  cpuShares: number[];
  machineBusy: number;
}

/** Busy share of the whole machine (all cores) between two os.cpus() samples. */
function machineBusyShare(before: os.CpuInfo[], after: os.CpuInfo[]): number {
  let busy = 0;
  let total = 0;
  after.forEach((cpu, i) => {
    const was = before[i]!.times;
    const now = cpu.times;
    const idle = now.idle - was.idle;
    const all = now.user + now.nice + now.sys + now.irq + now.idle - (was.user + was.nice + was.sys + was.irq + was.idle);
    busy += all - idle;
    total += all;
  });
  return total ? busy / total : Number.NaN;
}

async function cpuOf(instances: Child[]): Promise<{ ms: number[]; at: number }> {
  const samples = await Promise.all(instances.map((i) => i.call<{ usage: NodeJS.CpuUsage }>('cpu')));
  return { ms: samples.map((s) => (s.usage.user + s.usage.system) / 1000), at: performance.now() };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, progress?: () => string, log?: (l: string) => void) {
  const started = performance.now();
  let printed = started;
  while (!(await check())) {
    const now = performance.now();
    if (now - started > timeoutMs)
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${progress ? ` (${progress()})` : ''}`);
    if (progress && log && now - printed > 5000) {
      printed = now;
      log(`      ${progress()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Seeds a fresh database: the demo, one earlier text per demo candidate, and the bulk candidates. */
async function seed(db: Db, recipients: number): Promise<{ messageBaseline: number }> {
  await seedDemo(db, Date.now());
  const messageBaseline = await giveCandidatesAnEarlierText(db);
  const acme = (await first(db.orm.select().from(db.t.organizations).where(eq(db.t.organizations.slug, 'acme'))))!;
  const now = Date.now();
  const counter = { next: 0 };
  for (const [prefix, count] of [
    ['W', WARMUP_RECIPIENTS],
    ['T', recipients],
  ] as const) {
    let batch: (typeof db.t.candidates.$inferInsert)[] = [];
    const flush = async () => {
      if (batch.length) await db.orm.insert(db.t.candidates).values(batch);
      batch = [];
    };
    for (const c of bulkCandidates(prefix, count, counter)) {
      batch.push({ ...c, orgId: acme.id, consentAt: now - 86_400_000, consentSource: 'application-form', channel: 'sms', createdAt: now, updatedAt: now });
      if (batch.length === 1000) await flush();
    }
    await flush();
  }
  return { messageBaseline };
}

async function webhooksAgainst(instances: { child: Child; port: number }[], db: Db, messageBaseline: number, settings: Settings): Promise<WebhookOutcome> {
  const loadgen = await startChild('loadgen.ts');
  try {
    const path = '/webhooks/twilio/inbound';
    const config: LoadConfig = {
      url: `http://127.0.0.1:${instances[0]!.port}${path}`,
      urls: instances.map((i) => `http://127.0.0.1:${i.port}${path}`),
      signedUrl: PUBLIC_URL + path,
      authToken: AUTH_TOKEN,
      accountSid: ACCOUNT_SID,
      senders: demoSenders(),
      bodies: REPLY_BODIES,
      connections: settings.connections,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
    };
    const sampled = (async (): Promise<{ instanceCores: number; machineBusy: number }> => {
      await loadgen.next('window-start', settings.warmupMs + 30_000);
      const cpus = os.cpus();
      const a = await cpuOf(instances.map((i) => i.child));
      await loadgen.next('window-end', settings.durationMs + 30_000);
      const b = await cpuOf(instances.map((i) => i.child));
      const spent = b.ms.reduce((s, v, i) => s + v - a.ms[i]!, 0);
      return { instanceCores: spent / (b.at - a.at), machineBusy: machineBusyShare(cpus, os.cpus()) };
    })();
    sampled.catch(() => {}); // awaited below; a failed run reports the load generator's error first
    const result = await loadgen.call<LoadResult & { error?: string }>('run', { ...config }, settings.warmupMs + settings.durationMs + 60_000);
    if (result.error) throw new Error(`load generator failed: ${result.error}`);
    const { instanceCores, machineBusy } = await sampled;
    await db.idle();
    const count = async (sql: string, ...params: unknown[]) => Number((await db.get<{ n: number }>(db.stmt(sql), ...params))!.n);
    // Every accepted webhook must become exactly one stored inbound text, wherever it landed, and none a send.
    const stored = {
      inbound: await count(`select count(*) as n from messages where direction = 'inbound' and id > ?`, messageBaseline),
      webhookEvents: await count(`select count(*) as n from webhook_events where kind = 'inbound'`),
      outbound: await count(`select count(*) as n from messages where direction = 'outbound' and id > ?`, messageBaseline),
    };
    const lat = summarize(result.latencies);
    return {
      requestsPerSecond: result.requestsPerSecond,
      p50: lat.p50,
      p95: lat.p95,
      errors: result.errors + result.warmupErrors,
      instanceCores,
      loadgenCores: result.cpuShare,
      machineBusy,
      stored,
    };
  } finally {
    await loadgen.stop();
  }
}

async function campaign(
  base: string,
  token: string,
  db: Db,
  instances: Child[],
  prefix: 'W' | 'T',
  size: number,
  log: (l: string) => void,
  quiet: boolean,
): Promise<CampaignOutcome> {
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 400)}`);
    return (text ? JSON.parse(text) : null) as T;
  };
  const atsIds = Array.from({ length: size }, (_, i) => `${prefix}${i + 1}`);
  const created = await api<{ campaign: { id: number } }>('POST', '/api/campaigns', {
    name: `Cluster ${prefix} ${size}`,
    jobTitle: 'Warehouse Associate',
    candidateIds: atsIds.slice(0, 5000),
  });
  const campaignId = created.campaign.id;
  for (let i = 5000; i < size; i += 5000) await api('POST', `/api/campaigns/${campaignId}/candidates`, { candidateIds: atsIds.slice(i, i + 5000) });
  const draft = await api<{ message: { id: number }; review: { eligible: number; recipients: number } }>('POST', `/api/campaigns/${campaignId}/messages`, {
    body: BODY,
    sendAt: null,
  });
  if (draft.review.eligible !== size)
    throw new Error(`expected ${size} eligible recipients, the review says ${draft.review.eligible} of ${draft.review.recipients}`);
  const messageId = draft.message.id;

  const number = async (sql: string, ...params: unknown[]) => Number((await db.get<{ n: number | null }>(db.stmt(sql), ...params))!.n ?? 0);
  const simBaseline = await number(`select coalesce(max(id), 0) as n from simulator_messages`);
  let handed = 0;
  let delivered = 0;
  const cpus = os.cpus();
  const cpu0 = await cpuOf(instances);
  const t0Wall = Date.now();
  const t0 = performance.now();
  await api('POST', `/api/campaigns/${campaignId}/messages/${messageId}/schedule`);
  const progress = () => `${formatCount(handed)} handed off, ${formatCount(delivered)} delivered after ${round((performance.now() - t0) / 1000, 1)} s`;
  const timeoutMs = 120_000 + size * 20;
  await until(
    'every recipient to be texted and delivered',
    async () => {
      handed = await number(`select count(*) as n from simulator_messages where id > ? and direction = 'to-phone'`, simBaseline);
      delivered = await number(`select count(*) as n from messages where campaign_message_id = ? and status = 'delivered'`, messageId);
      return delivered >= size;
    },
    timeoutMs,
    progress,
    quiet ? undefined : log,
  );
  const allDeliveredMs = performance.now() - t0;
  const cpu1 = await cpuOf(instances);
  const busy = machineBusyShare(cpus, os.cpus());

  const texts = (await db.get<{ n: number; phones: number; last: number }>(
    db.stmt(`select count(*) as n, count(distinct phone) as phones, max(created_at) as last from simulator_messages where id > ? and direction = 'to-phone'`),
    simBaseline,
  ))!;
  const recorded = (await db.get<{ n: number; delivered: number }>(
    db.stmt(`select count(*) as n, sum(case when status = 'delivered' then 1 else 0 end) as delivered from messages where campaign_message_id = ?`),
    messageId,
  ))!;
  if (Number(texts.n) !== size || Number(texts.phones) !== size)
    throw new Error(`expected ${size} texts to ${size} phones, the simulator has ${texts.n} to ${texts.phones} (a duplicate or a missing text)`);
  if (Number(recorded.n) !== size || Number(recorded.delivered) !== size)
    throw new Error(`expected ${size} delivered texts, the server recorded ${recorded.delivered} of ${recorded.n}`);
  const spent = cpu1.ms.map((v, i) => v - cpu0.ms[i]!);
  const total = spent.reduce((s, v) => s + v, 0);
  const lastHandoffMs = Number(texts.last) - t0Wall;
  return {
    lastHandoffMs,
    allDeliveredMs,
    messagesPerSecond: size / (lastHandoffMs / 1000),
    instanceCpuMsPerMessage: total / size,
    instanceCores: total / (cpu1.at - cpu0.at),
    cpuShares: spent.map((v) => v / total),
    machineBusy: busy,
  };
}

async function measureConfiguration(
  configuration: Configuration,
  settings: Settings,
  postgres: () => Promise<BenchPostgres>,
  log: (l: string) => void,
): Promise<{ webhooks: WebhookOutcome; campaign: CampaignOutcome }> {
  const tmp = mkdtempSync(join(os.tmpdir(), 'te-bench-cluster-'));
  const dbName = `bench_cluster_${configuration.instances}_${process.pid}`;
  let databaseEnv: Record<string, string>;
  let pgServer: BenchPostgres | null = null;
  if (configuration.engine === 'pg') {
    pgServer = await postgres();
    databaseEnv = { DATABASE_URL: await pgServer.database(dbName, { fresh: true }) };
  } else {
    databaseEnv = { DATABASE_URL: '', DATABASE_PATH: join(tmp, 'bench.db') };
  }
  const db = await connectDatabase({
    databaseUrl: databaseEnv.DATABASE_URL || undefined,
    databasePath: databaseEnv.DATABASE_PATH ?? '',
    databasePoolSize: 4,
    instanceId: 'bench',
  });
  const instances: { child: Child; port: number }[] = [];
  try {
    const seeded = performance.now();
    const { messageBaseline } = await seed(db, settings.recipients);
    log(`  ${configuration.label}: seeded in ${round((performance.now() - seeded) / 1000, 1)} s; starting ${configuration.instances} instance(s)…`);
    const ports = await Promise.all(Array.from({ length: configuration.instances }, () => freePort()));
    // Started together, as a deploy would: the migration lock lets one migrate (here: nothing left to do).
    const started = await Promise.all(
      ports.map((port, i) =>
        startChild('cluster-instance.ts', {
          ...databaseEnv,
          PORT: String(port),
          HOST: '127.0.0.1',
          PUBLIC_URL,
          INSTANCE_ID: `bench-${i + 1}`,
          PROVIDER: 'simulator',
          TWILIO_AUTH_TOKEN: AUTH_TOKEN,
          SEND_RATE_PER_SECOND: 'unlimited',
          CAMPAIGN_MAX_RECIPIENTS: String(Math.max(5000, settings.recipients)),
        }).then((child) => ({ child, port })),
      ),
    );
    instances.push(...started);

    const webhooks = await webhooksAgainst(instances, db, messageBaseline, settings);
    log(
      `    webhooks: ${Math.round(webhooks.requestsPerSecond)} req/s, p50 ${round(webhooks.p50)} ms, p95 ${round(webhooks.p95)} ms, errors ${webhooks.errors}; ` +
        `instances' CPU ${round(webhooks.instanceCores, 2)} cores, load generator ${round(webhooks.loadgenCores, 2)}, machine ${Math.round(webhooks.machineBusy * 100)}% busy`,
    );

    const base = `http://127.0.0.1:${instances[0]!.port}`;
    const token = await demoRecruiterToken((path, init) => fetch(base + path, init));
    const patched = await fetch(base + '/api/organization', {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ textingHours: { start: '00:00', end: '24:00' } }),
    });
    if (patched.status !== 200) throw new Error(`PATCH /api/organization: ${patched.status} ${await patched.text()}`);
    const children = instances.map((i) => i.child);
    await campaign(base, token, db, children, 'W', WARMUP_RECIPIENTS, log, true);
    const result = await campaign(base, token, db, children, 'T', settings.recipients, log, false);
    log(
      `    campaign of ${formatCount(settings.recipients)}: last hand-off ${round(result.lastHandoffMs / 1000, 2)} s (${Math.round(result.messagesPerSecond)} msg/s), ` +
        `all delivered ${round(result.allDeliveredMs / 1000, 2)} s; instances' CPU ${round(result.instanceCpuMsPerMessage, 3)} ms/message, ${round(result.instanceCores, 2)} cores ` +
        `(shares ${result.cpuShares.map((s) => Math.round(s * 100) + '%').join(' / ')}), machine ${Math.round(result.machineBusy * 100)}% busy`,
    );
    return { webhooks, campaign: result };
  } finally {
    await Promise.all(instances.map((i) => i.child.stop()));
    await db.close();
    if (pgServer) await pgServer.drop(dbName);
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function run(options: BenchOptions = {}): Promise<BenchResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const quick = process.env.BENCH_QUICK === '1';
  const settings: Settings = {
    recipients: Number(process.env.BENCH_RECIPIENTS ?? (quick ? 1000 : 20_000)),
    connections: Number(process.env.BENCH_CONNECTIONS ?? 18),
    warmupMs: Number(process.env.BENCH_WARMUP_MS ?? (quick ? 500 : 1000)),
    durationMs: Number(process.env.BENCH_DURATION_MS ?? (quick ? 1500 : 5000)),
  };
  const configurations: Configuration[] = (process.env.BENCH_CONFIGS ?? 'sqlite:1,pg:1,pg:2,pg:3').split(',').map((spec) => {
    const [engine, n] = spec.trim().split(':');
    const instances = Number(n ?? 1);
    if ((engine !== 'sqlite' && engine !== 'pg') || !Number.isInteger(instances) || instances < 1 || (engine === 'sqlite' && instances !== 1))
      throw new Error(`BENCH_CONFIGS: "${spec}" is not sqlite:1 or pg:<instances>`);
    return { engine, instances, label: `${engine === 'pg' ? 'PostgreSQL' : 'SQLite'} ×${instances}` };
  });
  for (const body of REPLY_BODIES) if (classifyKeyword(body)) throw new Error(`"${body}" is a keyword; the benchmark must not trigger sends`);
  log(
    `cluster-throughput: ${configurations.map((c) => c.label).join(', ')}; webhooks over ${settings.connections} connections, ${settings.warmupMs} ms warm-up, ` +
      `${settings.durationMs} ms measured; campaign of ${formatCount(settings.recipients)} (after one of ${WARMUP_RECIPIENTS})`,
  );

  const pgDir = mkdtempSync(join(os.tmpdir(), 'te-bench-pg-'));
  let pgServer: BenchPostgres | null = null;
  const postgres = async () => (pgServer ??= await benchPostgres(pgDir, log));
  const outcomes: { configuration: Configuration; webhooks: WebhookOutcome; campaign: CampaignOutcome }[] = [];
  let pgSettings: Record<string, string> = {};
  try {
    for (const configuration of configurations) outcomes.push({ configuration, ...(await measureConfiguration(configuration, settings, postgres, log)) });
    if (pgServer) pgSettings = await (pgServer as BenchPostgres).settings();
  } finally {
    if (pgServer) await (pgServer as BenchPostgres).stop();
    rmSync(pgDir, { recursive: true, force: true });
  }

  const metrics: Record<string, number | string> = {};
  const n = formatCount(settings.recipients);
  for (const { configuration: c, webhooks: w, campaign: k } of outcomes) {
    metrics[`${c.label}: webhooks req/s`] = Math.round(w.requestsPerSecond);
    metrics[`${c.label}: webhooks p50 / p95 ms`] = `${round(w.p50, 1)} / ${round(w.p95, 1)}`;
    metrics[`${c.label}: campaign ${n}: messages/s (Send to last hand-off)`] = Math.round(k.messagesPerSecond);
    metrics[`${c.label}: campaign ${n}: all delivered s`] = round(k.allDeliveredMs / 1000, 2);
    metrics[`${c.label}: campaign: instances' CPU ms/message`] = round(k.instanceCpuMsPerMessage, 3);
    metrics[`${c.label}: CPU in cores, webhooks (instances / load generator / machine busy)`] =
      `${round(w.instanceCores, 2)} / ${round(w.loadgenCores, 2)} / ${Math.round(w.machineBusy * 100)}%`;
    metrics[`${c.label}: CPU in cores, campaign (instances / machine busy; each instance's share)`] =
      `${round(k.instanceCores, 2)} / ${Math.round(k.machineBusy * 100)}%; ${k.cpuShares.map((s) => Math.round(s * 100) + '%').join(' · ')}`;
  }
  const problems = outcomes.flatMap(({ configuration: c, webhooks: w }) => [
    ...(w.errors ? [`${c.label}: ${w.errors} webhook errors`] : []),
    ...(w.stored.inbound !== w.stored.webhookEvents || w.stored.outbound !== 0
      ? [`${c.label}: ${w.stored.inbound} stored replies for ${w.stored.webhookEvents} webhooks, ${w.stored.outbound} sends`]
      : []),
  ]);
  metrics['every webhook stored once, 0 sends, 0 errors; every recipient texted once and delivered'] = problems.length ? `no: ${problems.join('; ')}` : 'yes';
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const notes = [
    ...(quick ? ['**SMOKE RUN (`--quick` / BENCH_QUICK=1): small sizes that show the benchmark works; not the measurement.**'] : []),
    `What the numbers mean on this machine (${cores} cores): every instance, PostgreSQL's backends, the load generator and this process share those ${cores} cores, so more instances cannot add capacity here: ` +
      `the machine is already near fully busy with one (see "machine busy"). ${configurations.length > 1 ? 'The PostgreSQL rows show what sharing costs (the instances coordinate through the database: claims, leases, the pacing slot, cross-instance events) and that it is correct (every text exactly once), ' : ''}` +
      `not scale-out. On a bigger machine, or one machine per instance with PostgreSQL on its own host, each instance gets a core to itself: ` +
      `webhooks should then grow close to linearly with instances until PostgreSQL's CPU or commit rate is the limit (each webhook is one short write transaction), ` +
      `and a campaign's throughput grows while PostgreSQL has spare capacity, since every text is claimed, handed off and settled through it. ` +
      `Against one SQLite instance the question is not speed on one machine (embedded SQLite has no network round trips, so it is faster per process) but that PostgreSQL lets several machines serve one organisation, and survive one of them dying.`,
    `Configurations, in order: ${configurations.map((c) => c.label).join(', ')}. Each gets a fresh database seeded from this process: the demo, one earlier text per demo candidate (so webhooks are replies in a conversation, as in bench/webhooks.ts), ` +
      `${formatCount(WARMUP_RECIPIENTS)} + ${n} bulk SMS candidates. Then the instances start together, each a child process running \`startServer()\` as \`npm run server\` does ` +
      `(\`PROVIDER=simulator\`, \`SEND_RATE_PER_SECOND=unlimited\`, \`TWILIO_AUTH_TOKEN\` set, \`DATABASE_URL\` or \`DATABASE_PATH\`, each its own \`INSTANCE_ID\` and port, default pool size).`,
    `PostgreSQL: ${pgServer ? (pgServer as BenchPostgres).describe : 'not used'}${
      Object.keys(pgSettings).length
        ? ` (${Object.entries(pgSettings)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`
        : ''
    }; ` + `each configuration gets its own database, dropped afterwards. The SQLite instance uses the server's own settings (WAL, synchronous=NORMAL).`,
    `Webhooks: ${settings.connections} keep-alive connections from the load generator (own process, raw HTTP/1.1), spread round-robin over the instances (connection i to instance i mod N: a keep-alive balancer's behaviour without a proxy's extra hop and CPU), ` +
      `each posting its next signed Twilio inbound webhook when the previous answer arrives, ${settings.warmupMs / 1000} s warm-up then ${settings.durationMs / 1000} s measured. ` +
      `Checked: every webhook became exactly one stored reply (counted across the whole database, whichever instance took it) and nothing was sent.`,
    `Campaign: built through the first instance's API as recruiter@acme.test (texting hours 00:00–24:00), a warm-up campaign of ${WARMUP_RECIPIENTS} first, then ${n} recipients; timed from the Send call to the last \`simulator_messages.created_at\` (last hand-off) ` +
      `and to the last "delivered" report applied (≥ 0.9 s after the last hand-off, the simulator's delay). Every instance's dispatcher claims texts (\`FOR UPDATE SKIP LOCKED\` on PostgreSQL) and each instance's simulator applies the reports of the texts it handed off. ` +
      `Checked: exactly ${n} texts to ${n} distinct phones, all recorded delivered. "Instances' CPU ms/message" is the instances' CPU time from Send to all delivered over ${n}: the cost of a text, summed over instances (PostgreSQL's own CPU is not in it).`,
    `"CPU in cores" is CPU time over wall time (1.0 = one core busy throughout); "machine busy" is the whole machine's busy share over the same window (from /proc/stat), which includes PostgreSQL and anything else running.`,
  ];
  return {
    name: 'cluster-throughput',
    title: 'Cluster throughput: webhooks and a campaign with 1, 2, 3 instances on PostgreSQL, next to 1 on SQLite',
    command: 'npm run bench -- cluster-throughput',
    target:
      'correct sharing on every configuration: every webhook stored exactly once, 0 errors, every recipient texted exactly once and delivered (speed is reported, see the notes for what it means)',
    pass: problems.length === 0,
    metrics,
    notes,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run();
  console.log(JSON.stringify(result, null, 2));
}
