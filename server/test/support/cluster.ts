/**
 * The cluster test's scene (server/test/cluster.test.ts): real server processes in Twilio mode on
 * one PostgreSQL database, pointed at the fake Twilio in a process of its own (fake-twilio-process.ts); a recruiter's event
 * streams read over real HTTP; candidates' replies posted as Twilio's signed webhooks; and the
 * provider-side measures (texts per sender in any one second).
 */
import { expect } from 'vitest';
import { readEventStream } from '../../../shared/sse.js';
import { seedDemo } from '../../seed/demo.js';
import { insertCandidates, type ExtraCandidate } from './campaigns.js';
import { call, freePort, startChildServer, type ChildServer } from './child-server.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN } from './fake-twilio.js';
import { postSigned } from './fake-twilio-callbacks.js';
import { openTestDatabase, type TestDatabase } from './test-db.js';

/** The environment's SMS sender: every text of the test goes from it (the demo is seeded for Twilio, without numbers of its own). */
export const CLUSTER_SENDER = '+15005550006';

/**
 * The instances and the fake Twilio stand for machines of their own: where the test may, they
 * run ahead of everything else on this one (the rest of the suite, busy loops), so that a
 * one-second window at the fake measures the pacing, not a 2-core machine's scheduler. Their
 * timing is what the rate test measures; elsewhere they run at the same priority as the rest.
 */
export const CLUSTER_NICE = -10;

export interface ClusterSettings {
  /** Segments per second per sender, for the whole cluster. */
  rate: number;
  /** DISPATCH_LEASE_MS: how long a killed instance's claims hold its texts. */
  leaseMs: number;
}

export interface Instance {
  name: string;
  server: ChildServer;
  url: string;
}

/**
 * Starts one instance: `server/main.ts` with PROVIDER=twilio at the fake, on the database in
 * `databaseEnv`. Its PUBLIC_URL is its own address (child-server.ts), so webhooks are signed for it.
 */
export async function startInstance(
  name: string,
  databaseEnv: Record<string, string>,
  twilio: { baseUrl: string },
  settings: ClusterSettings,
): Promise<Instance> {
  const port = await freePort();
  const server = await startChildServer(
    {
      PORT: String(port),
      ...databaseEnv,
      INSTANCE_ID: name,
      DATABASE_POOL_SIZE: '5',
      PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: FAKE_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
      TWILIO_SMS_FROM: CLUSTER_SENDER,
      TWILIO_API_BASE_URL: twilio.baseUrl,
      // The fake's Messages list never lags behind what it created: a look-up that misses is final,
      // so a text refused with a 5xx is sent again after its backoff rather than asked about for minutes.
      TWILIO_LIST_GRACE_MS: '0',
      SEND_RATE_PER_SECOND: String(settings.rate),
      DISPATCH_LEASE_MS: String(settings.leaseMs),
      // The others' work (a campaign scheduled through one instance, a killed one's texts) is found by polling: often.
      DISPATCH_IDLE_POLL_MS: '100',
    },
    // Three or more compile and start side by side on a loaded machine.
    { readyTimeoutMs: 100_000, nice: CLUSTER_NICE },
  );
  return { name, server, url: server.url };
}

/** Starts instances side by side; if one fails, those that started are stopped and the failure thrown. */
export async function startInstances(names: string[], start: (name: string) => Promise<Instance>): Promise<Instance[]> {
  const results = await Promise.allSettled(names.map(start));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    for (const r of results) if (r.status === 'fulfilled') await r.value.server.kill('SIGKILL');
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<Instance>).value);
}

/**
 * `count` Acme candidates with their own phones (+1 646 555 nnnn, nnnn from `firstLine` + 1; at
 * most 9,999 in all). Every `ineligibleEvery`-th one cannot be texted (alternately without
 * consent and opted out), so a campaign to them has recipients that must get nothing.
 */
