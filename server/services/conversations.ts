/**
 * One-to-one texting: reading a candidate's thread and a recruiter's send.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Message } from '../../shared/api.js';
import { missingMergeValues, renderMergeFields, unknownMergeFields, type MergeValues } from '../../shared/merge-fields.js';
import { characterCount, MAX_BODY_CHARACTERS } from '../../shared/segments.js';
import { conversations, messages, recruiters, sequences, templates } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { ApiError, notFound, validation } from '../lib/errors.js';
import type { Caller } from './auth.js';
import type { CandidateService } from './candidates.js';
import { messageJson, type MessageRow } from './message-json.js';
import { PRIORITY, type Outbox } from './outbox.js';
import { notTextableReason, REASON_MESSAGES, whatsappWindowOpen, type Candidate } from './textability.js';

export interface SendResult {
  message: Message;
  /** True when this answers a repeated request (same Idempotency-Key): nothing new was sent. */
  replayed: boolean;
}

export function mergeValuesFor(candidate: Candidate, recruiter: { name: string; bookingSlug: string }, publicUrl: string, jobTitle?: string | null): MergeValues {
  return {
    firstName: candidate.firstName,
    lastName: candidate.lastName,
    jobTitle: jobTitle ?? candidate.jobTitle,
    recruiterName: recruiter.name,
    calendarLink: `${publicUrl}/book/${recruiter.bookingSlug}?c=${encodeURIComponent(candidate.atsId)}`,
  };
}

/** Checks a body before anything is queued; returns the rendered text. */
export function renderBody(body: string, values: MergeValues): string {
  if (!body.trim()) throw validation('Write a message first: the body is empty.');
  const unknown = unknownMergeFields(body);
  if (unknown.length) {
    throw validation(`Unknown merge field${unknown.length > 1 ? 's' : ''}: ${unknown.map((f) => `{{${f}}}`).join(', ')}.`, { unknownFields: unknown });
  }
  const missing = missingMergeValues(body, values);
  if (missing.length) {
    throw validation(`No value for ${missing.map((f) => `{{${f}}}`).join(', ')} for this candidate.`, { missingFields: missing });
  }
  const rendered = renderMergeFields(body, values);
  const length = characterCount(rendered);
  if (length > MAX_BODY_CHARACTERS) {
    throw validation(`The message is ${length} characters; the limit is ${MAX_BODY_CHARACTERS}.`, { characters: length });
  }
  return rendered;
}

