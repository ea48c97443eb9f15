/**
 * The background service worker: the only part of the extension that talks to the server.
 * It holds the token (in storage.session: lib/storage.ts), answers typed requests from our own
 * pages and content scripts (sign-in and sign-out from our pages only), keeps one event stream
 * open while any tab listens, fans events out, and shows unread replies on the toolbar badge.
 */
import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import type { CallInput, Contract, EndpointName, OutputOf } from '../../shared/contract';
import { callEndpoint, fetchMedia, RelayFailure } from '../lib/api-client';
import { createEventStream } from '../lib/event-stream';
import { relayedEndpoints, type Outputs, type PushEvent, type RelayedName, type RelayInput, type Session } from '../lib/protocol';
import { EVENTS_PORT } from '../lib/protocol-names';
import { callInputOf } from '../lib/relayed';
import { createRelayHandler, type RelayHandlers } from '../lib/relay-server';
import { legacySessionItem, serverUrlItem, sessionItem } from '../lib/storage';
import { LOOKUP_CACHE_MS, UNREAD_REFRESH_AFTER_MS } from '../lib/tuning';

type Port = ReturnType<typeof browser.runtime.connect>;

export default defineBackground(() => {
  // The session is for trusted contexts only (the default, said here so it stays so): content
  // scripts can't read the token. One kept on disk by an earlier version is dropped.
  void browser.storage.session.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => undefined);
  void legacySessionItem.removeValue();

  const ports = new Set<Port>();
  let streamConnected = false;
  let unread = 0;

  async function session(): Promise<Session> {
    const [serverUrl, stored] = await Promise.all([serverUrlItem.getValue(), sessionItem.getValue()]);
    const valid = stored && Date.parse(stored.expiresAt) > Date.now();
    return { serverUrl, signedIn: !!valid, recruiter: valid ? stored.recruiter : null };
  }

  async function target() {
    const [serverUrl, stored] = await Promise.all([serverUrlItem.getValue(), sessionItem.getValue()]);
    return { serverUrl, token: stored?.token ?? null };
  }

  /** A signed-in call; a 401 means the token is gone, so the session is cleared for everyone. */
  async function api<N extends EndpointName>(name: N, input: CallInput<Contract[N]>): Promise<OutputOf<Contract[N]>> {
    const t = await target();
    if (!t.token) throw new RelayFailure({ code: 'SIGNED_OUT', message: 'Sign in to Text Engagement first.', status: 401 });
    try {
      return await callEndpoint(t, name, input);
    } catch (err) {
      if (err instanceof RelayFailure && err.error.status === 401) await signedOut();
      throw err;
    }
  }

  async function signedOut() {
    // What the cache knew belongs to that session: a signed-out page must see SIGNED_OUT.
    cache.clear();
    await sessionItem.setValue(null);
    stream.stop();
    await setUnread(0);
    broadcast({ type: 'session.changed', data: await session() });
  }

  /** The contract's endpoints as pages ask for them: each request split into the endpoint's parts and called as it is. */
  const relay =
    <N extends RelayedName>(name: N) =>
    (input: RelayInput<N>) =>
      api(name, callInputOf(name, input));
  // Built from the list, so the type says what each entry is (Object.fromEntries cannot).
  const relayed = Object.fromEntries(Object.keys(relayedEndpoints).map((name) => [name, relay(name as RelayedName)])) as unknown as {
    [N in RelayedName]: (input: RelayInput<N>) => Promise<OutputOf<Contract[N]>>;
  };

  const handlers: RelayHandlers = {
    ...relayed,
    'candidates.upsert': async (input) => {
      const saved = await relayed['candidates.upsert'](input);
      // Known at once to every badge that asks (the server's candidates.updated follows).
      remember(saved.id, saved);
      return saved;
    },
    'candidates.consent': async (input) => {
      const saved = await relayed['candidates.consent'](input);
      // Textable now, perhaps: the badges that ask next say so without waiting for the event.
      remember(saved.id, saved);
      return saved;
    },
    'messages.markRead': async (input) => {
      const out = await relayed['messages.markRead'](input);
      void refreshUnread();
      return out;
    },
    // The extension's own requests (lib/protocol.ts).
    'session.get': () => session(),
    'session.signIn': async ({ serverUrl, email, password }) => {
      const base = serverUrl.replace(/\/+$/, '');
      const result = await callEndpoint({ serverUrl: base, token: null }, 'auth.login', { body: { email, password } });
      await serverUrlItem.setValue(base);
      await sessionItem.setValue(result);
      cache.clear(); // another recruiter (or organisation) may see other answers
      const s = await session();
      broadcast({ type: 'session.changed', data: s });
      if (ports.size) stream.restart();
      void refreshUnread();
      return s;
    },
    'session.signOut': async () => {
      const t = await target();
      if (t.token) await callEndpoint(t, 'auth.logout', {}).catch(() => undefined);
      await signedOut();
      return session();
    },
    'candidates.lookup': ({ ids }) => lookup(ids),
    'messages.send': ({ candidateId, body, templateId, idempotencyKey }) =>
      api('messages.send', {
        params: { id: candidateId },
        body: { ...(body !== undefined ? { body } : {}), ...(templateId ? { templateId } : {}) },
        headers: { 'Idempotency-Key': idempotencyKey },
      }),
    'imports.start': ({ format, text }) => api('candidates.import', { file: { contentType: format === 'csv' ? 'text/csv' : 'application/x-ndjson', text } }),
    'media.get': async ({ url }) => {
      const t = await target();
      if (!t.token) throw new RelayFailure({ code: 'SIGNED_OUT', message: 'Sign in to Text Engagement first.', status: 401 });
      try {
        return await fetchMedia(t, url);
      } catch (err) {
        if (err instanceof RelayFailure && err.error.status === 401) await signedOut();
        throw err;
      }
    },
    'ui.openOptions': async () => {
      await browser.runtime.openOptionsPage();
      return null;
    },
  };

  // ── The badge look-up: one request per render, answers cached briefly ──────────────────
  type Candidate = Outputs['candidates.get'];
  /** What the server said about an ATS id: the candidate, or null for an id it does not know. */
  const cache = new Map<string, { at: number; value: Candidate | null }>();
  /** For each look-up on its way: the ids that changed meanwhile (its answer for them is old). */
  const lookupsInFlight = new Set<Set<string>>();

  function remember(atsId: string, value: Candidate | null, at = Date.now()) {
    cache.set(atsId, { at, value });
  }

  /** These candidates changed on the server: forget what was known, also by look-ups under way. */
  function forget(ids: string[]) {
    for (const i of ids) cache.delete(i);
    for (const changed of lookupsInFlight) for (const i of ids) changed.add(i);
  }

  async function lookup(ids: string[]): Promise<Outputs['candidates.lookup']> {
    const now = Date.now();
    const answers = new Map<string, Candidate | null>();
    const missing: string[] = [];
    for (const i of ids) {
      const hit = cache.get(i);
      if (hit && hit.at > now - LOOKUP_CACHE_MS) answers.set(i, hit.value);
      else missing.push(i);
    }
    if (missing.length) {
      const changed = new Set<string>();
      lookupsInFlight.add(changed);
      let fresh: Outputs['candidates.lookup'];
      try {
        fresh = await api('candidates.search', { query: { ids: missing } });
      } finally {
        lookupsInFlight.delete(changed);
      }
      for (const c of fresh.candidates) answers.set(c.id, c);
      // Unknown ids are remembered too: a page of them (candidates not added yet) is not asked for at every render.
      for (const u of fresh.unknownIds ?? []) answers.set(u, null);
      for (const i of missing) if (answers.has(i) && !changed.has(i)) remember(i, answers.get(i)!, now);
    }
    return {
      candidates: ids.flatMap((i) => {
        const value = answers.get(i);
        return value ? [value] : [];
      }),
      unknownIds: ids.filter((i) => answers.get(i) === null),
    };
  }

  // ── Requests from our own contexts only (validation and dispatch: lib/relay-server.ts) ──
  browser.runtime.onMessage.addListener(
    // The worker runs at the extension's own origin (chrome-extension://<id>, moz-extension://<uuid>).
    createRelayHandler({ handlers, runtimeId: browser.runtime.id, extensionOrigin: `${location.protocol}//${location.host}` }),
  );

  // ── Pushed events: one stream while any tab listens ─────────────────────────────────────
  function broadcast(event: PushEvent) {
    for (const port of ports) {
      try {
        port.postMessage(event);
      } catch {
        ports.delete(port);
      }
    }
  }

  const stream = createEventStream({
    url: async () => (await target()).serverUrl,
    token: async () => (await target()).token,
    onEvent(event) {
      if (event.type === 'ready') return;
      if (event.type === 'candidate.updated') remember(event.data.id, event.data);
      if (event.type === 'candidates.updated') forget(event.data.ids);
      if (event.type === 'message.created' || event.type === 'candidate.updated') void refreshUnread();
      broadcast(event);
    },
    onInvalidEvent(error) {
      // Dropped, not passed on as if it were right; said where a developer looks (the worker's console).
      console.error(`[Text Engagement] ${error.code}: ${error.message}`);
    },
    onStatus(connected) {
      streamConnected = connected;
      broadcast({ type: 'stream.status', data: { connected } });
    },
    onUnauthorized() {
      void signedOut();
    },
  });

  browser.runtime.onConnect.addListener((port) => {
    if (port.name !== EVENTS_PORT || port.sender?.id !== browser.runtime.id) return;
    ports.add(port);
    port.onDisconnect.addListener(() => {
      ports.delete(port);
      if (!ports.size) stream.stop();
    });
    // Pings only keep the worker awake while a tab listens.
    port.onMessage.addListener(() => undefined);
    // A newly opened view learns at once whether updates are live.
    port.postMessage({ type: 'stream.status', data: { connected: streamConnected } } satisfies PushEvent);
    void session().then((s) => {
      if (s.signedIn) stream.start();
    });
  });

  // ── Toolbar badge: unread replies ───────────────────────────────────────────────────────
  let unreadTimer: ReturnType<typeof setTimeout> | null = null;
  function refreshUnread() {
    if (unreadTimer) return;
    unreadTimer = setTimeout(async () => {
      unreadTimer = null;
      try {
        const me = await api('auth.me', {});
        await setUnread(me.unreadCount);
      } catch {
        // Signed out or offline: the badge keeps its last value.
      }
    }, UNREAD_REFRESH_AFTER_MS);
  }

  async function setUnread(count: number) {
    unread = count;
    await browser.action.setBadgeBackgroundColor({ color: '#0b5fff' });
    await browser.action.setBadgeText({ text: unread > 0 ? String(Math.min(unread, 99)) + (unread > 99 ? '+' : '') : '' });
  }

  void refreshUnread();
});
