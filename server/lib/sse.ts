/**
 * Server-sent events from a live feed (the organisation's events, the simulator's phones): a
 * first event once subscribed, then each item as it comes, and a comment line whenever the feed
 * is quiet for EVENTS_HEARTBEAT_MS so proxies keep the connection open. Ends when the client goes.
 */
import type { Context } from 'hono';
import { streamSSE, type SSEMessage } from 'hono/streaming';
import { EVENTS_HEARTBEAT_MS } from '../tuning.js';

export interface EventFeed<T> {
  /** Starts handing items over; returns how to stop. */
  subscribe(push: (item: T) => void): () => void;
  /** The first event, sent once subscribed: nothing after it is missed. */
  ready(): SSEMessage;
  event(item: T): SSEMessage;
}

export function streamEvents<T>(c: Context, feed: EventFeed<T>): Response {
  return streamSSE(c, async (stream) => {
    const queue: T[] = [];
    let wake: (() => void) | null = null;
    const unsubscribe = feed.subscribe((item) => {
      queue.push(item);
      wake?.();
    });
    stream.onAbort(() => {
      unsubscribe();
      wake?.();
    });
    await stream.writeSSE(feed.ready());
    while (!stream.aborted && !stream.closed) {
      if (queue.length) {
        await stream.writeSSE(feed.event(queue.shift()!));
        continue;
      }
      await new Promise<void>((resolve) => {
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
}
