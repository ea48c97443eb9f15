import { Hono } from 'hono';
import { serve } from '../lib/contract-routes.js';
import type { AppEnv } from '../lib/http.js';
import type { Services } from '../services/index.js';

/** GET /api/organization (everyone), PATCH (admins): texting hours, default time zone and country, send rate, senders. */
export function organizationRoutes(services: Services) {
  const router = new Hono<AppEnv>();
  const on = serve(router);
  on('organization.get', async (c) => (await services.auth.serialize(c.var.caller.recruiter, c.var.caller.org)).organization);
  on('organization.update', async (c, { body }) => {
    const org = await services.organization.update(c.var.caller, body);
    return (await services.auth.serialize(c.var.caller.recruiter, org)).organization;
  });
  return router;
}
