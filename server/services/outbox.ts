/**
 * The delivery engine's last stage, shared by every outbound text (recruiter, Ari, system
 * replies, campaigns): `messages` rows in status `queued` are the outbox.
 *
 * - Claims take due rows that no other process holds: SQLite serialises writers; PostgreSQL locks
 *   the sender's pacing row (one claimant per sender at a time, cluster-wide) and the due rows
 *   `for update skip locked`, so N instances share the due texts and never take the same one.
 * - Stopping (SIGTERM) releases at once the texts claimed but not yet handed to the provider
 *   (back to the queue, claim cleared), for another instance to send; those with the provider finish.
 * - Each sender is held to its segments-per-second rate over any one-second window.
 * - A row is marked handed-off before the provider call. After a crash, or an answer that leaves
 *   it open whether the provider has the text (a 5xx, a reset, a timeout), the row goes through
 *   one look-up chain before anything is re-sent: exact evidence first (a status report that
 *   carries the text's key), then the provider's look-up (findSent). Found: recorded as sent.
 *   Not found: asked again while the provider's look-up may still lag (`lookupGraceMs` after the
 *   hand-off: the row waits in `sending` with a `check_at`), then re-queued. Only a look-up that
 *   itself keeps failing leaves the row `unknown` for a person. Nothing is sent twice on a guess.
 * - Passing refusals (rate limits, outages) are retried with backoff until the text's validity
 *   ends (its texting window, or OUTBOX_RETRY_HORIZON_MS for a text without one), then it is
 *   rescheduled (campaigns) or fails EXPIRED. A refusal of the account itself (credentials)
 *   fails nothing: the text goes back to the queue untouched and sending pauses
 *   (sending-state.ts) until a probe of the account succeeds.
 * - While a batch is with the provider, the process renews its claims on the rows it still holds
 *   (matched by its claim token), so a slow provider never lets another process recover, and
 *   re-send, a text that is still on its way.
 * - A look-up's answer is never recorded against a provider id another message already has: that
 *   match tells nothing about this text, which is held as `unknown` instead.
 */
import { randomUUID } from 'node:crypto';
import { countSegments } from '../../shared/segments.js';
import type { Channel, Sender } from '../../shared/api.js';
import { chunks, statementsBySize } from '../db/multi-row.js';
import type { Db, Stmt } from '../db/types.js';
import type { Deps } from '../deps.js';
import { fromDriverRow, sqlColumns } from '../lib/sql-rows.js';
import {
  OUTBOX_BATCH,
  OUTBOX_LEASE_RENEWALS,
  OUTBOX_RETRY_FIRST_MS,
  OUTBOX_RETRY_HORIZON_MS,
  OUTBOX_RETRY_MOST_MS,
  HANDOFF_MARK_AHEAD_MS,
  PACING_HEADROOM,
  PACING_LATE_SLACK_MS,
  PACING_LOOKAHEAD_MS,
  RECONCILE_AFTER_MS,
  RECONCILE_MAX_LOOKUP_FAILURES,
  RECONCILE_RECHECK_FIRST_MS,
  RECONCILE_RECHECK_MOST_MS,
} from '../tuning.js';
import { planSlots, segmentInterval } from '../lib/pacer.js';
import { ProviderError, type FailureReason, type OutboundText, type SendReceipt } from '../providers/types.js';
import { MESSAGE_COLUMNS, messageJson, type MessageRow } from './message-json.js';
import type { SendingStateService } from './sending-state.js';
import { notTextableReason, REASON_MESSAGES, whatsappWindowOpen, type Candidate, type Organization } from './textability.js';

/** A row's frozen content variables: hand-written SQL returns the JSON column as its text, drizzle as the object. */
function contentVariablesOf(row: MessageRow): Record<string, string> {
  const stored = row.contentVariables as Record<string, string> | string | null;
  return typeof stored === 'string' ? (JSON.parse(stored) as Record<string, string>) : (stored ?? {});
}

export const PRIORITY = { conversation: 0, campaign: 10 } as const;

export interface EnqueueInput {
  org: Organization;
  candidate: Candidate;
  body: string;
  sender: Sender;
  recruiterId?: number | null;
  templateId?: number | null;
  /** A WhatsApp content send: the template's content id and its variables rendered for this candidate (frozen here). */
  content?: { sid: string; variables: Record<string, string> } | null;
  campaignId?: number | null;
  campaignMessageId?: number | null;
  idempotencyKey: string;
  priority?: number;
  dueAt?: number;
  validUntil?: number | null;
}

/** Every hook may be async; the dispatcher awaits each in turn, in the order they were added. */
export interface OutboxHooks {
  /** Runs at the start of every round (the campaign stage turns due deliveries into messages). */
  beforeRound?(now: number): void | Promise<void>;
  /** The earliest time the hook has work (so the dispatcher can sleep until then). */
  nextWakeAt?(now: number): number | null | Promise<number | null>;
  /** After rows reached a settled state (sent, failed, unknown...). */
  afterSettle?(rows: MessageRow[]): void | Promise<void>;
  /** A claimed row whose validity ran out before it could go: new times, or null to fail it. */
  reschedule?(row: MessageRow, now: number): Reschedule | null | Promise<Reschedule | null>;
  /** Asynchronous upkeep each round while sending is not paused (reconciliation of texts whose reports never came). */
  reconcile?(now: number): Promise<void>;
}

type Reschedule = { dueAt: number; validUntil: number | null };

type Outcome =
  /** `lookedUp`: the receipt is the provider's answer to a look-up (findSent), not to the send itself. */
  | { kind: 'sent'; row: MessageRow; receipt: SendReceipt; lookedUp?: boolean }
  /** `reason`: the provider's failure in the product's terms; null for a refusal of our own (no longer textable...). */
  | { kind: 'failed'; row: MessageRow; code: string; message: string; reason: FailureReason | null }
  | { kind: 'retry'; row: MessageRow; dueAt: number; code: string; message: string }
  | { kind: 'requeue'; row: MessageRow; dueAt: number; validUntil: number | null }
  | { kind: 'unknown'; row: MessageRow; message: string }
  /** The provider's look-up did not find it (yet), or failed: stays `sending` without a claim, asked again at `checkAt`. */
  | { kind: 'recheck'; row: MessageRow; handedOffAt: number; checkAt: number; lookups: number }
  /** The provider refused the account, not the text: back to the queue as it was (the try is not counted). */
  | { kind: 'paused'; row: MessageRow }
  /** This process is stopping before the text went to the provider: back to the queue as it was, for another instance. */
  | { kind: 'released'; row: MessageRow }
  | { kind: 'leave'; row: MessageRow };

