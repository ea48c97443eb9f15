import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Deps } from '../deps.js';
import type { AppEvent } from '../lib/events.js';
import { serve } from '../lib/contract-routes.js';
import type { AppEnv } from '../lib/http.js';
import type { AuthService } from '../services/auth.js';

const HEARTBEAT_MS = 15_000;
/**
 * Events waiting for a client that reads too slowly: past this, the stream is closed rather than
 * let memory grow; the client reconnects and reloads what it shows (as after any reconnect).
 */
const MAX_QUEUED_EVENTS = 1000;

/**
 * GET /api/events: the organisation's changes as server-sent events. Read with fetch (so the
 * Bearer header can be sent); a comment line every 15 s keeps proxies from closing it, and at
 * each the sign-in is checked again: a stream ends when its token is revoked or expires.
 */
export function eventRoutes({ events, clock }: Deps, auth: Pick<AuthService, 'authenticate'>) {
  const router = new Hono<AppEnv>();
  serve(router)('events.stream', (c) => {
    const orgId = c.var.caller.org.id;
    const token = c.var.token;
    return streamSSE(c, async (stream) => {
      const queue: AppEvent[] = [];
      let overflowed = false;
      let wake: (() => void) | null = null;
      const unsubscribe = events.subscribe(orgId, (event) => {
        if (queue.length >= MAX_QUEUED_EVENTS) {
          overflowed = true;
          unsubscribe();
        } else queue.push(event);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      let id = 0;
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ at: new Date(clock.now()).toISOString() }), id: String(id++) });
      while (!stream.aborted && !stream.closed && !overflowed) {
        const event = queue.shift();
        if (event) {
          await stream.writeSSE({ event: event.type, data: JSON.stringify(event.data), id: String(id++) });
          continue;
        }
        let heartbeat = false;
        await new Promise<void>((resolve) => {
          const cancel = clock.setTimeout(() => {
            heartbeat = true;
            resolve();
          }, HEARTBEAT_MS);
          wake = () => {
            cancel();
            resolve();
          };
        });
        wake = null;
        if (!heartbeat || stream.aborted) continue;
        if (!auth.authenticate(token)) break;
        if (!queue.length) await stream.write(': keep-alive\n\n');
      }
      unsubscribe();
    });
  });
  return router;
}
