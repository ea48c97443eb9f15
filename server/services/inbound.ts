/**
 * What comes back from a provider: candidates' texts and delivery reports, as events in the
 * product's terms (the provider's module reads its own webhooks or callbacks into them), through
 * this one pipeline. Every payload is logged raw; one seen before (the same provider message id,
 * and for a report the same status) is stored once and acted on once.
 */
import { eq } from 'drizzle-orm';
import { classifyKeyword } from '../../shared/keywords.js';
import { toE164 } from '../../shared/phone.js';
import { countSegments } from '../../shared/segments.js';
import type { Channel } from '../../shared/api.js';
import type { conversations } from '../db/schema.js';
import { first, type Db, type Stmt } from '../db/types.js';
import type { Deps } from '../deps.js';
import type { InboundTextEvent, ProviderEvent, StatusReportEvent } from '../providers/types.js';
import type { CandidateSync, Writer } from './candidate-sync.js';
import type { CandidateService } from './candidates.js';
import type { PhoneOptOuts } from './phone-opt-outs.js';
import { fromDriverRow, sqlColumns } from '../lib/sql-rows.js';
import { withoutNul } from '../lib/storable-text.js';
import { statusesBefore } from '../../shared/message-status.js';
import { MESSAGE_COLUMNS, messageJson, type MessageRow } from './message-json.js';
import type { MediaService } from './media.js';
import type { Outbox } from './outbox.js';
import type { Candidate, Organization } from './textability.js';

type ConversationRow = typeof conversations.$inferSelect;

/** A status report as the provider's module read it: what moves the text, and what is shown. */
type DeliveryReport = Pick<StatusReportEvent, 'status' | 'reason' | 'rawCode' | 'rawMessage' | 'from'>;

export interface InboundContext {
  org: Organization;
  candidate: Candidate;
  /** The candidate's conversation as this text left it (unread count included). */
  conversation: ConversationRow;
  message: MessageRow;
  /** A carrier keyword (STOP, START, HELP) was handled; nobody else should answer it. */
  keyword: boolean;
}

export interface InboundHooks {
  /**
   * Inside the transaction that records the text: what it writes commits with the text or not at
   * all, so an instance dying after the commit loses nothing. Returns the conversation if it changed it.
   */
  duringInbound?(tx: Db, context: InboundContext): Promise<ConversationRow | void>;
  /** Once the text is committed (not run if this instance dies first: nothing may depend on it). */
  afterInbound?(context: InboundContext): void | Promise<void>;
}

/** Carriers send E.164 already; only anything else needs the (slow) full parse. */
function normalizePhone(address: string): string | null {
  return /^\+[1-9]\d{7,14}$/.test(address) ? address : toE164(address);
}

/** Who writes the consent records of keywords: the candidate themselves. */
const CANDIDATE: Writer = { type: 'candidate', name: 'Candidate (text reply)' };

