/**
 * Ari, the digital assistant: runs a sequence on a live conversation. One state per candidate
 * (the step, retries, the last reply handled) lives on the conversation row and changes only in
 * transactions; each text Ari sends has an idempotency key derived from the reply it answers, so
 * two replies arriving together, or two server processes, never make Ari answer twice.
 *
 * Ari never texts an opted-out candidate (STOP ends the sequence at once), never sends free text
 * outside the WhatsApp window, and sends through the outbox like everyone else.
 *
 * A turn (the answer to what the candidate sent, or the greeting of a candidate who texts first)
 * is due at `conversations.assistant_turn_at`, set in the transaction that records the text. Any
 * instance's dispatcher round takes due turns, each in one transaction that locks the row (another
 * instance skips it) and clears the due time with the turn's own writes: a turn runs once, also
 * when the instance that received the text died. The instance that received it also keeps a timer
 * for the due time, so the answer does not wait for the next round.
 */
import { and, asc, eq, gt, isNotNull, lte, sql } from 'drizzle-orm';
import { StoredSequenceSchema, type Outcome, type Sequence, type Step } from '../../shared/sequences.js';
import type { conversations, recruiters } from '../db/schema.js';
import { first, type Db, type Stmt } from '../db/types.js';
import type { Deps } from '../deps.js';
import type { CandidateService } from '../services/candidates.js';
import type { InboundHooks } from '../services/inbound.js';
import { mergeValuesFor, renderBody } from '../services/message-body.js';
import { messageJson, type MessageRow } from '../services/message-json.js';
import type { Outbox, OutboxHooks } from '../services/outbox.js';
import { notTextableReason, whatsappWindowOpen, type Candidate, type Organization } from '../services/textability.js';
import { timeZoneOf } from '../services/candidates.js';
import { nextAllowed } from '../lib/zoned-time.js';
import { ASSISTANT_GATHER_MS, ASSISTANT_TEXTED_CACHE_SIZE, ASSISTANT_TURN_RETRY_MS } from '../tuning.js';
import { understand } from './understand.js';

const MAX_RETRIES = 2;
/** Due turns taken per dispatcher round; more wait for the next round (which comes at once). */
const TURNS_PER_ROUND = 200;

export interface AssistantState {
  stepId: string;
  retries: number;
  enteredAt: number;
  /** The newest inbound message Ari has answered. */
  lastHandledId: number;
  reminded: boolean;
  campaignId: number | null;
}

export interface Handback {
  reason: 'COMPLETED' | 'HANDED_BACK' | 'NOT_UNDERSTOOD' | 'TAKEN_OVER' | 'OPTED_OUT';
  message: string;
  summary: { key: string; label: string; value: string }[];
  at: string;
}

type ConversationRow = typeof conversations.$inferSelect;
type RecruiterRow = typeof recruiters.$inferSelect;

const REASON_TEXT: Record<Handback['reason'], string> = {
  COMPLETED: 'Ari finished the sequence.',
  HANDED_BACK: 'Ari handed the conversation back to you.',
  NOT_UNDERSTOOD: 'Ari could not understand the candidate’s answer after asking three times.',
  TAKEN_OVER: 'You took over the conversation.',
  OPTED_OUT: 'The candidate opted out (STOP).',
};

