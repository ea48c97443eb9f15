// @vitest-environment happy-dom
/**
 * Phone badges against a saved host page (extension/hosts/__fixtures__) with the relay mocked:
 * one batched look-up per render, one badge per textable name, live updates from pushed events,
 * the signed-out notice, and clean removal on abort. The same, end to end, is in
 * extension/e2e/badges.e2e.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Candidate } from '../../../shared/api';
import { adapters } from '../../hosts';
import type { HostAdapter } from '../../hosts/types';
import type { PushEvent, Result } from '../../lib/protocol';
import { testCandidate } from '../../test-support/candidate';
import { BADGE_LABELS, shadowOf, SIGN_IN_TEXT } from './badge';

const relay = vi.hoisted(() => ({
  request: vi.fn(),
  listeners: [] as ((event: PushEvent) => void)[],
}));
vi.mock('../../lib/relay', () => ({
  request: relay.request,
  subscribe: (listener: (event: PushEvent) => void, signal: AbortSignal) => {
    relay.listeners.push(listener);
    signal.addEventListener('abort', () => relay.listeners.splice(relay.listeners.indexOf(listener), 1));
  },
}));

const { startPhoneBadges } = await import('./index');

declare global {
  interface Window {
    happyDOM: { setURL(url: string): void };
  }
}

const DIR = join(import.meta.dirname, '../../hosts/__fixtures__');

/** The server's answer: even ids textable (every 4th by WhatsApp), 10050 unknown. */
function candidate(id: string, overrides: Partial<Candidate> = {}): Candidate {
  const n = Number(id);
  return testCandidate({
    id,
    firstName: 'A',
    lastName: 'B',
    channel: n % 4 === 0 ? 'whatsapp' : 'sms',
    textable: n % 2 === 0,
    reason: n % 2 === 0 ? null : 'NO_CONSENT',
    ...overrides,
  });
}

function answerLookups() {
  relay.request.mockImplementation(async (name: string, input: { ids: string[] }): Promise<Result<unknown>> => {
    if (name !== 'candidates.lookup') return { ok: true, data: null };
    const known = input.ids.filter((id) => id !== '10050');
    return { ok: true, data: { candidates: known.map((id) => candidate(id)), unknownIds: input.ids.filter((id) => id === '10050') } };
  });
}

