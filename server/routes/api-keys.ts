import { Hono } from 'hono';
import { ApiKeyBodySchema } from '../../shared/api.js';
import { ApiError, validation } from '../lib/errors.js';
import { validate, type AppEnv } from '../lib/http.js';
import type { Caller } from '../services/auth.js';
import type { Services } from '../services/index.js';

function requireAdmin(caller: Caller): void {
  if (!caller.recruiter.isAdmin) throw new ApiError(403, 'FORBIDDEN', 'Only administrators can manage integration keys.');
}

/** Integration keys for the ATS's sync jobs: created (shown once), listed and revoked by administrators. */
export function apiKeyRoutes(services: Services) {
  return new Hono<AppEnv>()
    .post('/', validate('json', ApiKeyBodySchema), (c) => {
      requireAdmin(c.var.caller);
      const { org, recruiter } = c.var.caller;
      return c.json(services.apiKeys.create(org, recruiter.id, c.req.valid('json').name), 201);
    })
    .get('/', (c) => {
      requireAdmin(c.var.caller);
      return c.json({ keys: services.apiKeys.list(c.var.caller.org) });
    })
    .delete('/:id', (c) => {
      requireAdmin(c.var.caller);
      const id = Number(c.req.param('id'));
      if (!Number.isSafeInteger(id) || id <= 0) throw validation('id must be a positive integer.');
      services.apiKeys.revoke(c.var.caller.org, id);
      return c.body(null, 204);
    });
}
