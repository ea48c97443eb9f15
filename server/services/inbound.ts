/**
 * What comes back from the provider: candidates' texts and delivery reports, from Twilio's
 * webhooks or the simulator, through this one pipeline. Every payload is logged raw; a payload
 * seen before (same MessageSid, same status) is stored once and acted on once.
 */
import { eq, sql } from 'drizzle-orm';
import { classifyKeyword } from '../../shared/keywords.js';
import { toE164 } from '../../shared/phone.js';
import { countSegments } from '../../shared/segments.js';
import type { Channel } from '../../shared/api.js';
import { candidates, conversations, messages, organizations, recruiters } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { ApiError } from '../lib/errors.js';
import type { ProviderPayload } from '../providers/types.js';
import type { CandidateSync, Writer } from './candidate-sync.js';
import type { CandidateService } from './candidates.js';
import type { PhoneOptOuts } from './phone-opt-outs.js';
import { fromDriverRow, sqlColumns } from '../lib/sql-rows.js';
import { MESSAGE_COLUMNS, messageJson, statusesBefore, type MessageRow } from './message-json.js';
import type { Outbox } from './outbox.js';
import { mapTwilioStatus } from '../providers/twilio.js';
import type { Candidate, Organization } from './textability.js';

type ConversationRow = typeof conversations.$inferSelect;

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

const stripWhatsapp = (address: string) => address.replace(/^whatsapp:/i, '');

/** Carriers send E.164 already; only anything else needs the (slow) full parse. */
function normalizePhone(address: string): string | null {
  return /^\+[1-9]\d{7,14}$/.test(address) ? address : toE164(address);
}

/** Who writes the consent records of keywords: the candidate themselves. */
const CANDIDATE: Writer = { type: 'candidate', name: 'Candidate (text reply)' };

