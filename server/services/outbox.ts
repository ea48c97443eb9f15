/**
 * The delivery engine's last stage, shared by every outbound text (recruiter, Ari, system
 * replies, campaigns): `messages` rows in status `queued` are the outbox.
 *
 * - Claims are one UPDATE ... RETURNING over due rows, so two processes on the same database
 *   file never take the same row (SQLite serialises writers).
 * - Each sender is held to its segments-per-second rate over any one-second window.
 * - A row is marked handed-off before the provider call. After a crash, a claimed row whose
 *   lease ran out is re-queued if it never reached the provider; otherwise the provider is
 *   asked whether it went out, and if it cannot tell, the row becomes `unknown` for a person
 *   to review. Nothing is ever sent twice on a guess.
 * - While a batch is with the provider, the process renews its claims on the rows it still holds
 *   (matched by its claim token), so a slow provider never lets another process recover, and
 *   re-send, a text that is still on its way.
 * - A look-up's answer is never recorded against a provider id another message already has: that
 *   match tells nothing about this text, which is held as `unknown` instead.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { countSegments } from '../../shared/segments.js';
import type { Channel, Sender } from '../../shared/api.js';
import { candidates, organizations, recruiters, templates } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { OUTBOX_BATCH, OUTBOX_LEASE_RENEWALS, OUTBOX_MAX_ATTEMPTS, OUTBOX_RETRY_FIRST_MS, OUTBOX_RETRY_MOST_MS } from '../tuning.js';
import { PACING_HEADROOM, PACING_LATE_SLACK_MS, PACING_LOOKAHEAD_MS } from '../tuning.js';
import { planSlots, segmentInterval } from '../lib/pacer.js';
import { ProviderError, type FailureReason, type OutboundText, type SendReceipt } from '../providers/types.js';
import { MESSAGE_COLUMNS, messageJson, type MessageRow } from './message-json.js';
import { notTextableReason, REASON_MESSAGES, whatsappWindowOpen, type Candidate, type Organization } from './textability.js';

export const PRIORITY = { conversation: 0, campaign: 10 } as const;

export interface EnqueueInput {
  org: Organization;
  candidate: Candidate;
  body: string;
  sender: Sender;
  recruiterId?: number | null;
  templateId?: number | null;
  campaignId?: number | null;
  campaignMessageId?: number | null;
  idempotencyKey: string;
  priority?: number;
  dueAt?: number;
  validUntil?: number | null;
}

export interface OutboxHooks {
  /** Runs at the start of every round (the campaign stage turns due deliveries into messages). */
  beforeRound?(now: number): void;
  /** The earliest time the hook has work (so the dispatcher can sleep until then). */
  nextWakeAt?(now: number): number | null;
  /** After rows reached a settled state (sent, failed, unknown...). */
  afterSettle?(rows: MessageRow[]): void;
  /** A claimed row whose validity ran out before it could go: new times, or null to fail it. */
  reschedule?(row: MessageRow, now: number): { dueAt: number; validUntil: number | null } | null;
}

type Outcome =
  /** `lookedUp`: the receipt is the provider's answer to a look-up (findSent), not to the send itself. */
  | { kind: 'sent'; row: MessageRow; receipt: SendReceipt; lookedUp?: boolean }
  /** `reason`: the provider's failure in the product's terms; null for a refusal of our own (no longer textable...). */
  | { kind: 'failed'; row: MessageRow; code: string; message: string; reason: FailureReason | null }
  | { kind: 'retry'; row: MessageRow; dueAt: number; code: string; message: string }
  | { kind: 'requeue'; row: MessageRow; dueAt: number; validUntil: number | null }
  | { kind: 'unknown'; row: MessageRow; message?: string }
  | { kind: 'leave'; row: MessageRow };

const UNKNOWN_AFTER_STOP =
  'The server stopped while handing this text to the provider, and the provider cannot say whether it was sent. It will not be re-sent automatically.';
const UNKNOWN_LOOKUP_TAKEN =
  "The provider's look-up matched a text already recorded for another message, so whether this one was sent is not known. It will not be re-sent automatically.";