export function createConversationService(deps: Deps, services: { candidates: CandidateService; outbox: Outbox }) {
  const { db, clock, config, events } = deps;

  function recruiterNames(orgId: number): Map<number, string> {
    return new Map(
      db.select({ id: recruiters.id, name: recruiters.name }).from(recruiters).where(eq(recruiters.orgId, orgId)).all().map((r) => [r.id, r.name]),
    );
  }

  return {
    /** Oldest first, paged by message id. */
    list(caller: Caller, atsId: string, after: number | undefined, limit: number) {
      const candidate = services.candidates.get(caller.org, atsId);
      const rows = db
        .select()
        .from(messages)
        .where(and(eq(messages.candidateId, candidate.id), after ? gt(messages.id, after) : undefined))
        .orderBy(asc(messages.id))
        .limit(limit + 1)
        .all();
      const page = rows.slice(0, limit);
      const names = recruiterNames(caller.org.id);
      return {
        messages: page.map((row) => messageJson(row, candidate.atsId, row.recruiterId != null ? names.get(row.recruiterId) : null)),
        nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
      };
    },

    send(caller: Caller, atsId: string, input: { body: string; templateId?: number }, idempotencyKey: string | undefined): SendResult {
      const { org, recruiter } = caller;
      if (!recruiter.licensed) throw new ApiError(403, 'NOT_LICENSED', 'You need a Text Engagement licence to send texts. Ask your administrator.');
      const candidate = services.candidates.get(org, atsId);
      const key = `recruiter:${recruiter.id}:${idempotencyKey ?? randomUUID()}`;

      let template: typeof templates.$inferSelect | undefined;
      if (input.templateId != null) {
        template = db.select().from(templates).where(and(eq(templates.id, input.templateId), eq(templates.orgId, org.id))).get();
        if (!template) throw notFound('Template');
      }
      const body = input.body.trim() ? input.body : (template?.body ?? '');
      const rendered = renderBody(body, mergeValuesFor(candidate, recruiter, config.publicUrl));

      const replay = () => {
        const existing = db.select().from(messages).where(and(eq(messages.orgId, org.id), eq(messages.idempotencyKey, key))).get();
        if (!existing) return null;
        if (existing.candidateId !== candidate.id || existing.body !== rendered) {
          throw new ApiError(409, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different message.');
        }
        return { message: messageJson(existing, candidate.atsId, recruiter.name), replayed: true };
      };
      const earlier = replay();
      if (earlier) return earlier;

      const reason = notTextableReason(candidate, org);
      if (reason) throw new ApiError(409, reason, REASON_MESSAGES[reason]);
      // An approved template may open a WhatsApp conversation; free text only inside the window.
      const usesApprovedTemplate = !!template?.whatsappApproved && body === template.body;
      if (!whatsappWindowOpen(candidate, clock.now()) && !usesApprovedTemplate) {
        throw new ApiError(409, 'WHATSAPP_WINDOW_CLOSED', REASON_MESSAGES.WHATSAPP_WINDOW_CLOSED);
      }

      let row: MessageRow;
      try {
        row = db.transaction(() => {
          services.candidates.ensureConversation(org.id, candidate.id);
          const queued = services.outbox.enqueue({
            org,
            candidate,
            body: rendered,
            sender: 'recruiter',
            recruiterId: recruiter.id,
            templateId: usesApprovedTemplate ? template!.id : null,
            idempotencyKey: key,
            priority: PRIORITY.conversation,
          });
          db.update(conversations)
            .set({ lastMessageAt: queued.createdAt, unreadCount: 0 })
            .where(eq(conversations.candidateId, candidate.id))
            .run();
          return queued;
        });
      } catch (err) {
        // Two identical requests racing: the unique key let one in; answer the other with it.
        if (err instanceof Error && 'code' in err && String(err.code).startsWith('SQLITE_CONSTRAINT')) {
          const earlier = replay();
          if (earlier) return earlier;
        }
        throw err;
      }
      const message = messageJson(row, candidate.atsId, recruiter.name);
      events.publish(org.id, { type: 'message.created', data: message });
      services.outbox.kick();
      return { message, replayed: false };
    },

    /** The recruiter has seen the thread: its replies no longer count as unread. */
    markRead(caller: Caller, atsId: string) {
      const candidate = services.candidates.get(caller.org, atsId);
      const conversation = services.candidates.ensureConversation(caller.org.id, candidate.id);
      if (conversation.unreadCount > 0) {
        db.update(conversations).set({ unreadCount: 0 }).where(eq(conversations.id, conversation.id)).run();
        events.publish(caller.org.id, {
          type: 'candidate.updated',
          data: services.candidates.serialize(candidate, caller.org, { ...conversation, unreadCount: 0 }),
        });
      }
      return { unreadCount: 0 };
    },

    unreadTotal(orgId: number): number {
      const row = db
        .select({ total: sql<number>`coalesce(sum(${conversations.unreadCount}), 0)` })
        .from(conversations)
        .where(eq(conversations.orgId, orgId))
        .get();
      return row?.total ?? 0;
    },

    /** Hand the conversation to Ari, or take it back. */
    setAssistant(caller: Caller, atsId: string, input: { active: boolean; sequenceId?: number }) {
      const { org } = caller;
      if (!org.assistantSubscribed) {
        throw new ApiError(403, 'ASSISTANT_NOT_SUBSCRIBED', 'Your organization does not subscribe to the digital assistant.');
      }
      if (!caller.recruiter.licensed) throw new ApiError(403, 'NOT_LICENSED', 'You need a Text Engagement licence to hand conversations to Ari.');
      const candidate = services.candidates.get(org, atsId);
      const conversation = services.candidates.ensureConversation(org.id, candidate.id);
      let sequenceId: number | null = null;
      if (input.active) {
        const reason = notTextableReason(candidate, org);
        if (reason) throw new ApiError(409, reason, REASON_MESSAGES[reason]);
        sequenceId = input.sequenceId ?? org.primarySequenceId ?? null;
        if (sequenceId == null) throw new ApiError(409, 'NO_SEQUENCE', 'Your organization has no primary sequence for Ari yet.');
        const sequence = db.select().from(sequences).where(and(eq(sequences.id, sequenceId), eq(sequences.orgId, org.id))).get();
        if (!sequence) throw notFound('Sequence');
      }
      const updated = db
        .update(conversations)
        .set({
          assistantActive: input.active,
          assistantSequenceId: input.active ? sequenceId : conversation.assistantSequenceId,
          assistantState: input.active ? { stepId: null, retries: 0, startedAt: clock.now() } : conversation.assistantState,
        })
        .where(eq(conversations.id, conversation.id))
        .returning()
        .get();
      const json = services.candidates.serialize(candidate, org, updated);
      events.publish(org.id, { type: 'candidate.updated', data: json });
      return json;
    },
  };
}

export type ConversationService = ReturnType<typeof createConversationService>;
