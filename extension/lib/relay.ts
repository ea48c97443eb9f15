/**
 * How content scripts, the popup and the options page reach the background worker: typed
 * requests, and a port for pushed events that reconnects if the worker restarts.
 */
import { browser } from 'wxt/browser';
import type { Outputs, PushEvent, RequestEnvelope, RequestInput, RequestName, Result } from './protocol';
import { EVENTS_PORT } from './protocol-names';
import { EVENTS_PORT_PING_MS, EVENTS_PORT_REOPEN_MS } from './tuning';

export async function request<N extends RequestName>(name: N, input: RequestInput<N>): Promise<Result<Outputs[N]>> {
  const envelope: RequestEnvelope<N> = { kind: 'te.request', name, input };
  try {
    const result = (await browser.runtime.sendMessage(envelope)) as Result<Outputs[N]> | undefined;
    return result ?? { ok: false, error: { code: 'NO_RESPONSE', message: 'The extension did not answer. Reload the page.', status: 0 } };
  } catch {
    return { ok: false, error: { code: 'EXTENSION_RELOADED', message: 'The extension was updated or restarted. Reload the page.', status: 0 } };
  }
}

/**
 * Listens to pushed events while `signal` is live. The background holds the server's event
 * stream only while some tab listens; a ping every 20 s keeps the worker awake meanwhile.
 */
export function subscribe(listener: (event: PushEvent) => void, signal: AbortSignal): void {
  let port: ReturnType<typeof browser.runtime.connect> | null = null;
  let ping: ReturnType<typeof setInterval> | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;

  const open = () => {
    if (signal.aborted) return;
    try {
      port = browser.runtime.connect({ name: EVENTS_PORT });
    } catch {
      return; // The extension context is gone (extension reloaded): nothing more to do here.
    }
    port.onMessage.addListener((message) => listener(message as PushEvent));
    port.onDisconnect.addListener(() => {
      port = null;
      if (ping) clearInterval(ping);
      if (!signal.aborted) retry = setTimeout(open, EVENTS_PORT_REOPEN_MS);
    });
    ping = setInterval(() => port?.postMessage({ kind: 'ping' }), EVENTS_PORT_PING_MS);
  };

  signal.addEventListener('abort', () => {
    if (ping) clearInterval(ping);
    if (retry) clearTimeout(retry);
    port?.disconnect();
  });
  open();
}
