/**
 * Events across server instances on one PostgreSQL database: a reply received by instance A
 * reaches a recruiter whose event stream is on instance B. Each instance publishes locally as
 * before, and also NOTIFYs the others on one channel; each LISTENs and publishes what the others
 * sent to its own streams. Services also ask whether anyone is listening before they build an
 * event (`subscriberCount`), so the instances tell each other how many streams they hold per
 * organisation (a presence message when a count starts or stops, and every few seconds).
 *
 * PostgreSQL drops a NOTIFY payload over 8000 bytes: larger events go through the
 * `event_spill` table and the notification carries only its id. If the listening connection is
 * lost, notifications sent meanwhile are gone: every local stream is ended then, so its client
 * reconnects and reads the state afresh, and the bus reconnects.
 */
import type pg from 'pg';
import { EventBus, type AppEvent } from './events.js';

/** NOTIFY's payload limit is 8000 bytes; leave room for the envelope. */
const INLINE_LIMIT = 7000;
const PRESENCE_EVERY_MS = 5000;
/** A peer not heard from in this long has gone (killed): its streams no longer count. */
const PEER_EXPIRY_MS = 15_000;
const SPILL_KEEP_MS = 60_000;
/** Events kept while the connection is re-made; past this the database has been gone too long. */
const MAX_QUEUED = 10_000;

type Wire =
  | { k: 'e'; i: string; o: number; e: AppEvent }
  | { k: 's'; i: string; o: number; s: number }
  | { k: 'p'; i: string; c: Record<string, number> }
  /** A new instance asks the others to announce their streams now, not at their next round. */
  | { k: 'h'; i: string };

export interface ClusterBusOptions {
  instanceId: string;
  /** A dedicated connection (not from the pool): it holds LISTEN. */
  connect: () => Promise<pg.Client>;
  /** For the spill table (any connection). */
  pool: pg.Pool;
  channel?: string;
  log?: { warn(message: string, fields?: Record<string, unknown>): void };
  now?: () => number;
}

export class ClusterBus extends EventBus {
  private client: pg.Client | null = null;
  private peers = new Map<string, { counts: Map<number, number>; seen: number }>();
  private presenceTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private reconnecting: Promise<void> | null = null;
  /** Sends go out in order on the one connection; this chains them. */
  private sending: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private readonly channel: string;
  private readonly now: () => number;

  constructor(private options: ClusterBusOptions) {
    super();
    this.channel = options.channel ?? 'te_events';
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    await this.connect();
    this.presenceTimer = setInterval(() => this.announce(), PRESENCE_EVERY_MS);
    this.presenceTimer.unref();
  }

  override subscribe(orgId: number, listener: (event: AppEvent) => void, end?: () => void): () => void {
    const before = this.localCount(orgId);
    const unsubscribe = super.subscribe(orgId, listener, end);
    if (before === 0) this.announce();
    return () => {
      unsubscribe();
      if (this.localCount(orgId) === 0) this.announce();
    };
  }

  override publish(orgId: number, event: AppEvent): void {
    super.publish(orgId, event);
    if (this.remoteCount(orgId) === 0) return;
    const payload = JSON.stringify({ k: 'e', i: this.options.instanceId, o: orgId, e: event } satisfies Wire);
    if (Buffer.byteLength(payload) <= INLINE_LIMIT) this.send(payload);
    else this.spill(orgId, payload);
  }

