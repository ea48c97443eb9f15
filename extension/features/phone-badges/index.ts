/**
 * Phone badges in candidate search: a phone symbol right after the name of every textable
 * candidate ("Textable by SMS" / "Textable by WhatsApp"), none beside the others, never two.
 *
 * - After each render of the rows (a MutationObserver on the view root, coalesced to one pass per
 *   microtask; never polling), ONE batched `candidates.lookup` for the visible rows that have no
 *   decision yet. Decisions are kept for this view for a short while, so paging back is instant.
 * - Each name element is handled once (a WeakSet), and a badge already beside it is reused.
 * - Pushed `candidate.updated` events add, relabel or remove that candidate's badge at once (a
 *   STOP reply removes it without a reload); `candidates.updated` (data changed by an upsert,
 *   an import, an erasure) has the visible ones among its ids looked up again, in one request.
 *   A signed-out session removes them all and shows one small sign-in notice near the results.
 * - Aborting the run's signal removes everything this feature added.
 */
import type { Candidate, Channel } from '../../../shared/api';
import type { CandidateRow, HostAdapter } from '../../hosts/types';
import type { PushEvent } from '../../lib/protocol';
import { request, subscribe } from '../../lib/relay';
import { LOOKUP_CACHE_MS } from '../../lib/tuning';
import type { Feature } from '../manager';
import { BADGE_TAG, NOTICE_TAG, createBadge, createSignInNotice, setBadgeChannel } from './badge';

/** The relay accepts at most 200 ids a request (a page has 50). */
const MAX_IDS = 200;

interface Decision {
  at: number;
  textable: boolean;
  channel: Channel;
}

export const phoneBadges: Feature = {
  name: 'phone-badges',
  pages: ['search'],
  init({ adapter }, signal) {
    startPhoneBadges(adapter, signal);
  },
};

