import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Deps } from '../deps.js';
import type { AppEvent } from '../lib/events.js';
import type { AppEnv } from '../lib/http.js';
import { EVENTS_HEARTBEAT_MS } from '../tuning.js';

/**
 * GET /api/events: the organisation's changes as server-sent events. Read with fetch (so the
 * Bearer header can be sent); a comment line now and then (EVENTS_HEARTBEAT_MS) keeps proxies from closing it.
 */
export function eventRoutes({ events }: Deps) {
  return new Hono<AppEnv>().get('/', (c) => {
    const orgId = c.var.caller.org.id;
    return streamSSE(c, async (stream) => {
      const queue: AppEvent[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = events.subscribe(orgId, (event) => {
        queue.push(event);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      let id = 0;
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ at: new Date().toISOString() }), id: String(id++) });
      while (!stream.aborted && !stream.closed) {
        const event = queue.shift();
        if (event) {
          await stream.writeSSE({ event: event.type, data: JSON.stringify(event.data), id: String(id++) });
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          const timer = setTimeout(resolve, EVENTS_HEARTBEAT_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
        if (!queue.length && !stream.aborted) await stream.write(': keep-alive\n\n');
      }
      unsubscribe();
    });
  });
}
