/**
 * Reads the server's /api/events (server-sent events; opened by the API client with fetch, so the
 * Bearer header can be sent) and reconnects with exponential backoff and jitter until stopped.
 */
import { readEventStream, type ServerSentEvent } from '../../shared/sse';
import { openEventStream } from './api-client';
import { STREAM_RETRY_FIRST_MS, STREAM_RETRY_MOST_MS } from './tuning';

export interface StreamEvent {
  type: string;
  data: unknown;
}

export interface EventStreamOptions {
  url: () => Promise<string | null>;
  token: () => Promise<string | null>;
  onEvent(event: StreamEvent): void;
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
    try {
      options.onEvent({ type: event, data: JSON.parse(data) });
    } catch {
      // A malformed event is dropped; the stream goes on.
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
