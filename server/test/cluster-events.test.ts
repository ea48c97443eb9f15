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

/** Reads server-sent events from `res` until `match` returns true for one; resolves with its data. */
async function nextEvent(reader: ReadableStreamDefaultReader<Uint8Array>, match: (type: string, data: unknown) => boolean): Promise<unknown> {
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended');
    buffered += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const type = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (type && data !== undefined && match(type, JSON.parse(data))) return JSON.parse(data);
    }
  }
}

describe('events across instances', () => {
  it('a reply received by instance A reaches a recruiter’s stream on instance B within a second', async () => {
    const token = await signIn(b);
    const stream = await b.app.request('/api/events', { headers: { authorization: `Bearer ${token}` } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await nextEvent(reader, (type) => type === 'ready');
    // B's stream is known to A once B's presence reached it.
    const deadline = Date.now() + 5000;
    const acme = (await a.deps.db.orm.select().from(a.deps.db.t.organizations)).find((o) => o.slug === 'acme')!;
    while (a.deps.events.subscriberCount(acme.id) === 0) {
      if (Date.now() > deadline) throw new Error('instance A never learnt of the stream on B');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const sent = Date.now();
    await (a.deps.provider as SimulatorProvider).reply('+12125550101', 'Reply through instance A');
    const event = (await nextEvent(reader, (type, data) => type === 'message.created' && (data as { body?: string }).body === 'Reply through instance A')) as {
      direction: string;
    };
    expect(event.direction).toBe('inbound');
    expect(Date.now() - sent).toBeLessThan(1000);
    await reader.cancel();
  });
});
