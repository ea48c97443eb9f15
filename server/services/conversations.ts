/**
 * One-to-one texting: reading a candidate's thread and a recruiter's send.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { AssistantInfo, Message, MessageMedia } from '../../shared/api.js';
import { whatsappSendForm } from '../../shared/whatsapp.js';
import { first } from '../db/types.js';
import type { Deps } from '../deps.js';
import { ApiError, notFound } from '../lib/errors.js';
import type { Assistant } from '../assistant/engine.js';
import type { Caller } from './auth.js';
import type { BookingService } from './bookings.js';
import type { CandidateService } from './candidates.js';
import { mergeValuesFor, renderBody, renderContentVariables } from './message-body.js';
import { mediaJson } from './media.js';
import { messageJson, type MessageJsonSource, type MessageRow } from './message-json.js';
import { PRIORITY, type Outbox } from './outbox.js';
import type { TemplateService } from './templates.js';
import { notTextableReason, REASON_MESSAGES, whatsappWindowOpen } from './textability.js';

export interface SendResult {
  message: Message;
  /** True when this answers a repeated request (same Idempotency-Key): nothing new was sent. */
  replayed: boolean;
}

export function createConversationService(
  deps: Deps,
  services: { candidates: CandidateService; outbox: Outbox; assistant: Assistant; bookings: BookingService; templates: TemplateService },
) {
  const { db, clock, config, events } = deps;
  const { conversations, messages, sequences } = db.t;

  // A thread is read every time a profile opens, and threads grow long: SQLite builds the page's
  // JSON itself (one string, no object per message), in exactly messageJson()'s shape (a test
  // holds the two together, thread-json.test.ts).
  const iso = (column: string) =>
    `case when ${column} is null then null else strftime('%Y-%m-%dT%H:%M:%S', ${column} / 1000, 'unixepoch') || '.' || printf('%03d', ${column} % 1000) || 'Z' end`;
  const threadPage = db.stmt(
    `select coalesce(json_group_array(json_object(
       'id', m.id, 'candidateId', @atsId, 'direction', m.direction, 'channel', m.channel, 'body', m.body,
       'status', m.status, 'encoding', m.encoding, 'segments', m.segments, 'sender', m.sender,
       'senderName', case m.sender when 'assistant' then 'Ari' when 'system' then 'Automatic reply' when 'recruiter' then r.name end,
       'errorCode', m.error_code, 'errorMessage', m.error_message, 'campaignId', m.campaign_id,
       'createdAt', ${iso('m.created_at')}, 'sentAt', ${iso('m.sent_at')}, 'deliveredAt', ${iso('m.delivered_at')},
       'media', json((select coalesce(json_group_array(json_object('url', '/api/media/' || mm.id, 'contentType', mm.content_type, 'status', mm.status)), '[]')
         from (select id, content_type, status from message_media where message_id = m.id order by idx) mm))
     ) order by m.id), '[]') as json, max(m.id) as "lastId"
     from (select * from messages where candidate_id = @candidateId and id > @after order by id limit @limit) m
     left join recruiters r on r.id = m.recruiter_id`,
  );
  // PostgreSQL reads the page's rows (only the columns their JSON uses) and their media, and the
  // JSON is messageJson()'s own: building it in SQL there (json_build_object, to_char for each
  // timestamp) cost ~8 ms more per 1,000 messages than reading the rows (bench/thread-read-pg.ts).
  const threadRows = db.stmt(
    `select m.id, m.direction, m.channel, m.body, m.status, m.encoding, m.segments, m.sender, m.error_code as "errorCode",
       m.error_message as "errorMessage", m.campaign_id as "campaignId", m.created_at as "createdAt", m.sent_at as "sentAt",
       m.delivered_at as "deliveredAt", r.name as "recruiterName"
     from (select * from messages where candidate_id = ? and id > ? order by id limit ?) m
     left join recruiters r on r.id = m.recruiter_id order by m.id`,
  );
  // Only replies carry pictures and files: their ids, as one JSON array.
  const threadMedia = db.stmt(
    `select id, message_id as "messageId", content_type as "contentType", status from message_media
     where message_id in (select value from json_each(?)) order by message_id, idx`,
    `select id, message_id as "messageId", content_type as "contentType", status from message_media
     where message_id in (select json_array_elements_text(?::json)::bigint) order by message_id, idx`,
  );

  /** The page as PostgreSQL serves it: rows, then messageJson() for each. */
  async function pageFromRows(atsId: string, candidateId: number, after: number, limit: number): Promise<{ json: string; lastId: number | null }> {
    const rows = await db.all<MessageJsonSource & { recruiterName: string | null }>(threadRows, candidateId, after, limit);
    const media = new Map<number, MessageMedia[]>();
    const inbound = rows.filter((row) => row.direction === 'inbound').map((row) => row.id);
    if (inbound.length) {
      for (const item of await db.all<{ id: number; messageId: number; contentType: string; status: MessageMedia['status'] }>(
        threadMedia,
        JSON.stringify(inbound),
      )) {
        const list = media.get(item.messageId) ?? [];
        list.push(mediaJson(item));
        media.set(item.messageId, list);
      }
    }
    return {
      json: JSON.stringify(rows.map((row) => messageJson(row, atsId, row.recruiterName, media.get(row.id)))),
      lastId: rows.at(-1)?.id ?? null,
    };
  }

  const hasMoreAfter = db.stmt(`select 1 from messages where candidate_id = ? and id > ? limit 1`);

  return {
    /** A page of the conversation, oldest first, paged by message id: `{"messages":[...],"nextCursor":n|null}` as JSON text. */
    async listJson(caller: Caller, atsId: string, after: number | undefined, limit: number): Promise<string> {
      const candidate = await services.candidates.get(caller.org, atsId);
      const page =
        db.engine === 'pg'
          ? await pageFromRows(candidate.atsId, candidate.id, after ?? 0, limit)
          : (await db.get<{ json: string; lastId: number | null }>(threadPage, {
              atsId: candidate.atsId,
              candidateId: candidate.id,
              after: after ?? 0,
              limit,
            }))!;
      const nextCursor = page.lastId != null && (await db.get(hasMoreAfter, candidate.id, page.lastId)) ? page.lastId : null;
      return `{"messages":${page.json},"nextCursor":${nextCursor}}`;
    },

    async send(caller: Caller, atsId: string, input: { body?: string; templateId?: number }, idempotencyKey: string | undefined): Promise<SendResult> {
      const { org, recruiter } = caller;
      if (!recruiter.licensed) throw new ApiError(403, 'NOT_LICENSED', 'You need a Text Engagement licence to send texts. Ask your administrator.');
      const candidate = await services.candidates.get(org, atsId);
      const key = `recruiter:${recruiter.id}:${idempotencyKey ?? randomUUID()}`;

      const template = input.templateId != null ? await services.templates.get(org.id, input.templateId) : undefined;
      // No body (or a blank one) with a template: the template as it is.
      const body = input.body?.trim() ? input.body : (template?.body ?? input.body ?? '');
      const values = mergeValuesFor({ candidate, recruiter, org, publicUrl: config.publicUrl, linkExpiresAt: clock.now() + config.bookingLinkTtlMs });
      const rendered = renderBody(body, values);
      const form = whatsappSendForm({ channel: candidate.channel, windowOpen: whatsappWindowOpen(candidate, clock.now()), template, body });
      const content = form === 'content' ? { sid: template!.contentSid!, variables: renderContentVariables(template!.contentVariables ?? {}, values) } : null;

      const replay = async () => {
        const existing = await first(
          db.orm
            .select()
            .from(messages)
            .where(and(eq(messages.orgId, org.id), eq(messages.idempotencyKey, key))),
        );
        if (!existing) return null;
        if (existing.candidateId !== candidate.id || existing.body !== rendered || existing.templateId !== (template?.id ?? null)) {
          throw new ApiError(409, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different message.');
        }
        return { message: messageJson(existing, candidate.atsId, recruiter.name), replayed: true };
      };
      const earlier = await replay();
      if (earlier) return earlier;

      const reason = notTextableReason(candidate, org);
      if (reason) throw new ApiError(409, reason, REASON_MESSAGES[reason]);
      // Outside WhatsApp's window only a template with approved content goes, as that content.
      if (typeof form === 'object') throw new ApiError(409, form.refused, REASON_MESSAGES[form.refused]);

      let row: MessageRow;
      try {
        row = await db.tx(async (tx) => {
          await services.candidates.ensureConversation(org.id, candidate.id, tx);
          const queued = await services.outbox.enqueue(
            {
              org,
              candidate,
              body: rendered,
              sender: 'recruiter',
              recruiterId: recruiter.id,
              templateId: template?.id ?? null,
              content,
              idempotencyKey: key,
              priority: PRIORITY.conversation,
            },
            tx,
          );
          await tx.orm.update(conversations).set({ lastMessageAt: queued.createdAt, unreadCount: 0 }).where(eq(conversations.candidateId, candidate.id));
          return queued;
        });
      } catch (err) {
        // Two identical requests racing: the unique key let one in; answer the other with it, read
        // after this one's transaction rolled back (on PostgreSQL the failed insert ends it).
        if (db.isUniqueViolation(err)) {
          const earlier = await replay();
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
    async markRead(caller: Caller, atsId: string) {
      const candidate = await services.candidates.get(caller.org, atsId);
      const conversation = await services.candidates.ensureConversation(caller.org.id, candidate.id);
      if (conversation.unreadCount > 0) {
        await db.orm.update(conversations).set({ unreadCount: 0 }).where(eq(conversations.id, conversation.id));
        events.publish(caller.org.id, {
          type: 'candidate.updated',
          data: services.candidates.serialize(candidate, caller.org, { ...conversation, unreadCount: 0 }),
        });
      }
      return { unreadCount: 0 };
    },

    async unreadTotal(orgId: number): Promise<number> {
      const [row] = await db.orm
        .select({ total: sql<number>`coalesce(sum(${conversations.unreadCount}), 0)` })
        .from(conversations)
        .where(eq(conversations.orgId, orgId));
      return row?.total ?? 0;
    },

    /** What Ari is doing for this candidate: the sequence and step, why it handed back, the answers, the booking. */
    async assistantInfo(caller: Caller, atsId: string) {
      const candidate = await services.candidates.get(caller.org, atsId);
      const conversation = await services.candidates.conversationOf(candidate.id);
      const sequence =
        conversation?.assistantSequenceId != null ? await services.assistant.loadSequence(caller.org.id, conversation.assistantSequenceId) : null;
      const state = conversation?.assistantState as { stepId?: string } | null | undefined;
      const booking = await services.bookings.upcomingFor(candidate.id);
      return {
        active: conversation?.assistantActive ?? false,
        sequence: sequence ? { id: sequence.id, name: sequence.name } : null,
        stepId: conversation?.assistantActive ? (state?.stepId ?? null) : null,
        // Stored as JSON by the assistant (server/assistant/engine.ts), in the shape AssistantInfo declares.
        handback: conversation?.assistantActive ? null : ((conversation?.assistantHandback as AssistantInfo['handback']) ?? null),
        answers: await services.assistant.answersOf(candidate.id),
        booking: booking ? { startsAt: new Date(booking.startsAt).toISOString(), endsAt: new Date(booking.endsAt).toISOString() } : null,
      };
    },

    /** Hand the conversation to Ari (who greets the candidate with the sequence's first question), or take it back. */
    async setAssistant(caller: Caller, atsId: string, input: { active: boolean; sequenceId?: number }) {
      const { org } = caller;
      if (!org.assistantSubscribed) {
        throw new ApiError(403, 'ASSISTANT_NOT_SUBSCRIBED', 'Your organization does not subscribe to the digital assistant.');
      }
      if (!caller.recruiter.licensed) throw new ApiError(403, 'NOT_LICENSED', 'You need a Text Engagement licence to hand conversations to Ari.');
      const candidate = await services.candidates.get(org, atsId);
      const conversation = await services.candidates.ensureConversation(org.id, candidate.id);
      let sent: MessageRow[] = [];
      if (input.active) {
        const reason = notTextableReason(candidate, org);
        if (reason) throw new ApiError(409, reason, REASON_MESSAGES[reason]);
        if (!whatsappWindowOpen(candidate, clock.now())) throw new ApiError(409, 'WHATSAPP_WINDOW_CLOSED', REASON_MESSAGES.WHATSAPP_WINDOW_CLOSED);
        const sequenceId = input.sequenceId ?? org.primarySequenceId ?? null;
        if (sequenceId == null) throw new ApiError(409, 'NO_SEQUENCE', 'Your organization has no primary sequence for Ari yet.');
        const sequence = await first(
          db.orm
            .select()
            .from(sequences)
            .where(and(eq(sequences.id, sequenceId), eq(sequences.orgId, org.id))),
        );
        if (!sequence) throw notFound('Sequence');
        if (!(await services.assistant.loadSequence(org.id, sequenceId)))
          throw new ApiError(409, 'SEQUENCE_INVALID', 'That sequence is not valid any more; fix it first.');
        // Checked again inside: two hand-offs at once start the sequence (and ask its first question) once.
        sent = await db.tx(
          async (tx) => {
            const current = await services.candidates.conversationOf(candidate.id, tx);
            if (current?.assistantActive && current.assistantSequenceId === sequenceId) return [];
            return services.assistant.start(org, candidate, sequenceId, { ask: true }, tx);
          },
          // Race: two hand-offs (or one and Ari's own turn) moving the conversation at once.
          { write: true, locks: [['conversation', conversation.id]] },
        );
      } else if (conversation.assistantActive) {
        await services.assistant.stop(conversation, candidate);
      }
      await services.assistant.publish(org.id, candidate.id, sent);
      return services.candidates.serialize(candidate, org, await services.candidates.conversationOf(candidate.id));
    },
  };
}

export type ConversationService = ReturnType<typeof createConversationService>;
