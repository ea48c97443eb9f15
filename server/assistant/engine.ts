/**
 * Ari, the digital assistant: runs a sequence on a live conversation. One state per candidate
 * (the step, retries, the last reply handled) lives on the conversation row and changes only in
 * transactions; each text Ari sends has an idempotency key derived from the reply it answers, so
 * two replies arriving together, or two server processes, never make Ari answer twice.
 *
 * Ari never texts an opted-out candidate (STOP ends the sequence at once), never sends free text
 * outside the WhatsApp window, and sends through the outbox like everyone else.
 */
import { and, asc, eq, gt, isNotNull, lte, sql } from 'drizzle-orm';
import { StoredSequenceSchema, type Outcome, type Sequence, type Step } from '../../shared/sequences.js';
import type { conversations, recruiters } from '../db/schema.js';
import { first, type Db } from '../db/types.js';
import type { Deps } from '../deps.js';
import type { CandidateService } from '../services/candidates.js';
import type { InboundHooks } from '../services/inbound.js';
import { mergeValuesFor, renderBody } from '../services/message-body.js';
import { messageJson, type MessageRow } from '../services/message-json.js';
import type { Outbox, OutboxHooks } from '../services/outbox.js';
import { notTextableReason, whatsappWindowOpen, type Candidate, type Organization } from '../services/textability.js';
import { timeZoneOf } from '../services/candidates.js';
import { nextAllowed } from '../lib/zoned-time.js';
import { ASSISTANT_GATHER_MS, ASSISTANT_TEXTED_CACHE_SIZE } from '../tuning.js';
import { understand } from './understand.js';

