import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../test/support/pg-global.js';
import type { AppEvent } from './events.js';
import { ClusterBus } from './cluster-bus.js';

/** Two or three buses on one real PostgreSQL database stand for as many server instances. */
let url: string;
let pool: pg.Pool;
const buses: ClusterBus[] = [];

beforeAll(async () => {
  url = await createTestDatabase(inject('pgTest'));
  pool = new pg.Pool({ connectionString: url, max: 4 });
});
afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close();
});
afterAll(() => pool?.end());

let channelSeq = 0;
let instanceSeq = 0;
async function busCluster(n: number, channel = `te_test_${process.pid}_${channelSeq++}`) {
  const made = [];
  for (let i = 0; i < n; i++) {
    const bus = new ClusterBus({
      instanceId: `instance-${instanceSeq++}`,
      channel,
      pool,
      connect: async () => {
        const client = new pg.Client({ connectionString: url, application_name: channel });
        await client.connect();
        return client;
      },
    });
    await bus.start();
    buses.push(bus);
    made.push(bus);
  }
  return made;
}

const channelOf = (bus: ClusterBus) => (bus as unknown as { channel: string }).channel;
const event = (text: string): AppEvent => ({ type: 'candidates.updated', data: { ids: [text] } }) as unknown as AppEvent;

function received(bus: ClusterBus, orgId: number) {
  const got: AppEvent[] = [];
  let ended = 0;
  bus.subscribe(
    orgId,
    (e) => got.push(e),
    () => ended++,
  );
  return { got, ended: () => ended };
}

async function until(condition: () => boolean, what: string, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('events across instances (LISTEN/NOTIFY)', () => {
  it('an event published on one instance reaches the streams of the others, once, and of that organisation only', async () => {
    const [a, b, c] = await busCluster(3);
    const onB = received(b!, 7);
    const onC = received(c!, 8);
    const onA = received(a!, 7);
    // A knows B streams for org 7 once B's presence arrived.
    await until(() => a!.subscriberCount(7) === 2 && a!.subscriberCount(8) === 1, 'presence');
    a!.publish(7, event('one'));
    await until(() => onB.got.length === 1, 'the event on B');
    expect(onA.got).toHaveLength(1);
    expect(onB.got[0]).toEqual(event('one'));
    // Nothing for org 8, and nothing twice.
    a!.publish(7, event('two'));
    await until(() => onB.got.length === 2, 'the second event');
    expect(onC.got).toHaveLength(0);
    expect(onB.got.map((e) => (e.data as { ids: string[] }).ids[0])).toEqual(['one', 'two']);
  });

  it('counts streams cluster-wide, so a service on an instance with no stream still publishes', async () => {
    const [a, b] = await busCluster(2);
    expect(a!.subscriberCount(5)).toBe(0);
    const stop = b!.subscribe(5, () => {});
    await until(() => a!.subscriberCount(5) === 1, 'the count on A');
    stop();
    await until(() => a!.subscriberCount(5) === 0, 'the count to drop');
  });

  it('a new instance learns the streams already open elsewhere at once, not at the next presence round', async () => {
    const channel = `te_test_${process.pid}_${channelSeq++}`;
    const [a] = await busCluster(1, channel);
    received(a!, 3);
    const [late] = await busCluster(1, channel);
    await until(() => late!.subscriberCount(3) === 1, "the earlier instance's stream", 3000);
  });

  it('carries an event larger than a notification through the spill table', async () => {
    const [a, b] = await busCluster(2);
    const onB = received(b!, 9);
    await until(() => a!.subscriberCount(9) === 1, 'presence');
    const big = { type: 'candidates.updated', data: { ids: Array.from({ length: 2000 }, (_, i) => `candidate-${i}`) } } as unknown as AppEvent;
    a!.publish(9, big);
    await until(() => onB.got.length === 1, 'the spilled event');
    expect(onB.got[0]).toEqual(big);
  });

  it('ends local streams when the listening connection is lost, then listens again', async () => {
    const [a, b] = await busCluster(2);
    const onB = received(b!, 4);
    await until(() => a!.subscriberCount(4) === 1, 'presence');
    const { rows } = await pool.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [channelOf(a!)]);
    expect(rows).toHaveLength(2);
    await pool.query('select pg_terminate_backend(pid) from pg_stat_activity where pid = any($1)', [rows.map((r) => r.pid)]);
    await until(() => onB.ended() === 1, 'the stream to end');
    // Both reconnect; a new stream on B gets A's events again.
    const again = received(b!, 4);
    await until(() => a!.subscriberCount(4) >= 1, 'presence after reconnecting', 10_000);
    a!.publish(4, event('after'));
    await until(() => again.got.length === 1, 'an event after reconnecting', 10_000);
  });
});
