import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import type { AppEvent } from '../lib/events.js';
import type { AppEnv } from '../lib/http.js';
import { streamEvents } from '../lib/sse.js';

/**
 * GET /api/events: the organisation's changes as server-sent events. Read with fetch (so the
 * Bearer header can be sent); a comment line when quiet keeps proxies from closing it.
 */
export function eventRoutes({ events }: Deps) {
  return new Hono<AppEnv>().get('/', (c) => {
    const orgId = c.var.caller.org.id;
    let id = 0;
    return streamEvents<AppEvent>(c, {
      subscribe: (push) => events.subscribe(orgId, push),
      ready: () => ({ event: 'ready', data: JSON.stringify({ at: new Date().toISOString() }), id: String(id++) }),
      event: (event) => ({ event: event.type, data: JSON.stringify(event.data), id: String(id++) }),
    });
  });
}
