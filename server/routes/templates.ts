import { Hono } from 'hono';
import { serve } from '../lib/contract-routes.js';
import type { AppEnv } from '../lib/http.js';
import type { Services } from '../services/index.js';

/** GET /api/templates (everyone), POST/PATCH/DELETE (administrators). */
export function templateRoutes(services: Services) {
  const router = new Hono<AppEnv>();
  const on = serve(router);
  on('templates.list', async (c) => ({ templates: await services.templates.list(c.var.caller) }));
  on('templates.create', (c, { body }) => services.templates.create(c.var.caller, body));
  on('templates.update', (c, { params, body }) => services.templates.update(c.var.caller, params.id, body));
  on('templates.delete', async (c, { params }) => {
    await services.templates.delete(c.var.caller, params.id);
    return null;
  });
  return router;
}
