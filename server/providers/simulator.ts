/**
 * The built-in simulator: a carrier and a set of phones on this machine. Texts "sent" to a
 * candidate land on their simulated phone; statuses move queued -> sent -> delivered after short
 * delays. It imitates Twilio: its reports and phones' replies are Twilio's webhook fields (logged
 * as they are), read into events by Twilio's own parser. A few reserved numbers fail the way real
 * ones do, with Twilio's codes, so failures can be seen:
 *
 *   ...-0197  refused at send time    21211 (invalid 'To' number)
 *   ...-0198  failed                  30005 (unknown destination handset)
 *   ...-0199  undelivered             30003 (unreachable handset)
 *   ...-0196  undelivered             30007 (carrier filtering)
 *
 * Its log lives in its own table, keyed by our idempotency key, so after a crash the server can
 * ask it exactly whether a text went out. A text handed over again under the same key is not sent
 * again, but it is logged as a warning: a provider without idempotency keys (Twilio has none for
 * sending) would have texted the candidate twice.
 *
 * SIMULATOR_SEND_DELAY_MS makes each send take that long before the simulator has the text: a
 * slow provider, for tests of hand-offs slower than the dispatcher's lease.
 */
import { randomBytes } from 'node:crypto';
import { and, desc, eq, gte, inArray } from 'drizzle-orm';
import type { Channel } from '../../shared/api.js';
import type { simulatorMessages } from '../db/schema.js';
import type { Db } from '../db/client.js';
import { first } from '../db/types.js';
import { consoleLogger, type Logger } from '../deps.js';
import type { Clock } from '../lib/clock.js';
import { withoutNul } from '../lib/storable-text.js';
import { whatsappWindowOpenAt } from '../../shared/whatsapp.js';
import { reasonForTwilioCode } from './twilio-vocabulary.js';
import { twilioInboundEvent, twilioStatusEvent } from './twilio-webhooks.js';
import { ProviderError, type OutboundText, type Provider, type ProviderSink, type SendReceipt } from './types.js';

export type SimulatorMessage = typeof simulatorMessages.$inferSelect;

export interface SimulatorOptions {
  smsFrom: string;
  whatsappFrom: string;
  /** Delays of the status reports (ms). */
  sentAfterMs?: number;
  deliveredAfterMs?: number;
  /** How long each send takes before the simulator has the text (ms); 0 by default. */
  sendDelayMs?: number;
  /** Where a text handed over twice is reported. */
  log?: Logger;
}

const FAILURES: Record<string, { at: 'send' | 'delivery'; status: 'failed' | 'undelivered'; code: string; message: string }> = {
  '0197': { at: 'send', status: 'failed', code: '21211', message: "The 'To' number is not a valid phone number." },
  '0198': { at: 'delivery', status: 'failed', code: '30005', message: 'Unknown destination handset.' },
  '0199': { at: 'delivery', status: 'undelivered', code: '30003', message: 'Unreachable destination handset.' },
  '0196': { at: 'delivery', status: 'undelivered', code: '30007', message: 'Message filtered by the carrier.' },
};

let sidSequence = 0;
/**
 * 32 hex digits like Twilio's, but time-ordered (milliseconds, then a counter, then random): each
 * new text lands at the end of the sid indexes (ours and the server's), not on a random page.
 */
const newSid = (prefix: string) =>
  prefix + Date.now().toString(16).padStart(12, '0') + (sidSequence++ % 0x1000000).toString(16).padStart(6, '0') + randomBytes(7).toString('hex');

/** A picture a simulated phone sends (the phone page takes images up to 1 MB). */
export interface SimulatorPicture {
  contentType: string;
  bytes: Buffer;
}
/** Pictures kept for the server to fetch: the newest this many (each is fetched once, right after its text). */
const PICTURES_KEPT = 200;