export function createAssistant(deps: Deps, services: { candidates: CandidateService; outbox: Outbox }) {
  const { db, clock, config, events, log } = deps;
  const { campaigns, candidateAnswers, candidates, conversations, messages, organizations, recruiters, sequences } = db.t;
  /** Cancels of this instance's timers for due turns, by conversation (a shortcut: the due time is in the database). */
  const pending = new Map<number, () => void>();

  const stmt = {
    // A turn is claimed by locking its conversation: PostgreSQL makes another instance skip the row
    // (the round) or wait for it (the timer of the instance that received the text; it then finds
    // the turn done). SQLite has one writer at a time: the write transaction is the lock.
    claimDueTurn: db.stmt(
      `select id from conversations where id = ? and assistant_turn_at <= ?`,
      `select id from conversations where id = ? and assistant_turn_at <= ? for update skip locked`,
    ),
    awaitDueTurn: db.stmt(
      `select id from conversations where id = ? and assistant_turn_at <= ?`,
      `select id from conversations where id = ? and assistant_turn_at <= ? for update`,
    ),
    lockConversation: db.stmt(`select id from conversations where id = ?`, `select id from conversations where id = ? for update`),
    claimConversation: db.stmt(`select id from conversations where id = ?`, `select id from conversations where id = ? for update skip locked`),
  };

  async function loadSequence(orgId: number, id: number | null | undefined, tx: Db = db): Promise<(Sequence & { id: number }) | null> {
    if (id == null) return null;
    const row = await first(
      tx.orm
        .select()
        .from(sequences)
        .where(and(eq(sequences.id, id), eq(sequences.orgId, orgId))),
    );
    if (!row) return null;
    // Read as stored: a sequence saved before a check was added to saving still runs.
    const parsed = StoredSequenceSchema.safeParse(row.definition);
    return parsed.success ? { ...parsed.data, id: row.id } : null;
  }

  function stepOf(seq: Sequence, id: string): Step {
    return seq.steps.find((s) => s.id === id) ?? seq.steps.find((s) => s.id === seq.start)!;
  }

  /** Who Ari speaks for: the campaign's creator, else the organisation's first licensed recruiter. */
  async function recruiterFor(tx: Db, org: Organization, campaign: { createdBy: number } | undefined): Promise<RecruiterRow> {
    if (campaign) return (await first(tx.orm.select().from(recruiters).where(eq(recruiters.id, campaign.createdBy))))!;
    return (
      (await first(
        tx.orm
          .select()
          .from(recruiters)
          .where(and(eq(recruiters.orgId, org.id), eq(recruiters.licensed, true)))
          .orderBy(asc(recruiters.id)),
      )) ?? (await first(tx.orm.select().from(recruiters).where(eq(recruiters.orgId, org.id)).orderBy(asc(recruiters.id))))!
    );
  }

  async function render(tx: Db, text: string, candidate: Candidate, org: Organization, campaignId: number | null): Promise<string> {
    const campaign =
      campaignId != null
        ? await first(tx.orm.select({ createdBy: campaigns.createdBy, jobTitle: campaigns.jobTitle }).from(campaigns).where(eq(campaigns.id, campaignId)))
        : undefined;
    const recruiter = await recruiterFor(tx, org, campaign);
    const jobTitle = campaign?.jobTitle;
    try {
      return renderBody(
        text,
        mergeValuesFor({ candidate, recruiter, org, publicUrl: config.publicUrl, linkExpiresAt: clock.now() + config.bookingLinkTtlMs, jobTitle }),
      );
    } catch {
      // A field without a value for this candidate: say it without the field rather than not at all.
      return text
        .replace(/\{\{\s*jobTitle\s*\}\}/g, 'the role')
        .replace(/\{\{[^}]*\}\}/g, '')
        .replace(/\s{2,}/g, ' ')
        .trim();
    }
  }

  function answersOf(candidateId: number, tx: Db = db): Promise<Handback['summary']> {
    return tx.orm
      .select({ key: candidateAnswers.key, label: candidateAnswers.label, value: candidateAnswers.value })
      .from(candidateAnswers)
      .where(eq(candidateAnswers.candidateId, candidateId))
      .orderBy(asc(candidateAnswers.id));
  }

  async function saveAnswer(
    tx: Db,
    orgId: number,
    candidate: Candidate,
    answer: { key: string; label: string; value: string },
    sequenceId: number,
    campaignId: number | null,
  ) {
    const { key, label, value } = answer;
    await tx.orm
      .insert(candidateAnswers)
      .values({ orgId, candidateId: candidate.id, sequenceId, campaignId, key, label, value, createdAt: clock.now() })
      .onConflictDoUpdate({
        target: [candidateAnswers.candidateId, candidateAnswers.key],
        set: { value, label, sequenceId, campaignId, createdAt: clock.now() },
      });
  }

  /** Queues one of Ari's texts (inside the caller's transaction `tx`). */
  async function say(tx: Db, org: Organization, candidate: Candidate, text: string, key: string, campaignId: number | null): Promise<MessageRow | null> {
    if (notTextableReason(candidate, org) || !whatsappWindowOpen(candidate, clock.now())) return null;
    const body = await render(tx, text, candidate, org, campaignId);
    // A text that was only a field this candidate has no value for is nothing once the field is
    // cut out: an empty text is refused by carriers (and says nothing), so none is queued.
    if (!body.trim()) {
      log.warn('assistant text empty once rendered; not sent', { candidateId: candidate.id, key });
      return null;
    }
    return services.outbox.enqueue({ org, candidate, body, sender: 'assistant', idempotencyKey: key, campaignId }, tx);
  }

  function wakeAt(seq: Sequence, enteredAt: number, reminded: boolean): number | null {
    return seq.reminder && !reminded ? enteredAt + seq.reminder.afterMinutes * 60_000 : null;
  }

  /** Ends the sequence (nothing more is due: no reminder, no turn); returns the conversation as it left it. */
  async function finish(tx: Db, conversation: ConversationRow, candidate: Candidate, reason: Handback['reason']): Promise<ConversationRow> {
    const handback: Handback = { reason, message: REASON_TEXT[reason], summary: await answersOf(candidate.id, tx), at: new Date(clock.now()).toISOString() };
    const [ended] = await tx.orm
      .update(conversations)
      .set({ assistantActive: false, assistantHandback: handback as unknown as Record<string, unknown>, assistantWakeAt: null, assistantTurnAt: null })
      .where(eq(conversations.id, conversation.id))
      .returning();
    return ended!;
  }

  /** Where a step leads for an answer: the next step (asked now) or the end of the sequence. */
  async function follow(tx: Db, ctx: TurnContext, outcome: Outcome, keyBase: string, sent: MessageRow[]) {
    const { org, candidate, conversation, seq, state } = ctx;
    if ('goto' in outcome) {
      const next = stepOf(seq, outcome.goto);
      const now = clock.now();
      const row = await say(tx, org, candidate, next.ask, `${keyBase}:ask:${next.id}`, state.campaignId);
      if (row) sent.push(row);
      // The reminder is sent once per run of the sequence, not once per step.
      const nextState: AssistantState = { ...state, stepId: next.id, retries: 0, enteredAt: now };
      await tx.orm
        .update(conversations)
        .set({ assistantState: nextState as unknown as Record<string, unknown>, assistantWakeAt: wakeAt(seq, now, state.reminded) })
        .where(eq(conversations.id, conversation.id));
      return;
    }
    if (outcome.mark) {
      const value = outcome.mark === 'interested' ? 'Interested' : 'Not interested';
      await saveAnswer(tx, org.id, candidate, { key: 'interest', label: 'Interest', value }, seq.id, state.campaignId);
    }
    if (outcome.say) {
      const row = await say(tx, org, candidate, outcome.say, `${keyBase}:end`, state.campaignId);
      if (row) sent.push(row);
    }
    await finish(tx, conversation, candidate, outcome.end === 'complete' ? 'COMPLETED' : 'HANDED_BACK');
  }

  interface TurnContext {
    org: Organization;
    candidate: Candidate;
    conversation: ConversationRow;
    seq: Sequence & { id: number };
    state: AssistantState;
  }

  /**
   * Answers every reply Ari has not answered yet, as one turn, inside the caller's write transaction
   * `tx` (which holds the conversation's row): the state it reads (the last reply handled) is the
   * state it moves on, so two turns of one conversation never answer the same reply. Returns what
   * it queued.
   */
  async function answerIn(tx: Db, conversation: ConversationRow): Promise<MessageRow[]> {
    const sent: MessageRow[] = [];
    if (!conversation.assistantActive) return sent;
    const candidate = (await first(tx.orm.select().from(candidates).where(eq(candidates.id, conversation.candidateId))))!;
    const org = (await first(tx.orm.select().from(organizations).where(eq(organizations.id, conversation.orgId))))!;
    const seq = await loadSequence(org.id, conversation.assistantSequenceId, tx);
    const state = conversation.assistantState as unknown as AssistantState | null;
    if (!seq || !state) return sent;
    const replies = await tx.orm
      .select()
      .from(messages)
      .where(and(eq(messages.candidateId, candidate.id), eq(messages.direction, 'inbound'), gt(messages.id, state.lastHandledId)))
      .orderBy(asc(messages.id));
    if (!replies.length) return sent;
    const lastId = replies[replies.length - 1]!.id;
    const ctx: TurnContext = { org, candidate, conversation, seq, state: { ...state, lastHandledId: lastId } };
    await tx.orm
      .update(conversations)
      .set({ assistantState: ctx.state as unknown as Record<string, unknown> })
      .where(eq(conversations.id, conversation.id));
    if (notTextableReason(candidate, org)) {
      await finish(tx, conversation, candidate, candidate.optedOutAt != null ? 'OPTED_OUT' : 'HANDED_BACK');
      return sent;
    }
    const step = stepOf(seq, state.stepId);
    const keyBase = `ari:${conversation.id}:${lastId}`;
    // The newest reply that answers the question wins ("Yes" then "yes, definitely" = one answer).
    const answered =
      [...replies]
        .reverse()
        .map((r) => understand(step.expect, r.body))
        .find(Boolean) ?? null;
    if (!answered) {
      const retries = state.retries + 1;
      if (retries > MAX_RETRIES) {
        const row = await say(
          tx,
          org,
          candidate,
          "Thanks, {{firstName}}. I'll pass this to {{recruiterName}}, who will reply here.",
          `${keyBase}:handback`,
          state.campaignId,
        );
        if (row) sent.push(row);
        await finish(tx, conversation, candidate, 'NOT_UNDERSTOOD');
        return sent;
      }
      const row = await say(tx, org, candidate, `${seq.fallback} ${step.ask}`, `${keyBase}:retry`, state.campaignId);
      if (row) sent.push(row);
      await tx.orm
        .update(conversations)
        .set({ assistantState: { ...ctx.state, retries } as unknown as Record<string, unknown> })
        .where(eq(conversations.id, conversation.id));
      return sent;
    }
    if (step.save) await saveAnswer(tx, org.id, candidate, { key: step.save.key, label: step.save.label, value: answered.display }, seq.id, state.campaignId);
    const e = step.expect;
    let outcome: Outcome;
    switch (e.type) {
      case 'yesno':
        outcome = answered.value === 'yes' ? e.yes : e.no;
        break;
      case 'choice':
        outcome = e.options.find((o) => o.value === answered.value)!.then;
        break;
      case 'number': {
        const n = answered.value as number;
        outcome = e.ranges.find((r) => (r.min === undefined || n >= r.min) && (r.max === undefined || n <= r.max))?.then ?? e.then;
        break;
      }
      case 'booking':
        outcome = e.otherwise;
        break;
      default:
        outcome = e.then;
    }
    await follow(tx, ctx, outcome, keyBase, sent);
    return sent;
  }

  /** Tests (another process's turn racing this one's): answers pending replies now, not at the due time. */
  const takeTurn = (conversationId: number): Promise<MessageRow[]> =>
    db.tx(
      async (tx) => {
        await tx.get(stmt.lockConversation, conversationId);
        const conversation = await first(tx.orm.select().from(conversations).where(eq(conversations.id, conversationId)));
        return conversation ? answerIn(tx, conversation) : [];
      },
      { write: true, locks: [['conversation', conversationId]] }, // Race: two turns of one conversation answering the same reply.
    );

  async function publish(orgId: number, candidateId: number, sent: MessageRow[]) {
    const candidate = await first(db.orm.select().from(candidates).where(eq(candidates.id, candidateId)));
    if (!candidate) return;
    for (const row of sent) events.publish(orgId, { type: 'message.created', data: messageJson(row, candidate.atsId) });
    const org = await services.candidates.orgOf(orgId);
    const conversation = await services.candidates.conversationOf(candidate.id);
    events.publish(orgId, { type: 'candidate.updated', data: services.candidates.serialize(candidate, org, conversation) });
    if (sent.length) services.outbox.kick();
  }

  /** The greeting of a candidate who texted first (inside the turn's transaction `tx`), unless the conversation started meanwhile. */
  async function greetIn(tx: Db, conversation: ConversationRow): Promise<MessageRow[]> {
    // Checked again: the recruiter may have texted or handed off meanwhile.
    const org = (await first(tx.orm.select().from(organizations).where(eq(organizations.id, conversation.orgId))))!;
    const candidate = (await first(tx.orm.select().from(candidates).where(eq(candidates.id, conversation.candidateId))))!;
    if (
      !org.assistantSubscribed ||
      org.primarySequenceId == null ||
      conversation.assistantState ||
      (await hasOutbound(candidate.id, tx)) ||
      notTextableReason(candidate, org)
    )
      return [];
    return start(org, candidate, org.primarySequenceId, { ask: true }, tx);
  }

  /**
   * Takes the conversation's turn if it is due at `now` and no other instance has it: `claim`
   * locks the row (or finds the turn gone); the due time is cleared with the turn's own writes, so
   * the turn is done once, or not at all and still due. False when there was nothing to take.
   */
  async function runDueTurn(conversationId: number, now: number, claim: Stmt): Promise<boolean> {
    const done = await db.tx(
      async (tx) => {
        if (!(await tx.get(claim, conversationId, now))) return null;
        const [conversation] = await tx.orm.update(conversations).set({ assistantTurnAt: null }).where(eq(conversations.id, conversationId)).returning();
        // An active sequence answers the replies; otherwise the candidate texted first, and is greeted.
        const sent = conversation!.assistantActive ? await answerIn(tx, conversation!) : await greetIn(tx, conversation!);
        return { orgId: conversation!.orgId, candidateId: conversation!.candidateId, sent };
      },
      // Race: two instances' rounds (or the timer's shortcut) taking the same turn; the claim's row lock decides, the key orders it with hand-offs.
      { write: true, locks: [['conversation', conversationId]] },
    );
    if (!done) return false;
    await publish(done.orgId, done.candidateId, done.sent);
    return true;
  }

  /**
   * A turn that failed (its transaction rolled back: nothing of it happened) is due again a little
   * later, rather than at once in every round. Its failure is logged: a round has nobody to report to.
   */
  async function turnFailed(conversationId: number, error: unknown) {
    log.error('assistant turn failed', { conversationId, error: error instanceof Error ? error.stack : String(error) });
    const now = clock.now();
    await db.orm
      .update(conversations)
      .set({ assistantTurnAt: now + ASSISTANT_TURN_RETRY_MS })
      .where(and(eq(conversations.id, conversationId), lte(conversations.assistantTurnAt, now)));
  }

  /**
   * The instance that recorded the text takes the turn at its due time, without waiting for a
   * dispatcher round; it waits for the row if another instance holds it, then finds the turn done.
   * Only a shortcut: were this instance to die, any instance's round takes the turn.
   */
  function armTurn(conversationId: number, dueAt: number) {
    if (pending.has(conversationId)) return;
    const cancel = clock.setTimeout(() => {
      pending.delete(conversationId);
      const now = Math.max(clock.now(), dueAt);
      // A timer has nobody to report to: a failure is logged, and the turn is due again later.
      void runDueTurn(conversationId, now, stmt.awaitDueTurn)
        .catch((error: unknown) => turnFailed(conversationId, error))
        .catch((error: unknown) => log.error('assistant turn could not be put off', { conversationId, error: String(error) }));
    }, dueAt - clock.now());
    pending.set(conversationId, cancel);
  }

  /**
   * Starts a sequence on a conversation, inside the caller's transaction `tx`. `ask`: send the
   * first question now (a hand-off); a campaign's own text asks it instead.
   */
  async function start(
    org: Organization,
    candidate: Candidate,
    sequenceId: number,
    options: { ask: boolean; campaignId?: number | null },
    tx: Db,
  ): Promise<MessageRow[]> {
    const seq = await loadSequence(org.id, sequenceId, tx);
    if (!seq) return [];
    const conversation = await services.candidates.ensureConversation(org.id, candidate.id, tx);
    // A campaign starts Ari once per candidate: its later messages neither restart the sequence
    // (losing the candidate's place) nor undo the recruiter's take-over.
    const previous = conversation.assistantState as unknown as AssistantState | null;
    if (options.campaignId != null && previous?.campaignId === options.campaignId) return [];
    const now = clock.now();
    const [lastInbound] = await tx.orm
      .select({ id: sql<number>`coalesce(max(${messages.id}), 0)` })
      .from(messages)
      .where(and(eq(messages.candidateId, candidate.id), eq(messages.direction, 'inbound')));
    // The first question's key names the conversation's last message so far, not the time: a
    // second hand-off in the same millisecond (hand off, take over, hand off again) comes after
    // the first one's question, so its key differs; a hand-off that sent nothing used no key.
    const [lastMessage] = await tx.orm
      .select({ id: sql<number>`coalesce(max(${messages.id}), 0)` })
      .from(messages)
      .where(eq(messages.candidateId, candidate.id));
    const state: AssistantState = {
      stepId: seq.start,
      retries: 0,
      enteredAt: now,
      lastHandledId: lastInbound!.id,
      reminded: false,
      campaignId: options.campaignId ?? null,
    };
    await tx.orm
      .update(conversations)
      .set({
        assistantActive: true,
        assistantSequenceId: seq.id,
        assistantState: state as unknown as Record<string, unknown>,
        assistantHandback: null,
        assistantWakeAt: wakeAt(seq, now, false),
      })
      .where(eq(conversations.id, conversation.id));
    if (!options.ask) return [];
    const row = await say(tx, org, candidate, stepOf(seq, seq.start).ask, `ari:${conversation.id}:start:${lastMessage!.id}`, state.campaignId);
    return row ? [row] : [];
  }

  // Replies: answered after a short gathering pause, so "Yes" + "yes!" (or "Hi" + "I saw your ad",
  // for a greeting) get one answer. Keywords (STOP, HELP...) are never Ari's.
  const inboundHooks: InboundHooks = {
    /** In the transaction that records the text: what Ari owes it is due with the text, or not at all. */
    async duringInbound(tx, { org, candidate, conversation, keyword }) {
      if (!org.assistantSubscribed) return;
      if (keyword) {
        if (candidate.optedOutAt != null && conversation.assistantHandback == null && conversation.assistantState) {
          return finish(tx, conversation, candidate, 'OPTED_OUT');
        }
        return;
      }
      // Someone who texts first, with no conversation yet: the primary inbound sequence greets them.
      const greeting =
        !conversation.assistantActive &&
        org.primarySequenceId != null &&
        !conversation.assistantState &&
        !notTextableReason(candidate, org) &&
        !(await hasOutbound(candidate.id, tx));
      if (!conversation.assistantActive && !greeting) return;
      // Due once the pause is over, counted from the first text: later ones join the same turn.
      const [due] = await tx.orm
        .update(conversations)
        .set({ assistantTurnAt: sql`coalesce(${conversations.assistantTurnAt}, ${clock.now() + ASSISTANT_GATHER_MS})` })
        .where(eq(conversations.id, conversation.id))
        .returning();
      return due;
    },
    afterInbound({ conversation }) {
      if (conversation.assistantTurnAt != null) armTurn(conversation.id, conversation.assistantTurnAt);
    },
  };

  // Asked on every reply of a subscribing organisation: prepared once, and a yes remembered
  // (texts are never deleted, so a candidate who has been texted stays texted).
  const outboundOf = db.stmt(`select 1 from messages where candidate_id = ? and direction = 'outbound' and sender <> 'system' limit 1`);
  const texted = new Set<number>();
  async function hasOutbound(candidateId: number, tx: Db = db): Promise<boolean> {
    if (texted.has(candidateId)) return true;
    if (!(await tx.get(outboundOf, candidateId))) return false;
    if (texted.size >= ASSISTANT_TEXTED_CACHE_SIZE) texted.clear();
    texted.add(candidateId);
    return true;
  }

  /**
   * Takes the turns due at `now`, whoever received their texts (a dead instance too); those another
   * instance holds are skipped. Returns how many it took.
   */
  async function runDueTurns(now: number): Promise<number> {
    const due = await db.orm
      .select({ id: conversations.id })
      .from(conversations)
      .where(lte(conversations.assistantTurnAt, now))
      .orderBy(asc(conversations.assistantTurnAt))
      .limit(TURNS_PER_ROUND);
    let taken = 0;
    for (const { id } of due) {
      try {
        if (await runDueTurn(id, now, stmt.claimDueTurn)) taken++;
      } catch (error) {
        await turnFailed(id, error);
      }
    }
    return taken;
  }

  // Turns and reminders ride on the dispatcher's clock: it wakes for them, and sends Ari's texts like any other.
  const outboxHooks: OutboxHooks = {
    async beforeRound(now) {
      await runDueTurns(now);
      const due = await db.orm
        .select()
        .from(conversations)
        .where(and(isNotNull(conversations.assistantWakeAt), lte(conversations.assistantWakeAt, now), eq(conversations.assistantActive, true)))
        .limit(200);
      for (const conversation of due) {
        let ended = false;
        // Read again inside a write transaction: a reply, a take-over or another round may have
        // moved the conversation on since the list above.
        const sent = await db.tx(
          async (tx) => {
            // Another instance reminding this conversation holds its row: it is theirs.
            if (!(await tx.get(stmt.claimConversation, conversation.id))) return [];
            const fresh = await first(tx.orm.select().from(conversations).where(eq(conversations.id, conversation.id)));
            if (!fresh?.assistantActive || fresh.assistantWakeAt == null || fresh.assistantWakeAt > now) return [];
            const state = fresh.assistantState as unknown as AssistantState;
            const org = (await first(tx.orm.select().from(organizations).where(eq(organizations.id, fresh.orgId))))!;
            const candidate = (await first(tx.orm.select().from(candidates).where(eq(candidates.id, fresh.candidateId))))!;
            const seq = await loadSequence(org.id, fresh.assistantSequenceId, tx);
            // Opted out some other way (carrier error 21610, an ATS import): Ari ends here.
            if (notTextableReason(candidate, org)) {
              await finish(tx, fresh, candidate, candidate.optedOutAt != null ? 'OPTED_OUT' : 'HANDED_BACK');
              ended = true;
              return [];
            }
            // Unprompted, like a campaign text: it waits for the candidate's texting hours.
            const slot = nextAllowed(now, timeZoneOf(candidate, org), { startMinute: org.textingStartMinute, endMinute: org.textingEndMinute });
            if (seq?.reminder && slot.waited) {
              await tx.orm.update(conversations).set({ assistantWakeAt: slot.at }).where(eq(conversations.id, fresh.id));
              return [];
            }
            await tx.orm
              .update(conversations)
              .set({ assistantWakeAt: null, assistantState: { ...state, reminded: true } as unknown as Record<string, unknown> })
              .where(eq(conversations.id, fresh.id));
            if (!seq?.reminder) return [];
            // The sequence's reminder is written for its first question; later on, Ari nudges with
            // the question the candidate is at, so the answer to it still fits the step.
            const text = state.stepId === seq.start ? seq.reminder.text : `Just checking in, {{firstName}}. ${stepOf(seq, state.stepId).ask}`;
            const row = await say(tx, org, candidate, text, `ari:${fresh.id}:remind:${state.stepId}:${state.enteredAt}`, state.campaignId);
            return row ? [row] : [];
          },
          { write: true, locks: [['conversation', conversation.id]] }, // Race: the reminder and a turn, a take-over or another instance's reminder.
        );
        if (sent.length || ended) await publish(conversation.orgId, conversation.candidateId, sent);
      }
    },
    async nextWakeAt() {
      const [reminder] = await db.orm
        .select({ at: sql<number | null>`min(${conversations.assistantWakeAt})` })
        .from(conversations)
        .where(eq(conversations.assistantActive, true));
      const [turn] = await db.orm
        .select({ at: sql<number | null>`min(${conversations.assistantTurnAt})` })
        .from(conversations)
        .where(isNotNull(conversations.assistantTurnAt));
      const times = [reminder?.at, turn?.at].filter((at): at is number => at != null);
      return times.length ? Math.min(...times) : null;
    },
  };

  return {
    /** Registered by createServices: replies reach Ari, and the dispatcher's rounds wake its reminders. */
    inboundHooks,
    outboxHooks,
    start,
    loadSequence,
    answersOf,
    /** Take over: Ari stops at once, mid-sequence included. */
    async stop(conversation: ConversationRow, candidate: Candidate) {
      // Ending the sequence clears its due turn: a turn taken after finds nothing to do (one that
      // holds the row already finishes first). This instance's timer for it is dropped.
      pending.get(conversation.id)?.();
      pending.delete(conversation.id);
      await finish(db, conversation, candidate, 'TAKEN_OVER');
    },
    /** A booking made on the booking page completes a booking step (inside the booking's write transaction `tx`). */
    async onBooked(org: Organization, candidate: Candidate, when: string, tx: Db): Promise<MessageRow[]> {
      const sent: MessageRow[] = [];
      const conversation = await services.candidates.conversationOf(candidate.id, tx);
      if (!conversation?.assistantActive) return sent;
      const seq = await loadSequence(org.id, conversation.assistantSequenceId, tx);
      const state = conversation.assistantState as unknown as AssistantState | null;
      if (!seq || !state) return sent;
      // Usually the candidate is at the booking step; a link from elsewhere (the scheduling
      // reminder is sent at the first question) books just the same and completes that step.
      const current = stepOf(seq, state.stepId);
      const step = current.expect.type === 'booking' ? current : seq.steps.find((s) => s.expect.type === 'booking');
      if (!step || step.expect.type !== 'booking') return sent;
      const answer = { key: step.save?.key ?? 'interview', label: step.save?.label ?? 'Interview', value: when };
      await saveAnswer(tx, org.id, candidate, answer, seq.id, state.campaignId);
      await follow(tx, { org, candidate, conversation, seq, state }, step.expect.then, `ari:${conversation.id}:booked:${clock.now()}`, sent);
      return sent;
    },
    publish,
    /** Tests: answer pending replies now instead of after the gathering pause. */
    takeTurn,
    /** What every dispatcher round runs first (tests: two instances' rounds at once). */
    runDueTurns,
  };
}

export type Assistant = ReturnType<typeof createAssistant>;