export function createInboundService(deps: Deps, services: { candidates: CandidateService; outbox: Outbox; sync: CandidateSync; optOuts: PhoneOptOuts }) {
  const { db, clock, events, log } = deps;
  const hooks: InboundHooks[] = [];
  const sqlite = db.$client;

  // Delivery reports come one per text and status (two or three per text): their statements are
  // prepared once, not rebuilt by the query builder for every report.
  const stmt = {
    logWebhook: sqlite.prepare(
      `insert into webhook_events (provider, kind, dedupe_key, payload, org_id, received_at) values (?, ?, ?, ?, ?, ?)
       on conflict do nothing returning id`,
    ),
    // A status report is logged under the organisation of the text it names (null when we have
    // no record of that text yet), in the same statement.
    logStatus: sqlite.prepare(
      `insert into webhook_events (provider, kind, dedupe_key, payload, org_id, received_at)
       values (?, 'status', ?, ?, (select org_id from messages where provider_sid = ?), ?)
       on conflict do nothing returning org_id as orgId`,
    ),
    // Reports logged before their send was recorded (org_id still null). Naming the providers lets
    // the dedupe index answer it; without them it would scan every report ever logged, per text.
    earlyReports: sqlite.prepare(
      `select payload from webhook_events where provider in ('twilio', ?) and kind = 'status' and dedupe_key >= ? and dedupe_key < ? and org_id is null order by id`,
    ),
    claimEarlyReports: sqlite.prepare(
      `update webhook_events set org_id = ? where provider in ('twilio', ?) and kind = 'status' and dedupe_key >= ? and dedupe_key < ?`,
    ),
  };

  // The inbound path, prepared once: a reply costs a handful of statements, not a query build each.
  const inbound = {
    orgByNumber: db
      .select()
      .from(organizations)
      .where(sql`${organizations.smsFrom} = ${sql.placeholder('address')} or ${organizations.whatsappFrom} = ${sql.placeholder('address')}`)
      .limit(1)
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

  function logWebhook(provider: string, kind: 'inbound' | 'status', dedupeKey: string, payload: ProviderPayload, orgId: number | null) {
    return !!stmt.logWebhook.get(provider, kind, dedupeKey, JSON.stringify(payload), orgId, clock.now());
  }

  /** The organisation a text to `ourAddress` belongs to: by its own number, else by who last texted that phone. */
  function resolveOrg(ourAddress: string, phone: string): Organization | undefined {
    const cached = orgsByAddress?.get(ourAddress);
    if (cached) return cached;
    const byNumber = inbound.orgByNumber.get({ address: ourAddress });
    if (byNumber) orgsByAddress?.set(ourAddress, byNumber);
    if (byNumber) return byNumber;
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
    provider: string;
    payload: ProviderPayload;
    done(result: Recorded): void;
    fail(err: unknown): void;
  }

  /**
   * Group commit: texts that arrive together are recorded in one transaction (should one fail,
   * the batch is recorded again one text per transaction, so it fails alone), and each webhook
   * is answered only after the commit that made its text durable.
   */
  let queue: Received[] = [];
  function receiveInbound(provider: string, payload: ProviderPayload): Promise<{ duplicate: boolean }> {
    const sid = payload.MessageSid ?? payload.SmsSid;
    if (!sid || !payload.From) return Promise.reject(new ApiError(400, 'VALIDATION', 'An inbound message needs MessageSid and From.'));
    return new Promise<Recorded>((done, fail) => {
      // The batch closes one turn of the event loop later than the first arrival, so that texts
      // whose requests were read in the next I/O poll share its commit.
      if (!queue.length) setImmediate(() => setImmediate(flush));
      queue.push({ provider, payload, done, fail });
    }).then(async ({ duplicate, after }) => {
      await after?.();
      return { duplicate };
    });
  }

  type Result = { ok: true; value: Recorded } | { ok: false; err: unknown };
  // The whole batch in one transaction, without a savepoint per text (two more statements each):
  // a text whose recording throws rolls the batch back, and the batch is then recorded one text
  // per transaction, so that one bad payload fails alone.
  const recordAll = sqlite.transaction((batch: Received[]) => batch.map((item) => record(item.provider, item.payload)));
  const recordOne = sqlite.transaction((item: Received) => record(item.provider, item.payload));

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
  function record(provider: string, payload: ProviderPayload): Recorded {
    const sid = (payload.MessageSid ?? payload.SmsSid)!;
    const rawFrom = payload.From ?? '';
    const rawTo = payload.To ?? '';
    const channel: Channel = /^whatsapp:/i.test(rawFrom) ? 'whatsapp' : 'sms';
    const phone = normalizePhone(stripWhatsapp(rawFrom));
    const ourAddress = stripWhatsapp(rawTo);
    const org = phone ? resolveOrg(ourAddress, phone) : undefined;
    if (!logWebhook(provider, 'inbound', sid, payload, org?.id ?? null)) return { duplicate: true };
    if (!phone || !org) {
      log.warn('inbound text for no known organisation', { sid, from: rawFrom, to: rawTo });
      return { duplicate: false };
    }

    const body = payload.Body ?? '';
    const now = clock.now();
    const keyword = classifyKeyword(body);
    const outgoing: MessageRow[] = [];

    let candidate = findOrCreateCandidate(org, phone, channel, now);
    let conversation = fromDriverRow<ConversationRow>(conversations, inbound.countUnread.get(org.id, candidate.id, now, now) as Record<string, unknown>);
    const info = countSegments(body);
    const message = inbound.insertMessage.get(org.id, candidate.id, channel, body, info.encoding, info.segments, phone, ourAddress || null, sid, now, now) as
      MessageRow | undefined;

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
    } else if (keyword === 'opt-in' && (candidate.optedOutAt != null || normalizedIsStart(body))) {
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
    if (reply) {
      outgoing.push(services.outbox.enqueue({ org, candidate, body: confirmationText(org, reply), sender: 'system', idempotencyKey: `system:${sid}` }));
    }
    const handledAsKeyword = keyword === 'opt-out' || keyword === 'help' || reply === 'opt-in';
    const committed = candidate;
    const committedConversation = conversation;

    return {
      duplicate: false,
      after: async () => {
        if (events.subscriberCount(org.id)) {
          if (message) events.publish(org.id, { type: 'message.created', data: messageJson(message, committed.atsId) });
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

  async function receiveStatus(provider: string, payload: ProviderPayload): Promise<{ duplicate: boolean; updated: boolean }> {
    const sid = payload.MessageSid ?? payload.SmsSid;
    const providerStatus = payload.MessageStatus ?? payload.SmsStatus;
    if (!sid || !providerStatus) throw new ApiError(400, 'VALIDATION', 'A status report needs MessageSid and MessageStatus.');
    const logged = stmt.logStatus.get(provider, `${sid}:${providerStatus}`, JSON.stringify(payload), sid, clock.now()) as { orgId: number | null } | undefined;
    if (!logged) return { duplicate: true, updated: false };
    // A report can beat our own record of the send: it stays logged and is applied once the
    // send is recorded (see applyEarlyReports).
    if (logged.orgId == null) return { duplicate: false, updated: false };
    return { duplicate: false, updated: moveStatus({ sid }, payload) };
  }

  /** Moves a text's status forward (never back) from one report; true if it changed. */
  function applyStatus(row: MessageRow, payload: ProviderPayload): boolean {
    if (row.direction !== 'outbound') return false;
    return moveStatus({ id: row.id }, payload);
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

  function moveStatus(text: { id: number } | { sid: string }, payload: ProviderPayload): boolean {
    const status = mapTwilioStatus(payload.MessageStatus ?? payload.SmsStatus ?? '');
    const move = 'id' in text ? moveStatement('id', status) : moveStatement('provider_sid', status);
    if (!move) return false;
    const now = clock.now();
    const errorCode = payload.ErrorCode || null;
    const params = { status, now, errorCode, errorMessage: errorCode ? payload.ErrorMessage || describeCarrierError(errorCode) : null };
    const updated = move.get({ ...params, key: 'id' in text ? text.id : text.sid }) as MessageRow | undefined;
    if (!updated) return false;
    const row = updated;
    if (errorCode === '21610') services.optOuts.optOutCandidatePhone(row.orgId, row.candidateId, 'provider', now);
    // Only a client listening on /api/events needs the candidate and the message's JSON.
    const candidate = events.subscriberCount(row.orgId) ? services.candidates.getById(row.orgId, row.candidateId) : undefined;
    if (candidate) {
      const recruiterName =
        updated.recruiterId != null ? db.select({ name: recruiters.name }).from(recruiters).where(eq(recruiters.id, updated.recruiterId)).get()?.name : null;
      events.publish(row.orgId, { type: 'message.updated', data: messageJson(updated, candidate.atsId, recruiterName) });
      if (errorCode === '21610') {
        const org = db.select().from(organizations).where(eq(organizations.id, row.orgId)).get()!;
        events.publish(row.orgId, {
          type: 'candidate.updated',
          data: services.candidates.serialize(candidate, org, services.candidates.conversationOf(candidate.id)),
        });
      }
    }
    for (const hook of statusHooks) hook(updated);
    return true;
  }

  /** Reports that arrived before we had recorded the send they are about, applied now, in order. */
  function applyEarlyReports(rows: MessageRow[]) {
    for (const row of rows) {
      if (!row.providerSid) continue;
      const reports = stmt.earlyReports.all(deps.provider.name, `${row.providerSid}:`, `${row.providerSid};`) as { payload: string }[];
      let current = row;
      for (const report of reports) {
        if (applyStatus(current, JSON.parse(report.payload) as ProviderPayload)) {
          current = db.select().from(messages).where(eq(messages.id, row.id)).get()!;
        }
      }
      if (reports.length) {
        stmt.claimEarlyReports.run(row.orgId, deps.provider.name, `${row.providerSid}:`, `${row.providerSid};`);
      }
    }
  }

  services.outbox.addHooks({ afterSettle: applyEarlyReports });

  const statusHooks: ((row: MessageRow) => void)[] = [];

  return {
    receiveInbound,
    receiveStatus,
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
       error_message = case when @errorCode is not null then @errorMessage else error_message end
     where ${key} = @key and direction = 'outbound' and status in (${from.map((s) => `'${s}'`).join(', ')})
     returning ${MESSAGE_COLUMNS}`;
}

function normalizedIsStart(body: string): boolean {
  return /^[^\p{L}\p{N}]*(start|unstop)[^\p{L}\p{N}]*$/iu.test(body);
}

const CARRIER_ERRORS: Record<string, string> = {
  '30003': 'Unreachable destination handset (phone off or out of coverage).',
  '30004': 'Message blocked by the recipient or their carrier.',
  '30005': 'Unknown destination handset (the number may no longer exist).',
  '30006': 'Landline or unreachable carrier.',
  '30007': 'Filtered by the carrier as possible spam.',
  '30008': 'Unknown delivery error.',
  '21610': 'The recipient has unsubscribed (replied STOP to this number).',
  '21211': 'The number is not a valid phone number.',
  '63016': 'Outside the WhatsApp 24-hour window: only an approved template can be sent.',
};

export function describeCarrierError(code: string): string {
  return CARRIER_ERRORS[code] ?? `Delivery failed (provider error ${code}).`;
}

export type InboundService = ReturnType<typeof createInboundService>;
