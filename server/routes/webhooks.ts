import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { ApiError } from '../lib/errors.js';
import { providerWebhooks } from '../providers/index.js';
import { WebhookRefused } from '../providers/types.js';
import type { Services } from '../services/index.js';

/**
 * Providers' webhooks (mounted at /webhooks): each provider's module verifies and reads its own
 * requests into events; this route only hands them to the inbound pipeline and answers as the
 * provider expects.
 */
export function webhookRoutes({ config }: Deps, services: Services) {
  const routes = new Hono();
  for (const webhook of providerWebhooks(config)) {
    routes.post(webhook.path, async (c) => {
      let event;
      try {
        event = webhook.read({ url: c.req.url, header: (name) => c.req.header(name), body: await c.req.text() });
      } catch (err) {
        if (err instanceof WebhookRefused) throw new ApiError(err.status, err.code, err.message);
        throw err;
      }
      await services.inbound.receive(webhook.source, event);
      const reply = webhook.reply;
      return reply.status === 204 ? c.body(null, 204) : c.body(reply.body, 200, { 'content-type': reply.contentType });
    });
  }
  return routes;
}
