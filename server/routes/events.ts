import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import type { AppEvent } from '../lib/events.js';
import { serve } from '../lib/contract-routes.js';
import type { AppEnv } from '../lib/http.js';
import type { AuthService } from '../services/auth.js';
import { streamEvents } from '../lib/sse.js';

/**
 * GET /api/events: the organisation's changes as server-sent events. Read with fetch (so the
 * Bearer header can be sent); a comment line when quiet keeps proxies from closing it, and at
 * each the sign-in is checked again: a stream ends when its token is revoked or expires.
 */
export function eventRoutes({ events, clock }: Deps, auth: Pick<AuthService, 'authenticate'>) {
  const router = new Hono<AppEnv>();
  serve(router)('events.stream', (c) => {
    const orgId = c.var.caller.org.id;
    const token = c.var.token;
    let id = 0;
    return streamEvents<AppEvent>(c, clock, {
      subscribe: (push, end) => events.subscribe(orgId, push, end),
      ready: () => ({ event: 'ready', data: JSON.stringify({ at: new Date(clock.now()).toISOString() }), id: String(id++) }),
      event: (event) => ({ event: event.type, data: JSON.stringify(event.data), id: String(id++) }),
      stillAllowed: async () => (await auth.authenticate(token)) != null,
    });
  });
  return router;
}
