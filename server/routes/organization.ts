import { Hono } from 'hono';
import { serve } from '../lib/contract-routes.js';
import type { AppEnv } from '../lib/http.js';
import type { Services } from '../services/index.js';

/** GET /api/organization (everyone), PATCH (admins): texting hours, default time zone and country, send rate, senders. */
export function organizationRoutes(services: Services) {
  const router = new Hono<AppEnv>();
  const on = serve(router);
  on('organization.get', (c) => services.auth.serialize(c.var.caller.recruiter, c.var.caller.org).organization);
  on('organization.update', (c, { body }) => services.auth.serialize(c.var.caller.recruiter, services.organization.update(c.var.caller, body)).organization);
  return router;
}