const MAX_RETRIES = 2;

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
  /** Cancels of the gathering timers (turns, greetings), by conversation. */
  const pending = new Map<number, () => void>();

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

  async function finish(tx: Db, conversation: ConversationRow, candidate: Candidate, reason: Handback['reason']) {
    const handback: Handback = { reason, message: REASON_TEXT[reason], summary: await answersOf(candidate.id, tx), at: new Date(clock.now()).toISOString() };
    await tx.orm
      .update(conversations)
      .set({ assistantActive: false, assistantHandback: handback as unknown as Record<string, unknown>, assistantWakeAt: null })
      .where(eq(conversations.id, conversation.id));
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

  /** Answers every reply Ari has not answered yet, as one turn. Returns what it queued. */
  const takeTurn = async (conversationId: number): Promise<MessageRow[]> => {
    const sent: MessageRow[] = [];
    // A write transaction from its first read: the state it reads (the last reply handled) is the
    // state it moves on, so two turns of one conversation never answer the same reply.
    await db.tx(
      async (tx) => {
        const conversation = await first(tx.orm.select().from(conversations).where(eq(conversations.id, conversationId)));
        if (!conversation?.assistantActive) return;
        const candidate = (await first(tx.orm.select().from(candidates).where(eq(candidates.id, conversation.candidateId))))!;
        const org = (await first(tx.orm.select().from(organizations).where(eq(organizations.id, conversation.orgId))))!;
        const seq = await loadSequence(org.id, conversation.assistantSequenceId, tx);
        const state = conversation.assistantState as unknown as AssistantState | null;
        if (!seq || !state) return;
        const replies = await tx.orm
          .select()
          .from(messages)
          .where(and(eq(messages.candidateId, candidate.id), eq(messages.direction, 'inbound'), gt(messages.id, state.lastHandledId)))
          .orderBy(asc(messages.id));
        if (!replies.length) return;
        const lastId = replies[replies.length - 1]!.id;
        const ctx: TurnContext = { org, candidate, conversation, seq, state: { ...state, lastHandledId: lastId } };
        await tx.orm
          .update(conversations)
          .set({ assistantState: ctx.state as unknown as Record<string, unknown> })
          .where(eq(conversations.id, conversation.id));
        if (notTextableReason(candidate, org)) {
          await finish(tx, conversation, candidate, candidate.optedOutAt != null ? 'OPTED_OUT' : 'HANDED_BACK');
          return;
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
            return;
          }
          const row = await say(tx, org, candidate, `${seq.fallback} ${step.ask}`, `${keyBase}:retry`, state.campaignId);
          if (row) sent.push(row);
          await tx.orm
            .update(conversations)
            .set({ assistantState: { ...ctx.state, retries } as unknown as Record<string, unknown> })
            .where(eq(conversations.id, conversation.id));
          return;
        }
        if (step.save)
          await saveAnswer(tx, org.id, candidate, { key: step.save.key, label: step.save.label, value: answered.display }, seq.id, state.campaignId);
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
      },
      { write: true, locks: [['conversation', conversationId]] }, // Race: two turns of one conversation answering the same reply.
    );
    return sent;
  };

  async function publish(orgId: number, candidateId: number, sent: MessageRow[]) {
    const candidate = await first(db.orm.select().from(candidates).where(eq(candidates.id, candidateId)));
    if (!candidate) return;
    for (const row of sent) events.publish(orgId, { type: 'message.created', data: messageJson(row, candidate.atsId) });
    const org = await services.candidates.orgOf(orgId);
    const conversation = await services.candidates.conversationOf(candidate.id);
    events.publish(orgId, { type: 'candidate.updated', data: services.candidates.serialize(candidate, org, conversation) });
    if (sent.length) services.outbox.kick();
  }

  /**
   * Runs `work` when the gathering pause is over, once per conversation however many replies
   * come meanwhile. Its failure is logged: a timer has nobody to report to.
   */
  function afterGathering(conversationId: number, what: string, context: Record<string, unknown>, work: () => Promise<void>) {
    if (pending.has(conversationId)) return;
    const cancel = clock.setTimeout(() => {
      pending.delete(conversationId);
      void work().catch((err: unknown) => log.error(`assistant ${what} failed`, { ...context, error: err instanceof Error ? err.stack : String(err) }));
    }, ASSISTANT_GATHER_MS);
    pending.set(conversationId, cancel);
  }

  function scheduleTurn(orgId: number, conversationId: number, candidateId: number) {
    afterGathering(conversationId, 'turn', { conversationId }, async () => publish(orgId, candidateId, await takeTurn(conversationId)));
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

  // Replies: answered after a short gathering pause. Keywords (STOP, HELP...) are never Ari's.
  const inboundHooks: InboundHooks = {
    async afterInbound({ org, candidate, conversation, keyword }) {
      if (!org.assistantSubscribed) return;
      if (keyword) {
        if (candidate.optedOutAt != null && conversation?.assistantHandback == null && conversation?.assistantState) {
          await finish(db, conversation, candidate, 'OPTED_OUT');
        }
        return;
      }
      if (conversation?.assistantActive) return scheduleTurn(org.id, conversation.id, candidate.id);
      // Someone who texts first, with no conversation yet: the primary inbound sequence greets them.
      if (org.primarySequenceId != null && !conversation?.assistantState && !(await hasOutbound(candidate.id)) && !notTextableReason(candidate, org)) {
        await scheduleGreeting(org.id, candidate.id);
      }
    },
  };

  /** The greeting waits for the same gathering pause, so "Hi" + "I saw your ad" get one greeting. */
  async function scheduleGreeting(orgId: number, candidateId: number) {
    const conversationId = (await services.candidates.ensureConversation(orgId, candidateId)).id;
    afterGathering(conversationId, 'greeting', { candidateId }, async () => {
      const sent = await db.tx(
        async (tx) => {
          // Checked again: the recruiter may have texted or handed off meanwhile.
          const org = (await first(tx.orm.select().from(organizations).where(eq(organizations.id, orgId))))!;
          const candidate = (await first(tx.orm.select().from(candidates).where(eq(candidates.id, candidateId))))!;
          const conversation = await services.candidates.conversationOf(candidateId, tx);
          if (
            !org.assistantSubscribed ||
            org.primarySequenceId == null ||
            conversation?.assistantState ||
            (await hasOutbound(candidateId, tx)) ||
            notTextableReason(candidate, org)
          )
            return [];
          return start(org, candidate, org.primarySequenceId, { ask: true }, tx);
        },
        { write: true, locks: [['conversation', conversationId]] }, // Race: the greeting and a hand-off or another greeting.
      );
      await publish(orgId, candidateId, sent);
    });
  }

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

  // Reminders ride on the dispatcher's clock: it wakes for them and sends them like any text.
  const outboxHooks: OutboxHooks = {
    async beforeRound(now) {
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
      const [row] = await db.orm
        .select({ at: sql<number | null>`min(${conversations.assistantWakeAt})` })
        .from(conversations)
        .where(eq(conversations.assistantActive, true));
      return row?.at ?? null;
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
      // The pending turn is cancelled first (synchronously): it cannot start after the take-over.
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
  };
}

export type Assistant = ReturnType<typeof createAssistant>;
