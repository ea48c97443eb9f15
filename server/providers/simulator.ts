/**
 * The built-in simulator: a carrier and a set of phones on this machine. Texts "sent" to a
 * candidate land on their simulated phone; statuses move queued -> sent -> delivered after short
 * delays, reported through the same pipeline as Twilio's webhooks. A few reserved numbers fail
 * the way real ones do, so failures can be seen:
 *
 *   ...-0197  refused at send time    21211 (invalid 'To' number)
 *   ...-0198  failed                  30005 (unknown destination handset)
 *   ...-0199  undelivered             30003 (unreachable handset)
 *   ...-0196  undelivered             30007 (carrier filtering)
 *
 * Its log lives in its own table, keyed by our idempotency key, so after a crash the server can
 * ask it exactly whether a text went out.
 */
import { randomBytes } from 'node:crypto';
import { and, desc, eq, gte, inArray } from 'drizzle-orm';
import { simulatorMessages, type Channel } from '../db/schema.js';
import type { Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import { ProviderError, type OutboundText, type Provider, type ProviderReceipt, type ProviderSink } from './types.js';

export type SimulatorMessage = typeof simulatorMessages.$inferSelect;

export interface SimulatorOptions {
  smsFrom: string;
  whatsappFrom: string;
  /** Delays of the status reports (ms). */
  sentAfterMs?: number;
  deliveredAfterMs?: number;
}

const FAILURES: Record<string, { at: 'send' | 'delivery'; status: 'failed' | 'undelivered'; code: string; message: string }> = {
  '0197': { at: 'send', status: 'failed', code: '21211', message: "The 'To' number is not a valid phone number." },
  '0198': { at: 'delivery', status: 'failed', code: '30005', message: 'Unknown destination handset.' },
  '0199': { at: 'delivery', status: 'undelivered', code: '30003', message: 'Unreachable destination handset.' },
  '0196': { at: 'delivery', status: 'undelivered', code: '30007', message: 'Message filtered by the carrier.' },
};

const newSid = (prefix: string) => prefix + randomBytes(16).toString('hex');

export function createSimulatorProvider(db: Db, clock: Clock, options: SimulatorOptions) {
  const sentAfter = options.sentAfterMs ?? 300;
  const deliveredAfter = options.deliveredAfterMs ?? 900;
  let sink: ProviderSink | null = null;
  const listeners = new Set<(m: SimulatorMessage) => void>();

  const notify = (m: SimulatorMessage) => listeners.forEach((l) => l(m));

  function setStatus(sid: string, status: string, errorCode: string | null = null) {
    const row = db
      .update(simulatorMessages)
      .set({ status, errorCode })
      .where(eq(simulatorMessages.sid, sid))
      .returning()
      .get();
    if (row) notify(row);
    return row;
  }

  async function report(sid: string, status: string, failure?: (typeof FAILURES)[string]) {
    setStatus(sid, status, failure?.code ?? null);
    await sink?.status({
      MessageSid: sid,
      MessageStatus: status,
      ...(failure ? { ErrorCode: failure.code, ErrorMessage: failure.message } : {}),
    });
  }

  /** Moves one text along queued -> sent -> delivered (or its failure). */
  function progress(row: SimulatorMessage) {
    const failure = FAILURES[row.phone.slice(-4)];
    const age = clock.now() - row.createdAt;
    if (row.status === 'queued') {
      clock.setTimeout(async () => {
        await report(row.sid, 'sent');
        scheduleFinal(row.sid, failure, deliveredAfter - sentAfter);
      }, sentAfter - age);
    } else if (row.status === 'sent') {
      scheduleFinal(row.sid, failure, deliveredAfter - age);
    }
  }

  function scheduleFinal(sid: string, failure: (typeof FAILURES)[string] | undefined, delay: number) {
    clock.setTimeout(() => report(sid, failure ? failure.status : 'delivered', failure), delay);
  }

  function receipt(row: SimulatorMessage): ProviderReceipt {
    return { providerSid: row.sid, status: 'sending', from: row.ourAddress };
  }

  const provider: Provider & {
    phoneMessages(phone: string, limit?: number): SimulatorMessage[];
    phones(): { phone: string; lastAt: number; count: number }[];
    reply(phone: string, body: string, channel?: Channel): Promise<SimulatorMessage>;
    received(phones?: string[], since?: number): SimulatorMessage[];
    onMessage(listener: (m: SimulatorMessage) => void): () => void;
  } = {
    name: 'simulator',

    defaultFrom(channel) {
      return channel === 'whatsapp' ? options.whatsappFrom : options.smsFrom;
    },

    async send(text: OutboundText) {
      const failure = FAILURES[text.to.slice(-4)];
      if (failure?.at === 'send') throw new ProviderError('permanent', failure.code, failure.message);
      const from = text.from ?? provider.defaultFrom(text.channel)!;
      const inserted = db
        .insert(simulatorMessages)
        .values({
          sid: newSid('SM'),
          idempotencyKey: text.idempotencyKey,
          direction: 'to-phone',
          phone: text.to,
          ourAddress: from,
          channel: text.channel,
          body: text.body,
          status: 'queued',
          createdAt: clock.now(),
        })
        .onConflictDoNothing()
        .returning()
        .get();
      // The same idempotency key is the same text: answer with the first one, send nothing new.
      if (!inserted) {
        const existing = db.select().from(simulatorMessages).where(eq(simulatorMessages.idempotencyKey, text.idempotencyKey)).get()!;
        return receipt(existing);
      }
      notify(inserted);
      progress(inserted);
      return receipt(inserted);
    },

    async findSent(text) {
      const row = db.select().from(simulatorMessages).where(eq(simulatorMessages.idempotencyKey, text.idempotencyKey)).get();
      return row ? receipt(row) : null;
    },

    connect(s) {
      sink = s;
      // Pick up texts whose status reports were still pending when the server stopped.
      const pending = db
        .select()
        .from(simulatorMessages)
        .where(and(inArray(simulatorMessages.status, ['queued', 'sent']), eq(simulatorMessages.direction, 'to-phone')))
        .all();
      for (const row of pending) progress(row);
    },

    phoneMessages(phone, limit = 200) {
      return db
        .select()
        .from(simulatorMessages)
        .where(eq(simulatorMessages.phone, phone))
        .orderBy(desc(simulatorMessages.id))
        .limit(limit)
        .all()
        .reverse();
    },

    phones() {
      const rows = db.$client
        .prepare(
          `select phone, max(created_at) as lastAt, count(*) as count from simulator_messages group by phone order by lastAt desc`,
        )
        .all() as { phone: string; lastAt: number; count: number }[];
      return rows;
    },

    /** A person (or a test) answers from a phone. */
    async reply(phone, body, channel) {
      const last = db
        .select()
        .from(simulatorMessages)
        .where(eq(simulatorMessages.phone, phone))
        .orderBy(desc(simulatorMessages.id))
        .limit(1)
        .get();
      const via: Channel = channel ?? last?.channel ?? 'sms';
      const ourAddress = last && last.channel === via ? last.ourAddress : provider.defaultFrom(via)!;
      const row = db
        .insert(simulatorMessages)
        .values({
          sid: newSid('SM'),
          direction: 'from-phone',
          phone,
          ourAddress,
          channel: via,
          body,
          status: 'received',
          createdAt: clock.now(),
        })
        .returning()
        .get();
      notify(row);
      const prefix = via === 'whatsapp' ? 'whatsapp:' : '';
      await sink?.inbound({
        MessageSid: row.sid,
        AccountSid: 'ACsimulator',
        From: prefix + phone,
        To: prefix + ourAddress,
        Body: body,
        NumMedia: '0',
      });
      return row;
    },

    received(phones, since = 0) {
      const conditions = [eq(simulatorMessages.direction, 'to-phone'), gte(simulatorMessages.createdAt, since)];
      if (phones?.length) conditions.push(inArray(simulatorMessages.phone, phones));
      return db.select().from(simulatorMessages).where(and(...conditions)).all();
    },

    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return provider;
}

export type SimulatorProvider = ReturnType<typeof createSimulatorProvider>;
