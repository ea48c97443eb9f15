/**
 * Signed inbound webhooks per second: the real server against a bare Hono hello-world, driven
 * by the same load generator for the same time in the same run.
 *
 *   npm run bench -- webhooks          (or: npx tsx bench/webhooks.ts)
 *
 * Both servers run in their own process on loopback; the load generator runs in a third. Every
 * request is a Twilio inbound webhook (form-encoded, ~20 fields, valid X-Twilio-Signature, a
 * fresh MessageSid) "from" a textable demo candidate, with a reply that is not a keyword, so
 * the server stores it and sends nothing. Env: BENCH_CONNECTIONS (16), BENCH_WARMUP_MS (1000),
 * BENCH_DURATION_MS (5000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { demoCandidates, demoOrganizations } from '../fixtures/demo/index.js';
import { classifyKeyword } from '../shared/keywords.js';
import { checkMobile } from '../shared/phone.js';
import { freePort, startChild, type Child } from './lib/child.js';
import { inboundParams, type LoadConfig, type LoadResult, type Sender } from './lib/loadgen.js';
import { round, summarize } from './lib/stats.js';
import type { BenchOptions, BenchResult } from './lib/types.js';

export const description = 'Signed Twilio inbound webhooks per second, real server vs bare Hono hello-world';

const AUTH_TOKEN = 'bench-auth-token-0123456789abcdef';
const ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
const TARGET_RATIO = 0.25;

/** Replies a candidate might send; none is a carrier keyword, so nothing is sent back. */
export const REPLY_BODIES = [
  'Yes, interested',
  'Yes I am still interested! When can we talk?',
  'Sounds good, what time works for you?',
  'Can we do Thursday afternoon instead?',
  'Thanks for reaching out. What is the pay range for this role?',
  'I can start in two weeks.',
  'Is the position full-time or part-time?',
  'Sure, tomorrow at 10am works 👍',
  'Sorry, who is this?',
  'I already accepted another offer, thanks though',
];

/** Textable demo candidates (mobile, consent, not opted out) as Twilio would name them. */
export function demoSenders(): Sender[] {
  const orgs = new Map(demoOrganizations.map((o) => [o.key, o]));
  const senders: Sender[] = [];
  for (const c of demoCandidates) {
    const org = orgs.get(c.org)!;
    const mobile = checkMobile(c.phone);
    if (!mobile.ok || !c.consent || c.optedOut) continue;
    const [city, state] = c.location.split(',').map((s) => s.trim().toUpperCase());
    if (c.channel === 'whatsapp' && org.whatsappEnabled && org.whatsappFrom) {
      senders.push({ from: `whatsapp:${mobile.e164}`, to: `whatsapp:${org.whatsappFrom}`, profileName: `${c.firstName} ${c.lastName}` });
    } else {
      senders.push({ from: mobile.e164, to: org.smsFrom, city, state });
    }
  }
  return senders;
}

interface Sample extends LoadResult {
  label: string;
  serverCpuShare: number;
}