export function createOutbox(deps: Deps) {
  const { db, clock, provider, config, events, log } = deps;
  const sqlite = db.$client;
  const owner = randomUUID();
  const hooks: OutboxHooks[] = [];
  // Providers that can answer "did key K go out?" exactly let a whole batch be marked handed-off
  // at claim time; for the others each row is marked just before its own call.
  const { exactLookup, concurrency } = provider.handOff;

  let running = false;
  let again = false;
  let stopped = true;
  let cancelTimer: (() => void) | null = null;
  let wakeAt = Number.POSITIVE_INFINITY;
  let idle: Promise<void> = Promise.resolve();

  /**
   * Rows this process has claimed and not yet settled (a batch with the provider, or recovered
   * rows being looked up). Their leases are renewed every lease / OUTBOX_LEASE_RENEWALS while any
   * are held, so a provider slower than the lease does not make them look abandoned.
   */
  const held = new Set<number>();
  let cancelRenewal: (() => void) | null = null;
  const renewEveryMs = Math.max(1, Math.floor(config.dispatchLeaseMs / OUTBOX_LEASE_RENEWALS));

  function hold(rows: MessageRow[]) {
    for (const row of rows) held.add(row.id);
    if (held.size && !cancelRenewal) cancelRenewal = clock.setTimeout(renewLeases, renewEveryMs);
  }

  function release(rows: MessageRow[]) {
    for (const row of rows) held.delete(row.id);
    if (!held.size) {
      cancelRenewal?.();
      cancelRenewal = null;
    }
  }

  function renewLeases() {
    cancelRenewal = null;
    if (!held.size) return;
    const now = clock.now();
    try {
      stmt.renew.run(now + config.dispatchLeaseMs, owner, JSON.stringify([...held]));
    } catch (err) {
      // The next renewal tries again; two can be missed before a claim lapses.
      log.warn('claims could not be renewed', { texts: held.size, error: err instanceof Error ? err.message : String(err) });
    }
    cancelRenewal = clock.setTimeout(renewLeases, renewEveryMs);
  }

  const stmt = {
    dueSenders: sqlite.prepare(
      `select from_address as sender, min(priority) as priority from messages
       where status = 'queued' and due_at <= ? group by from_address order by 2`,
    ),
    dueForSender: sqlite.prepare(
      `select id, org_id as orgId, segments from messages where status = 'queued' and from_address is ? and due_at <= ?
       order by priority, due_at, id limit ?`,
    ),
    claim: sqlite.prepare(
      `update messages set status = 'sending', claim_token = ?, lease_until = ?, attempts = attempts + 1,
         handed_off_at = ?, updated_at = ?
       where status = 'queued' and id in (select value from json_each(?)) returning ${MESSAGE_COLUMNS}`,
    ),
    expired: sqlite.prepare(
      `update messages set claim_token = ?, lease_until = ?, updated_at = ?
       where id in (select id from messages where status = 'sending' and claim_token is not null and lease_until < ? limit 200)
       returning ${MESSAGE_COLUMNS}`,
    ),
    settle: sqlite.prepare(
      `update messages set status = ?, provider_sid = coalesce(?, provider_sid), from_address = coalesce(?, from_address),
         error_code = ?, error_message = ?, failure_reason = ?, sent_at = coalesce(?, sent_at), due_at = ?, valid_until = ?,
         claim_token = null, lease_until = null, handed_off_at = ?, updated_at = ?
       where id = ? and claim_token = ? returning ${MESSAGE_COLUMNS}`,
    ),
    markHandedOff: sqlite.prepare(`update messages set handed_off_at = ? where id = ? and claim_token = ?`),
    // Only rows still claimed with this process's token: one whose claim lapsed and was taken over
    // by another process carries that one's token and is left alone.
    renew: sqlite.prepare(`update messages set lease_until = ? where status = 'sending' and claim_token = ? and id in (select value from json_each(?))`),
    sidTaken: sqlite.prepare(`select id from messages where provider_sid = ? and id != ? limit 1`),
    nextDue: sqlite.prepare(`select min(due_at) as at from messages where status = 'queued'`),
    nextLease: sqlite.prepare(`select min(lease_until) as at from messages where status = 'sending' and claim_token is not null`),
    enqueue: sqlite.prepare(
      `insert into messages (org_id, candidate_id, direction, channel, body, encoding, segments, status, sender, recruiter_id, template_id,
         campaign_id, campaign_message_id, from_address, to_address, idempotency_key, priority, due_at, valid_until, created_at, updated_at)
       values (?, ?, 'outbound', ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning ${MESSAGE_COLUMNS}`,
    ),
  };
  // Per-row look-ups of the dispatcher, prepared once (the query builder would rebuild them per text).
  const lookup = {
    candidate: db
      .select()
      .from(candidates)
      .where(eq(candidates.id, sql.placeholder('id')))
      .prepare(),
    org: db
      .select()
      .from(organizations)
      .where(eq(organizations.id, sql.placeholder('id')))
      .prepare(),
  };

  // An organisation may send slower than the server's rate, never faster: SEND_RATE_PER_SECOND is
  // what the provider account allows, shared by every organisation on it.
  const rateFor = (org: Organization | undefined) => Math.min(org?.sendRatePerSecond ?? Infinity, config.sendRatePerSecond);

  function senderAddress(org: Organization, channel: Channel): string {
    const from = channel === 'whatsapp' ? org.whatsappFrom : org.smsFrom;
    return from ?? provider.defaultFrom(channel) ?? '';
  }

  /** Inserts one outbound text. Callers wrap it in their own transaction when it is part of more. */
  function enqueue(input: EnqueueInput): MessageRow {
    const now = clock.now();
    const info = countSegments(input.body);
    return stmt.enqueue.get(
      input.org.id,
      input.candidate.id,
      input.candidate.channel,
      input.body,
      info.encoding,
      info.segments,
      input.sender,
      input.recruiterId ?? null,
      input.templateId ?? null,
      input.campaignId ?? null,
      input.campaignMessageId ?? null,
      senderAddress(input.org, input.candidate.channel),
      input.candidate.phone,
      input.idempotencyKey,
      input.priority ?? PRIORITY.conversation,
      input.dueAt ?? now,
      input.validUntil ?? null,
      now,
      now,
    ) as MessageRow;
  }

  function outboundText(row: MessageRow, handedOffAt: number): OutboundText {
    return {
      to: row.toAddress ?? '',
      from: row.fromAddress || undefined,
      channel: row.channel,
      body: row.body,
      idempotencyKey: `te-msg-${row.id}`,
      validUntil: row.validUntil ?? undefined,
      handedOffAt,
    };
  }

  function backoff(attempts: number, retryAfterMs?: number): number {
    const base = Math.min(OUTBOX_RETRY_MOST_MS, OUTBOX_RETRY_FIRST_MS * 2 ** Math.max(0, attempts - 1));
    const jittered = base * (0.5 + Math.random() * 0.5);
    return Math.max(retryAfterMs ?? 0, Math.round(jittered));
  }

  /** Re-checks, at the moment of sending, everything that may have changed since queueing. */
  function refusal(row: MessageRow, candidate: Candidate | undefined, org: Organization | undefined) {
    if (!candidate || !org) return { code: 'NOT_FOUND', message: 'The candidate no longer exists.' };
    // System replies (the STOP confirmation, HELP) answer the candidate's own text and go regardless.
    if (row.sender === 'system') return candidate.phone ? null : { code: 'NO_MOBILE', message: REASON_MESSAGES.NO_MOBILE };
    const reason = notTextableReason(candidate, org);
    if (reason) return { code: reason, message: REASON_MESSAGES[reason] };
    if (!whatsappWindowOpen(candidate, clock.now()) && !isApprovedTemplate(row)) {
      return { code: 'WHATSAPP_WINDOW_CLOSED', message: REASON_MESSAGES.WHATSAPP_WINDOW_CLOSED };
    }
    return null;
  }

  function isApprovedTemplate(row: MessageRow): boolean {
    if (row.templateId == null) return false;
    const template = db.select().from(templates).where(eq(templates.id, row.templateId)).get();
    return !!template?.whatsappApproved;
  }

  /** `handedOver(at)` runs right after the provider call starts: the instant the rate limit counts. */
  async function deliver(row: MessageRow, lookups: Lookups, handedOver?: (at: number) => void): Promise<Outcome> {
    const now = clock.now();
    const candidate = lookups.candidate(row.candidateId);
    const org = lookups.org(row.orgId);
    const refused = refusal(row, candidate, org);
    if (refused) return { kind: 'failed', row, ...refused, reason: null };
    if (row.validUntil != null && now >= row.validUntil) {
      const next = hooks.map((h) => h.reschedule?.(row, now)).find(Boolean);
      if (next) return { kind: 'requeue', row, dueAt: next.dueAt, validUntil: next.validUntil };
      return { kind: 'failed', row, code: 'VALIDITY_EXPIRED', message: 'The texting window closed before it could be sent.', reason: 'EXPIRED' };
    }
    // Handed over only while this process still holds the row: if its claim lapsed (a slow batch)
    // and another process took it, that one sends it, never both.
    if (!exactLookup && stmt.markHandedOff.run(now, row.id, owner).changes !== 1) return { kind: 'leave', row };
    try {
      const sending = provider.send(outboundText(row, row.handedOffAt ?? now));
      handedOver?.(clock.now());
      const receipt = await sending;
      return { kind: 'sent', row, receipt };
    } catch (err) {
      if (err instanceof ProviderError) {
        if (err.maybeSent) return resolveAmbiguous(row, row.handedOffAt ?? now, err);
        if (err.kind === 'transient' && row.attempts < OUTBOX_MAX_ATTEMPTS) {
          return { kind: 'retry', row, dueAt: clock.now() + backoff(row.attempts, err.retryAfterMs), code: err.code, message: err.message };
        }
        return { kind: 'failed', row, code: err.code, message: err.message, reason: err.reason };
      }
      // Not a refusal we understand: it may or may not have gone out. Leave the claim to expire
      // so recovery asks the provider, rather than guessing either way.
      log.error('provider send threw unexpectedly', { messageId: row.id, error: String(err) });
      return { kind: 'leave', row };
    }
  }

  /** The provider may have it: ask, and only retry when it says it does not. */
  async function resolveAmbiguous(row: MessageRow, handedOffAt: number, err: ProviderError): Promise<Outcome> {
    let found: SendReceipt | null | 'unknown';
    try {
      found = await provider.findSent(outboundText(row, handedOffAt));
    } catch {
      found = 'unknown';
    }
    if (found === 'unknown') return { kind: 'unknown', row };
    if (found) return { kind: 'sent', row, receipt: found, lookedUp: true };
    if (row.attempts < OUTBOX_MAX_ATTEMPTS) {
      return { kind: 'retry', row, dueAt: clock.now() + backoff(row.attempts, err.retryAfterMs), code: err.code, message: err.message };
    }
    return { kind: 'failed', row, code: err.code, message: err.message, reason: err.reason };
  }

  /** A looked-up receipt whose provider id another message already has: that match is not this text. */
  function lookupTaken(o: Outcome): Outcome {
    if (!isLookedUp(o) || !stmt.sidTaken.get(o.receipt.providerMessageId, o.row.id)) return o;
    log.warn("a look-up matched another message's provider id; held for review", { messageId: o.row.id, providerMessageId: o.receipt.providerMessageId });
    return { kind: 'unknown', row: o.row, message: UNKNOWN_LOOKUP_TAKEN };
  }

  // Immediate: the look-up check reads before it writes, and must see what another process has
  // recorded up to the moment this one writes.
  const settleTx = sqlite.transaction((outcomes: Outcome[], now: number) => {
    const update = stmt.settle;
    const settled: MessageRow[] = [];
    for (const given of outcomes) {
      const o = lookupTaken(given);
      const r = o.row;
      let result: unknown;
      switch (o.kind) {
        case 'sent':
          result = update.get(
            o.receipt.status,
            o.receipt.providerMessageId,
            o.receipt.from || null,
            null,
            null,
            null,
            now,
            r.dueAt,
            r.validUntil,
            r.handedOffAt ?? now,
            now,
            r.id,
            owner,
          );
          break;
        case 'failed':
          result = update.get('failed', null, null, o.code, o.message, o.reason, null, r.dueAt, r.validUntil, r.handedOffAt, now, r.id, owner);
          break;
        case 'retry':
          result = update.get('queued', null, null, o.code, o.message, null, null, o.dueAt, r.validUntil, null, now, r.id, owner);
          break;
        case 'requeue':
          result = update.get('queued', null, null, null, null, null, null, o.dueAt, o.validUntil, null, now, r.id, owner);
          break;
        case 'unknown':
          result = update.get(
            'unknown',
            null,
            null,
            'DELIVERY_UNKNOWN',
            o.message ?? UNKNOWN_AFTER_STOP,
            null,
            null,
            r.dueAt,
            r.validUntil,
            r.handedOffAt,
            now,
            r.id,
            owner,
          );
          break;
        case 'leave':
          continue;
      }
      if (result) settled.push(result as MessageRow);
    }
    return settled;
  });
  const settle = (outcomes: Outcome[], now: number): MessageRow[] => settleTx.immediate(outcomes, now);

  /**
   * Settles a batch in one transaction; if one outcome cannot be written (say the provider gave
   * two texts the same id), the others are settled one by one rather than held back with it. The
   * one that still fails keeps its claim, which lapses, and recovery asks the provider again.
   */
  function settleAll(given: Outcome[], now: number): MessageRow[] {
    // The provider's own receipts first: a look-up that matched one of them then sees it taken.
    const outcomes = [...given.filter((o) => !isLookedUp(o)), ...given.filter(isLookedUp)];
    try {
      return settle(outcomes, now);
    } catch {
      const settled: MessageRow[] = [];
      for (const o of outcomes) {
        try {
          settled.push(...settle([o], now));
        } catch (err) {
          log.error('a text could not be settled; recovery will look at it again', {
            messageId: o.row.id,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
      return settled;
    }
  }

  async function recoverExpired(now: number, lookups: Lookups): Promise<void> {
    const rows = stmt.expired.all(owner, now + config.dispatchLeaseMs, now, now) as MessageRow[];
    if (!rows.length) return;
    hold(rows);
    try {
      after(settleAll(await recoveryOutcomes(rows, now), now), lookups);
    } finally {
      release(rows);
    }
  }

  async function recoveryOutcomes(rows: MessageRow[], now: number): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const row of rows) {
      if (row.handedOffAt == null) {
        outcomes.push({ kind: 'requeue', row, dueAt: now, validUntil: row.validUntil });
        continue;
      }
      let found: SendReceipt | null | 'unknown';
      try {
        found = await provider.findSent(outboundText(row, row.handedOffAt));
      } catch {
        found = 'unknown';
      }
      if (found === 'unknown') outcomes.push({ kind: 'unknown', row });
      else if (found) outcomes.push({ kind: 'sent', row, receipt: found, lookedUp: true });
      else outcomes.push({ kind: 'requeue', row, dueAt: now, validUntil: row.validUntil });
      log.warn('recovered a text claimed before a restart', { messageId: row.id, result: found === 'unknown' ? 'unknown' : found ? 'sent' : 'requeued' });
    }
    return outcomes;
  }

  interface Lookups {
    candidate(id: number): Candidate | undefined;
    org(id: number): Organization | undefined;
    atsId(candidateId: number): string;
    recruiterName(id: number | null): string | null;
  }

  function newLookups(): Lookups {
    const cands = new Map<number, Candidate | undefined>();
    const orgs = new Map<number, Organization | undefined>();
    const names = new Map<number, string | null>();
    return {
      candidate(id) {
        if (!cands.has(id)) cands.set(id, lookup.candidate.get({ id }));
        return cands.get(id);
      },
      org(id) {
        if (!orgs.has(id)) orgs.set(id, lookup.org.get({ id }));
        return orgs.get(id);
      },
      atsId(candidateId) {
        return this.candidate(candidateId)?.atsId ?? '';
      },
      recruiterName(id) {
        if (id == null) return null;
        if (!names.has(id)) names.set(id, db.select({ name: recruiters.name }).from(recruiters).where(eq(recruiters.id, id)).get()?.name ?? null);
        return names.get(id)!;
      },
    };
  }

  function after(settled: MessageRow[], lookups: Lookups) {
    if (!settled.length) return;
    for (const hook of hooks) hook.afterSettle?.(settled);
    for (const row of settled) {
      if (!events.subscriberCount(row.orgId)) continue;
      events.publish(row.orgId, { type: 'message.updated', data: messageJson(row, lookups.atsId(row.candidateId), lookups.recruiterName(row.recruiterId)) });
    }
  }

  // ── Pacing: each sender's next free slot, shared by every process through `sender_pacing`. ──
  const pacing = {
    get: sqlite.prepare(`select next_at as nextAt from sender_pacing where sender = ?`),
    set: sqlite.prepare(`insert into sender_pacing (sender, next_at) values (?, ?) on conflict (sender) do update set next_at = excluded.next_at`),
  };

  /**
   * Claims the sender's due texts whose slots fall within the look-ahead, and moves its next slot
   * past them, in one write transaction: two processes never hand out the same slot.
   */
  const claimPaced = sqlite.transaction((sender: string | null, now: number, lookups: Lookups) => {
    const rows = stmt.dueForSender.all(sender, now, OUTBOX_BATCH) as { id: number; orgId: number; segments: number }[];
    if (!rows.length) return [];
    const key = sender ?? '';
    const stored = pacing.get.get(key) as { nextAt: number } | undefined;
    const rate = rateFor(lookups.org(rows[0]!.orgId));
    const plan = planSlots({
      nextAt: stored?.nextAt ?? null,
      now,
      rate,
      headroom: PACING_HEADROOM,
      lookaheadMs: PACING_LOOKAHEAD_MS,
      segments: rows.map((r) => r.segments),
    });
    if (!plan.slots.length) return [];
    const slotOf = new Map(plan.slots.map((slot, i) => [rows[i]!.id, slot]));
    const claimed = stmt.claim.all(owner, now + config.dispatchLeaseMs, exactLookup ? now : null, now, JSON.stringify([...slotOf.keys()])) as MessageRow[];
    pacing.set.run(key, plan.nextAt);
    const gap = segmentInterval(rate, PACING_HEADROOM);
    return claimed.map((row) => ({ row, slot: slotOf.get(row.id)!, key, gap: gap * Math.max(1, row.segments) })).sort((a, b) => a.slot - b.slot);
  });

  /**
   * Each sender's hand-offs in this process, one after the other: a text goes at its slot, and
   * never sooner after the previous one than that one's segments allow. Timers that fire late
   * together (the event loop was busy) then still leave evenly, later, rather than in a burst.
   */
  const lanes = new Map<string, { tail: Promise<void>; nextFree: number }>();
  function handOffAt(key: string, slot: number, gap: number): Promise<void> {
    const lane = lanes.get(key) ?? { tail: Promise.resolve(), nextFree: 0 };
    lanes.set(key, lane);
    const turn = lane.tail.then(async () => {
      let due = Math.max(slot, lane.nextFree);
      await until(due);
      // Held up past its slot (a busy event loop, a database busy with the other process): the
      // neighbouring slots may be another process's, on time, so this text takes the sender's next
      // free slot instead of leaving late beside them. A few ms late counts as on time.
      for (let tries = 0; tries < PACING_RESLOT_TRIES && clock.now() > due + PACING_LATE_SLACK_MS; tries++) {
        due = reslot.immediate(key, clock.now(), gap);
        await until(due);
      }
      lane.nextFree = Math.max(due, clock.now() - PACING_LATE_SLACK_MS) + gap;
    });
    lane.tail = turn;
    return turn;
  }

  /** The sender's next free slot from now on, taken for one text of `gap` ms. */
  const reslot = sqlite.transaction((key: string, now: number, gap: number): number => {
    const slot = Math.ceil(Math.max((pacing.get.get(key) as { nextAt: number } | undefined)?.nextAt ?? now, now));
    pacing.set.run(key, slot + gap);
    return slot;
  });
  /** How often a text held up past its slot takes a new one before it goes anyway. */
  const PACING_RESLOT_TRIES = 3;

  /** Resolves at `at` on the injected clock (at once when it has passed). */
  function until(at: number): Promise<void> {
    const wait = at - clock.now();
    return wait > 0 ? new Promise((resolve) => clock.setTimeout(resolve, wait)) : Promise.resolve();
  }

  /** One round: recover, promote, claim each sender's texts whose slots are near, send each at its slot, record. */
  async function round(): Promise<number> {
    const now = clock.now();
    const lookups = newLookups();
    await recoverExpired(now, lookups);
    for (const hook of hooks) hook.beforeRound?.(now);

    // The time now, not the round's start: promoting deliveries above may have taken a while.
    const claimAt = clock.now();
    // Priority order within a sender (one-to-one texts first) comes from dueForSender.
    const batches = (stmt.dueSenders.all(claimAt) as { sender: string | null }[])
      .map(({ sender }) => claimPaced.immediate(sender, claimAt, lookups))
      .filter((batch) => batch.length);
    // Senders go side by side: one sender's wait for its slots never delays another's.
    await Promise.all(
      batches.map(async (batch) => {
        const claimed = batch.map((b) => b.row);
        hold(claimed);
        try {
          const outcomes = await mapConcurrent(batch, concurrency, async ({ row, slot, key, gap }) => {
            await handOffAt(key, slot, gap);
            return deliver(row, lookups);
          });
          after(settleAll(outcomes, clock.now()), lookups);
        } finally {
          release(claimed);
        }
      }),
    );
    return batches.reduce((n, batch) => n + batch.length, 0);
  }

  function nextWake(now: number): number {
    let at = now + config.dispatchIdlePollMs;
    const due = (stmt.nextDue.get() as { at: number | null }).at;
    if (due != null) {
      // Due rows whose sender's next slot is beyond the look-ahead wait for it; others go at once.
      at = Math.min(at, due > now ? due : nextSlotClaimAt(now));
    }
    // A claim is recoverable once its lease is strictly past (lease_until < now): a millisecond after it.
    const lease = (stmt.nextLease.get() as { at: number | null }).at;
    if (lease != null) at = Math.min(at, Math.max(now, lease + 1));
    for (const hook of hooks) {
      const t = hook.nextWakeAt?.(now);
      if (t != null) at = Math.min(at, Math.max(now, t));
    }
    return at;
  }

  /** When the first sender with due texts may claim again: its next slot minus the look-ahead. */
  function nextSlotClaimAt(now: number): number {
    let at = now + config.dispatchIdlePollMs;
    for (const { sender } of stmt.dueSenders.all(now) as { sender: string | null }[]) {
      const nextAt = (pacing.get.get(sender ?? '') as { nextAt: number } | undefined)?.nextAt ?? now;
      at = Math.min(at, Math.ceil(nextAt - PACING_LOOKAHEAD_MS));
    }
    return Math.max(now, at);
  }

  function schedule(at: number) {
    if (stopped) return;
    if (cancelTimer && at >= wakeAt) return;
    cancelTimer?.();
    wakeAt = at;
    cancelTimer = clock.setTimeout(() => {
      cancelTimer = null;
      wakeAt = Number.POSITIVE_INFINITY;
      void run();
    }, at - clock.now());
  }

  /**
   * Between two busy rounds, the event loop gets a turn: with an in-process provider (the
   * simulator) nothing in a round waits on I/O, so a long campaign would otherwise hold every
   * request, webhook and timer until its last text.
   */
  let endYield: (() => void) | null = null;
  function yieldToEventLoop(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        endYield = null;
        resolve();
      };
      const cancel = clock.setTimeout(done, 0);
      endYield = () => {
        cancel();
        done();
      };
    });
  }

  async function run(): Promise<void> {
    if (running) {
      again = true;
      return idle;
    }
    running = true;
    let resolve!: () => void;
    idle = new Promise((r) => (resolve = r));
    try {
      do {
        again = false;
        try {
          const handled = await round();
          if (handled > 0) again = true;
        } catch (err) {
          log.error('dispatcher round failed', { error: err instanceof Error ? err.stack : String(err) });
        }
        if (again && !stopped) await yieldToEventLoop();
      } while (again && !stopped);
    } finally {
      running = false;
      resolve();
    }
    if (!stopped) schedule(nextWake(clock.now()));
  }

  return {
    enqueue,
    senderAddress,
    addHooks(h: OutboxHooks) {
      hooks.push(h);
    },
    /** New work: run a round as soon as possible. */
    kick() {
      if (stopped) return;
      schedule(clock.now());
    },
    start() {
      stopped = false;
      schedule(clock.now());
    },
    async stop() {
      stopped = true;
      cancelTimer?.();
      cancelTimer = null;
      endYield?.();
      await idle;
    },
    /** Runs rounds until nothing more is due now (tests and benchmarks). */
    async drain(): Promise<void> {
      for (let i = 0; i < 100_000; i++) {
        const handled = await round();
        if (!handled) break;
      }
    },
    round,
  };
}

function isLookedUp(o: Outcome): o is Extract<Outcome, { kind: 'sent' }> {
  return o.kind === 'sent' && !!o.lookedUp;
}

async function mapConcurrent<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

export type Outbox = ReturnType<typeof createOutbox>;