export function clusterCandidates(prefix: string, count: number, firstLine: number, ineligibleEvery = Number.POSITIVE_INFINITY): ExtraCandidate[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    // The how-manieth ineligible one this is (an integer only for every ineligibleEvery-th candidate).
    const nth = Number.isFinite(ineligibleEvery) ? n / ineligibleEvery : Number.NaN;
    return {
      atsId: `${prefix}${n}`,
      firstName: 'Cluster',
      lastName: `${prefix}${String(n).padStart(5, '0')}`,
      phone: `+1646555${String(firstLine + n).padStart(4, '0')}`,
      ...(Number.isInteger(nth) && nth % 2 === 1 ? { consent: false } : {}),
      ...(Number.isInteger(nth) && nth % 2 === 0 ? { optedOut: true } : {}),
    };
  });
}

/**
 * A fresh database with the demo (seeded as for Twilio: the organisations have no simulator
 * numbers of their own) and these Acme candidates. Closing the handle drops the database.
 */
export async function seedClusterDatabase(candidates: ExtraCandidate[]): Promise<TestDatabase> {
  const database = await openTestDatabase(':memory:', { poolSize: 4 });
  await seedDemo(database.db, Date.now(), { provider: 'twilio' });
  await insertCandidates(database.db, 'acme', candidates);
  return database;
}

/** Waits for `check` to give something truthy; fails after `timeoutMs` with `context()` (the servers' output). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs: number, context: () => string, everyMs = 20): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function signIn(url: string): Promise<string> {
  const login = await call(url, 'POST', '/api/auth/login', { email: 'recruiter@acme.test', password: 'demo1234' });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  return login.body.token as string;
}

export interface StreamedEvent {
  type: string;
  data: Record<string, unknown>;
  /** Date.now() when the test read it. */
  at: number;
}

export interface EventStream {
  /** The instance it is connected to. */
  instance: string;
  events: StreamedEvent[];
  /** True once the server ended the stream (or the connection dropped). */
  readonly closed: boolean;
  close(): Promise<void>;
}

/** GET /api/events on one instance, read in the background; resolves once its `ready` event came. */
export async function openEventStream(instance: Instance, token: string): Promise<EventStream> {
  const controller = new AbortController();
  const res = await fetch(`${instance.url}/api/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  expect(res.status).toBe(200);
  const events: StreamedEvent[] = [];
  let readyNow: () => void = () => {};
  const ready = new Promise<void>((resolve) => (readyNow = resolve));
  const ended = readEventStream(res.body!, ({ event, data }) => {
    if (event === 'ready') readyNow();
    else events.push({ type: event, data: JSON.parse(data) as Record<string, unknown>, at: Date.now() });
  }).catch(() => {
    // Aborted by close(), or the instance went away.
  });
  let closed = false;
  void ended.then(() => (closed = true));
  await Promise.race([ready, ended]);
  return {
    instance: instance.name,
    events,
    get closed() {
      return closed;
    },
    async close() {
      controller.abort();
      await ended;
    },
  };
}

/** A candidate's text to us, as Twilio posts it to the instance at `url` (signed for that address). */
export async function postInboundText(url: string, text: { sid: string; from: string; to: string; body: string }): Promise<number> {
  const posted = await postSigned((u, init) => fetch(u, init), `${url}/webhooks/twilio/inbound`, FAKE_AUTH_TOKEN, {
    AccountSid: FAKE_ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    MessageSid: text.sid,
    SmsSid: text.sid,
    SmsMessageSid: text.sid,
    From: text.from,
    To: text.to,
    Body: text.body,
    NumMedia: '0',
    NumSegments: '1',
  });
  return posted.status;
}

/** The most of `times` (ms) in any window [t, t + windowMs). */
export function mostInWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + windowMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

/** Texts per second in each whole second from `from` (for the log: where the rate dipped). */
export function perSecond(times: number[], from: number, to: number): number[] {
  const seconds = Array.from({ length: Math.max(0, Math.ceil((to - from) / 1000)) }, () => 0);
  for (const t of times) if (t >= from && t < to) seconds[Math.floor((t - from) / 1000)]!++;
  return seconds;
}
