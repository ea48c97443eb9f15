/**
 * Reads the server's /api/events (server-sent events) with fetch, so the Bearer header can be
 * sent, and reconnects with exponential backoff and jitter until stopped. Each event is parsed
 * with its payload schema from the contract (lib/server-events.ts) before it is handed on.
 */
import type { ServerEvent } from '../../shared/contract';
import type { RelayError } from './protocol';
import { parseServerEvent } from './server-events';

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
      const res = await fetch(`${url}/api/events`, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
        signal: controller.signal,
      });
      if (res.status === 401) {
        options.onUnauthorized();
        running = false;
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      attempt = 0;
      options.onStatus(true);
      await read(res.body);
    } catch {
      // Network error or server gone: fall through to the reconnect below.
    }
    options.onStatus(false);
    if (running) schedule();
  }

  async function read(body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let boundary: number;
      while ((boundary = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const chunk = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, '');
        dispatch(chunk);
      }
    }
  }

  function dispatch(chunk: string) {
    let type = 'message';
    const data: string[] = [];
    for (const line of chunk.split(/\r?\n/)) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (!data.length) return;
    let payload: unknown;
    try {
      payload = JSON.parse(data.join('\n'));
    } catch {
      payload = undefined; // Not JSON: refused by its schema below, like any other wrong payload.
    }
    const parsed = parseServerEvent(type, payload);
    if (!parsed) return; // An event this extension does not know (a newer server's): nothing to do.
    try {
      if (parsed.ok) options.onEvent(parsed.event);
      else options.onInvalidEvent(parsed.error);
    } catch {
      // A listener's failure must not close the stream for the events after it.
    }
  }

  function schedule() {
    const base = Math.min(30_000, 1000 * 2 ** attempt++);
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
