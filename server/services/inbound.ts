/**
 * What comes back from the provider: candidates' texts and delivery reports, from Twilio's
 * webhooks or the simulator, through this one pipeline. Every payload is logged raw; a payload
 * seen before (same MessageSid, same status) is stored once and acted on once.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { classifyKeyword } from '../../shared/keywords.js';
import { toE164 } from '../../shared/phone.js';
import { countSegments } from '../../shared/segments.js';
import { candidates, conversations, messages, organizations, recruiters, webhookEvents, type Channel } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { ApiError } from '../lib/errors.js';
import type { ProviderPayload } from '../providers/types.js';
import type { CandidateService } from './candidates.js';
import { MESSAGE_COLUMNS, messageJson, statusesBefore, type MessageRow } from './message-json.js';
import type { Outbox } from './outbox.js';
import { mapTwilioStatus } from '../providers/twilio.js';
import type { Candidate, Organization } from './textability.js';

export interface InboundContext {
  org: Organization;
  candidate: Candidate;
  message: MessageRow;
  /** A carrier keyword (STOP, START, HELP) was handled; nobody else should answer it. */
  keyword: boolean;
}

export interface InboundHooks {
  afterInbound?(context: InboundContext): void | Promise<void>;
}

const stripWhatsapp = (address: string) => address.replace(/^whatsapp:/i, '');

