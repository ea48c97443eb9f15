/**
 * Server-sent events from a live feed (the organisation's events, the simulator's phones): a
 * first event once subscribed, then each item as it comes, and a comment line whenever the feed
 * is quiet for EVENTS_HEARTBEAT_MS so proxies keep the connection open. Ends when the client goes,
 * when the feed says at a heartbeat that the client may no longer read it (its sign-in was revoked
 * or expired), or when more than EVENTS_MAX_QUEUED items wait for a client that reads too slowly.
 */
import type { Context } from 'hono';
import { streamSSE, type SSEMessage } from 'hono/streaming';
import type { Clock } from './clock.js';
import { EVENTS_HEARTBEAT_MS, EVENTS_MAX_QUEUED } from '../tuning.js';

export interface EventFeed<T> {
  /** Starts handing items over; `end()` closes the stream (the server is shutting down); returns how to stop. */
  subscribe(push: (item: T) => void, end: () => void): () => void;
  /** The first event, sent once subscribed: nothing after it is missed. */
  ready(): SSEMessage;
  event(item: T): SSEMessage;
  /** Asked at each heartbeat: false ends the stream. */
  stillAllowed?(): boolean | Promise<boolean>;
}

export function streamEvents<T>(c: Context, clock: Clock, feed: EventFeed<T>): Response {
  return streamSSE(c, async (stream) => {
    const queue: T[] = [];
    let overflowed = false;
    let ended = false;
    let wake: (() => void) | null = null;
    const unsubscribe = feed.subscribe(
      (item) => {
        if (queue.length >= EVENTS_MAX_QUEUED) {
          overflowed = true;
          unsubscribe();
        } else queue.push(item);
        wake?.();
      },
      () => {
        // The client reconnects (through the load balancer, to an instance that stays) and refetches.
        ended = true;
        wake?.();
      },
    );
    stream.onAbort(() => {
      unsubscribe();
      wake?.();
    });
    await stream.writeSSE(feed.ready());
    while (!stream.aborted && !stream.closed && !overflowed && !ended) {
      if (queue.length) {
        await stream.writeSSE(feed.event(queue.shift()!));
        continue;
      }
      let heartbeat = false;
      await new Promise<void>((resolve) => {
        const cancel = clock.setTimeout(() => {
          heartbeat = true;
          resolve();
        }, EVENTS_HEARTBEAT_MS);
        wake = () => {
          cancel();
          resolve();
        };
      });
      wake = null;
      if (!heartbeat || stream.aborted) continue;
      if (feed.stillAllowed && !(await feed.stillAllowed())) break;
      if (!queue.length) await stream.write(': keep-alive\n\n');
    }
    unsubscribe();
  });
}
