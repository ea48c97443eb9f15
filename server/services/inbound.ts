/**
 * What comes back from a provider: candidates' texts and delivery reports, as events in the
 * product's terms (the provider's module reads its own webhooks or callbacks into them), through
 * this one pipeline. Every payload is logged raw; one seen before (the same provider message id,
 * and for a report the same status) is stored once and acted on once.
 */
import { eq, sql } from 'drizzle-orm';
import { classifyKeyword } from '../../shared/keywords.js';
import { toE164 } from '../../shared/phone.js';
import { countSegments } from '../../shared/segments.js';
import type { Channel } from '../../shared/api.js';
import { candidates, conversations, messages, organizations, recruiters } from '../db/schema.js';
import type { Deps } from '../deps.js';
import type { InboundTextEvent, ProviderEvent, StatusReportEvent } from '../providers/types.js';
import type { CandidateSync, Writer } from './candidate-sync.js';
import type { CandidateService } from './candidates.js';
import type { PhoneOptOuts } from './phone-opt-outs.js';
import { fromDriverRow, sqlColumns } from '../lib/sql-rows.js';
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
  const hooks: InboundHooks[] = [];
  const sqlite = db.$client;

  // Delivery reports come one per text and status (two or three per text): their statements are
  // prepared once, not rebuilt by the query builder for every report.
  const stmt = {
    logInbound: sqlite.prepare(
      `insert into webhook_events (provider, kind, dedupe_key, payload, org_id, phone, received_at) values (?, 'inbound', ?, ?, ?, ?, ?)
       on conflict do nothing returning id`,
    ),
    // A status report is logged under the organisation of the text it names (null when we have
    // no record of that text yet), in the same statement, with the provider's reading of it.
    logStatus: sqlite.prepare(
      `insert into webhook_events (provider, kind, dedupe_key, payload, report, phone, org_id, received_at, message_key)
       values (?, 'status', ?, ?, ?, ?, (select org_id from messages where provider_sid = ?), ?, ?)
       on conflict do nothing returning org_id as orgId`,
    ),
    // Reports logged before their send was recorded (org_id still null), from whichever provider:
    // the conditions are those of their partial index, so it answers without reading any other report.
    earlyReports: sqlite.prepare(
      `select report from webhook_events where kind = 'status' and org_id is null and dedupe_key >= ? and dedupe_key < ? order by id`,
    ),
    claimEarlyReports: sqlite.prepare(`update webhook_events set org_id = ? where kind = 'status' and org_id is null and dedupe_key >= ? and dedupe_key < ?`),
  };

  // The inbound path, prepared once: a reply costs a handful of statements, not a query build each.
  const inbound = {
    orgByNumber: db
      .select()
      .from(organizations)
      .where(sql`${organizations.smsFrom} = ${sql.placeholder('address')} or ${organizations.whatsappFrom} = ${sql.placeholder('address')}`)
      .limit(1)
      .prepare(),
    orgByService: db
      .select()
      .from(organizations)
      .where(eq(organizations.messagingServiceSid, sql.placeholder('service')))
      .prepare(),
    orgById: db
      .select()
      .from(organizations)
      .where(eq(organizations.id, sql.placeholder('id')))
      .prepare(),
    lastOutboundOrg: sqlite.prepare(`select org_id as orgId from messages where to_address = ? and direction = 'outbound' order by id desc limit 1`),
    anyCandidateOrg: sqlite.prepare(`select org_id as orgId from candidates where phone = ? limit 1`),
    // The candidate with this phone, stamped with the time of their text in the same step
    // (candidates has no JSON or boolean column, so its raw rows need no mapping).
    candidateTexted: sqlite.prepare(
      `update candidates set last_inbound_at = ?, updated_at = ?
       where id = (select id from candidates where org_id = ? and phone = ? order by updated_at desc limit 1)
       returning ${sqlColumns(candidates)}`,
    ),
    // The conversation exists from the first text on, and counts the unread reply in the same step.
    countUnread: sqlite.prepare(
      `insert into conversations (org_id, candidate_id, created_at, unread_count, last_message_at) values (?, ?, ?, 1, ?)
       on conflict (candidate_id) do update set unread_count = unread_count + 1, last_message_at = excluded.last_message_at
       returning ${sqlColumns(conversations)}`,
    ),
    insertMessage: sqlite.prepare(
      `insert into messages (org_id, candidate_id, direction, channel, body, encoding, segments, status, sender, from_address,
         to_address, provider_sid, priority, attempts, created_at, updated_at)
       values (?, ?, 'inbound', ?, ?, ?, ?, 'received', 'candidate', ?, ?, ?, 0, 0, ?, ?)
       on conflict do nothing returning ${MESSAGE_COLUMNS}`,
    ),
  };

  function logInbound(source: string, event: InboundTextEvent, phone: string | null, orgId: number | null) {
    return !!stmt.logInbound.get(source, event.providerMessageId, JSON.stringify(event.raw), orgId, phone, clock.now());
  }

  /**
   * The organisation a text to `ourAddress` belongs to: by its own number, else by its sender pool
   * (a Messaging Service's numbers need not be on the organisation), else by who last texted that phone.
   */
  function resolveOrg(ourAddress: string, phone: string, serviceId: string | undefined): Organization | undefined {
    const cached = orgsByAddress?.get(ourAddress);
    if (cached) return cached;
    const byNumber = inbound.orgByNumber.get({ address: ourAddress });
    if (byNumber) orgsByAddress?.set(ourAddress, byNumber);
    if (byNumber) return byNumber;
    const byService = serviceId ? inbound.orgByService.get({ service: serviceId }) : undefined;
    if (byService) return byService;
    const other = (inbound.lastOutboundOrg.get(phone) ?? inbound.anyCandidateOrg.get(phone)) as { orgId: number } | undefined;
    return other ? inbound.orgById.get({ id: other.orgId }) : undefined;
  }

  /** The candidate who texted, their last-inbound time set to `now`. */
  function findOrCreateCandidate(org: Organization, phone: string, channel: Channel, now: number): Candidate {
    const existing = inbound.candidateTexted.get(now, now, org.id, phone) as Candidate | undefined;
    if (existing) return existing;
    // Someone the ATS doesn't know texted us: keep the text under a placeholder so nothing is lost
    // (an upsert of a candidate with this phone later takes the thread over). A number that opted
    // out, or was erased, stays opted out.
    const optOut = services.optOuts.state(org, phone);
    return db
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
      .returning()
      .get();
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
      if (!queue.length) setImmediate(() => setImmediate(flush));
      queue.push({ source, event, done, fail });
    }).then(async ({ duplicate, after }) => {
      await after?.();
      return { duplicate };
    });
  }

  type Result = { ok: true; value: Recorded } | { ok: false; err: unknown };
  // The whole batch in one transaction, without a savepoint per text (two more statements each):
  // a text whose recording throws rolls the batch back, and the batch is then recorded one text
  // per transaction, so that one bad payload fails alone.
  const recordAll = sqlite.transaction((batch: Received[]) => batch.map((item) => record(item.source, item.event)));
  const recordOne = sqlite.transaction((item: Received) => record(item.source, item.event));

  function recordBatch(batch: Received[]): Result[] {
    try {
      return recordAll(batch).map((value) => ({ ok: true, value }));
    } catch (err) {
      if (batch.length === 1) return [{ ok: false, err }];
    }
    return batch.map((item): Result => {
      try {
        return { ok: true, value: recordOne(item) };
      } catch (err) {
        return { ok: false, err };
      }
    });
  }

  /** Organisations by our number, for the length of one batch (a batch is one transaction, so never stale). */
  let orgsByAddress: Map<string, Organization> | null = null;

  function flush() {
    const batch = queue;
    queue = [];
    orgsByAddress = new Map();
    const results = recordBatch(batch);
    orgsByAddress = null;
    batch.forEach((item, i) => {
      const r = results[i]!;
      if (r.ok) item.done(r.value);
      else item.fail(r.err);
    });
  }

  /** Records one inbound text (inside the batch's transaction); returns what to do once it is committed. */
  function record(source: string, event: InboundTextEvent): Recorded {
    const sid = event.providerMessageId;
    const channel: Channel = event.channel;
    const phone = normalizePhone(event.from);
    const ourAddress = event.to;
    const org = phone ? resolveOrg(ourAddress, phone, event.serviceId) : undefined;
    if (!logInbound(source, event, phone ?? event.from, org?.id ?? null)) return { duplicate: true };
    if (!phone || !org) {
      log.warn('inbound text for no known organisation', { sid, from: event.from, to: event.to });
      return { duplicate: false };
    }

    const body = event.body;
    const now = clock.now();
    // The provider's own reading first (it knows the keywords the account added, e.g. BAJA).
    const keyword = event.keyword ?? classifyKeyword(body);
    const outgoing: MessageRow[] = [];

    let candidate = findOrCreateCandidate(org, phone, channel, now);
    let conversation = fromDriverRow<ConversationRow>(conversations, inbound.countUnread.get(org.id, candidate.id, now, now) as Record<string, unknown>);
    const info = countSegments(body);
    const message = inbound.insertMessage.get(org.id, candidate.id, channel, body, info.encoding, info.segments, phone, ourAddress || null, sid, now, now) as
      MessageRow | undefined;
    // Pictures and files with the text: recorded (pending) with it, fetched once it is committed.
    const media = message && event.media.length ? services.media.record(org.id, message.id, event.media, now) : [];

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
        services.sync.recordConsent(org, candidate, { status: 'revoked', ...word }, CANDIDATE);
        stateChanged = true;
        reply = 'opt-out';
      }
    } else if (keyword === 'opt-in' && (candidate.optedOutAt != null || normalizedIsStart(body) || event.keyword === 'opt-in')) {
      services.optOuts.optInByCandidate(org, phone);
      services.sync.recordConsent(org, candidate, { status: 'granted', ...word }, CANDIDATE);
      stateChanged = true;
      reply = 'opt-in';
    } else if (keyword === 'help') {
      reply = 'help';
    }
    if (stateChanged) {
      candidate = db.select().from(candidates).where(eq(candidates.id, candidate.id)).get()!;
      // An opt-out ends any automated conversation at once.
      if (reply === 'opt-out') {
        conversation = db
          .update(conversations)
          .set({ assistantActive: false, assistantWakeAt: null })
          .where(eq(conversations.id, conversation.id))
          .returning()
          .get()!;
      }
    }
    if (reply && answersKeywords(event)) {
      outgoing.push(services.outbox.enqueue({ org, candidate, body: confirmationText(org, reply), sender: 'system', idempotencyKey: `system:${sid}` }));
    }
    const handledAsKeyword = keyword === 'opt-out' || keyword === 'help' || reply === 'opt-in';
    const committed = candidate;
    const committedConversation = conversation;

    return {
      duplicate: false,
      after: async () => {
        if (media.length) services.media.fetchPending();
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
    const sid = event.providerMessageId;
    const report: DeliveryReport = {
      status: event.status,
      reason: event.reason,
      rawCode: event.rawCode,
      rawMessage: event.rawMessage,
      from: event.from ?? null,
    };
    const logged = stmt.logStatus.get(
      source,
      `${sid}:${event.rawStatus}`,
      JSON.stringify(event.raw),
      JSON.stringify(report),
      event.candidatePhone,
      sid,
      clock.now(),
      // Our key for the text, echoed by the provider: the outbox's exact evidence that it was created.
      event.messageKey ?? null,
    ) as { orgId: number | null } | undefined;
    if (!logged) return { duplicate: true, updated: false };
    // A report can beat our own record of the send: it stays logged and is applied once the
    // send is recorded (see applyEarlyReports).
    if (logged.orgId == null) return { duplicate: false, updated: false };
    return { duplicate: false, updated: moveStatus({ sid }, report) };
  }

  /** Moves a text's status forward (never back) from one report; true if it changed. */
  function applyStatus(row: MessageRow, report: DeliveryReport): boolean {
    if (row.direction !== 'outbound') return false;
    return moveStatus({ id: row.id }, report);
  }

  // Compare-and-set: the status moves only forward from what it is at this instant (never back
  // when two reports race), by our id or by the provider's sid. One prepared statement per target
  // status (there are a handful), so the statuses it may move from are part of its SQL.
  const moves = new Map<string, ReturnType<typeof sqlite.prepare> | null>();
  function moveStatement(key: 'id' | 'provider_sid', status: string) {
    const name = `${key} ${status}`;
    if (!moves.has(name)) {
      const from = statusesBefore(status);
      moves.set(name, from.length ? sqlite.prepare(moveStatusSql(key, from)) : null);
    }
    return moves.get(name)!;
  }

  function moveStatus(text: { id: number } | { sid: string }, report: DeliveryReport): boolean {
    const move = 'id' in text ? moveStatement('id', report.status) : moveStatement('provider_sid', report.status);
    if (!move) return false;
    const now = clock.now();
    const params = {
      status: report.status,
      now,
      errorCode: report.rawCode,
      errorMessage: report.rawCode ? report.rawMessage : null,
      reason: report.reason,
      // The number a sender pool picked, when the report names it.
      from: report.from || null,
    };
    const updated = move.get({ ...params, key: 'id' in text ? text.id : text.sid }) as MessageRow | undefined;
    if (!updated) return false;
    // Only a client listening on /api/events needs the candidate and the message's JSON.
    const candidate = events.subscriberCount(updated.orgId) ? services.candidates.getById(updated.orgId, updated.candidateId) : undefined;
    if (candidate) {
      const recruiterName =
        updated.recruiterId != null ? db.select({ name: recruiters.name }).from(recruiters).where(eq(recruiters.id, updated.recruiterId)).get()?.name : null;
      events.publish(updated.orgId, { type: 'message.updated', data: messageJson(updated, candidate.atsId, recruiterName) });
    }
    for (const hook of statusHooks) hook(updated);
    return true;
  }

  /** Reports that arrived before we had recorded the send they are about, applied now, in order. */
  function applyEarlyReports(rows: MessageRow[]) {
    for (const row of rows) {
      if (!row.providerSid) continue;
      // Keys are `<provider message id>:<status>`: every report of this text sorts between these two.
      const reports = stmt.earlyReports.all(`${row.providerSid}:`, `${row.providerSid};`) as { report: string | null }[];
      let current = row;
      for (const { report } of reports) {
        if (report && applyStatus(current, JSON.parse(report) as DeliveryReport)) {
          current = db.select().from(messages).where(eq(messages.id, row.id)).get()!;
        }
      }
      if (reports.length) stmt.claimEarlyReports.run(row.orgId, `${row.providerSid}:`, `${row.providerSid};`);
    }
  }

  const statusHooks: ((row: MessageRow) => void)[] = [];

  return {
    /** One event from a provider (its webhook route, or its in-process sink). */
    receive(source: string, event: ProviderEvent): Promise<{ duplicate: boolean }> {
      return event.kind === 'inbound' ? receiveInbound(source, event) : receiveStatus(source, event);
    },
    /** Outbox hook (afterSettle): reports that beat the record of their send, applied now it exists. */
    applyEarlyReports,
    /** A status learnt otherwise than by report (reconciliation fetched it by provider id), applied by the same compare-and-set. */
    applyReport(providerMessageId: string, report: DeliveryReport): boolean {
      return moveStatus({ sid: providerMessageId }, report);
    },
    addHooks(h: InboundHooks) {
      hooks.push(h);
    },
    onStatusChange(fn: (row: MessageRow) => void) {
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