  override subscriberCount(orgId: number): number {
    return this.localCount(orgId) + this.remoteCount(orgId);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    // Tell the others this instance's streams are gone, then stop listening.
    this.send(JSON.stringify({ k: 'p', i: this.options.instanceId, c: {} } satisfies Wire));
    await this.sending.catch(() => {});
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private localCount(orgId: number): number {
    return super.subscriberCount(orgId);
  }

  private remoteCount(orgId: number): number {
    const now = this.now();
    let total = 0;
    for (const [id, peer] of this.peers) {
      if (now - peer.seen > PEER_EXPIRY_MS) this.peers.delete(id);
      else total += peer.counts.get(orgId) ?? 0;
    }
    return total;
  }

  /** This instance's stream counts per organisation, to every other instance. */
  private announce(): void {
    const counts: Record<string, number> = {};
    for (const orgId of this.organizations()) counts[orgId] = this.localCount(orgId);
    this.send(JSON.stringify({ k: 'p', i: this.options.instanceId, c: counts } satisfies Wire));
  }

  private send(payload: string): void {
    if (this.closed && !payload.includes('"k":"p"')) return;
    if (this.queued >= MAX_QUEUED) {
      this.options.log?.warn('cluster events: not connected for too long; an event was dropped');
      return;
    }
    this.queued++;
    this.sending = this.sending
      .then(async () => {
        // While the connection is being re-made, events wait (in order) instead of being lost.
        const client = this.client ?? (await this.connected());
        if (!client) return;
        await client.query('select pg_notify($1, $2)', [this.channel, payload]);
      })
      .catch((error: unknown) => this.options.log?.warn('cluster events: a notification was not sent', { error: String(error) }))
      .finally(() => this.queued--);
  }

  /** The listening connection once it is back, or null if the bus closes first. */
  private connected(): Promise<pg.Client | null> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.client || this.closed) return resolve(this.client);
        setTimeout(check, 50).unref();
      };
      check();
    });
  }

  private spill(orgId: number, payload: string): void {
    const { pool } = this.options;
    this.sending = this.sending
      .then(async () => {
        const { rows } = await pool.query<{ id: string }>('insert into event_spill (payload, created_at) values ($1, $2) returning id', [payload, this.now()]);
        await pool.query('delete from event_spill where created_at < $1', [this.now() - SPILL_KEEP_MS]);
        const client = this.client;
        if (client)
          await client.query('select pg_notify($1, $2)', [
            this.channel,
            JSON.stringify({ k: 's', i: this.options.instanceId, o: orgId, s: Number(rows[0]!.id) } satisfies Wire),
          ]);
      })
      .catch((error: unknown) => this.options.log?.warn('cluster events: a large event was not sent', { error: String(error) }));
  }

  private async connect(): Promise<void> {
    const client = await this.options.connect();
    client.on('notification', (message) => {
      if (message.channel === this.channel && message.payload) void this.receive(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    await client.query(`listen ${this.channel}`);
    this.client = client;
    this.send(JSON.stringify({ k: 'h', i: this.options.instanceId } satisfies Wire));
    this.announce();
  }

  private async receive(raw: string): Promise<void> {
    let wire: Wire;
    try {
      wire = JSON.parse(raw) as Wire;
    } catch {
      return;
    }
    if (wire.i === this.options.instanceId) return;
    if (wire.k === 'h') return this.announce();
    if (wire.k === 'p') {
      if (Object.keys(wire.c).length === 0) this.peers.delete(wire.i);
      else this.peers.set(wire.i, { counts: new Map(Object.entries(wire.c).map(([o, n]) => [Number(o), n])), seen: this.now() });
      return;
    }
    const peer = this.peers.get(wire.i);
    if (peer) peer.seen = this.now();
    if (wire.k === 'e') return super.publish(wire.o, wire.e);
    const { rows } = await this.options.pool.query<{ payload: string }>('select payload from event_spill where id = $1', [wire.s]);
    const spilled = rows[0] ? (JSON.parse(rows[0].payload) as Wire) : null;
    if (spilled?.k === 'e') super.publish(spilled.o, spilled.e);
  }

  /** The listening connection is gone: what was notified meanwhile is lost, so end the streams. */
  private lost(client: pg.Client, error: Error): void {
    if (this.closed || this.client !== client) return;
    this.client = null;
    this.options.log?.warn('cluster events: lost the listening connection; ending streams and reconnecting', { error: error.message });
    this.endAll();
    this.reconnecting ??= (async () => {
      for (let delay = 250; !this.closed; delay = Math.min(delay * 2, 5000)) {
        try {
          await this.connect();
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, delay).unref());
        }
      }
    })().finally(() => (this.reconnecting = null));
  }
}
