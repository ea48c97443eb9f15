import { Hono } from 'hono';
import { serve } from '../lib/contract-routes.js';
import type { AppEnv } from '../lib/http.js';
import type { Services } from '../services/index.js';

export function campaignRoutes(services: Services) {
  const campaigns = services.campaigns;
  const router = new Hono<AppEnv>();
  const on = serve(router);
  on('campaigns.list', async (c, { query }) => ({ campaigns: await campaigns.list(c.var.caller, query.status, query.mine) }));
  on('campaigns.create', (c, { body }) => campaigns.create(c.var.caller, body));
  on('campaigns.get', (c, { params }) => campaigns.get(c.var.caller, params.id));
  on('campaigns.update', (c, { params, body }) => campaigns.update(c.var.caller, params.id, body));
  on('campaigns.delete', async (c, { params }) => {
    await campaigns.remove(c.var.caller, params.id);
    return null;
  });
  on('campaigns.recipients', (c, { params, query }) => campaigns.recipients(c.var.caller, params.id, query.limit, query.offset));
  on('campaigns.addCandidates', (c, { params, body }) => campaigns.addCandidates(c.var.caller, params.id, body.candidateIds));
  on('campaigns.removeCandidate', (c, { params }) => campaigns.removeCandidate(c.var.caller, params.id, params.candidateId));
  on('campaigns.previewMessage', (c, { params, body }) => campaigns.previewMessage(c.var.caller, params.id, body));
  on('campaigns.createMessage', (c, { params, body }) => campaigns.createMessage(c.var.caller, params.id, body));
  on('campaigns.getMessage', (c, { params }) => campaigns.getMessage(c.var.caller, params.id, params.messageId));
  on('campaigns.updateMessage', (c, { params, body }) => campaigns.updateMessage(c.var.caller, params.id, params.messageId, body));
  on('campaigns.deleteMessage', async (c, { params }) => {
    await campaigns.deleteMessage(c.var.caller, params.id, params.messageId);
    return null;
  });
  on('campaigns.scheduleMessage', (c, { params }) => campaigns.schedule(c.var.caller, params.id, params.messageId));
  return router;
}
