import { Hono } from 'hono';
import { AssistantBodySchema, IdempotencyKeySchema, MessagePageQuerySchema, SendMessageBodySchema } from '../../shared/api.js';
import { validation } from '../lib/errors.js';
import { validate, type AppEnv } from '../lib/http.js';
import type { Services } from '../services/index.js';

/** A recruiter's side of a candidate: the conversation, texting, read state and Ari (look-up and data: candidate-data.ts). */
export function candidateRoutes(services: Services) {
  return new Hono<AppEnv>()
    .get('/:id/messages', validate('query', MessagePageQuerySchema), (c) => {
      const { after, limit } = c.req.valid('query');
      return c.body(services.conversations.listJson(c.var.caller, c.req.param('id'), after, limit), 200, { 'content-type': 'application/json' });
    })
    .post('/:id/messages', validate('json', SendMessageBodySchema), (c) => {
      const header = c.req.header('idempotency-key');
      let key: string | undefined;
      if (header !== undefined) {
        const parsed = IdempotencyKeySchema.safeParse(header);
        if (!parsed.success) throw validation(`Idempotency-Key: ${parsed.error.issues[0]!.message}`);
        key = parsed.data;
      }
      const result = services.conversations.send(c.var.caller, c.req.param('id'), c.req.valid('json'), key);
      if (result.replayed) c.header('Idempotent-Replayed', 'true');
      return c.json(result.message, 202);
    })
    .post('/:id/read', (c) => c.json(services.conversations.markRead(c.var.caller, c.req.param('id'))))
    .get('/:id/assistant', (c) => c.json(services.conversations.assistantInfo(c.var.caller, c.req.param('id'))))
    .post('/:id/assistant', validate('json', AssistantBodySchema), (c) =>
      c.json(services.conversations.setAssistant(c.var.caller, c.req.param('id'), c.req.valid('json'))),
    );
}
