import { Hono } from 'hono';
import { ApiError } from '../lib/errors.js';
import { serve } from '../lib/contract-routes.js';
import type { AppEnv } from '../lib/http.js';
import type { Caller } from '../services/auth.js';
import type { Services } from '../services/index.js';

function requireAdmin(caller: Caller): void {
  if (!caller.recruiter.isAdmin) throw new ApiError(403, 'FORBIDDEN', 'Only administrators can manage integration keys.');
}

/** Integration keys for the ATS's sync jobs: created (shown once), listed and revoked by administrators. */
export function apiKeyRoutes(services: Services) {
  const router = new Hono<AppEnv>();
  const on = serve(router);
  on('apiKeys.create', (c, { body }) => {
    requireAdmin(c.var.caller);
    const { org, recruiter } = c.var.caller;
    return services.apiKeys.create(org, recruiter.id, body.name);
  });
  on('apiKeys.list', async (c) => {
    requireAdmin(c.var.caller);
    return { keys: await services.apiKeys.list(c.var.caller.org) };
  });
  on('apiKeys.revoke', async (c, { params }) => {
    requireAdmin(c.var.caller);
    await services.apiKeys.revoke(c.var.caller.org, params.id);
    return null;
  });
  return router;
}