export function createInboundService(
  deps: Deps,
  services: { candidates: CandidateService; outbox: Outbox; sync: CandidateSync; optOuts: PhoneOptOuts; media: MediaService },
) {
  const { db, clock, events, log, provider } = deps;
  const { candidates, conversations, messages, organizations, webhookEvents } = db.t;
  const hooks: InboundHooks[] = [];

  // Delivery reports come one per text and status (two or three per text): their statements are
  // prepared once, not rebuilt by the query builder for every report.
  const stmt = {
    logInbound: db.stmt(
      `insert into webhook_events (provider, kind, dedupe_key, payload, org_id, phone, received_at) values (?, 'inbound', ?, ?, ?, ?, ?)
       on conflict do nothing returning id`,
    ),
    // A status report is logged under the organisation of the text it names (null when we have
    // no record of that text yet), in the same statement, with the provider's reading of it.
    logStatus: db.stmt(
      `insert into webhook_events (provider, kind, dedupe_key, payload, report, phone, org_id, received_at, message_key)
       values (?, 'status', ?, ?, ?, ?, (select org_id from messages where provider_sid = ?), ?, ?)
       on conflict do nothing returning org_id as "orgId"`,
    ),
    // Reports logged before their send was recorded (org_id still null), from whichever provider:
    // the conditions are those of their partial index, so it answers without reading any other report.
    earlyReports: db.stmt(`select report from webhook_events where kind = 'status' and org_id is null and dedupe_key >= ? and dedupe_key < ? order by id`),
    claimEarlyReports: db.stmt(`update webhook_events set org_id = ? where kind = 'status' and org_id is null and dedupe_key >= ? and dedupe_key < ?`),
    recruiterName: db.stmt(`select name from recruiters where id = ?`),
  };

  // The inbound path, prepared once: a reply costs a handful of statements, not a query build each.
  // Organisations' rows go through drizzle's conversions (fromDriverRow: they have boolean columns).
  const orgColumns = sqlColumns(organizations);
  const inbound = {
    orgByNumber: db.stmt(`select ${orgColumns} from organizations where sms_from = @address or whatsapp_from = @address limit 1`),
    orgByService: db.stmt(`select ${orgColumns} from organizations where messaging_service_sid = ? limit 1`),
    orgById: db.stmt(`select ${orgColumns} from organizations where id = ?`),
    lastOutboundOrg: db.stmt(`select org_id as "orgId" from messages where to_address = ? and direction = 'outbound' order by id desc limit 1`),
    anyCandidateOrg: db.stmt(`select org_id as "orgId" from candidates where phone = ? limit 1`),
    // The candidate with this phone, stamped with the time of their text in the same step
    // (candidates has no JSON or boolean column, so its raw rows need no mapping).
    candidateTexted: db.stmt(
      `update candidates set last_inbound_at = ?, updated_at = ?
       where id = (select id from candidates where org_id = ? and phone = ? order by updated_at desc limit 1)
       returning ${sqlColumns(candidates)}`,
    ),
    // The conversation exists from the first text on, and counts the unread reply in the same step.
    countUnread: db.stmt(
      `insert into conversations (org_id, candidate_id, created_at, unread_count, last_message_at) values (?, ?, ?, 1, ?)
       on conflict (candidate_id) do update set unread_count = conversations.unread_count + 1, last_message_at = excluded.last_message_at
       returning ${sqlColumns(conversations)}`,
    ),
    insertMessage: db.stmt(
      `insert into messages (org_id, candidate_id, direction, channel, body, encoding, segments, status, sender, from_address,
         to_address, provider_sid, priority, attempts, created_at, updated_at)
       values (?, ?, 'inbound', ?, ?, ?, ?, 'received', 'candidate', ?, ?, ?, 0, 0, ?, ?)
       on conflict do nothing returning ${MESSAGE_COLUMNS}`,
    ),
  };

  async function logInbound(tx: Db, source: string, event: InboundTextEvent, phone: string | null, orgId: number | null) {
    return !!(await tx.get(stmt.logInbound, source, event.providerMessageId, JSON.stringify(event.raw), orgId, phone, clock.now()));
  }

  /** One organisation by one of the statements above. */
  async function orgBy(tx: Db, statement: Stmt, ...params: [unknown] | [Record<string, unknown>]): Promise<Organization | undefined> {
    const raw = await tx.get<Record<string, unknown>>(statement, ...params);
    return raw ? fromDriverRow<Organization>(organizations, raw) : undefined;
  }

  /**
   * The organisation a text to `ourAddress` belongs to: by its own number, else by its sender pool
   * (a Messaging Service's numbers need not be on the organisation), else by who last texted that phone.
   */
  async function resolveOrg(batch: Batch, ourAddress: string, phone: string, serviceId: string | undefined): Promise<Organization | undefined> {
    const { tx, orgsByAddress } = batch;
    const cached = orgsByAddress.get(ourAddress);
    if (cached) return cached;
    const byNumber = await orgBy(tx, inbound.orgByNumber, { address: ourAddress });
    if (byNumber) orgsByAddress.set(ourAddress, byNumber);
    if (byNumber) return byNumber;
    const byService = serviceId ? await orgBy(tx, inbound.orgByService, serviceId) : undefined;
    if (byService) return byService;
    const other = (await tx.get<{ orgId: number }>(inbound.lastOutboundOrg, phone)) ?? (await tx.get<{ orgId: number }>(inbound.anyCandidateOrg, phone));
    return other ? orgBy(tx, inbound.orgById, other.orgId) : undefined;
  }

  /** The candidate who texted, their last-inbound time set to `now`. */
  async function findOrCreateCandidate(tx: Db, org: Organization, phone: string, channel: Channel, now: number): Promise<Candidate> {
    const existing = await tx.get<Candidate>(inbound.candidateTexted, now, now, org.id, phone);
    if (existing) return existing;
    // Someone the ATS doesn't know texted us: keep the text under a placeholder so nothing is lost
    // (an upsert of a candidate with this phone later takes the thread over). A number that opted
    // out, or was erased, stays opted out.
    const optOut = await services.optOuts.state(org, phone, tx);
    const [created] = await tx.orm
      .insert(candidates)
      .values({
        orgId: org.id,
        atsId: `phone:${phone}`,
        firstName: 'Unknown',
        lastName: phone,
        phone,
        channel,
        optedOutAt: optOut?.optedOutAt ?? null,
        optOutMethod: optOut?.method ?? null,
        lastInboundAt: now,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return created!;
  }

  /**
   * Whether we send the keyword's confirmation: when the provider leaves it to us, or for a
   * WhatsApp keyword the provider did not classify (its opt-out handling only answers WhatsApp
   * through a Messaging Service's Advanced Opt-Out, which then names the keyword).
   */
  function answersKeywords(event: InboundTextEvent): boolean {
    return provider.keywordReplies === 'app' || (event.channel === 'whatsapp' && event.keyword === undefined);
  }

  function confirmationText(org: Organization, action: 'opt-out' | 'opt-in' | 'help'): string {
    switch (action) {
      case 'opt-out':
        return `You have been unsubscribed from ${org.name} texts and will receive no further messages. Reply START to resubscribe.`;
      case 'opt-in':
        return `You are resubscribed to ${org.name} texts. Msg & data rates may apply. Reply STOP to unsubscribe, HELP for help.`;
      case 'help':
        return `${org.name} recruiting texts. Msg & data rates may apply. Reply STOP to unsubscribe or START to resubscribe. Questions? Reply here and your recruiter will answer.`;
    }
  }

  /** What recording one text left to do: nothing for a duplicate, else `after` once committed. */
  type Recorded = { duplicate: boolean; after?: () => Promise<void> };

  interface Received {
    source: string;
    event: InboundTextEvent;
    done(result: Recorded): void;
    fail(err: unknown): void;
  }

  /**
   * Group commit: texts that arrive together are recorded in one transaction (should one fail,
   * the batch is recorded again one text per transaction, so it fails alone), and each webhook
   * is answered only after the commit that made its text durable.
   */
  let queue: Received[] = [];
  function receiveInbound(source: string, event: InboundTextEvent): Promise<{ duplicate: boolean }> {
    return new Promise<Recorded>((done, fail) => {
      // The batch closes one turn of the event loop later than the first arrival, so that texts
      // whose requests were read in the next I/O poll share its commit.
      // flush() settles every item's promise itself (recordBatch turns each failure into a result).
      if (!queue.length) setImmediate(() => setImmediate(() => void flush()));
      queue.push({ source, event, done, fail });
    }).then(async ({ duplicate, after }) => {
      await after?.();
      return { duplicate };
    });
  }

  type Result = { ok: true; value: Recorded } | { ok: false; err: unknown };

  /**
   * One transaction's recording: its handle, and organisations by our number for its length
   * (read inside the transaction, so never stale; each batch has its own).
   */
  interface Batch {
    tx: Db;
    orgsByAddress: Map<string, Organization>;
  }

  /**
   * Items recorded in one write transaction (the body reads, then writes on what it read). The whole
   * batch goes in one, without a savepoint per text (two more statements each): a text whose
   * recording throws rolls the batch back, and the batch is then recorded one text per
   * transaction, so that one bad payload fails alone.
   */
  const recordIn = (items: Received[]): Promise<Recorded[]> =>
    db.tx(
      async (tx) => {
        const batch: Batch = { tx, orgsByAddress: new Map() };
        const recorded: Recorded[] = [];
        for (const item of items) recorded.push(await record(batch, item.source, item.event));
        return recorded;
      },
      // Races: two texts from one phone (on two instances) each creating its placeholder candidate, or
      // each opting it out and confirming; and a keyword crossing the ATS sync's write of that phone.
      // Duplicates of one text meet the unique key of webhook_events; the conversation's count is an upsert.
      {
        write: true,
        locks: items.flatMap((item) => {
          const phone = normalizePhone(item.event.from);
          return phone ? [['phone', phone] as const] : [];
        }),
      },
    );

  async function recordBatch(batch: Received[]): Promise<Result[]> {
    try {
      return (await recordIn(batch)).map((value) => ({ ok: true, value }));
    } catch (err) {
      if (batch.length === 1) return [{ ok: false, err }];
    }
    const results: Result[] = [];
    for (const item of batch) {
      try {
        results.push({ ok: true, value: (await recordIn([item]))[0]! });
      } catch (err) {
        results.push({ ok: false, err });
      }
    }
    return results;
  }

  /**
   * Records the queued texts and answers each. The queue is taken before the first await, so texts
   * arriving meanwhile start the next batch (its transaction waits for this one's).
   */
  async function flush() {
    const batch = queue;
    queue = [];
    const results = await recordBatch(batch);
    batch.forEach((item, i) => {
      const r = results[i]!;
      if (r.ok) item.done(r.value);
      else item.fail(r.err);
    });
  }

  /** Records one inbound text (inside the batch's transaction); returns what to do once it is committed. */
  async function record(batch: Batch, source: string, event: InboundTextEvent): Promise<Recorded> {
    const { tx } = batch;
    const sid = event.providerMessageId;
    const channel: Channel = event.channel;
    const phone = normalizePhone(event.from);
    const ourAddress = event.to;
    const org = phone ? await resolveOrg(batch, ourAddress, phone, event.serviceId) : undefined;
    if (!(await logInbound(tx, source, event, phone ?? event.from, org?.id ?? null))) return { duplicate: true };
    if (!phone || !org) {
      log.warn('inbound text for no known organisation', { sid, from: event.from, to: event.to });
      return { duplicate: false };
    }

    const body = event.body;
    const now = clock.now();
    // The provider's own reading first (it knows the keywords the account added, e.g. BAJA).
    const keyword = event.keyword ?? classifyKeyword(body);
    const outgoing: MessageRow[] = [];

    let candidate = await findOrCreateCandidate(tx, org, phone, channel, now);
    let conversation = fromDriverRow<ConversationRow>(
      conversations,
      (await tx.get<Record<string, unknown>>(inbound.countUnread, org.id, candidate.id, now, now))!,
    );
    const info = countSegments(body);
    const message = await tx.get<MessageRow>(
      inbound.insertMessage,
      org.id,
      candidate.id,
      channel,
      body,
      info.encoding,
      info.segments,
      phone,
      ourAddress || null,
      sid,
      now,
      now,
    );
    // Pictures and files with the text: recorded (pending) with it, fetched once it is committed.
    const media = message && event.media.length ? await services.media.record(tx, org.id, message.id, event.media, now) : [];

    let reply: 'opt-out' | 'opt-in' | 'help' | null = null;
    // The candidate's own word, recorded as consent history; opting out or in covers the phone
    // number for the whole organisation (every candidate row with it).
    const word = {
      source: `Replied ${body
        .trim()
        .replace(/[^\p{L}\p{N}]+/gu, '')
        .toUpperCase()}`,
      at: now,
    };
    let stateChanged = false;
    if (keyword === 'opt-out') {
      if (candidate.optedOutAt == null) {
        await services.sync.recordConsent(org, candidate, { status: 'revoked', ...word }, CANDIDATE, tx);
        stateChanged = true;
        reply = 'opt-out';
      }
    } else if (keyword === 'opt-in' && (candidate.optedOutAt != null || normalizedIsStart(body) || event.keyword === 'opt-in')) {
      await services.optOuts.optInByCandidate(org, phone, tx);
      await services.sync.recordConsent(org, candidate, { status: 'granted', ...word }, CANDIDATE, tx);
      stateChanged = true;
      reply = 'opt-in';
    } else if (keyword === 'help') {
      reply = 'help';
    }
    if (stateChanged) {
      candidate = (await first(tx.orm.select().from(candidates).where(eq(candidates.id, candidate.id))))!;
      // An opt-out ends any automated conversation at once.
      if (reply === 'opt-out') {
        const [ended] = await tx.orm
          .update(conversations)
          .set({ assistantActive: false, assistantWakeAt: null })
          .where(eq(conversations.id, conversation.id))
          .returning();
        conversation = ended!;
      }
    }
    if (reply && answersKeywords(event)) {
      outgoing.push(
        await services.outbox.enqueue({ org, candidate, body: confirmationText(org, reply), sender: 'system', idempotencyKey: `system:${sid}` }, tx),
      );
    }
    const handledAsKeyword = keyword === 'opt-out' || keyword === 'help' || reply === 'opt-in';
    if (message) {
      for (const hook of hooks) {
        conversation = (await hook.duringInbound?.(tx, { org, candidate, conversation, message, keyword: handledAsKeyword })) ?? conversation;
      }
    }
    const committed = candidate;
    const committedConversation = conversation;

    return {
      duplicate: false,
      after: async () => {
        if (media.length) await services.media.fetchPending();
        if (events.subscriberCount(org.id)) {
          if (message) events.publish(org.id, { type: 'message.created', data: messageJson(message, committed.atsId, undefined, media) });
          for (const row of outgoing) events.publish(org.id, { type: 'message.created', data: messageJson(row, committed.atsId) });
          events.publish(org.id, { type: 'candidate.updated', data: services.candidates.serialize(committed, org, committedConversation) });
        }
        if (outgoing.length) services.outbox.kick();
        if (stateChanged) log.info('candidate texting state changed by keyword', { candidate: committed.atsId, keyword });
        if (!message) return;
        for (const hook of hooks) {
          try {
            await hook.afterInbound?.({ org, candidate: committed, conversation: committedConversation, message, keyword: handledAsKeyword });
          } catch (err) {
            log.error('inbound hook failed', { error: err instanceof Error ? err.stack : String(err) });
          }
        }
      },
    };
  }

  async function receiveStatus(source: string, event: StatusReportEvent): Promise<{ duplicate: boolean; updated: boolean }> {
    const { duplicate, updated } = await logAndMove(db, source, event);
    if (updated) await afterMove(updated);
    return { duplicate, updated: !!updated };
  }

  /**
   * Reports that came together (a provider's batch: the simulator's texts go out hundreds per
   * millisecond and their reports come due together) logged and applied in one transaction, then
   * their events and hooks in order. Each report's statements stand alone (unique key, compare-and-set),
   * so if the batch fails as a whole (a deadlock on PostgreSQL), each is received on its own.
   */
  async function receiveStatuses(source: string, batch: StatusReportEvent[]): Promise<void> {
    let moved: MessageRow[];
    try {
      moved = await db.tx(
        async (tx) => {
          const rows: MessageRow[] = [];
          for (const event of batch) {
            const { updated } = await logAndMove(tx, source, event);
            if (updated) rows.push(updated);
          }
          return rows;
        },
        { write: true, locks: [] },
      );
    } catch (err) {
      log.warn('a batch of status reports failed as a whole; receiving them one by one', {
        reports: batch.length,
        error: err instanceof Error ? err.message : String(err),
      });
      for (const event of batch) await receiveStatus(source, event);
      return;
    }
    for (const row of moved) await afterMove(row);
  }

  /** Logs one report and moves its text's status; the row it moved, for afterMove once committed. */
  async function logAndMove(handle: Db, source: string, event: StatusReportEvent): Promise<{ duplicate: boolean; updated: MessageRow | null }> {
    const sid = event.providerMessageId;
    const report: DeliveryReport = {
      status: event.status,
      reason: event.reason,
      rawCode: event.rawCode,
      rawMessage: event.rawMessage,
      from: event.from ?? null,
    };
    const logged = await handle.get<{ orgId: number | null }>(
      stmt.logStatus,
      source,
      `${sid}:${event.rawStatus}`,
      JSON.stringify(event.raw),
      JSON.stringify(report),
      event.candidatePhone,
      sid,
      clock.now(),
      // Our key for the text, echoed by the provider: the outbox's exact evidence that it was created.
      event.messageKey ?? null,
    );
    if (!logged) return { duplicate: true, updated: null };
    // A report can beat our own record of the send: it stays logged and is applied once the
    // send is recorded (see applyEarlyReports).
    if (logged.orgId == null) return { duplicate: false, updated: null };
    return { duplicate: false, updated: await moveStatus(handle, { sid }, report) };
  }

  /** Moves a text's status forward (never back) from one report; true if it changed. */
  async function applyStatus(row: MessageRow, report: DeliveryReport): Promise<boolean> {
    if (row.direction !== 'outbound') return false;
    return moveAndTell({ id: row.id }, report);
  }

  async function moveAndTell(text: { id: number } | { sid: string }, report: DeliveryReport): Promise<boolean> {
    const updated = await moveStatus(db, text, report);
    if (updated) await afterMove(updated);
    return !!updated;
  }

  // Compare-and-set: the status moves only forward from what it is at this instant (never back
  // when two reports race), by our id or by the provider's sid. One prepared statement per target
  // status (there are a handful), so the statuses it may move from are part of its SQL.
  const moves = new Map<string, Stmt | null>();
  function moveStatement(key: 'id' | 'provider_sid', status: string) {
    const name = `${key} ${status}`;
    if (!moves.has(name)) {
      const from = statusesBefore(status);
      moves.set(name, from.length ? db.stmt(moveStatusSql(key, from)) : null);
    }
    return moves.get(name)!;
  }

  /** The status move itself (the row it moved, or null); its event and hooks are afterMove's. */
  async function moveStatus(handle: Db, text: { id: number } | { sid: string }, report: DeliveryReport): Promise<MessageRow | null> {
    const move = 'id' in text ? moveStatement('id', report.status) : moveStatement('provider_sid', report.status);
    if (!move) return null;
    const params = {
      status: report.status,
      now: clock.now(),
      errorCode: report.rawCode,
      errorMessage: report.rawCode ? report.rawMessage : null,
      reason: report.reason,
      // The number a sender pool picked, when the report names it.
      from: report.from || null,
    };
    return (await handle.get<MessageRow>(move, { ...params, key: 'id' in text ? text.id : text.sid })) ?? null;
  }

  /** What a status move sets off once it is committed: the live event, then the hooks, in order. */
  async function afterMove(updated: MessageRow): Promise<void> {
    // Only a client listening on /api/events needs the candidate and the message's JSON.
    const candidate = events.subscriberCount(updated.orgId) ? await services.candidates.getById(updated.orgId, updated.candidateId) : undefined;
    if (candidate) {
      const recruiterName = updated.recruiterId != null ? (await db.get<{ name: string }>(stmt.recruiterName, updated.recruiterId))?.name : null;
      events.publish(updated.orgId, { type: 'message.updated', data: messageJson(updated, candidate.atsId, recruiterName) });
    }
    for (const hook of statusHooks) await hook(updated);
  }

  /** Reports that arrived before we had recorded the send they are about, applied now, in order. */
  async function applyEarlyReports(rows: MessageRow[]): Promise<void> {
    for (const row of rows) {
      if (!row.providerSid) continue;
      // Keys are `<provider message id>:<status>`: every report of this text sorts between these two.
      const reports = await db.all<Record<string, unknown>>(stmt.earlyReports, `${row.providerSid}:`, `${row.providerSid};`);
      let current = row;
      for (const raw of reports) {
        // A JSON column: text on SQLite, already parsed on PostgreSQL; the column's own conversion reads both.
        const { report } = fromDriverRow<{ report: DeliveryReport | null }>(webhookEvents, raw);
        if (report && (await applyStatus(current, report))) {
          current = (await first(db.orm.select().from(messages).where(eq(messages.id, row.id))))!;
        }
      }
      if (reports.length) await db.run(stmt.claimEarlyReports, row.orgId, `${row.providerSid}:`, `${row.providerSid};`);
    }
  }

  /** Run in order after each status move; each may be async and is awaited before the next. */
  const statusHooks: ((row: MessageRow) => void | Promise<void>)[] = [];

  return {
    /**
     * One event from a provider (its webhook route, or its in-process sink). A carrier cannot be
     * told no: a NUL character in what it sends (a body, a profile name) is dropped, not refused.
     */
    receive(source: string, received: ProviderEvent): Promise<{ duplicate: boolean }> {
      const event = withoutNul(received);
      return event.kind === 'inbound' ? receiveInbound(source, event) : receiveStatus(source, event);
    },
    /** Status reports that came together, in one transaction (see receiveStatuses). */
    receiveStatuses(source: string, batch: StatusReportEvent[]): Promise<void> {
      return receiveStatuses(source, batch.map(withoutNul));
    },
    /** Outbox hook (afterSettle): reports that beat the record of their send, applied now it exists. */
    applyEarlyReports,
    /** A status learnt otherwise than by report (reconciliation fetched it by provider id), applied by the same compare-and-set. */
    applyReport(providerMessageId: string, report: DeliveryReport): Promise<boolean> {
      return moveAndTell({ sid: providerMessageId }, report);
    },
    addHooks(h: InboundHooks) {
      hooks.push(h);
    },
    onStatusChange(fn: (row: MessageRow) => void | Promise<void>) {
      statusHooks.push(fn);
    },
  };
}

function moveStatusSql(key: 'id' | 'provider_sid', from: string[]): string {
  return `update messages set status = @status, updated_at = @now,
       delivered_at = case when @status in ('delivered', 'read') then coalesce(delivered_at, @now) else delivered_at end,
       sent_at = case when @status = 'sent' then coalesce(sent_at, @now) else sent_at end,
       error_code = coalesce(@errorCode, error_code),
       error_message = case when @errorCode is not null then @errorMessage else error_message end,
       failure_reason = coalesce(@reason, failure_reason),
       sent_from = coalesce(sent_from, @from)
     where ${key} = @key and direction = 'outbound' and status in (${from.map((s) => `'${s}'`).join(', ')})
     returning ${MESSAGE_COLUMNS}`;
}

function normalizedIsStart(body: string): boolean {
  return /^[^\p{L}\p{N}]*(start|unstop)[^\p{L}\p{N}]*$/iu.test(body);
}

export type InboundService = ReturnType<typeof createInboundService>;