export function startPhoneBadges(adapter: HostAdapter, signal: AbortSignal): void {
  if (signal.aborted) return;
  const decisions = new Map<string, Decision>();
  /** Name elements whose decision is applied (a re-render brings new ones). */
  let handled = new WeakSet<HTMLElement>();
  /** Ids being looked up right now (a render during a look-up asks only for the others). */
  const inflight = new Set<string>();
  /** Ids that changed while being looked up: that answer is old, so they are asked for again. */
  const changedInFlight = new Set<string>();
  let signedOut = false;
  let notice: HTMLElement | null = null;
  let scheduled = false;
  let connected: boolean | null = null;
  let warned = false;

  const schedule = () => {
    if (scheduled || signal.aborted) return;
    scheduled = true;
    queueMicrotask(pass);
  };

  function fresh(id: string, now: number): Decision | null {
    const d = decisions.get(id);
    return d && d.at > now - LOOKUP_CACHE_MS ? d : null;
  }

  /** One pass over the rendered rows: apply what is known, look up the rest in one request. */
  function pass() {
    scheduled = false;
    if (signal.aborted) return;
    if (signedOut) {
      showNotice();
      return;
    }
    const now = Date.now();
    const missing: string[] = [];
    for (const row of adapter.rows()) {
      if (handled.has(row.nameElement)) continue;
      const d = fresh(row.id, now);
      if (d) apply(row, d);
      else if (!inflight.has(row.id) && !missing.includes(row.id)) missing.push(row.id);
    }
    for (let i = 0; i < missing.length; i += MAX_IDS) void lookup(missing.slice(i, i + MAX_IDS));
  }

  async function lookup(ids: string[]) {
    for (const id of ids) inflight.add(id);
    const result = await request('candidates.lookup', { ids });
    for (const id of ids) inflight.delete(id);
    const old = new Set(ids.filter((id) => changedInFlight.delete(id)));
    if (signal.aborted) return;
    if (!result.ok) {
      if (result.error.code === 'SIGNED_OUT') setSignedOut(true);
      else if (!warned) {
        // Offline or the extension restarting: no badges now; the next render tries again.
        warned = true;
        console.warn(`[Text Engagement] phone badges: ${result.error.message}`);
      }
      return;
    }
    const now = Date.now();
    for (const c of result.data.candidates) if (!old.has(c.id)) decide(c, now);
    // Ids the server does not know (or did not return) are not textable.
    for (const id of ids) if (!old.has(id) && !fresh(id, now)) decisions.set(id, { at: now, textable: false, channel: 'sms' });
    if (signedOut) setSignedOut(false);
    pass();
  }

  function decide(c: Pick<Candidate, 'id' | 'textable' | 'channel'>, now = Date.now()): Decision {
    const d = { at: now, textable: c.textable, channel: c.channel };
    decisions.set(c.id, d);
    return d;
  }

  /** Puts the decision on the row: a badge right after the name, or none. */
  function apply(row: CandidateRow, d: Decision) {
    handled.add(row.nameElement);
    const next = row.nameElement.nextElementSibling;
    const existing = next?.localName === BADGE_TAG ? (next as HTMLElement) : null;
    if (!d.textable) existing?.remove();
    else if (existing) setBadgeChannel(existing, d.channel);
    else row.nameElement.after(createBadge(row.id, d.channel));
  }

  function removeBadges() {
    for (const badge of document.querySelectorAll(BADGE_TAG)) badge.remove();
  }

  function setSignedOut(out: boolean) {
    signedOut = out;
    decisions.clear();
    handled = new WeakSet();
    if (out) {
      removeBadges();
      showNotice();
    } else {
      notice?.remove();
      notice = null;
      pass();
    }
  }

  /** One notice, right before the results grid (once the grid is there). */
  function showNotice() {
    const grid = adapter.resultsGrid();
    if (!grid) return;
    if (notice?.isConnected && notice.nextElementSibling === grid) return;
    for (const old of document.querySelectorAll(NOTICE_TAG)) old.remove();
    notice ??= createSignInNotice(() => void request('ui.openOptions', {}));
    grid.before(notice);
  }

  function onEvent(event: PushEvent) {
    if (signal.aborted) return;
    switch (event.type) {
      case 'candidate.updated': {
        if (signedOut) return;
        const d = decide(event.data);
        for (const row of adapter.rows()) if (row.id === event.data.id) apply(row, d);
        return;
      }
      case 'candidates.updated': {
        if (signedOut) return;
        const changed = new Set(event.data.ids);
        for (const id of changed) {
          decisions.delete(id);
          if (inflight.has(id)) changedInFlight.add(id);
        }
        // The rows stay as they are (badge or not) until the new answer: no flicker.
        for (const row of adapter.rows()) if (changed.has(row.id)) handled.delete(row.nameElement);
        pass();
        return;
      }
      case 'session.changed':
        if (!event.data.signedIn) setSignedOut(true);
        else if (signedOut) setSignedOut(false);
        return;
      case 'stream.status': {
        // Back after a drop: events may have been missed, so what is on screen is checked again.
        const wasDown = connected === false;
        connected = event.data.connected;
        if (connected && wasDown && !signedOut) {
          decisions.clear();
          handled = new WeakSet();
          pass();
        }
        return;
      }
    }
  }

  // Our own badges and notice landing in the view are not a re-render.
  const ours = (node: Node) => node.nodeName.toLowerCase() === BADGE_TAG || node.nodeName.toLowerCase() === NOTICE_TAG;
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) if (!ours(n)) return schedule();
      for (const n of r.removedNodes) if (!ours(n)) return schedule();
    }
  });
  const root = adapter.viewRoot();
  if (root) observer.observe(root, { childList: true, subtree: true });

  subscribe(onEvent, signal);
  signal.addEventListener(
    'abort',
    () => {
      observer.disconnect();
      removeBadges();
      notice?.remove();
      for (const old of document.querySelectorAll(NOTICE_TAG)) old.remove();
    },
    { once: true },
  );
  pass();
}