/** What the look-up chain says about a text that may have reached the provider. */
type LookupAnswer =
  | { kind: 'found'; receipt: SendReceipt }
  | { kind: 'absent' }
  | { kind: 'unknown' }
  /** The provider has it, and it failed there (e.g. unsubscribed): that text's refusal. */
  | { kind: 'refused'; error: ProviderError };

const UNKNOWN_LOOKUP_FAILING = 'The provider could not be asked whether this text was sent (its look-up kept failing). It will not be re-sent automatically.';
const UNKNOWN_LOOKUP_TAKEN =
  "The provider's look-up matched a text already recorded for another message, so whether this one was sent is not known. It will not be re-sent automatically.";

export function createOutbox(deps: Deps, services: { sending: SendingStateService }) {
  const { db, clock, provider, config, events, log } = deps;
  const { sending } = services;
  const { candidates, organizations } = db.t;
  const owner = randomUUID();
  const hooks: OutboxHooks[] = [];
  // Providers that can answer "did key K go out?" exactly let a whole batch be marked handed-off
  // at claim time; for the others each row is marked just before its own call.
  const { exactLookup, concurrency, lookupGraceMs } = provider.handOff;

  let running = false;
  let again = false;
  let stopped = true;
  /** stop() was called: claimed texts not yet with the provider are released rather than sent. */
  let releasing = false;
  /** Hand-offs waiting for their slot; stop() wakes them, to release their texts at once. */
  const sleepers = new Set<() => void>();
  /** Claimed texts whose hand-off has not begun (waiting for their slot, or for a free provider call): what stop() releases. */
  const unsent = new Map<number, MessageRow>();
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
    if (held.size && !cancelRenewal) cancelRenewal = clock.setTimeout(renewLeasesSoon, renewEveryMs);
  }

  function release(rows: MessageRow[]) {
    for (const row of rows) held.delete(row.id);
    if (!held.size) {
      cancelRenewal?.();
      cancelRenewal = null;
    }
  }

  async function renewLeases() {
    cancelRenewal = null;
    if (!held.size) return;
    const now = clock.now();
    try {
      await db.run(stmt.renew, now + config.dispatchLeaseMs, owner, JSON.stringify([...held]));
    } catch (err) {
      // The next renewal tries again; two can be missed before a claim lapses.
      log.warn('claims could not be renewed', { texts: held.size, error: err instanceof Error ? err.message : String(err) });
    }
    // While the update ran, the last rows may have been released (no renewal then) or new ones
    // held (hold() then already set the next renewal): only one timer, and only while rows are held.
    if (held.size && !cancelRenewal) cancelRenewal = clock.setTimeout(renewLeasesSoon, renewEveryMs);
  }
  /** The renewal timer's callback: renewLeases logs its own failures, so nothing is left to reject. */
  function renewLeasesSoon() {
    void renewLeases();
  }

  const stmt = {
    dueSenders: db.stmt(
      `select from_address as sender, min(priority) as priority from messages
       where status = 'queued' and due_at <= ? group by from_address order by 2`,
    ),
    // PostgreSQL: rows another transaction holds (a settle, a campaign's removal) are skipped, not waited for.
    dueForSender: db.stmt(
      `select id, org_id as "orgId", segments from messages where status = 'queued' and from_address is ? and due_at <= ?
       order by priority, due_at, id limit ?`,
      `select id, org_id as "orgId", segments from messages where status = 'queued' and from_address is not distinct from ? and due_at <= ?
       order by priority, due_at, id limit ? for update skip locked`,
    ),
    claim: db.stmt(
      `update messages set status = 'sending', claim_token = ?, lease_until = ?, attempts = attempts + 1,
         handed_off_at = ?, updated_at = ?
       where status = 'queued' and id in (select value from json_each(?)) returning ${MESSAGE_COLUMNS}`,
      `update messages set status = 'sending', claim_token = ?, lease_until = ?, attempts = attempts + 1,
         handed_off_at = ?, updated_at = ?
       where status = 'queued' and id in (select json_array_elements_text(?::json)::bigint) returning ${MESSAGE_COLUMNS}`,
    ),
    // Two instances recovering at once take different rows: PostgreSQL skips the rows the other has
    // locked, and the outer condition is checked again on a row that changed meanwhile.
    expired: db.stmt(
      `update messages set claim_token = ?, lease_until = ?, updated_at = ?
       where id in (select id from messages where status = 'sending' and claim_token is not null and lease_until < ? limit 200)
       returning ${MESSAGE_COLUMNS}`,
      `update messages set claim_token = $1, lease_until = $2, updated_at = $3
       where status = 'sending' and claim_token is not null and lease_until < $4
         and id in (select id from messages where status = 'sending' and claim_token is not null and lease_until < $4 limit 200 for update skip locked)
       returning ${MESSAGE_COLUMNS}`,
    ),
    settle: db.stmt(
      `update messages set status = @status, provider_sid = coalesce(@providerSid, provider_sid), sent_from = coalesce(@sentFrom, sent_from),
         error_code = @errorCode, error_message = @errorMessage, failure_reason = @failureReason, sent_at = coalesce(@sentAt, sent_at),
         due_at = @dueAt, valid_until = @validUntil, claim_token = null, lease_until = null, handed_off_at = @handedOffAt,
         updated_at = @now, check_at = @checkAt, lookups = @lookups, attempts = attempts + @attemptsAdded
       where id = @id and claim_token = @owner returning ${MESSAGE_COLUMNS}`,
    ),
    // Handed-off texts the look-up did not find yet (no provider id), due to be asked again.
    claimRechecks: db.stmt(
      `update messages set claim_token = ?, lease_until = ?, updated_at = ?
       where id in (select id from messages where check_at is not null and check_at <= ? and claim_token is null
                      and status = 'sending' and provider_sid is null limit 200)
       returning ${MESSAGE_COLUMNS}`,
      `update messages set claim_token = $1, lease_until = $2, updated_at = $3
       where check_at <= $4 and claim_token is null and status = 'sending' and provider_sid is null
         and id in (select id from messages where check_at is not null and check_at <= $4 and claim_token is null
                      and status = 'sending' and provider_sid is null limit 200 for update skip locked)
       returning ${MESSAGE_COLUMNS}`,
    ),
    nextRecheck: db.stmt(
      `select min(check_at) as at from messages where check_at is not null and claim_token is null and status = 'sending' and provider_sid is null`,
    ),
    // A status report that carries the text's key (echoed by the provider): the id it has for it.
    evidence: db.stmt(`select dedupe_key as "dedupeKey" from webhook_events where message_key = ? and kind = 'status' order by id limit 1`),
    markHandedOff: db.stmt(`update messages set handed_off_at = ? where id = ? and claim_token = ?`),
    // Only rows still claimed with this process's token: one whose claim lapsed and was taken over
    // by another process carries that one's token and is left alone.
    renew: db.stmt(
      `update messages set lease_until = ? where status = 'sending' and claim_token = ? and id in (select value from json_each(?))`,
      `update messages set lease_until = ? where status = 'sending' and claim_token = ? and id in (select json_array_elements_text(?::json)::bigint)`,
    ),
    sidTaken: db.stmt(`select id from messages where provider_sid = ? and id != ? limit 1`),
    nextDue: db.stmt(`select min(due_at) as at from messages where status = 'queued'`),
    nextLease: db.stmt(`select min(lease_until) as at from messages where status = 'sending' and claim_token is not null`),
    enqueue: db.stmt(`${insertTexts(1)} returning ${MESSAGE_COLUMNS}`),
    // enqueueMany's one-row insert (SQLite: the id is the last insert rowid; RETURNING would cost a fifth of the insert).
    enqueueEach: db.stmt(insertTexts(1), `${insertTexts(1)} returning id`),
    messagesByIds: db.stmt(
      `select ${MESSAGE_COLUMNS} from messages where id in (select value from json_each(?))`,
      `select ${MESSAGE_COLUMNS} from messages where id in (select json_array_elements_text(?::json)::bigint)`,
    ),
  };
  /** enqueueMany on PostgreSQL: multi-row inserts (server/db/multi-row.ts), each row's id matched by its idempotency key. */
  const enqueueChunk = statementsBySize(db, (n) => `${insertTexts(n)} returning id, idempotency_key as "key"`);
  // Per-row look-ups of the dispatcher, prepared once (the query builder would rebuild them per
  // text); their rows go through drizzle's conversions (organisations have boolean columns).
  const lookup = {
    candidate: db.stmt(`select ${sqlColumns(candidates)} from candidates where id = ?`),
    org: db.stmt(`select ${sqlColumns(organizations)} from organizations where id = ?`),
    recruiterName: db.stmt(`select name from recruiters where id = ?`),
  };

  // An organisation may send slower than the server's rate, never faster: SEND_RATE_PER_SECOND is
  // what the provider account allows, shared by every organisation on it.
  const rateFor = (org: Organization | undefined) => Math.min(org?.sendRatePerSecond ?? Infinity, config.sendRatePerSecond);

  /**
   * Who a text goes from, the one rule (README "Senders"): the organisation's own sender if it has
   * one, else the environment's. SMS: its sender pool (Messaging Service), its number, then the
   * provider's default (which prefers the environment's pool); WhatsApp: its number, then the
   * environment's. The value is also the pacing key.
   */
  function senderAddress(org: Organization, channel: Channel): string {
    const own = channel === 'whatsapp' ? org.whatsappFrom : (org.messagingServiceSid ?? org.smsFrom);
    return own ?? provider.defaultFrom(channel) ?? '';
  }

  /**
   * Inserts one outbound text. Callers wrap it in their own transaction when it is part of more,
   * and then pass that transaction's handle as `via`.
   */
  async function enqueue(input: EnqueueInput, via: Db = db): Promise<MessageRow> {
    return (await via.get<MessageRow>(stmt.enqueue, ...textValues(input, clock.now())))!;
  }

  /**
   * Inserts outbound texts together (a campaign's promotion round): one call on SQLite, a
   * statement per 64 texts on PostgreSQL, rather than one per text. Their ids, in order; the rows
   * themselves, when needed, from messagesByIds. Keys must differ (they are unique per organisation).
   */
  async function enqueueMany(inputs: EnqueueInput[], via: Db = db): Promise<number[]> {
    const now = clock.now();
    if (via.engine !== 'pg')
      return via.insertEach(
        stmt.enqueueEach,
        inputs.map((input) => textValues(input, now)),
      );
    const ids = new Map<string, number>();
    for (const chunk of chunks(inputs)) {
      // RETURNING's order is not promised for a multi-row insert: each id is matched by its key.
      const rows = await via.all<{ id: number; key: string }>(enqueueChunk(chunk.length), ...chunk.flatMap((input) => textValues(input, now)));
      for (const row of rows) ids.set(row.key, Number(row.id));
    }
    return inputs.map((input) => ids.get(input.idempotencyKey)!);
  }

  /** The rows of texts by id (in no particular order). */
  function messagesByIds(ids: number[], via: Db = db): Promise<MessageRow[]> {
    return ids.length ? via.all<MessageRow>(stmt.messagesByIds, JSON.stringify(ids)) : Promise.resolve([]);
  }

  /** insertTexts()' values for one text, queued now. */
  function textValues(input: EnqueueInput, now: number) {
    const info = countSegments(input.body);
    return [
      input.org.id,
      input.candidate.id,
      input.candidate.channel,
      input.body,
      info.encoding,
      info.segments,
      input.sender,
      input.recruiterId ?? null,
      input.templateId ?? null,
      input.content?.sid ?? null,
      input.content ? JSON.stringify(input.content.variables) : null,
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
    ];
  }

  function outboundText(row: MessageRow, handedOffAt: number): OutboundText {
    return {
      to: row.toAddress ?? '',
      from: row.fromAddress || undefined,
      channel: row.channel,
      body: row.body,
      ...(row.contentSid && { content: { sid: row.contentSid, variables: contentVariablesOf(row) } }),
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

  /** Until when a passing refusal is retried: the text's validity, or the horizon for a text without one. */
  const retryBudgetEnd = (row: MessageRow) => row.validUntil ?? row.createdAt + OUTBOX_RETRY_HORIZON_MS;

  /** Its validity is over: the campaign's next texting window (reschedule hook), else failed EXPIRED. */
  async function expire(row: MessageRow, now: number, lastError?: string): Promise<Outcome> {
    let next: Reschedule | null | undefined = null;
    for (const hook of hooks) {
      next = await hook.reschedule?.(row, now);
      if (next) break;
    }
    if (next) return { kind: 'requeue', row, dueAt: next.dueAt, validUntil: next.validUntil };
    const why =
      row.validUntil == null
        ? 'The provider kept refusing it for as long as a text may wait, so it was not sent.'
        : 'The texting window closed before it could be sent.';
    const message = `${why}${lastError ? ` Last attempt: ${lastError}` : ''}`;
    return { kind: 'failed', row, code: 'VALIDITY_EXPIRED', message, reason: 'EXPIRED' };
  }

  /** A passing refusal: try again after the backoff, if that is still within the text's validity. */
  async function retryOrExpire(row: MessageRow, err: ProviderError): Promise<Outcome> {
    const now = clock.now();
    const dueAt = now + backoff(row.attempts, err.retryAfterMs);
    const end = retryBudgetEnd(row);
    // Rescheduled from the end of its validity: the window it was in is over for it.
    if (dueAt >= end) return expire(row, Math.max(now, end), err.message);
    log.info('provider refused a text for now; retrying', { messageId: row.id, code: err.code, inMs: dueAt - now });
    return { kind: 'retry', row, dueAt, code: err.code, message: err.message };
  }

  /**
   * Did the provider get this text? Exact evidence first (a report carrying its key, no list lag),
   * then the provider's look-up. A look-up the provider refuses for credentials pauses sending.
   */
  async function lookUp(row: MessageRow, handedOffAt: number): Promise<LookupAnswer> {
    const text = outboundText(row, handedOffAt);
    const evidence = await db.get<{ dedupeKey: string }>(stmt.evidence, text.idempotencyKey);
    if (evidence) {
      // Report keys are `<provider message id>:<status>`.
      const sid = evidence.dedupeKey.slice(0, evidence.dedupeKey.lastIndexOf(':'));
      return { kind: 'found', receipt: { providerMessageId: sid, status: 'sending', from: '' } };
    }
    try {
      const found = await provider.findSent(text);
      if (found === 'unknown') return { kind: 'unknown' };
      return found ? { kind: 'found', receipt: found } : { kind: 'absent' };
    } catch (err) {
      if (err instanceof ProviderError && err.kind === 'account') {
        await sending.pause(err.message);
        return { kind: 'unknown' };
      }
      if (err instanceof ProviderError && err.kind === 'permanent') return { kind: 'refused', error: err };
      log.warn('the provider look-up failed', { messageId: row.id, error: err instanceof Error ? err.message : String(err) });
      return { kind: 'unknown' };
    }
  }

  /**
   * The look-up's answer as an outcome. `absent`: after the grace (the provider's look-up may lag
   * behind what it created), `ifAbsent` (re-send); within it, asked again later. A look-up that
   * failed is asked again until RECONCILE_MAX_LOOKUP_FAILURES or the text's validity is over.
   */
  async function afterLookUp(row: MessageRow, handedOffAt: number, answer: LookupAnswer, ifAbsent: () => Promise<Outcome>): Promise<Outcome> {
    const now = clock.now();
    switch (answer.kind) {
      case 'found':
        return { kind: 'sent', row, receipt: answer.receipt, lookedUp: true };
      case 'refused':
        return { kind: 'failed', row, code: answer.error.code, message: answer.error.message, reason: answer.error.reason };
      case 'absent': {
        const graceEnds = handedOffAt + lookupGraceMs;
        if (now >= graceEnds) return ifAbsent();
        return { kind: 'recheck', row, handedOffAt, checkAt: Math.min(graceEnds, now + recheckDelay(now - handedOffAt)), lookups: row.lookups };
      }
      case 'unknown': {
        const lookups = row.lookups + 1;
        if (lookups >= RECONCILE_MAX_LOOKUP_FAILURES || now >= retryBudgetEnd(row)) return { kind: 'unknown', row, message: UNKNOWN_LOOKUP_FAILING };
        return { kind: 'recheck', row, handedOffAt, checkAt: now + recheckDelay(now - handedOffAt), lookups };
      }
    }
  }

  /** Roughly doubling: half the time since the hand-off, within the recheck bounds. */
  function recheckDelay(sinceHandOff: number): number {
    return Math.min(RECONCILE_RECHECK_MOST_MS, Math.max(RECONCILE_RECHECK_FIRST_MS, Math.round(sinceHandOff / 2)));
  }

  /** Re-checks, at the moment of sending, everything that may have changed since queueing. */
  function refusal(row: MessageRow, candidate: Candidate | undefined, org: Organization | undefined) {
    if (!candidate || !org) return { code: 'NOT_FOUND', message: 'The candidate no longer exists.' };
    // System replies (the STOP confirmation, HELP) answer the candidate's own text and go regardless.
    if (row.sender === 'system') return candidate.phone ? null : { code: 'NO_MOBILE', message: REASON_MESSAGES.NO_MOBILE };
    const reason = notTextableReason(candidate, org);
    if (reason) return { code: reason, message: REASON_MESSAGES[reason] };
    // Outside the window only approved content may go; the row carries it, frozen when queued.
    if (!whatsappWindowOpen(candidate, clock.now()) && !row.contentSid) {
      return { code: 'WHATSAPP_WINDOW_CLOSED', message: REASON_MESSAGES.WHATSAPP_WINDOW_CLOSED };
    }
    return null;
  }

  /** Why a claimed text must not go (refused, expired, or this process stopping), or null: it may. */
  async function mustNotGo(row: MessageRow, lookups: Lookups): Promise<Outcome | null> {
    const refused = refusal(row, await lookups.candidate(row.candidateId), await lookups.org(row.orgId));
    if (refused) return { kind: 'failed', row, ...refused, reason: null };
    const now = clock.now();
    if (row.validUntil != null && now >= row.validUntil) return expire(row, now);
    if (releasing) return { kind: 'released', row };
    return null;
  }

  /**
   * Marks a text handed over (all but the simulator's, whose look-up is exact) if this process
   * still holds it: if its claim lapsed (a slow batch) and another process took it, that one
   * sends it, never both. Done HANDOFF_MARK_AHEAD_MS before its slot, so at the slot nothing but
   * the request itself stands between the text and the provider (a write there would make it
   * late on a busy database); marking a little early only widens a later look-up's window.
   */
  async function markHandedOff(row: MessageRow, now: number): Promise<boolean> {
    if (exactLookup) return true;
    return (await db.run(stmt.markHandedOff, now, row.id, owner)).changes === 1;
  }

  /** Hands the text to the provider (marked handed over at `markedAt`, see markHandedOff) and reads its answer. */
  async function deliver(row: MessageRow, markedAt: number): Promise<Outcome> {
    const now = clock.now();
    // The slot came later than its validity (a long wait for a re-slot): not sent.
    if (row.validUntil != null && now >= row.validUntil) return expire(row, now);
    try {
      const receipt = await provider.send(outboundText(row, row.handedOffAt ?? markedAt));
      return { kind: 'sent', row, receipt };
    } catch (err) {
      if (err instanceof ProviderError) {
        if (err.kind === 'account') {
          await sending.pause(err.message);
          return { kind: 'paused', row };
        }
        if (err.maybeSent) return resolveAmbiguous(row, row.handedOffAt ?? markedAt, err);
        if (err.kind === 'transient') return retryOrExpire(row, err);
        return { kind: 'failed', row, code: err.code, message: err.message, reason: err.reason };
      }
      // Not a refusal we understand: it may or may not have gone out. Leave the claim to expire
      // so recovery asks the provider, rather than guessing either way.
      log.error('provider send threw unexpectedly', { messageId: row.id, error: String(err) });
      return { kind: 'leave', row };
    }
  }

  /** The provider may have it: ask, and only retry once it is clear it does not. */
  async function resolveAmbiguous(row: MessageRow, handedOffAt: number, err: ProviderError): Promise<Outcome> {
    return afterLookUp(row, handedOffAt, await lookUp(row, handedOffAt), () => retryOrExpire(row, err));
  }

  /** A looked-up receipt whose provider id another message already has: that match is not this text. */
  async function lookupTaken(tx: Db, o: Outcome): Promise<Outcome> {
    if (!isLookedUp(o) || !(await tx.get(stmt.sidTaken, o.receipt.providerMessageId, o.row.id))) return o;
    log.warn("a look-up matched another message's provider id; held for review", { messageId: o.row.id, providerMessageId: o.receipt.providerMessageId });
    return { kind: 'unknown', row: o.row, message: UNKNOWN_LOOKUP_TAKEN };
  }

  /** What settling a row may change (stmt.settle's named parameters, but for the row's id, owner and now). */
  interface SettleFields {
    providerSid: string | null;
    sentFrom: string | null;
    errorCode: string | null;
    errorMessage: string | null;
    failureReason: FailureReason | null;
    sentAt: number | null;
    dueAt: number | null;
    validUntil: number | null;
    handedOffAt: number | null;
    checkAt: number | null;
    lookups: number;
    attemptsAdded: number;
  }
  const SETTLE_DEFAULTS = {
    providerSid: null,
    sentFrom: null,
    errorCode: null,
    errorMessage: null,
    failureReason: null,
    sentAt: null,
    checkAt: null,
    attemptsAdded: 0,
  };

  // Each row is a compare-and-set on this process's claim token (stmt.settle), so settles need no
  // lock of their own. The look-up check reads before it writes: the provider ids of looked-up
  // outcomes are locked, so two processes never record one id for two messages (the unique index
  // on provider_sid is the backstop for the provider's own receipts).
  const settleIn = async (tx: Db, outcomes: Outcome[], now: number): Promise<MessageRow[]> => {
    const settled: MessageRow[] = [];
    for (const given of outcomes) {
      const o = await lookupTaken(tx, given);
      const r = o.row;
      /** The row as it settles: what changes, over what it keeps (its due time, validity, hand-off and look-ups). */
      const write = (status: MessageRow['status'], changes: Partial<SettleFields>) =>
        tx.get<MessageRow>(stmt.settle, {
          ...SETTLE_DEFAULTS,
          dueAt: r.dueAt,
          validUntil: r.validUntil,
          handedOffAt: r.handedOffAt,
          lookups: r.lookups,
          ...changes,
          status,
          now,
          id: r.id,
          owner,
        });
      let result: MessageRow | undefined;
      switch (o.kind) {
        case 'sent':
          result = await write(o.receipt.status, {
            providerSid: o.receipt.providerMessageId,
            sentFrom: o.receipt.from || null,
            sentAt: now,
            handedOffAt: r.handedOffAt ?? now,
            // The provider has it: if no final report comes, reconciliation asks for it by id.
            checkAt: provider.fetchStatus ? now + RECONCILE_AFTER_MS : null,
            lookups: 0,
          });
          break;
        case 'failed':
          result = await write('failed', { errorCode: o.code, errorMessage: o.message, failureReason: o.reason });
          break;
        case 'retry':
          result = await write('queued', { errorCode: o.code, errorMessage: o.message, dueAt: o.dueAt, handedOffAt: null, lookups: 0 });
          break;
        case 'requeue':
          result = await write('queued', { dueAt: o.dueAt, validUntil: o.validUntil, handedOffAt: null, lookups: 0 });
          break;
        case 'recheck':
          result = await write('sending', { handedOffAt: o.handedOffAt, checkAt: o.checkAt, lookups: o.lookups });
          break;
        case 'paused':
        case 'released':
          // As it was before the claim: due now, never handed over (the provider refused the request, or
          // this process stopped before it went), the try not counted.
          result = await write('queued', { errorCode: r.errorCode, errorMessage: r.errorMessage, handedOffAt: null, attemptsAdded: -1 });
          break;
        case 'unknown':
          result = await write('unknown', { errorCode: 'DELIVERY_UNKNOWN', errorMessage: o.message });
          break;
        case 'leave':
          continue;
      }
      if (result) settled.push(result);
    }
    return settled;
  };
  const settle = (outcomes: Outcome[], now: number): Promise<MessageRow[]> =>
    db.tx((tx) => settleIn(tx, outcomes, now), {
      write: true,
      // Race: two processes' look-ups matching one provider id for two messages.
      locks: outcomes.filter(isLookedUp).map((o) => ['providerSid', o.receipt.providerMessageId] as const),
    });

  /**
   * Settles a batch in one transaction; if one outcome cannot be written (say the provider gave
   * two texts the same id), the others are settled one by one rather than held back with it. The
   * one that still fails keeps its claim, which lapses, and recovery asks the provider again.
   */
  async function settleAll(given: Outcome[], now: number): Promise<MessageRow[]> {
    // The provider's own receipts first: a look-up that matched one of them then sees it taken.
    const outcomes = [...given.filter((o) => !isLookedUp(o)), ...given.filter(isLookedUp)];
    try {
      return await settle(outcomes, now);
    } catch {
      const settled: MessageRow[] = [];
      for (const o of outcomes) {
        try {
          settled.push(...(await settle([o], now)));
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
    const rows = await db.all<MessageRow>(stmt.expired, owner, now + config.dispatchLeaseMs, now, now);
    if (!rows.length) return;
    hold(rows);
    try {
      await after(await settleAll(await recoveryOutcomes(rows, now), now), lookups);
    } finally {
      release(rows);
    }
  }

  /**
   * Rows whose claim lapsed (a crash) or whose recheck is due: never handed over → re-queued;
   * otherwise the look-up chain decides (found, asked again later, re-queued, or unknown).
   */
  async function recoveryOutcomes(rows: MessageRow[], now: number): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const row of rows) {
      const handedOffAt = row.handedOffAt;
      if (handedOffAt == null) {
        outcomes.push({ kind: 'requeue', row, dueAt: now, validUntil: row.validUntil });
        continue;
      }
      const outcome = await afterLookUp(row, handedOffAt, await lookUp(row, handedOffAt), async () =>
        clock.now() >= retryBudgetEnd(row) ? expire(row, clock.now()) : { kind: 'requeue', row, dueAt: clock.now(), validUntil: row.validUntil },
      );
      outcomes.push(outcome);
      log.warn('looked up a text that may have reached the provider', { messageId: row.id, result: outcome.kind });
    }
    return outcomes;
  }

  /** Handed-off texts the look-up had not found yet: asked again now. */
  async function recheckDue(now: number, lookups: Lookups): Promise<void> {
    const rows = await db.all<MessageRow>(stmt.claimRechecks, owner, now + config.dispatchLeaseMs, now, now);
    if (!rows.length) return;
    hold(rows);
    try {
      await after(await settleAll(await recoveryOutcomes(rows, now), clock.now()), lookups);
    } finally {
      release(rows);
    }
  }

  /**
   * A round's look-ups, each read once per round. `via`: the transaction to read in, when a look-up
   * is needed inside one (claimPaced reads the sender's organisation for its rate).
   */
  interface Lookups {
    candidate(id: number): Promise<Candidate | undefined>;
    org(id: number, via?: Db): Promise<Organization | undefined>;
    atsId(candidateId: number): Promise<string>;
    recruiterName(id: number | null): Promise<string | null>;
  }

  function newLookups(): Lookups {
    // Promises, so texts of one batch handed over side by side share one read of their candidate.
    const cands = new Map<number, Promise<Candidate | undefined>>();
    const orgs = new Map<number, Promise<Organization | undefined>>();
    const names = new Map<number, Promise<string | null>>();
    const read = async <T>(via: Db, statement: Stmt, table: typeof candidates | typeof organizations, id: number) => {
      const raw = await via.get<Record<string, unknown>>(statement, id);
      return raw ? fromDriverRow<T>(table, raw) : undefined;
    };
    return {
      candidate(id) {
        if (!cands.has(id)) cands.set(id, read<Candidate>(db, lookup.candidate, candidates, id));
        return cands.get(id)!;
      },
      org(id, via = db) {
        if (!orgs.has(id)) orgs.set(id, read<Organization>(via, lookup.org, organizations, id));
        return orgs.get(id)!;
      },
      async atsId(candidateId) {
        return (await this.candidate(candidateId))?.atsId ?? '';
      },
      recruiterName(id) {
        if (id == null) return Promise.resolve(null);
        if (!names.has(id))
          names.set(
            id,
            db.get<{ name: string }>(lookup.recruiterName, id).then((r) => r?.name ?? null),
          );
        return names.get(id)!;
      },
    };
  }

  /**
   * Settled batches' hooks and events, one batch at a time: senders' batches settle side by side,
   * and the hooks (opt-outs, early reports, campaign numbers) read and then write, so two batches'
   * hooks must not interleave (they never did while they were synchronous).
   */
  let afterTail: Promise<void> = Promise.resolve();
  function after(settled: MessageRow[], lookups: Lookups): Promise<void> {
    if (!settled.length) return Promise.resolve();
    const turn = afterTail.then(async () => {
      for (const hook of hooks) await hook.afterSettle?.(settled);
      for (const row of settled) {
        if (!events.subscriberCount(row.orgId)) continue;
        const data = messageJson(row, await lookups.atsId(row.candidateId), await lookups.recruiterName(row.recruiterId));
        events.publish(row.orgId, { type: 'message.updated', data });
      }
    });
    // The next batch waits for this one, whether or not it failed (its caller hears the failure).
    afterTail = turn.catch(() => undefined);
    return turn;
  }

  // ── Pacing: each sender's next free slot, shared by every process through `sender_pacing`. ──
  const pacing = {
    // Read for update inside the write transactions below (reslot, shiftSchedule): two instances
    // reading the same next_at would hand out the same slot.
    get: db.stmt(`select next_at as "nextAt" from sender_pacing where sender = ?`, `select next_at as "nextAt" from sender_pacing where sender = ? for update`),
    // The claim's: the row exists (ensure), and another instance claiming this sender right now has
    // it locked, so this one skips the sender instead of waiting (it gets its turn next round).
    ensure: db.stmt(`insert into sender_pacing (sender, next_at) values (?, ?) on conflict (sender) do nothing`),
    take: db.stmt(
      `select next_at as "nextAt" from sender_pacing where sender = ?`,
      `select next_at as "nextAt" from sender_pacing where sender = ? for update skip locked`,
    ),
    peek: db.stmt(`select next_at as "nextAt" from sender_pacing where sender = ?`),
    // Callers pass whole milliseconds (next_at is a bigint on PostgreSQL); rounded here again all the same.
    set: db.stmt(
      `insert into sender_pacing (sender, next_at) values (?, ?) on conflict (sender) do update set next_at = excluded.next_at`,
      `insert into sender_pacing (sender, next_at) values (?, round(?::float8)::bigint) on conflict (sender) do update set next_at = excluded.next_at`,
    ),
  };

  /**
   * Claims the sender's due texts whose slots fall within the look-ahead, and moves its next slot
   * past them, in one write transaction: two processes never hand out the same slot.
   */
  async function claimPaced(sender: string | null, now: number, lookups: Lookups): Promise<PacedRow[]> {
    const key = sender ?? '';
    const claim = await db.tx(
      async (tx) => {
        // The sender's pacing row, locked (PostgreSQL): one claimant per sender cluster-wide, so one
        // schedule per sender. Another instance has it: skip the sender this round. Created on the
        // sender's first claim only (not a write in every claim).
        let stored = await tx.get<{ nextAt: number }>(pacing.take, key);
        if (!stored) {
          await tx.run(pacing.ensure, key, Math.ceil(now));
          stored = await tx.get<{ nextAt: number }>(pacing.take, key);
        }
        if (!stored) return null;
        const rows = await tx.all<{ id: number; orgId: number; segments: number }>(stmt.dueForSender, sender, now, OUTBOX_BATCH);
        if (!rows.length) return null;
        const rate = rateFor(await lookups.org(rows[0]!.orgId, tx));
        const plan = planSlots({
          nextAt: stored.nextAt,
          now,
          rate,
          headroom: PACING_HEADROOM,
          lookaheadMs: PACING_LOOKAHEAD_MS,
          segments: rows.map((r) => r.segments),
        });
        if (!plan.slots.length) return null;
        const slotOf = new Map(plan.slots.map((slot, i) => [rows[i]!.id, slot]));
        // The update returns its rows in no particular order (PostgreSQL): back to the queue's.
        const queueOrder = new Map(rows.map((r, i) => [r.id, i]));
        const claimed = (
          await tx.all<MessageRow>(stmt.claim, owner, now + config.dispatchLeaseMs, exactLookup ? now : null, now, JSON.stringify([...slotOf.keys()]))
        ).sort((a, b) => queueOrder.get(a.id)! - queueOrder.get(b.id)!);
        // Whole milliseconds (next_at is a bigint on PostgreSQL), the nearest: rounding up each claim
        // would lose up to a millisecond of the sender's rate per claim (~0.4% at 20 a second), and a
        // first slot up to half a millisecond early is far inside the headroom.
        const nextAt = Math.round(plan.nextAt);
        await tx.run(pacing.set, key, nextAt);
        return { claimed, slotOf, nextAt, gap: segmentInterval(rate, PACING_HEADROOM) };
      },
      // Races: two instances taking one text, or one slot (the pacing row and the due rows are row-locked above).
      { write: true, locks: [] },
    );
    if (!claim) return [];
    // The lane learns where this claim left the sender's schedule only once it is committed.
    claimed(key, claim.nextAt);
    return claim.claimed
      .map((row) => ({ row, slot: claim.slotOf.get(row.id)!, key, gap: claim.gap * Math.max(1, row.segments) }))
      .sort((a, b) => a.slot - b.slot);
  }
  interface PacedRow {
    row: MessageRow;
    /** When it may be handed over. */
    slot: number;
    /** Its sender's pacing key. */
    key: string;
    /** How long its segments hold the sender after it. */
    gap: number;
  }

  /**
   * Each sender's schedule as this process holds it. A text goes within PACING_LATE_SLACK_MS of a
   * time reserved for it in the shared schedule (its claimed slot, moved by the lane's `shift`,
   * or a new slot), never later: so no two texts of the sender, whichever process sends them,
   * leave closer together than their reservations allow (tuning.ts, PACING_HEADROOM).
   */
  interface Lane {
    /** The sender's next free slot as this process's last claim left it (null: changed since by a re-slot). */
    claimedEnd: number | null;
    /** How far this process's claimed slots have moved back since its last claim (shiftSchedule). */
    shift: number;
    /** Late texts are dealt with one at a time: the second may find the first's shift has made it on time. */
    late: Promise<unknown>;
  }
  const lanes = new Map<string, Lane>();
  function laneOf(key: string): Lane {
    let lane = lanes.get(key);
    if (!lane) lanes.set(key, (lane = { claimedEnd: null, shift: 0, late: Promise.resolve() }));
    return lane;
  }
  /** A claim committed: its slots are the lane's, unmoved (the previous claim's texts have all gone: rounds do not overlap). */
  function claimed(key: string, end: number) {
    const lane = laneOf(key);
    lane.claimedEnd = end;
    lane.shift = 0;
  }

  /**
   * Resolves true when the text may go: at its slot, or, held up past it (a busy event loop, a
   * database busy with another process), once it has a new reservation. When no other process
   * has claimed slots for this sender since this one did, this process's remaining slots all move
   * back by the delay (nothing is lost but the delay); otherwise the neighbouring slots may be
   * another's, on time, so the text takes the sender's next free slot. False: this process is
   * stopping, or the text stayed late through every try (it goes back to the queue).
   */
  async function handOffAt(key: string, slot: number, gap: number): Promise<boolean> {
    const lane = laneOf(key);
    /** Null while the text keeps its claimed slot (moved by the lane's shift); else its new slot. */
    let newSlot: number | null = null;
    const due = () => newSlot ?? slot + lane.shift;
    // An unpaced sender (no rate: gap 0) has no schedule to keep, so its texts are never late: a
    // slow round must not send them one re-slot transaction at a time.
    const onTime = () => gap === 0 || clock.now() <= due() + PACING_LATE_SLACK_MS;
    for (let tries = 0; ;) {
      // Waits again when a shift for an earlier text moved this one while it waited.
      for (let at = due(); ; at = due()) {
        await until(at);
        if (releasing) return false;
        if (due() === at) break;
      }
      if (onTime()) return true;
      if (tries++ >= PACING_RESLOT_TRIES) return false;
      const turn = lane.late.then(async () => {
        // Another late text's shift may have made this one on time (or due later) meanwhile.
        if (onTime() || due() > clock.now()) return;
        const now = clock.now();
        if (newSlot == null && lane.claimedEnd != null) {
          // Moved to a little after now: the shift's own transaction takes a few milliseconds, and
          // the text must still be on time when it ends.
          const delay = now - due() + PACING_LATE_SLACK_MS / 2;
          const end = await shiftSchedule(key, lane.claimedEnd, delay);
          if (end != null) {
            lane.claimedEnd = end;
            lane.shift += delay;
            return;
          }
        }
        lane.claimedEnd = null;
        newSlot = await reslot(key, clock.now(), gap);
      });
      lane.late = turn.catch(() => undefined);
      await turn;
    }
  }

  /** The sender's next free slot from now on, taken for one text of `gap` ms. */
  const reslot = (key: string, now: number, gap: number): Promise<number> =>
    db.tx(
      async (tx) => {
        const slot = Math.ceil(Math.max((await tx.get<{ nextAt: number }>(pacing.get, key))?.nextAt ?? now, now));
        await tx.run(pacing.set, key, Math.round(slot + gap));
        return slot;
      },
      // Race: two instances taking the same slot (the pacing row is locked for update by pacing.get).
      { write: true, locks: [] },
    );
  /** Moves the sender's next free slot back by `delay` if it is still where this process left it; the new one, else null. */
  const shiftSchedule = (key: string, expected: number, delay: number): Promise<number | null> =>
    db.tx(
      async (tx) => {
        const stored = (await tx.get<{ nextAt: number }>(pacing.get, key))?.nextAt;
        if (stored !== expected) return null;
        const shifted = Math.round(expected + delay);
        await tx.run(pacing.set, key, shifted);
        return shifted;
      },
      // Race: moving slots another instance has just handed out (the pacing row is locked for update by pacing.get).
      { write: true, locks: [] },
    );
  /** How often a text held up past its slot takes a new one before it goes anyway. */
  const PACING_RESLOT_TRIES = 3;

  /**
   * Resolves at `at` on the injected clock (at once when it has passed), rounded up to a whole
   * millisecond: a lane's schedule is kept exact (fractional gaps), the times it writes are not.
   */
  function until(at: number): Promise<void> {
    const wait = Math.ceil(at) - clock.now();
    if (wait <= 0 || releasing) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        sleepers.delete(wake);
        cancel();
        resolve();
      };
      const cancel = clock.setTimeout(wake, wait);
      sleepers.add(wake);
    });
  }

  /** One round: recover, promote, claim each sender's texts whose slots are near, send each at its slot, record. */
  async function round(): Promise<number> {
    const now = clock.now();
    const lookups = newLookups();
    await recoverExpired(now, lookups);
    for (const hook of hooks) await hook.beforeRound?.(now);
    // The provider refused the account: nothing is claimed (or looked up) until a probe succeeds.
    if ((await sending.isPaused()) && !(await sending.probeIfDue())) return 0;
    await recheckDue(now, lookups);
    for (const hook of hooks) await hook.reconcile?.(now);

    // The time now, not the round's start: promoting deliveries above may have taken a while.
    const claimAt = clock.now();
    // Priority order within a sender (one-to-one texts first) comes from dueForSender. One
    // transaction per sender: its claim and its slots.
    const batches: PacedRow[][] = [];
    for (const { sender } of await db.all<{ sender: string | null }>(stmt.dueSenders, claimAt)) {
      const batch = await claimPaced(sender, claimAt, lookups);
      if (batch.length) batches.push(batch);
    }
    // Senders go side by side: one sender's wait for its slots never delays another's.
    await Promise.all(
      batches.map(async (batch) => {
        const claimed = batch.map((b) => b.row);
        hold(claimed);
        for (const row of claimed) unsent.set(row.id, row);
        try {
          const held: Outcome[] = [];
          const going: PacedRow[] = [];
          for (const paced of batch) {
            const refused = await mustNotGo(paced.row, lookups);
            if (!refused) going.push(paced);
            // Unless stop() released it meanwhile (settled already).
            else if (unsent.delete(paced.row.id)) held.push(refused);
          }
          const outcomes = await mapConcurrent(going, concurrency, async ({ row, slot, key, gap }): Promise<Outcome> => {
            await until(slot - HANDOFF_MARK_AHEAD_MS);
            const markedAt = clock.now();
            // No longer this process's (its claim lapsed and another took it, or stop() released
            // it): the other sends it, or it is settled already.
            if (releasing || !(await markHandedOff(row, markedAt))) {
              unsent.delete(row.id);
              return { kind: 'leave', row };
            }
            // A database that refused a re-slot fails this text's turn only: it goes back to the queue.
            const go = await handOffAt(key, slot, gap).catch((err: unknown) => {
              log.warn('a late text could not take a new slot; it goes back to the queue', { messageId: row.id, error: String(err) });
              return false;
            });
            // Released by stop() meanwhile: settled already.
            if (!unsent.delete(row.id)) return { kind: 'leave', row };
            // Late through every re-slot (or no new slot to be had): back to the queue, for the next claim (the try not counted).
            if (!go) return { kind: 'released', row };
            return deliver(row, markedAt);
          });
          outcomes.push(...held);
          await after(await settleAll(outcomes, clock.now()), lookups);
        } finally {
          for (const row of claimed) unsent.delete(row.id);
          release(claimed);
        }
      }),
    );
    return batches.reduce((n, batch) => n + batch.length, 0);
  }

  /** stop(): every claimed text whose hand-off has not begun goes back to the queue now, in one transaction. */
  async function releaseUnsent(): Promise<void> {
    const rows = [...unsent.values()];
    unsent.clear();
    if (!rows.length) return;
    const settled = await settleAll(
      rows.map((row) => ({ kind: 'released', row })),
      clock.now(),
    );
    log.info('released claimed texts for another instance', { texts: settled.length });
    await after(settled, newLookups());
  }

  async function nextWake(now: number): Promise<number> {
    let at = now + config.dispatchIdlePollMs;
    const due = (await db.get<{ at: number | null }>(stmt.nextDue))!.at;
    if (due != null) {
      // Due rows whose sender's next slot is beyond the look-ahead wait for it; others go at once.
      at = Math.min(at, due > now ? due : await nextSlotClaimAt(now));
    }
    // A claim is recoverable once its lease is strictly past (lease_until < now): a millisecond after it.
    const lease = (await db.get<{ at: number | null }>(stmt.nextLease))!.at;
    if (lease != null) at = Math.min(at, Math.max(now, lease + 1));
    // While paused, only the next probe (and lapsed claims) wake the dispatcher: due texts wait.
    const probeAt = await sending.nextProbeAt();
    if (probeAt != null) return Math.max(now, lease != null ? Math.min(probeAt, lease + 1) : probeAt);
    const recheck = (await db.get<{ at: number | null }>(stmt.nextRecheck))!.at;
    if (recheck != null) at = Math.min(at, Math.max(now, recheck));
    for (const hook of hooks) {
      const t = await hook.nextWakeAt?.(now);
      if (t != null) at = Math.min(at, Math.max(now, t));
    }
    return at;
  }

  /** When the first sender with due texts may claim again: its next slot minus the look-ahead. */
  async function nextSlotClaimAt(now: number): Promise<number> {
    let at = now + config.dispatchIdlePollMs;
    for (const { sender } of await db.all<{ sender: string | null }>(stmt.dueSenders, now)) {
      const nextAt = (await db.get<{ nextAt: number }>(pacing.peek, sender ?? ''))?.nextAt ?? now;
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
      for (;;) {
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
        if (stopped) break;
        // The next wake is read while still `running`, so stop() waits for these reads too. A kick
        // that came in meanwhile found the loop running and only set `again`: it gets its round now,
        // rather than wait for a wake computed before its text was queued.
        let at: number;
        try {
          at = await nextWake(clock.now());
        } catch (err) {
          log.error('dispatcher could not work out its next wake; polling', { error: err instanceof Error ? err.stack : String(err) });
          at = clock.now() + config.dispatchIdlePollMs;
        }
        if (again && !stopped) continue;
        schedule(at);
        break;
      }
    } finally {
      running = false;
      resolve();
    }
  }

  return {
    enqueue,
    enqueueMany,
    messagesByIds,
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
      releasing = false;
      schedule(clock.now());
    },
    /**
     * Stops claiming. Texts this process claimed and has not handed to the provider go back to
     * the queue at once (for another instance, rather than after their lease); those already with
     * the provider finish and are recorded. Resolves when the last round has settled.
     */
    async stop() {
      stopped = true;
      releasing = true;
      cancelTimer?.();
      cancelTimer = null;
      endYield?.();
      for (const wake of [...sleepers]) wake();
      try {
        await releaseUnsent();
      } catch (err) {
        // Their leases lapse, and recovery re-queues them (they were never handed over).
        log.error('claimed texts could not be released', { error: err instanceof Error ? err.message : String(err) });
      }
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

/** One queued outbound text's VALUES row: textValues()' 21 values around its fixed direction and status. */
const TEXT_ROW = `(?, ?, 'outbound', ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
/** The insert of `rows` queued outbound texts. */
const insertTexts = (rows: number) =>
  `insert into messages (org_id, candidate_id, direction, channel, body, encoding, segments, status, sender, recruiter_id, template_id,
     content_sid, content_variables, campaign_id, campaign_message_id, from_address, to_address, idempotency_key, priority, due_at,
     valid_until, created_at, updated_at)
   values ${Array<string>(rows).fill(TEXT_ROW).join(', ')}`;

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
