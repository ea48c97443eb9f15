/**
 * `npm run cluster`: the demo as a cluster on one machine: PostgreSQL (DATABASE_URL, or a
 * private one started in ./data/pg), three server instances started at once (the migration lock
 * lets exactly one migrate), and the built-in balancer in front of them on PORT. The demo ATS
 * pages and the extension are the same as `npm start`'s, and talk to the balancer.
 *
 * SIGHUP (`kill -HUP <pid>`) restarts the instances one at a time, each drained first: a
 * zero-downtime deploy to watch. Ctrl+C stops everything (and the private PostgreSQL).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { demoRecruiters, DEMO_PASSWORD } from '../fixtures/demo/index.js';
import { serveFixtures } from '../fixtures/serve.js';
import { ConfigError, loadConfig } from '../server/config.js';
import { connectDatabase } from '../server/db/client.js';
import { count } from 'drizzle-orm';
import { first } from '../server/db/types.js';
import { seedDemo } from '../server/seed/demo.js';
import { startBalancer, type Balancer } from './lib/balancer.js';
import { startLocalPg, stopLocalPg } from './lib/pg-local.js';

const INSTANCES = Number(process.env.CLUSTER_INSTANCES ?? 3);
const PG_DIR = join('data', 'pg');

interface Instance {
  name: string;
  port: number;
  child: ChildProcess;
  exited: Promise<void>;
}

async function main() {
  const config = loadConfig();
  let startedPg = false;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.log(`Starting a private PostgreSQL in ${PG_DIR}…`);
    const local = await startLocalPg(PG_DIR, { durable: true, database: 'text_engagement' });
    startedPg = local.started;
    databaseUrl = local.url;
  }
  const built = buildExtension();

  // Seed an empty database once, before the instances start (it also applies the migrations).
  const db = await connectDatabase({ ...config, databaseUrl });
  const organizations = await first(db.orm.select({ n: count() }).from(db.t.organizations));
  if ((organizations?.n ?? 0) === 0) {
    const added = await seedDemo(db, Date.now(), { provider: config.provider });
    console.log(`Seeded the demo data (${added.candidates} candidates).`);
  }
  await db.close();

  const instances: Instance[] = [];
  const publicUrl = config.publicUrl;
  const start = (index: number): Instance => {
    const name = `i${index + 1}`;
    const port = config.port + 10 + index;
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: publicUrl,
        TRUST_PROXY: 'X-Forwarded-For',
        INSTANCE_ID: name,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l) => `[${name}] ${l}\n`)
        .join('');
    child.stdout!.on('data', (c: Buffer) => process.stdout.write(prefix(c)));
    child.stderr!.on('data', (c: Buffer) => process.stderr.write(prefix(c)));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { name, port, child, exited };
  };
  for (let i = 0; i < INSTANCES; i++) instances.push(start(i));

  const balancer: Balancer = await startBalancer({
    upstreams: instances.map((i) => ({ url: `http://127.0.0.1:${i.port}` })),
    port: config.port,
    host: config.host,
    log: (line) => console.log(line),
  });
  await waitUntil(() => balancer.healthy().length === INSTANCES, 60_000, 'the instances to be ready');
  const fixturesPort = Number(process.env.FIXTURES_PORT ?? 8788);
  const fixtures = await serveFixtures({ port: fixturesPort, host: config.host });

  const line = '─'.repeat(72);
  console.log(`\n${line}
 Text Engagement cluster is running: ${INSTANCES} instances on PostgreSQL
${line}
 Balancer (API)    ${publicUrl}   → ${instances.map((i) => `127.0.0.1:${i.port}`).join(', ')}
 Database          ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}${startedPg ? `  (private, in ${PG_DIR})` : ''}
 Phone simulator   ${publicUrl}/simulator
 Demo ATS (CXM)    ${fixtures.url}/cxm/
 Demo ATS (CRM)    ${fixtures.url}/crm/
 Extension         ${built ? '.output/chrome-mv3' : '.output/chrome-mv3 (build failed: run npm run build)'}

 Sign in (password ${DEMO_PASSWORD} for all):
${demoRecruiters.map((r) => `   ${r.email.padEnd(24)} ${r.licensed ? 'licensed' : 'no licence'}${r.isAdmin ? ', admin' : ''}`).join('\n')}
${line}
 kill -HUP ${process.pid} restarts the instances one by one (a zero-downtime deploy).
 Ctrl+C stops everything.
`);

  let restarting = false;
  process.on('SIGHUP', () => {
    if (restarting) return;
    restarting = true;
    void (async () => {
      for (let i = 0; i < instances.length; i++) {
        const old = instances[i]!;
        console.log(`Restarting ${old.name}: draining…`);
        old.child.kill('SIGTERM');
        await old.exited;
        instances[i] = start(i);
        await balancer.check();
        await waitUntil(() => balancer.healthy().includes(`http://127.0.0.1:${old.port}`), 60_000, `${old.name} to be ready again`);
        console.log(`${old.name} is back.`);
      }
      restarting = false;
    })();
  });

  const shutdown = async () => {
    for (const i of instances) i.child.kill('SIGTERM');
    await Promise.all(instances.map((i) => i.exited));
    await Promise.allSettled([balancer.close(), fixtures.close()]);
    if (startedPg) await stopLocalPg(PG_DIR);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

function buildExtension(): boolean {
  console.log('Building the browser extension (wxt build)…');
  const result = spawnSync(process.execPath, ['node_modules/wxt/bin/wxt.mjs', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return result.status === 0;
}

async function waitUntil(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  console.error(err);
  process.exit(1);
});