function load(variant: string) {
  window.happyDOM.setURL(`http://localhost:8788/${variant}/`);
  const parsed = new DOMParser().parseFromString(readFileSync(join(DIR, `${variant}-search.html`), 'utf8'), 'text/html');
  document.documentElement.remove();
  document.append(document.importNode(parsed.documentElement, true));
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const lookups = () => relay.request.mock.calls.filter(([name]) => name === 'candidates.lookup').map(([, input]) => (input as { ids: string[] }).ids);
const badgeOf = (adapter: HostAdapter, id: string) => {
  const next = adapter.rows().find((r) => r.id === id)!.nameElement.nextElementSibling;
  return next?.localName === 'te-phone-badge' ? (next as HTMLElement) : null;
};
const label = (badge: HTMLElement | null) => (badge && shadowOf(badge)?.querySelector('[role="img"]')?.getAttribute('aria-label')) ?? null;
const push = (event: PushEvent) => relay.listeners.forEach((l) => l(event));

let controller: AbortController;
beforeEach(() => {
  controller = new AbortController();
  relay.request.mockReset();
  relay.listeners.length = 0;
  answerLookups();
});
afterEach(() => controller.abort());

describe.each(adapters.map((a) => [a.name, a] as const))('phone badges on %s', (name, adapter) => {
  it('looks the page up once and puts one badge right after each textable name', async () => {
    load(name);
    startPhoneBadges(adapter, controller.signal);
    await settle();
    const rows = adapter.rows();
    expect(lookups()).toEqual([rows.map((r) => r.id)]);
    for (const row of rows) {
      const textable = Number(row.id) % 2 === 0 && row.id !== '10050';
      const badge = badgeOf(adapter, row.id);
      expect(!!badge, row.id).toBe(textable);
      if (badge) {
        expect(label(badge)).toBe(Number(row.id) % 4 === 0 ? BADGE_LABELS.whatsapp : BADGE_LABELS.sms);
        expect(shadowOf(badge)!.querySelector('[role="img"]')!.getAttribute('title')).toBe(label(badge));
        // Closed: the host page's scripts cannot reach inside.
        expect(badge.shadowRoot).toBeNull();
      }
    }
    expect(document.querySelectorAll('te-phone-badge')).toHaveLength(24);

    // More renders of the same rows (host mutations) add nothing and ask nothing.
    rows[0]!.element.append(document.createElement('span'));
    rows[1]!.element.querySelector('td, [role=gridcell]')!.append('x');
    await settle();
    expect(lookups()).toHaveLength(1);
    expect(document.querySelectorAll('te-phone-badge')).toHaveLength(24);
  });

  it('a re-render with new rows asks only for those, in one request', async () => {
    load(name);
    startPhoneBadges(adapter, controller.signal);
    await settle();
    // The host replaces the rows with copies (a re-render of the same page)...
    const first = adapter.rows()[0]!.element;
    const copies = adapter.rows().map((r) => {
      const copy = r.element.cloneNode(true) as HTMLElement;
      copy.querySelector('te-phone-badge')?.remove();
      return copy;
    });
    first.parentElement!.replaceChildren(...copies);
    await settle();
    // ...whose decisions are known: badges again, no new look-up, still never two.
    expect(lookups()).toHaveLength(1);
    expect(document.querySelectorAll('te-phone-badge')).toHaveLength(24);

    // New candidates: one request for exactly them.
    const fresh = copies.slice(0, 3).map((row, i) => {
      const copy = row.cloneNode(true) as HTMLElement;
      for (const attr of ['data-person-id', 'data-candidate-ref']) if (copy.hasAttribute(attr)) copy.setAttribute(attr, String(20000 + i));
      return copy;
    });
    copies[0]!.parentElement!.append(...fresh);
    await settle();
    expect(lookups()).toEqual([expect.any(Array), ['20000', '20001', '20002']]);
    expect(badgeOf(adapter, '20000')).not.toBeNull();
    expect(badgeOf(adapter, '20001')).toBeNull();
  });

  it('follows pushed candidate updates: a STOP removes the badge, a new channel relabels it, opting in adds one', async () => {
    load(name);
    startPhoneBadges(adapter, controller.signal);
    await settle();
    expect(label(badgeOf(adapter, '10002'))).toBe(BADGE_LABELS.sms);

    push({ type: 'candidate.updated', data: candidate('10002', { textable: false, optedOut: true, reason: 'OPTED_OUT' }) });
    expect(badgeOf(adapter, '10002')).toBeNull();
    push({ type: 'candidate.updated', data: candidate('10006', { channel: 'whatsapp' }) });
    expect(label(badgeOf(adapter, '10006'))).toBe(BADGE_LABELS.whatsapp);
    push({ type: 'candidate.updated', data: candidate('10003', { textable: true }) });
    expect(label(badgeOf(adapter, '10003'))).toBe(BADGE_LABELS.sms);
    push({ type: 'candidate.updated', data: candidate('10003', { textable: true }) });
    expect(document.querySelectorAll('te-phone-badge')).toHaveLength(24);
    // A candidate not on the page changes nothing.
    push({ type: 'candidate.updated', data: candidate('99999', { textable: true }) });
    expect(document.querySelectorAll('te-phone-badge')).toHaveLength(24);
    expect(lookups()).toHaveLength(1);
  });

  it('candidates.updated: the visible ones among its ids are looked up again in one request; the others ask nothing', async () => {
    load(name);
    startPhoneBadges(adapter, controller.signal);
    await settle();
    expect(badgeOf(adapter, '10002')).not.toBeNull();
    expect(badgeOf(adapter, '10050')).toBeNull();

    // The server now says: 10050 was added (textable by SMS), 10002 erased, 10003 changed to WhatsApp.
    relay.request.mockImplementation(async (req: string, input: { ids: string[] }) => {
      if (req !== 'candidates.lookup') return { ok: true, data: null };
      const known = input.ids.filter((id) => id !== '10002');
      return {
        ok: true,
        data: {
          candidates: known.map((id) =>
            id === '10050'
              ? candidate(id, { textable: true, channel: 'sms' })
              : id === '10003'
                ? candidate(id, { textable: true, channel: 'whatsapp' })
                : candidate(id),
          ),
          unknownIds: input.ids.filter((id) => id === '10002'),
        },
      };
    });
    push({ type: 'candidates.updated', data: { ids: ['10050', '10002', '10003', '99999'] } });
    await settle();
    expect(lookups()).toEqual([expect.any(Array), ['10002', '10003', '10050']]);
    expect(label(badgeOf(adapter, '10050'))).toBe(BADGE_LABELS.sms);
    expect(badgeOf(adapter, '10002')).toBeNull();
    expect(label(badgeOf(adapter, '10003'))).toBe(BADGE_LABELS.whatsapp);
    expect(document.querySelectorAll('te-phone-badge')).toHaveLength(25);

    // Ids that are not on the page: no request at all.
    push({ type: 'candidates.updated', data: { ids: ['99998', '99999'] } });
    await settle();
    expect(lookups()).toHaveLength(2);
  });

  it('an update during a look-up makes that answer old for its ids: they are asked for again', async () => {
    load(name);
    let answer!: (value: Result<unknown>) => void;
    relay.request.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    startPhoneBadges(adapter, controller.signal);
    await settle();
    const ids = adapter.rows().map((r) => r.id);
    // While the first look-up is on its way, 10050 is added: its answer (unknown) is already old.
    push({ type: 'candidates.updated', data: { ids: ['10050'] } });
    await settle();
    expect(lookups()).toHaveLength(1);
    answer({ ok: true, data: { candidates: ids.filter((id) => id !== '10050').map((id) => candidate(id)), unknownIds: ['10050'] } });
    relay.request.mockImplementation(async () => ({ ok: true, data: { candidates: [candidate('10050', { textable: true })], unknownIds: [] } }));
    await settle();
    await settle();
    expect(lookups()).toEqual([ids, ['10050']]);
    expect(badgeOf(adapter, '10050')).not.toBeNull();
  });

  it('signed out: no badges, one notice before the results whose button opens the options page', async () => {
    load(name);
    relay.request.mockImplementation(async (req: string) =>
      req === 'candidates.lookup'
        ? { ok: false, error: { code: 'SIGNED_OUT', message: 'Sign in to Text Engagement first.', status: 401 } }
        : { ok: true, data: null },
    );
    startPhoneBadges(adapter, controller.signal);
    await settle();
    expect(document.querySelectorAll('te-phone-badge')).toHaveLength(0);
    const notices = document.querySelectorAll('te-signin-notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.nextElementSibling).toBe(adapter.resultsGrid());
    expect(notices[0]!.shadowRoot).toBeNull();
    const notice = shadowOf(notices[0] as HTMLElement)!;
    expect(notice.textContent).toContain(SIGN_IN_TEXT);
    notice.querySelector('button')!.click();
    expect(relay.request).toHaveBeenLastCalledWith('ui.openOptions', {});

    // A re-render keeps one notice; signing in (pushed) removes it and brings the badges.
    adapter.rows()[0]!.element.append(document.createElement('span'));
    await settle();
    expect(document.querySelectorAll('te-signin-notice')).toHaveLength(1);
    answerLookups();
    push({ type: 'session.changed', data: { serverUrl: 'http://localhost:8787', signedIn: true, recruiter: null } });
    await settle();
    expect(document.querySelectorAll('te-signin-notice')).toHaveLength(0);
    expect(document.querySelectorAll('te-phone-badge')).toHaveLength(24);

    // Signing out (pushed) takes them away again.
    push({ type: 'session.changed', data: { serverUrl: 'http://localhost:8787', signedIn: false, recruiter: null } });
    expect(document.querySelectorAll('te-phone-badge')).toHaveLength(0);
    expect(document.querySelectorAll('te-signin-notice')).toHaveLength(1);
  });

  it('aborting removes every badge and notice and stops listening', async () => {
    load(name);
    const before = document.documentElement.outerHTML;
    startPhoneBadges(adapter, controller.signal);
    await settle();
    expect(document.querySelectorAll('te-phone-badge').length).toBeGreaterThan(0);
    controller.abort();
    expect(document.documentElement.outerHTML).toBe(before);
    expect(relay.listeners).toHaveLength(0);
    adapter.rows()[0]!.element.append(document.createElement('span'));
    await settle();
    expect(lookups()).toHaveLength(1);
    expect(document.querySelectorAll('te-phone-badge')).toHaveLength(0);
  });
});
