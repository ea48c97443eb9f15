/**
 * Builds a complete app for a test: a real SQLite database (in memory, or a file when the test
 * needs one), the demo seed, a FakeClock, and the simulator unless another provider is given.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { loadConfig, type AppConfig } from '../config.js';
import { createApp, type CreateAppOptions } from '../app.js';
import type { Db } from '../db/client.js';
import { openTestDatabase } from './support/test-db.js';
import type { Params } from '../db/types.js';
import { silentLogger } from '../deps.js';
import { FakeClock } from '../lib/clock.js';
import { createSimulatorProvider, type SimulatorProvider } from '../providers/simulator.js';
import { seedDemo } from '../seed/demo.js';
import { checkAgainstContract } from './support/contract-check.js';

export const TEST_AUTH_TOKEN = 'test-auth-token-0123456789abcdef';

export interface HarnessOptions {
  env?: Record<string, string>;
  databasePath?: string;
  provider?: CreateAppOptions['provider'];
  /** Start the dispatcher loop (on the fake clock). Default true. */
  start?: boolean;
  now?: string;
  /**
   * Keep Acme's primary inbound sequence, so Ari greets a candidate who texts first (default).
   * Tests of carrier keywords and webhooks turn it off to see the inbound pipeline alone.
   */
  inboundGreeting?: boolean;
}

export async function createHarness(options: HarnessOptions = {}) {
  const clock = new FakeClock(Date.parse(options.now ?? '2026-03-02T15:00:00Z'));
  const config: AppConfig = loadConfig({
    PUBLIC_URL: 'http://te.test',
    TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
    // One process per test: nothing else queues texts, so the idle safety-net poll can be rare
    // (every wake-up the dispatcher needs is scheduled explicitly; a slow poll can't mask a miss).
    DISPATCH_IDLE_POLL_MS: '600000',
    // Unpaced unless a test sets a rate: on the fake clock a round then hands over every text it
    // claims at once, and `drain()`/`round()` never wait for a pacing slot nobody advances to.
    SEND_RATE_PER_SECOND: 'unlimited',
    ...options.env,
  });
  const database = await openTestDatabase(options.databasePath ?? ':memory:');
  const db: Db = database.db;
  clock.settleOn(() => db.idle());
  await seedDemo(db, clock.now());
  if (options.inboundGreeting === false) await db.orm.update(db.t.organizations).set({ primarySequenceId: null });
  const simulator = options.provider ? null : createSimulatorProvider(db, clock, config.simulator);
  const te = await createApp({ db, clock, config, provider: options.provider ?? simulator!, log: silentLogger });
  if (options.start !== false) te.start();
  const tokens = new Map<string, string>();
  let http: { base: string; close(): Promise<void> } | null = null;

  /** The app over real HTTP (node's server on a free port) once `serveHttp()` ran, else in process. */
  function request(path: string, init: RequestInit = {}): Promise<Response> {
    return http
      ? fetch(http.base + path, { ...init, ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit)
      : Promise.resolve(te.app.request(path, init));
  }

  async function login(email = 'recruiter@acme.test'): Promise<string> {
    const cached = tokens.get(email);
    if (cached) return cached;
    const res = await request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'demo1234' }),
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    const token = ((await res.json()) as { token: string }).token;
    tokens.set(email, token);
    return token;
  }

  /** A JSON request as a signed-in recruiter. */
  async function api(method: string, path: string, body?: unknown, init: { email?: string; headers?: Record<string, string> } = {}) {
    const token = await login(init.email);
    const res = await request(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    checkAgainstContract(method, path, res.status, json);
    return { status: res.status, headers: res.headers, body: json };
  }

  return {
    ...te,
    request,
    /** From now on, every request of this harness goes over real HTTP to the same app. */
    async serveHttp() {
      const server = serve({ fetch: te.app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      const { port } = server.address() as AddressInfo;
      http = { base: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
      return http.base;
    },
    db,
    /** Hand-written SQL against the test's database (the engine's own dialect): `await h.sql.all('select …', a, b)`. */
    sql: {
      all: <T = Record<string, unknown>>(text: string, ...params: Params) => db.all<T>(db.stmt(text), ...params),
      get: <T = Record<string, unknown>>(text: string, ...params: Params) => db.get<T>(db.stmt(text), ...params),
      run: (text: string, ...params: Params) => db.run(db.stmt(text), ...params),
    },
    clock,
    config,
    simulator: simulator as SimulatorProvider,
    login,
    api,
    /** Lets timers (dispatcher, simulator status reports) run for `ms` of fake time. */
    advance: (ms: number) => clock.advance(ms),
    async close() {
      await http?.close();
      await te.stop();
      await database.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;