async function measure(
  label: string,
  server: Child,
  url: string,
  signedUrl: string,
  settings: Pick<LoadConfig, 'connections' | 'warmupMs' | 'durationMs'>,
  log: (l: string) => void,
): Promise<Sample> {
  const loadgen = await startChild('loadgen.ts');
  try {
    const config: LoadConfig = {
      url,
      signedUrl,
      authToken: AUTH_TOKEN,
      accountSid: ACCOUNT_SID,
      senders: demoSenders(),
      bodies: REPLY_BODIES,
      client: process.env.BENCH_CLIENT === 'node-http' ? 'node-http' : 'raw',
      ...settings,
    };
    // Sample the server's CPU time at the window's edges, as the load generator reports them.
    const serverCpu = (async () => {
      await loadgen.next('window-start', settings.warmupMs + 30_000);
      const a = await server.call<{ usage: NodeJS.CpuUsage; at: number }>('cpu');
      await loadgen.next('window-end', settings.durationMs + 30_000);
      const b = await server.call<{ usage: NodeJS.CpuUsage; at: number }>('cpu');
      return (b.usage.user + b.usage.system - a.usage.user - a.usage.system) / 1000 / (b.at - a.at);
    })();
    const result = await loadgen.call<LoadResult & { error?: string }>('run', { ...config }, settings.warmupMs + settings.durationMs + 60_000);
    if (result.error) throw new Error(`load generator failed: ${result.error}`);
    const serverCpuShare = await serverCpu.catch((err: unknown) => {
      log(`  (could not sample the server CPU: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
      return Number.NaN;
    });
    const lat = summarize(result.latencies);
    log(
      `  ${label}: ${round(result.requestsPerSecond, 0)} req/s, p50 ${round(lat.p50)} ms, p95 ${round(lat.p95)} ms, errors ${result.errors}` +
        ` (server CPU ${round(serverCpuShare * 100, 0)}%, load generator CPU ${round(result.cpuShare * 100, 0)}% of a core)`,
    );
    return { ...result, label, serverCpuShare };
  } finally {
    await loadgen.stop();
  }
}

export async function run(options: BenchOptions = {}): Promise<BenchResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const settings = {
    connections: Number(process.env.BENCH_CONNECTIONS ?? 16),
    warmupMs: Number(process.env.BENCH_WARMUP_MS ?? 1000),
    durationMs: Number(process.env.BENCH_DURATION_MS ?? 5000),
  };
  for (const body of REPLY_BODIES) if (classifyKeyword(body)) throw new Error(`"${body}" is a keyword; the benchmark must not trigger sends`);
  log(`webhooks: ${settings.connections} keep-alive connections, ${settings.warmupMs} ms warm-up, ${settings.durationMs} ms measured, per server`);

  // (a) The baseline.
  const helloPort = await freePort();
  const hello = await startChild('hello-server.ts', { PORT: String(helloPort), HOST: '127.0.0.1' });
  let baseline: Sample;
  try {
    const url = `http://127.0.0.1:${helloPort}/x`;
    baseline = await measure('hello-world', hello, url, url, settings, log);
  } finally {
    await hello.stop();
  }

  // (b) The real server: seeded demo database in a temp dir, Twilio signing on.
  const dir = mkdtempSync(join(os.tmpdir(), 'te-bench-webhooks-'));
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const real = await startChild(
    'webhook-server.ts',
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: publicUrl,
      DATABASE_PATH: join(dir, 'bench.db'),
      PROVIDER: 'simulator',
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    },
    { execArgv: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [] },
  );
  let server: Sample;
  let stored: { inbound: number; outbound: number; webhookEvents: number };
  try {
    const url = `${publicUrl}/webhooks/twilio/inbound`;
    server = await measure('real server', real, url, url, settings, log);
    stored = await real.call('stats');
  } finally {
    await real.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const lat = summarize(server.latencies);
  const helloLat = summarize(baseline.latencies);
  const ratio = server.requestsPerSecond / baseline.requestsPerSecond;
  // Every accepted webhook must have become exactly one stored inbound text, and none a send.
  const consistent = stored.inbound === stored.webhookEvents && stored.outbound === 0;
  const errors = server.errors + server.warmupErrors;
  const pass = ratio >= TARGET_RATIO && errors === 0 && baseline.errors === 0 && consistent;
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const sampleFields = Object.keys(inboundParams('SM0', demoSenders()[0]!, REPLY_BODIES[0]!, ACCOUNT_SID)).length;
  const notes = [
    `Each server runs in its own process (\`node --import tsx\`), the load generator in a third; all on loopback. ` +
      `${settings.connections} keep-alive connections, each sending its next request when the previous answer arrives (closed loop), ` +
      `${settings.warmupMs / 1000} s warm-up, then ${settings.durationMs / 1000} s measured per server. ` +
      `The load generator speaks HTTP/1.1 over raw sockets (\`bench/lib/raw-http.ts\`) with requests signed ahead of time: node:http's client costs ~3× more per request and, on this machine, capped the hello-world at ~6,000 req/s (\`BENCH_CLIENT=node-http\` to compare).`,
    `Every request is a form-encoded Twilio inbound webhook (${sampleFields} fields as Twilio sends them) with a fresh MessageSid and a valid X-Twilio-Signature, ` +
      `from one of ${demoSenders().length} textable demo candidates (SMS and WhatsApp), body a non-keyword reply such as "Yes, interested". ` +
      `The hello-world gets the very same requests (and ignores them).`,
    `The real server is \`startServer()\` (as \`npm run server\`): simulator provider, TWILIO_AUTH_TOKEN set, PUBLIC_URL matching, demo-seeded SQLite file in a temp dir, dispatcher running. ` +
      `Every demo candidate with a mobile first gets one earlier text from their recruiter, so the webhooks are replies in an existing conversation (a first-time texter would get Ari's greeting, which is a send and not what this measures). ` +
      `After the run it held ${stored.inbound} new inbound texts for ${stored.webhookEvents} logged inbound webhooks and ${stored.outbound} new outbound texts (expected: equal, and 0).`,
    `CPU during the window, as a share of one core: real server ${round(server.serverCpuShare * 100, 0)}% (load generator ${round(server.cpuShare * 100, 0)}%); ` +
      `hello-world ${round(baseline.serverCpuShare * 100, 0)}% (load generator ${round(baseline.cpuShare * 100, 0)}%). ` +
      `The real server is CPU-bound on its one JavaScript thread when it has a core to itself (idle, it uses none); a share under 100% means other processes were competing for the machine's ${cores} cores (see the load average). ` +
      `The hello-world and its load generator share those ${cores} cores, so on a bigger machine the baseline, and the gap, would be larger.`,
  ];
  if (server.errorSamples.length) notes.push(`Error samples: ${server.errorSamples.map((e) => '`' + e.replace(/`/g, "'") + '`').join('; ')}`);

  return {
    name: 'webhooks',
    title: 'Signed inbound webhooks per second (real server vs bare Hono)',
    command: 'npm run bench -- webhooks',
    target: `ratio ≥ ${TARGET_RATIO} of the bare Hono hello-world, 0 non-2xx`,
    pass,
    metrics: {
      'hello-world req/s': round(baseline.requestsPerSecond, 0),
      'real server req/s': round(server.requestsPerSecond, 0),
      ratio: round(ratio, 3),
      'real p50 ms': round(lat.p50, 2),
      'real p95 ms': round(lat.p95, 2),
      'real p99 ms': round(lat.p99, 2),
      'hello-world p50 ms': round(helloLat.p50, 2),
      'hello-world p95 ms': round(helloLat.p95, 2),
      'real non-2xx/errors': errors,
      'hello-world non-2xx/errors': baseline.errors + baseline.warmupErrors,
      'real requests measured': server.requests,
      'stored inbound = webhooks logged, 0 sent': consistent ? 'yes' : `no (${stored.inbound}/${stored.webhookEvents}/${stored.outbound})`,
      connections: settings.connections,
    },
    notes,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run();
  console.log(JSON.stringify(result, null, 2));
}
