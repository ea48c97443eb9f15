/**
 * Two server instances on one PostgreSQL database (PostgreSQL only: on SQLite one process serves
 * every stream). A recruiter's event stream is on instance B; the candidate's reply arrives at
 * instance A; the stream on B shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type TextEngagementApp } from '../app.js';
import { loadConfig } from '../config.js';
import { openPostgres } from '../db/postgres.js';
import type { Db } from '../db/types.js';
import { silentLogger } from '../deps.js';
import type { SimulatorProvider } from '../providers/simulator.js';
import { seedDemo } from '../seed/demo.js';
import { readEventStream } from '../../shared/sse.js';
import { openTestDatabase, type TestDatabase } from './support/test-db.js';

let database: TestDatabase;
let second: Db;
let a: TextEngagementApp;
let b: TextEngagementApp;

beforeAll(async () => {
  database = await openTestDatabase();
  await seedDemo(database.db, Date.now());
  second = await openPostgres(database.env.DATABASE_URL!, { migrate: false, poolSize: 4 });
  const config = (instance: string) => loadConfig({ PUBLIC_URL: 'http://te.test', INSTANCE_ID: instance, SEND_RATE_PER_SECOND: 'unlimited' });
  a = await createApp({ db: database.db, config: config('a'), log: silentLogger });
  b = await createApp({ db: second, config: config('b'), log: silentLogger });
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await second?.close();
  await database?.close();
});

async function signIn(app: TextEngagementApp): Promise<string> {
  const res = await app.app.request('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'recruiter@acme.test', password: 'demo1234' }),
  });
  return ((await res.json()) as { token: string }).token;
}

/**
 * Reads the event stream `body` in the background; `next(match)` resolves with the data of the
 * first event from then on that `match` accepts (ask before it can come). After the `last` one,
 * reading stops (`ended`) and the body can be cancelled.
 */
function watchEvents(body: ReadableStream<Uint8Array>) {
  let onEvent: (type: string, data: unknown) => boolean = () => false;
  const ended = readEventStream(body, ({ event, data }) => onEvent(event, JSON.parse(data)));
  const next = (match: (type: string, data: unknown) => boolean, last = false) =>
    new Promise<unknown>((resolve) => {
      onEvent = (type, data) => {
        if (!match(type, data)) return false;
        onEvent = () => false;
        resolve(data);
        return last;
      };
    });
  return { next, ended };
}

describe('events across instances', () => {
  it('a reply received by instance A reaches a recruiter’s stream on instance B within a second', async () => {
    const token = await signIn(b);
    const stream = await b.app.request('/api/events', { headers: { authorization: `Bearer ${token}` } });
    expect(stream.status).toBe(200);
    const events = watchEvents(stream.body!);
    await events.next((type) => type === 'ready');
    // B's stream is known to A once B's presence reached it.
    const deadline = Date.now() + 5000;
    const acme = (await a.deps.db.orm.select().from(a.deps.db.t.organizations)).find((o) => o.slug === 'acme')!;
    while (a.deps.events.subscriberCount(acme.id) === 0) {
      if (Date.now() > deadline) throw new Error('instance A never learnt of the stream on B');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    // Asked before the reply is sent: its event may reach B before reply() returns.
    const arrived = events.next((type, data) => type === 'message.created' && (data as { body?: string }).body === 'Reply through instance A', true);
    const sent = Date.now();
    await (a.deps.provider as SimulatorProvider).reply('+12125550101', 'Reply through instance A');
    const event = (await arrived) as { direction: string };
    expect(event.direction).toBe('inbound');
    expect(Date.now() - sent).toBeLessThan(1000);
    await events.ended;
    await stream.body!.cancel();
  });
});