export function createInboundService(deps: Deps, services: { candidates: CandidateService; outbox: Outbox }) {
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

  function logWebhook(provider: string, kind: 'inbound' | 'status', dedupeKey: string, payload: ProviderPayload, orgId: number | null) {
    return !!stmt.logWebhook.get(provider, kind, dedupeKey, JSON.stringify(payload), orgId, clock.now());
  }

  /** The organisation a text to `ourAddress` belongs to: by its own number, else by who last texted that phone. */
  function resolveOrg(ourAddress: string, phone: string): Organization | undefined {
    const byNumber = db
      .select()
      .from(organizations)
      .where(sql`${organizations.smsFrom} = ${ourAddress} or ${organizations.whatsappFrom} = ${ourAddress}`)
      .get();
    if (byNumber) return byNumber;
    const lastOutbound = db
      .select({ orgId: messages.orgId })
      .from(messages)
      .where(and(eq(messages.toAddress, phone), eq(messages.direction, 'outbound')))
      .orderBy(desc(messages.id))
      .limit(1)
      .get();
    if (lastOutbound) return db.select().from(organizations).where(eq(organizations.id, lastOutbound.orgId)).get();
    const anyCandidate = db.select({ orgId: candidates.orgId }).from(candidates).where(eq(candidates.phone, phone)).limit(1).get();
    return anyCandidate ? db.select().from(organizations).where(eq(organizations.id, anyCandidate.orgId)).get() : undefined;
  }

  function findOrCreateCandidate(org: Organization, phone: string, channel: Channel, now: number): Candidate {
    const existing = db
      .select()
      .from(candidates)
      .where(and(eq(candidates.orgId, org.id), eq(candidates.phone, phone)))
      .orderBy(desc(candidates.updatedAt))
      .limit(1)
      .get();
    if (existing) return existing;
    // Someone the ATS doesn't know texted us: keep the text under a placeholder so nothing is lost.
    return db
      .insert(candidates)
      .values({
        orgId: org.id,
        atsId: `phone:${phone}`,
        firstName: 'Unknown',
        lastName: phone,
        phone,
        channel,
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

  async function receiveInbound(provider: string, payload: ProviderPayload): Promise<{ duplicate: boolean }> {
    const sid = payload.MessageSid ?? payload.SmsSid;
    const rawFrom = payload.From ?? '';
    const rawTo = payload.To ?? '';
    if (!sid || !rawFrom) throw new ApiError(400, 'VALIDATION', 'An inbound message needs MessageSid and From.');
    const channel: Channel = /^whatsapp:/i.test(rawFrom) ? 'whatsapp' : 'sms';
    const phone = toE164(stripWhatsapp(rawFrom));
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
    let stateChanged = false;

    const { candidate, message, handledAsKeyword } = db.transaction(() => {
      let candidate = findOrCreateCandidate(org, phone, channel, now);
      const conversation = services.candidates.ensureConversation(org.id, candidate.id);
      const info = countSegments(body);
      const message = db
        .insert(messages)
        .values({
          orgId: org.id,
          candidateId: candidate.id,
          direction: 'inbound',
          channel,
          body,
          encoding: info.encoding,
          segments: info.segments,
          status: 'received',
          sender: 'candidate',
          fromAddress: phone,
          toAddress: ourAddress || null,
          providerSid: sid,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing()
        .returning()
        .get();

      const changes: Partial<Candidate> = { lastInboundAt: now, updatedAt: now };
      let reply: 'opt-out' | 'opt-in' | 'help' | null = null;
      if (keyword === 'opt-out') {
        if (candidate.optedOutAt == null) {
          Object.assign(changes, { optedOutAt: now, optOutMethod: 'keyword' });
          reply = 'opt-out';
        }
      } else if (keyword === 'opt-in' && (candidate.optedOutAt != null || normalizedIsStart(body))) {
        Object.assign(changes, { optedOutAt: null, optOutMethod: null });
        if (candidate.consentAt == null) Object.assign(changes, { consentAt: now, consentSource: 'sms-keyword' });
        reply = 'opt-in';
      } else if (keyword === 'help') {
        reply = 'help';
      }
      stateChanged = 'optedOutAt' in changes || 'consentAt' in changes;
      candidate = db.update(candidates).set(changes).where(eq(candidates.id, candidate.id)).returning().get();

      db.update(conversations)
        .set({
          unreadCount: sql`${conversations.unreadCount} + 1`,
          lastMessageAt: now,
          // An opt-out ends any automated conversation at once.
          ...(reply === 'opt-out' ? { assistantActive: false } : {}),
        })
        .where(eq(conversations.id, conversation.id))
        .run();

      if (reply) {
        outgoing.push(
          services.outbox.enqueue({
            org,
            candidate,
            body: confirmationText(org, reply),
            sender: 'system',
            idempotencyKey: `system:${sid}`,
          }),
        );
      }
      return { candidate, message, handledAsKeyword: keyword === 'opt-out' || keyword === 'help' || reply === 'opt-in' };
    });

    if (message) events.publish(org.id, { type: 'message.created', data: messageJson(message, candidate.atsId) });
    for (const row of outgoing) events.publish(org.id, { type: 'message.created', data: messageJson(row, candidate.atsId) });
    const conversation = services.candidates.conversationOf(candidate.id);
    events.publish(org.id, { type: 'candidate.updated', data: services.candidates.serialize(candidate, org, conversation) });
    if (outgoing.length) services.outbox.kick();
    if (stateChanged) log.info('candidate texting state changed by keyword', { candidate: candidate.atsId, keyword });

    if (message) {
      for (const hook of hooks) {
        try {
          await hook.afterInbound?.({ org, candidate, message, keyword: handledAsKeyword });
        } catch (err) {
          log.error('inbound hook failed', { error: err instanceof Error ? err.stack : String(err) });
        }
      }
    }
    return { duplicate: false };
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
    if (errorCode === '21610') {
      db.update(candidates)
        .set({ optedOutAt: now, optOutMethod: 'provider', updatedAt: now })
        .where(and(eq(candidates.id, row.candidateId), sql`${candidates.optedOutAt} is null`))
        .run();
    }
    // Only a client listening on /api/events needs the candidate and the message's JSON.
    const candidate = events.subscriberCount(row.orgId) ? services.candidates.getById(row.orgId, row.candidateId) : undefined;
    if (candidate) {
      const recruiterName = updated.recruiterId != null ? db.select({ name: recruiters.name }).from(recruiters).where(eq(recruiters.id, updated.recruiterId)).get()?.name : null;
      events.publish(row.orgId, { type: 'message.updated', data: messageJson(updated, candidate.atsId, recruiterName) });
      if (errorCode === '21610') {
        const org = db.select().from(organizations).where(eq(organizations.id, row.orgId)).get()!;
        events.publish(row.orgId, { type: 'candidate.updated', data: services.candidates.serialize(candidate, org, services.candidates.conversationOf(candidate.id)) });
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
