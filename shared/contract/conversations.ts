/** A recruiter's side of one candidate: the conversation, texting, read state, Ari. */
import { z } from 'zod';
import {
  AssistantBodySchema,
  AssistantInfoSchema,
  CandidateSchema,
  IdempotencyKeySchema,
  MessagePageQuerySchema,
  MessagePageSchema,
  MessageSchema,
  SendMessageBodySchema,
} from '../api.js';
import { endpoint } from './define.js';
import { CandidateIdParam } from './params.js';

const candidatePath = z.object({ id: CandidateIdParam });

export const conversationEndpoints = {
  'messages.list': endpoint({
    method: 'GET',
    path: '/api/candidates/:id/messages',
    summary: 'The conversation, oldest first (cursor: after)',
    tag: 'messages',
    params: candidatePath,
    query: MessagePageQuerySchema,
    answers: 'A page of messages',
    output: MessagePageSchema,
    errors: [400, 401, 404],
  }),
  'messages.send': endpoint({
    method: 'POST',
    path: '/api/candidates/:id/messages',
    summary: 'Text a candidate',
    tag: 'messages',
    params: candidatePath,
    headers: z.object({
      'Idempotency-Key': IdempotencyKeySchema.optional().meta({
        description: 'Optional; the same key never sends twice (the first message is returned with Idempotent-Replayed: true).',
      }),
    }),
    body: SendMessageBodySchema,
    status: 202,
    answers: 'Queued for delivery',
    output: MessageSchema,
    errors: [400, 401, 403, 404, 409, 415],
  }),
  'messages.markRead': endpoint({
    method: 'POST',
    path: '/api/candidates/:id/read',
    summary: 'Mark the conversation read',
    tag: 'messages',
    params: candidatePath,
    answers: 'Unread count now 0',
    output: z.object({ unreadCount: z.number() }),
    errors: [401, 404],
  }),
  'assistant.get': endpoint({
    method: 'GET',
    path: '/api/candidates/:id/assistant',
    summary: 'What Ari is doing for the candidate: sequence, step, hand-back reason, collected answers, booking',
    tag: 'assistant',
    params: candidatePath,
    answers: 'Assistant state',
    output: AssistantInfoSchema,
    errors: [401, 404],
  }),
  'assistant.set': endpoint({
    method: 'POST',
    path: '/api/candidates/:id/assistant',
    summary: 'Hand the conversation to Ari ({active:true}) or take it back',
    tag: 'assistant',
    params: candidatePath,
    body: AssistantBodySchema,
    answers: 'The candidate',
    output: CandidateSchema,
    errors: [400, 401, 403, 404, 409],
  }),
};
