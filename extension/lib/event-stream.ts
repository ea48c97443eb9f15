/**
 * Reads the server's /api/events (server-sent events; opened by the API client with fetch, so the
 * Bearer header can be sent) and reconnects with exponential backoff and jitter until stopped.
 * Each event is parsed with its payload schema from the contract (lib/server-events.ts) before it
 * is handed on.
 */
import type { ServerEvent } from '../../shared/contract';
import { readEventStream, type ServerSentEvent } from '../../shared/sse';
import { openEventStream } from './api-client';
import type { RelayError } from './protocol';
import { parseServerEvent } from './server-events';
import { STREAM_RETRY_FIRST_MS, STREAM_RETRY_MOST_MS } from './tuning';

export interface EventStreamOptions {
  url: () => Promise<string | null>;
  token: () => Promise<string | null>;
  onEvent(event: ServerEvent): void;
  /** An event whose payload is not what the contract says: dropped, and reported here. */
  onInvalidEvent(error: RelayError): void;
  onStatus(connected: boolean): void;
  /** The server refused the token: stop until started again. */
  onUnauthorized(): void;
}

export function createEventStream(options: EventStreamOptions) {
  let controller: AbortController | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let attempt = 0;
  let running = false;

  async function connect() {
    if (!running) return;
    const [url, token] = await Promise.all([options.url(), options.token()]);
    if (!url || !token) return;
    controller = new AbortController();
    try {
      const res = await openEventStream({ serverUrl: url, token }, controller.signal);
      if (res.status === 401) {
        options.onUnauthorized();
        running = false;
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      attempt = 0;
      options.onStatus(true);
      await readEventStream(res.body, dispatch);
    } catch {
      // Network error or server gone: fall through to the reconnect below.
    }
    options.onStatus(false);
    if (running) schedule();
  }

  function dispatch({ event, data }: ServerSentEvent) {
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      payload = undefined; // Not JSON: refused by its schema below, like any other wrong payload.
    }
    const parsed = parseServerEvent(event, payload);
    if (!parsed) return; // An event this extension does not know (a newer server's): nothing to do.
    try {
      if (parsed.ok) options.onEvent(parsed.event);
      else options.onInvalidEvent(parsed.error);
    } catch {
      // A listener's failure must not close the stream for the events after it.
    }
  }

  function schedule() {
    const base = Math.min(STREAM_RETRY_MOST_MS, STREAM_RETRY_FIRST_MS * 2 ** attempt++);
    retryTimer = setTimeout(() => void connect(), base / 2 + Math.random() * (base / 2));
  }

  return {
    start() {
      if (running) return;
      running = true;
      attempt = 0;
      void connect();
    },
    stop() {
      running = false;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      controller?.abort();
      controller = null;
    },
    /** Reconnect now (after sign-in, or a new server URL). */
    restart() {
      this.stop();
      this.start();
    },
    get running() {
      return running;
    },
  };
}
