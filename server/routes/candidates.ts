import { Hono } from 'hono';
import { serve } from '../lib/contract-routes.js';
import type { AppEnv } from '../lib/http.js';
import type { Services } from '../services/index.js';

/** A recruiter's side of a candidate: the conversation, texting, read state and Ari (look-up and data: candidate-data.ts). */
export function candidateRoutes(services: Services) {
  const router = new Hono<AppEnv>();
  const on = serve(router);
  on('messages.list', async (c, { params, query }) =>
    // Serialized by the service in one pass (server/services/message-json.ts), so sent as it is.
    c.body(await services.conversations.listJson(c.var.caller, params.id, query.after, query.limit), 200, { 'content-type': 'application/json' }),
  );
  on('messages.send', async (c, { params, headers, body }) => {
    const result = await services.conversations.send(c.var.caller, params.id, body, headers['Idempotency-Key']);
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    return result.message;
  });
  on('messages.markRead', (c, { params }) => services.conversations.markRead(c.var.caller, params.id));
  on('assistant.get', (c, { params }) => services.conversations.assistantInfo(c.var.caller, params.id));
  on('assistant.set', (c, { params, body }) => services.conversations.setAssistant(c.var.caller, params.id, body));
  return router;
}