export function createSimulatorProvider(db: Db, clock: Clock, options: SimulatorOptions) {
  const { simulatorMessages } = db.t;
  /** Where failures nobody awaits (timers' work) are reported; duplicates only go to options.log. */
  const errorLog = options.log ?? consoleLogger;
  // The simulator's "media storage": in this process's memory, like a provider's short-lived
  // media URLs; the server copies each picture into its own database as soon as the text arrives.
  const pictures = new Map<string, SimulatorPicture>();
  const rememberPicture = (url: string, picture: SimulatorPicture) => {
    pictures.set(url, picture);
    if (pictures.size > PICTURES_KEPT) pictures.delete(pictures.keys().next().value!);
  };

  const sentAfter = options.sentAfterMs ?? 300;
  const deliveredAfter = options.deliveredAfterMs ?? 900;
  const sendDelay = options.sendDelayMs ?? 0;
  let sink: ProviderSink | null = null;
  /** Set by close() (the database may close next): a batch of reports under way stops handing them on. */
  let closed = false;
  const listeners = new Set<(m: SimulatorMessage) => void>();

  const notify = (m: SimulatorMessage) => listeners.forEach((l) => l(m));

  // One text is one insert and two or three status changes: prepared once, not rebuilt per text.
  const columns = `id, sid, idempotency_key as "idempotencyKey", direction, phone, our_address as "ourAddress", channel, body, status, error_code as "errorCode", created_at as "createdAt"`;
  const stmt = {
    insert: db.stmt(
      `insert into simulator_messages (sid, idempotency_key, direction, phone, our_address, channel, body, status, created_at)
       values (?, ?, 'to-phone', ?, ?, ?, ?, 'queued', ?) on conflict do nothing returning ${columns}`,
    ),
    setStatus: db.stmt(`update simulator_messages set status = ?, error_code = ? where sid = ? returning ${columns}`),
    setStatusQuietly: db.stmt(`update simulator_messages set status = ?, error_code = ? where sid = ?`),
    byKey: db.stmt(`select ${columns} from simulator_messages where idempotency_key = ?`),
    lastFromPhone: db.stmt(`select max(created_at) as at from simulator_messages where phone = ? and direction = 'from-phone' and channel = 'whatsapp'`),
    phones: db.stmt(`select phone, max(created_at) as "lastAt", count(*) as count from simulator_messages group by phone order by "lastAt" desc`),
  };

  /** The row as it now is, when someone is watching (the simulator page's live view); else it is not read back. */
  async function setStatus(tx: Db, sid: string, status: string, errorCode: string | null): Promise<SimulatorMessage | undefined> {
    if (!listeners.size) {
      await tx.run(stmt.setStatusQuietly, status, errorCode, sid);
      return undefined;
    }
    return tx.get<SimulatorMessage>(stmt.setStatus, status, errorCode, sid);
  }

  type Failure = (typeof FAILURES)[string];
  interface Report {
    sid: string;
    status: string;
    failure?: Failure;
    /** After "sent": the final report to schedule (delivered, or the number's failure). */
    next?: { failure?: Failure };
  }
  /**
   * Reports by due time: those due at the same millisecond share one timer, and a timer that fires
   * late (the event loop was busy) takes every batch already due with it, in one transaction.
   */
  const due = new Map<number, { reports: Report[]; cancel: () => void }>();

  function later(delay: number, report: Report) {
    const at = clock.now() + Math.max(0, delay);
    let batch = due.get(at);
    if (!batch) {
      batch = { reports: [], cancel: clock.setTimeout(() => deliverDueLogged(at), at - clock.now()) };
      due.set(at, batch);
    }
    batch.reports.push(report);
  }

  /** deliverDue from its timer, where nobody awaits it. */
  function deliverDueLogged(timerAt: number) {
    deliverDue(timerAt).catch((err: unknown) => errorLog.error('simulator: status reports failed', { error: err instanceof Error ? err.stack : String(err) }));
  }

  async function deliverDue(timerAt: number) {
    // A timer can fire a hair before the wall clock reaches its time: its own batch goes regardless.
    const upTo = Math.max(clock.now(), timerAt);
    const ready = [...due.keys()].filter((at) => at <= upTo).sort((a, b) => a - b);
    const batch: Report[] = [];
    for (const at of ready) {
      const entry = due.get(at)!;
      due.delete(at);
      entry.cancel();
      batch.push(...entry.reports);
    }
    if (!batch.length) return;
    // The simulator's own records of the whole batch in one transaction: a campaign's texts go out
    // hundreds per millisecond, so their reports come due together too.
    const watched = await db.tx(async (tx) => {
      const rows: SimulatorMessage[] = [];
      for (const r of batch) {
        const row = await setStatus(tx, r.sid, r.status, r.failure?.code ?? null);
        if (row) rows.push(row);
      }
      return rows;
    });
    watched.forEach(notify);
    for (const r of batch) if (r.next) later(deliveredAfter - sentAfter, finalReport(r.sid, r.next.failure));
    // Then the server hears them, in their order (a late timer's batch may hold a text's "sent"
    // and its "delivered"), in a transaction of its own: the sink's database work cannot join the
    // simulator's transaction above.
    if (sink && !closed) {
      await sink.receiveStatuses(
        batch.map((r) =>
          twilioStatusEvent({
            MessageSid: r.sid,
            MessageStatus: r.status,
            ...(r.failure ? { ErrorCode: r.failure.code, ErrorMessage: r.failure.message } : {}),
          }),
        ),
      );
    }
  }

  const finalReport = (sid: string, failure: Failure | undefined): Report => ({ sid, status: failure ? failure.status : 'delivered', failure });

  /** Moves one text along queued -> sent -> delivered (or its failure). */
  function progress(row: SimulatorMessage) {
    const failure = FAILURES[row.phone.slice(-4)];
    const age = clock.now() - row.createdAt;
    if (row.status === 'queued') {
      later(sentAfter - age, { sid: row.sid, status: 'sent', next: { failure } });
    } else if (row.status === 'sent') {
      later(deliveredAfter - age, finalReport(row.sid, failure));
    }
  }

  function receipt(row: SimulatorMessage): SendReceipt {
    return { providerMessageId: row.sid, status: 'sending', from: row.ourAddress };
  }

  interface Accepting {
    text: OutboundText;
    from: string;
    /** When send() was called: the hand-off, whenever the batch is written. */
    at: number;
    resolve(receipt: SendReceipt): void;
    reject(err: unknown): void;
  }
  /**
   * Texts handed over in the same moment (the dispatcher sends a batch concurrently) are recorded
   * in one transaction, at the end of the current microtask queue; each send resolves only once its
   * record is committed, so a receipt always means the simulator has the text.
   */
  let accepting: Accepting[] = [];

  function accept(text: OutboundText, from: string): Promise<SendReceipt> {
    return new Promise((resolve, reject) => {
      // recordAccepted settles every send's promise itself, failure included.
      if (!accepting.length) queueMicrotask(() => void recordAccepted());
      accepting.push({ text, from, at: clock.now(), resolve, reject });
    });
  }

  async function recordAccepted() {
    // Taken before the first await: sends arriving meanwhile start the next batch.
    const batch = accepting;
    accepting = [];
    let rows: { row: SimulatorMessage; fresh: boolean }[];
    try {
      rows = await db.tx(async (tx) => {
        const recorded: { row: SimulatorMessage; fresh: boolean }[] = [];
        for (const { text, from, at } of batch) {
          const inserted = await tx.get<SimulatorMessage>(stmt.insert, newSid('SM'), text.idempotencyKey, text.to, from, text.channel, text.body, at);
          // The same idempotency key is the same text: answer with the first one, send nothing new.
          recorded.push(inserted ? { row: inserted, fresh: true } : { row: (await tx.get<SimulatorMessage>(stmt.byKey, text.idempotencyKey))!, fresh: false });
        }
        return recorded;
      });
    } catch (err) {
      for (const a of batch) a.reject(err);
      return;
    }
    batch.forEach((a, i) => {
      const { row, fresh } = rows[i]!;
      if (fresh) {
        notify(row);
        progress(row);
      } else {
        options.log?.warn('simulator: a text handed over again (same idempotency key); not sent twice here, a provider without keys would have', {
          idempotencyKey: a.text.idempotencyKey,
          sid: row.sid,
        });
      }
      a.resolve(receipt(row));
    });
  }

  /**
   * WhatsApp's rule, as Twilio applies it: free text only within 24 hours of the phone's last
   * WhatsApp message to us (else Twilio's 63016); outside it only approved content, whose id must
   * look like a content SID (else 21656-like).
   */
  async function refuseOutsideWhatsappWindow(text: OutboundText): Promise<void> {
    if (text.channel !== 'whatsapp') return;
    if (text.content) {
      if (!/^HX[0-9a-fA-F]{32}$/.test(text.content.sid)) {
        throw new ProviderError({ kind: 'permanent', reason: 'UNKNOWN', code: '21656', message: 'The ContentSid is not a valid content id.' });
      }
      return;
    }
    const last = await db.get<{ at: number | null }>(stmt.lastFromPhone, text.to);
    if (!whatsappWindowOpenAt(last?.at ?? null, clock.now())) {
      throw new ProviderError({
        kind: 'permanent',
        reason: 'WINDOW_CLOSED',
        code: '63016',
        message: 'Failed to send freeform message because you are outside the allowed window. Please use a Template.',
      });
    }
  }

  const provider: Provider & {
    phoneMessages(phone: string, limit?: number): Promise<SimulatorMessage[]>;
    phones(): Promise<{ phone: string; lastAt: number; count: number }[]>;
    reply(phone: string, body: string, channel?: Channel, picture?: SimulatorPicture): Promise<SimulatorMessage>;
    received(phones?: string[], since?: number): Promise<SimulatorMessage[]>;
    onMessage(listener: (m: SimulatorMessage) => void): () => void;
  } = {
    name: 'simulator',
    // It answers "did key K go out?" exactly, and takes a whole batch at once (recorded in one transaction).
    handOff: { exactLookup: true, concurrency: 500, lookupGraceMs: 0 },
    keywordReplies: 'app',

    defaultFrom(channel) {
      return channel === 'whatsapp' ? options.whatsappFrom : options.smsFrom;
    },

    async send(text: OutboundText) {
      const failure = FAILURES[text.to.slice(-4)];
      if (failure?.at === 'send') {
        throw new ProviderError({ kind: 'permanent', reason: reasonForTwilioCode(failure.code), code: failure.code, message: failure.message });
      }
      await refuseOutsideWhatsappWindow(text);
      if (sendDelay > 0) await new Promise<void>((resolve) => clock.setTimeout(resolve, sendDelay));
      return accept(text, text.from ?? provider.defaultFrom(text.channel)!);
    },

    async findSent(text) {
      const row = await db.get<SimulatorMessage>(stmt.byKey, text.idempotencyKey);
      return row ? receipt(row) : null;
    },

    /** Stops the pending status reports (the database may close next); connect() resumes them from the table. */
    close() {
      closed = true;
      for (const entry of due.values()) entry.cancel();
      due.clear();
    },

    connect(s) {
      sink = s;
      closed = false;
      // Pick up texts whose status reports were still pending when the server stopped. connect()
      // is synchronous and the read is not: it resolves long before the first report is due
      // (sentAfterMs), and a failed read costs only those texts' simulated reports, so it is logged.
      db.orm
        .select()
        .from(simulatorMessages)
        .where(and(inArray(simulatorMessages.status, ['queued', 'sent']), eq(simulatorMessages.direction, 'to-phone')))
        .then((pending) => pending.forEach(progress))
        .catch((err: unknown) => errorLog.error('simulator: pending status reports could not be read', { error: String(err) }));
    },

    async phoneMessages(phone, limit = 200) {
      const rows = await db.orm.select().from(simulatorMessages).where(eq(simulatorMessages.phone, phone)).orderBy(desc(simulatorMessages.id)).limit(limit);
      return rows.reverse();
    },

    phones() {
      return db.all<{ phone: string; lastAt: number; count: number }>(stmt.phones);
    },

    /** A picture a phone sent (simulator://media/<sid>/0), as the provider's storage would give it back. */
    async fetchMedia(url) {
      const picture = pictures.get(url);
      if (!picture) throw new ProviderError({ kind: 'permanent', reason: 'UNKNOWN', code: 'MEDIA_GONE', message: 'The simulator no longer has this picture.' });
      return { contentType: picture.contentType, bytes: picture.bytes };
    },

    /** A person (or a test) answers from a phone, with a picture if they like. */
    async reply(phone, typed, channel, picture) {
      // What a network would carry: its own table (text on PostgreSQL) cannot hold U+0000 either.
      const body = withoutNul(typed);
      const last = await first(db.orm.select().from(simulatorMessages).where(eq(simulatorMessages.phone, phone)).orderBy(desc(simulatorMessages.id)));
      const via: Channel = channel ?? last?.channel ?? 'sms';
      const ourAddress = last && last.channel === via ? last.ourAddress : provider.defaultFrom(via)!;
      const [inserted] = await db.orm
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
        .returning();
      const row = inserted!;
      notify(row);
      const prefix = via === 'whatsapp' ? 'whatsapp:' : '';
      const mediaUrl = `simulator://media/${row.sid}/0`;
      if (picture) rememberPicture(mediaUrl, picture);
      const event = twilioInboundEvent({
        MessageSid: row.sid,
        AccountSid: 'ACsimulator',
        From: prefix + phone,
        To: prefix + ourAddress,
        Body: body,
        NumMedia: picture ? '1' : '0',
      });
      await sink?.receive(picture ? { ...event, media: [{ url: mediaUrl, contentType: picture.contentType }] } : event);
      return row;
    },

    async received(phones, since = 0) {
      const conditions = [eq(simulatorMessages.direction, 'to-phone'), gte(simulatorMessages.createdAt, since)];
      if (phones?.length) conditions.push(inArray(simulatorMessages.phone, phones));
      return db.orm
        .select()
        .from(simulatorMessages)
        .where(and(...conditions));
    },

    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return provider;
}

export type SimulatorProvider = ReturnType<typeof createSimulatorProvider>;

/** The simulator has phone pages of its own (routes/simulator.ts): only it can be narrowed to this. */
export function isSimulator(provider: Provider): provider is SimulatorProvider {
  return provider.name === 'simulator' && 'reply' in provider;
}
