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
import { campaigns, candidateAnswers, candidates, conversations, messages, organizations, recruiters, sequences } from '../db/schema.js';
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
  const pending = new Map<number, () => void>();

  function loadSequence(orgId: number, id: number | null | undefined): (Sequence & { id: number }) | null {
    if (id == null) return null;
    const row = db
      .select()
      .from(sequences)
      .where(and(eq(sequences.id, id), eq(sequences.orgId, orgId)))
      .get();
    if (!row) return null;
    // Read as stored: a sequence saved before a check was added to saving still runs.
    const parsed = StoredSequenceSchema.safeParse(row.definition);
    return parsed.success ? { ...parsed.data, id: row.id } : null;
  }

  function stepOf(seq: Sequence, id: string): Step {
    return seq.steps.find((s) => s.id === id) ?? seq.steps.find((s) => s.id === seq.start)!;
  }

  /** Who Ari speaks for: the campaign's creator, else the organisation's first licensed recruiter. */
  function recruiterFor(org: Organization, campaignId: number | null): RecruiterRow {
    if (campaignId != null) {
      const campaign = db.select().from(campaigns).where(eq(campaigns.id, campaignId)).get();
      if (campaign) return db.select().from(recruiters).where(eq(recruiters.id, campaign.createdBy)).get()!;
    }
    return (
      db
        .select()
        .from(recruiters)
        .where(and(eq(recruiters.orgId, org.id), eq(recruiters.licensed, true)))
        .orderBy(asc(recruiters.id))
        .get() ?? db.select().from(recruiters).where(eq(recruiters.orgId, org.id)).orderBy(asc(recruiters.id)).get()!
    );
  }

  function render(text: string, candidate: Candidate, org: Organization, campaignId: number | null): string {
    const recruiter = recruiterFor(org, campaignId);
    const jobTitle = campaignId != null ? db.select({ t: campaigns.jobTitle }).from(campaigns).where(eq(campaigns.id, campaignId)).get()?.t : null;
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

  function answersOf(candidateId: number): Handback['summary'] {
    return db
      .select({ key: candidateAnswers.key, label: candidateAnswers.label, value: candidateAnswers.value })
      .from(candidateAnswers)
      .where(eq(candidateAnswers.candidateId, candidateId))
      .orderBy(asc(candidateAnswers.id))
      .all();
  }

  function saveAnswer(orgId: number, candidate: Candidate, key: string, label: string, value: string, sequenceId: number, campaignId: number | null) {
    db.insert(candidateAnswers)
      .values({ orgId, candidateId: candidate.id, sequenceId, campaignId, key, label, value, createdAt: clock.now() })
      .onConflictDoUpdate({
        target: [candidateAnswers.candidateId, candidateAnswers.key],
        set: { value, label, sequenceId, campaignId, createdAt: clock.now() },
      })
      .run();
  }

  /** Queues one of Ari's texts (inside the caller's transaction). */
  function say(org: Organization, candidate: Candidate, text: string, key: string, campaignId: number | null): MessageRow | null {
    if (notTextableReason(candidate, org) || !whatsappWindowOpen(candidate, clock.now())) return null;
    const body = render(text, candidate, org, campaignId);
    // A text that was only a field this candidate has no value for is nothing once the field is
    // cut out: an empty text is refused by carriers (and says nothing), so none is queued.
    if (!body.trim()) {
      log.warn('assistant text empty once rendered; not sent', { candidateId: candidate.id, key });
      return null;
    }
    return services.outbox.enqueue({ org, candidate, body, sender: 'assistant', idempotencyKey: key, campaignId });
  }

  function wakeAt(seq: Sequence, enteredAt: number, reminded: boolean): number | null {
    return seq.reminder && !reminded ? enteredAt + seq.reminder.afterMinutes * 60_000 : null;
  }

  function finish(conversation: ConversationRow, candidate: Candidate, reason: Handback['reason']) {
    const handback: Handback = { reason, message: REASON_TEXT[reason], summary: answersOf(candidate.id), at: new Date(clock.now()).toISOString() };
    db.update(conversations)
      .set({ assistantActive: false, assistantHandback: handback as unknown as Record<string, unknown>, assistantWakeAt: null })
      .where(eq(conversations.id, conversation.id))
      .run();
  }

  /** Where a step leads for an answer: the next step (asked now) or the end of the sequence. */
  function follow(ctx: TurnContext, outcome: Outcome, keyBase: string, sent: MessageRow[]) {
    const { org, candidate, conversation, seq, state } = ctx;
    if ('goto' in outcome) {
      const next = stepOf(seq, outcome.goto);
      const now = clock.now();
      const row = say(org, candidate, next.ask, `${keyBase}:ask:${next.id}`, state.campaignId);
      if (row) sent.push(row);
      // The reminder is sent once per run of the sequence, not once per step.
      const nextState: AssistantState = { ...state, stepId: next.id, retries: 0, enteredAt: now };
      db.update(conversations)
        .set({ assistantState: nextState as unknown as Record<string, unknown>, assistantWakeAt: wakeAt(seq, now, state.reminded) })
        .where(eq(conversations.id, conversation.id))
        .run();
      return;
    }
    if (outcome.mark)
      saveAnswer(org.id, candidate, 'interest', 'Interest', outcome.mark === 'interested' ? 'Interested' : 'Not interested', seq.id, state.campaignId);
    if (outcome.say) {
      const row = say(org, candidate, outcome.say, `${keyBase}:end`, state.campaignId);
      if (row) sent.push(row);
    }
    finish(conversation, candidate, outcome.end === 'complete' ? 'COMPLETED' : 'HANDED_BACK');
  }

  interface TurnContext {
    org: Organization;
    candidate: Candidate;
    conversation: ConversationRow;
    seq: Sequence & { id: number };
    state: AssistantState;
  }

  /** Answers every reply Ari has not answered yet, as one turn. Returns what it queued. */
  const takeTurn = (conversationId: number): MessageRow[] => {
    const sent: MessageRow[] = [];
    db.$client
      .transaction(() => {
        const conversation = db.select().from(conversations).where(eq(conversations.id, conversationId)).get();
        if (!conversation?.assistantActive) return;
        const candidate = db.select().from(candidates).where(eq(candidates.id, conversation.candidateId)).get()!;
        const org = db.select().from(organizations).where(eq(organizations.id, conversation.orgId)).get()!;
        const seq = loadSequence(org.id, conversation.assistantSequenceId);
        const state = conversation.assistantState as unknown as AssistantState | null;
        if (!seq || !state) return;
        const replies = db
          .select()
          .from(messages)
          .where(and(eq(messages.candidateId, candidate.id), eq(messages.direction, 'inbound'), gt(messages.id, state.lastHandledId)))
          .orderBy(asc(messages.id))
          .all();
        if (!replies.length) return;
        const lastId = replies[replies.length - 1]!.id;
        const ctx: TurnContext = { org, candidate, conversation, seq, state: { ...state, lastHandledId: lastId } };
        db.update(conversations)
          .set({ assistantState: ctx.state as unknown as Record<string, unknown> })
          .where(eq(conversations.id, conversation.id))
          .run();
        if (notTextableReason(candidate, org)) {
          finish(conversation, candidate, candidate.optedOutAt != null ? 'OPTED_OUT' : 'HANDED_BACK');
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
            const row = say(
              org,
              candidate,
              "Thanks, {{firstName}}. I'll pass this to {{recruiterName}}, who will reply here.",
              `${keyBase}:handback`,
              state.campaignId,
            );
            if (row) sent.push(row);
            finish(conversation, candidate, 'NOT_UNDERSTOOD');
            return;
          }
          const row = say(org, candidate, `${seq.fallback} ${step.ask}`, `${keyBase}:retry`, state.campaignId);
          if (row) sent.push(row);
          db.update(conversations)
            .set({ assistantState: { ...ctx.state, retries } as unknown as Record<string, unknown> })
            .where(eq(conversations.id, conversation.id))
            .run();
          return;
        }
        if (step.save) saveAnswer(org.id, candidate, step.save.key, step.save.label, answered.display, seq.id, state.campaignId);
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
        follow(ctx, outcome, keyBase, sent);
      })
      .immediate();
    return sent;
  };

  function publish(orgId: number, candidateId: number, sent: MessageRow[]) {
    const candidate = db.select().from(candidates).where(eq(candidates.id, candidateId)).get();
    if (!candidate) return;
    for (const row of sent) events.publish(orgId, { type: 'message.created', data: messageJson(row, candidate.atsId) });
    const org = services.candidates.orgOf(orgId);
    events.publish(orgId, { type: 'candidate.updated', data: services.candidates.serialize(candidate, org, services.candidates.conversationOf(candidate.id)) });
    if (sent.length) services.outbox.kick();
  }

  function scheduleTurn(orgId: number, conversationId: number, candidateId: number) {
    if (pending.has(conversationId)) return;
    const cancel = clock.setTimeout(() => {
      pending.delete(conversationId);
      try {
        const sent = takeTurn(conversationId);
        publish(orgId, candidateId, sent);
      } catch (err) {
        log.error('assistant turn failed', { conversationId, error: err instanceof Error ? err.stack : String(err) });
      }
    }, ASSISTANT_GATHER_MS);
    pending.set(conversationId, cancel);
  }

  /** Starts a sequence on a conversation. `ask`: send the first question now (a hand-off); a campaign's own text asks it instead. */
  function start(org: Organization, candidate: Candidate, sequenceId: number, options: { ask: boolean; campaignId?: number | null }): MessageRow[] {
    const seq = loadSequence(org.id, sequenceId);
    if (!seq) return [];
    const conversation = services.candidates.ensureConversation(org.id, candidate.id);
    // A campaign starts Ari once per candidate: its later messages neither restart the sequence
    // (losing the candidate's place) nor undo the recruiter's take-over.
    const previous = conversation.assistantState as unknown as AssistantState | null;
    if (options.campaignId != null && previous?.campaignId === options.campaignId) return [];
    const now = clock.now();
    const lastInbound = db
      .select({ id: sql<number>`coalesce(max(${messages.id}), 0)` })
      .from(messages)
      .where(and(eq(messages.candidateId, candidate.id), eq(messages.direction, 'inbound')))
      .get()!.id;
    // The first question's key names the conversation's last message so far, not the time: a
    // second hand-off in the same millisecond (hand off, take over, hand off again) comes after
    // the first one's question, so its key differs; a hand-off that sent nothing used no key.
    const lastMessage = db
      .select({ id: sql<number>`coalesce(max(${messages.id}), 0)` })
      .from(messages)
      .where(eq(messages.candidateId, candidate.id))
      .get()!.id;
    const state: AssistantState = {
      stepId: seq.start,
      retries: 0,
      enteredAt: now,
      lastHandledId: lastInbound,
      reminded: false,
      campaignId: options.campaignId ?? null,
    };
    db.update(conversations)
      .set({
        assistantActive: true,
        assistantSequenceId: seq.id,
        assistantState: state as unknown as Record<string, unknown>,
        assistantHandback: null,
        assistantWakeAt: wakeAt(seq, now, false),
      })
      .where(eq(conversations.id, conversation.id))
      .run();
    if (!options.ask) return [];
    const row = say(org, candidate, stepOf(seq, seq.start).ask, `ari:${conversation.id}:start:${lastMessage}`, state.campaignId);
    return row ? [row] : [];
  }

  // Replies: answered after a short gathering pause. Keywords (STOP, HELP...) are never Ari's.
  const inboundHooks: InboundHooks = {
    afterInbound({ org, candidate, conversation, keyword }) {
      if (!org.assistantSubscribed) return;
      if (keyword) {
        if (candidate.optedOutAt != null && conversation?.assistantHandback == null && conversation?.assistantState) {
          finish(conversation, candidate, 'OPTED_OUT');
        }
        return;
      }
      if (conversation?.assistantActive) return scheduleTurn(org.id, conversation.id, candidate.id);
      // Someone who texts first, with no conversation yet: the primary inbound sequence greets them.
      if (org.primarySequenceId != null && !conversation?.assistantState && !hasOutbound(candidate.id) && !notTextableReason(candidate, org)) {
        scheduleGreeting(org.id, candidate.id);
      }
    },
  };

  /** The greeting waits for the same gathering pause, so "Hi" + "I saw your ad" get one greeting. */
  function scheduleGreeting(orgId: number, candidateId: number) {
    const conversationId = services.candidates.ensureConversation(orgId, candidateId).id;
    if (pending.has(conversationId)) return;
    const cancel = clock.setTimeout(() => {
      pending.delete(conversationId);
      try {
        const sent = db.transaction(() => {
          // Checked again: the recruiter may have texted or handed off meanwhile.
          const org = db.select().from(organizations).where(eq(organizations.id, orgId)).get()!;
          const candidate = db.select().from(candidates).where(eq(candidates.id, candidateId)).get()!;
          const conversation = services.candidates.conversationOf(candidateId);
          if (
            !org.assistantSubscribed ||
            org.primarySequenceId == null ||
            conversation?.assistantState ||
            hasOutbound(candidateId) ||
            notTextableReason(candidate, org)
          )
            return [];
          return start(org, candidate, org.primarySequenceId, { ask: true });
        });
        publish(orgId, candidateId, sent);
      } catch (err) {
        log.error('assistant greeting failed', { candidateId, error: err instanceof Error ? err.stack : String(err) });
      }
    }, ASSISTANT_GATHER_MS);
    pending.set(conversationId, cancel);
  }

  // Asked on every reply of a subscribing organisation: prepared once, and a yes remembered
  // (texts are never deleted, so a candidate who has been texted stays texted).
  const outboundOf = db.$client.prepare(`select 1 from messages where candidate_id = ? and direction = 'outbound' and sender <> 'system' limit 1`);
  const texted = new Set<number>();
  function hasOutbound(candidateId: number): boolean {
    if (texted.has(candidateId)) return true;
    if (!outboundOf.get(candidateId)) return false;
    if (texted.size >= ASSISTANT_TEXTED_CACHE_SIZE) texted.clear();
    texted.add(candidateId);
    return true;
  }

  // Reminders ride on the dispatcher's clock: it wakes for them and sends them like any text.
  const outboxHooks: OutboxHooks = {
    beforeRound(now) {
      const due = db
        .select()
        .from(conversations)
        .where(and(isNotNull(conversations.assistantWakeAt), lte(conversations.assistantWakeAt, now), eq(conversations.assistantActive, true)))
        .limit(200)
        .all();
      for (const conversation of due) {
        let ended = false;
        const sent = db.transaction(() => {
          const fresh = db.select().from(conversations).where(eq(conversations.id, conversation.id)).get();
          if (!fresh?.assistantActive || fresh.assistantWakeAt == null || fresh.assistantWakeAt > now) return [];
          const state = fresh.assistantState as unknown as AssistantState;
          const org = db.select().from(organizations).where(eq(organizations.id, fresh.orgId)).get()!;
          const candidate = db.select().from(candidates).where(eq(candidates.id, fresh.candidateId)).get()!;
          const seq = loadSequence(org.id, fresh.assistantSequenceId);
          // Opted out some other way (carrier error 21610, an ATS import): Ari ends here.
          if (notTextableReason(candidate, org)) {
            finish(fresh, candidate, candidate.optedOutAt != null ? 'OPTED_OUT' : 'HANDED_BACK');
            ended = true;
            return [];
          }
          // Unprompted, like a campaign text: it waits for the candidate's texting hours.
          const slot = nextAllowed(now, timeZoneOf(candidate, org), { startMinute: org.textingStartMinute, endMinute: org.textingEndMinute });
          if (seq?.reminder && slot.waited) {
            db.update(conversations).set({ assistantWakeAt: slot.at }).where(eq(conversations.id, fresh.id)).run();
            return [];
          }
          db.update(conversations)
            .set({ assistantWakeAt: null, assistantState: { ...state, reminded: true } as unknown as Record<string, unknown> })
            .where(eq(conversations.id, fresh.id))
            .run();
          if (!seq?.reminder) return [];
          // The sequence's reminder is written for its first question; later on, Ari nudges with
          // the question the candidate is at, so the answer to it still fits the step.
          const text = state.stepId === seq.start ? seq.reminder.text : `Just checking in, {{firstName}}. ${stepOf(seq, state.stepId).ask}`;
          const row = say(org, candidate, text, `ari:${fresh.id}:remind:${state.stepId}:${state.enteredAt}`, state.campaignId);
          return row ? [row] : [];
        });
        if (sent.length || ended) publish(conversation.orgId, conversation.candidateId, sent);
      }
    },
    nextWakeAt() {
      return (
        db
          .select({ at: sql<number | null>`min(${conversations.assistantWakeAt})` })
          .from(conversations)
          .where(eq(conversations.assistantActive, true))
          .get()?.at ?? null
      );
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
    stop(conversation: ConversationRow, candidate: Candidate) {
      pending.get(conversation.id)?.();
      pending.delete(conversation.id);
      finish(conversation, candidate, 'TAKEN_OVER');
    },
    /** A booking made on the booking page completes a booking step. */
    onBooked(org: Organization, candidate: Candidate, when: string): MessageRow[] {
      const sent: MessageRow[] = [];
      db.transaction(() => {
        const conversation = services.candidates.conversationOf(candidate.id);
        if (!conversation?.assistantActive) return;
        const seq = loadSequence(org.id, conversation.assistantSequenceId);
        const state = conversation.assistantState as unknown as AssistantState | null;
        if (!seq || !state) return;
        // Usually the candidate is at the booking step; a link from elsewhere (the scheduling
        // reminder is sent at the first question) books just the same and completes that step.
        const current = stepOf(seq, state.stepId);
        const step = current.expect.type === 'booking' ? current : seq.steps.find((s) => s.expect.type === 'booking');
        if (!step || step.expect.type !== 'booking') return;
        saveAnswer(org.id, candidate, step.save?.key ?? 'interview', step.save?.label ?? 'Interview', when, seq.id, state.campaignId);
        follow({ org, candidate, conversation, seq, state }, step.expect.then, `ari:${conversation.id}:booked:${clock.now()}`, sent);
      });
      return sent;
    },
    publish,
    /** Tests: answer pending replies now instead of after the gathering pause. */
    takeTurn,
  };
}

export type Assistant = ReturnType<typeof createAssistant>;
