// @vitest-environment happy-dom
/**
 * The host adapters' contract: one suite, run against both adapters, each on its variant's saved
 * pages (extension/hosts/__fixtures__, captured from the demo host pages by capture.ts). What
 * the features rely on is checked the same way for both: no selector appears here, only what the
 * HostAdapter interface returns and what the DOM says about it (roles, aria, visibility).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// The demo data as JSON (fixtures/demo/index.ts reads file paths when imported, which this test's
// DOM environment can't do).
import atsOnlyCandidates from '../../fixtures/demo/ats-only-candidates.json' with { type: 'json' };
import demoCandidates from '../../fixtures/demo/candidates.json' with { type: 'json' };
import type { CapturedPage } from './__fixtures__/capture';
import { crm } from './crm';
import { cxm } from './cxm';
import { adapterFor, adapters } from './index';
import type { HostAdapter } from './types';

const DIR = join(import.meta.dirname, '__fixtures__');
const HOST_PAGES = join(import.meta.dirname, '../../fixtures/hosts');
const captured = JSON.parse(readFileSync(join(DIR, 'captured.json'), 'utf8')) as CapturedPage[];
const ORIGIN = 'http://localhost:8788';
/** The host's own pages (its production hostname). */
const PRODUCTION_ORIGIN = 'https://acme.icims.com';
/** On the demo pages (this machine) the adapters run only while the demo is in play (hosts/allowed.ts). */
const DEMO = { demoPages: true } as const;

const hostCandidates = [...demoCandidates, ...atsOnlyCandidates].filter((c) => c.org === 'acme');
const names = new Map(hostCandidates.map((c) => [c.atsId, `${c.firstName} ${c.lastName}`.trim()]));

declare global {
  interface Window {
    happyDOM: { setURL(url: string): void };
  }
}

/** Loads a saved page into this test's document, at the URL it was captured from (a profile: 10001's unless told). */
function load(variant: HostAdapter['name'], state: CapturedPage['state'], origin = ORIGIN, candidateId?: string): CapturedPage {
  const entry = captured.find((p) => p.variant === variant && p.state === state && (!candidateId || p.candidateId === candidateId));
  if (!entry) throw new Error(`No saved ${variant} ${state} page: run extension/hosts/__fixtures__/capture.ts`);
  window.happyDOM.setURL(origin + entry.path);
  const parsed = new DOMParser().parseFromString(readFileSync(join(DIR, entry.file), 'utf8'), 'text/html');
  // The host's stylesheets, from the demo pages themselves (so a test can tell what is shown).
  for (const style of parsed.querySelectorAll('style[data-inlined-from]')) {
    style.textContent = readFileSync(join(HOST_PAGES, style.getAttribute('data-inlined-from')!), 'utf8');
  }
  replaceDocument(document.importNode(parsed.documentElement, true));
  return entry;
}

/** Shown = neither it nor an ancestor is hidden (attribute or CSS, e.g. a class the host toggles). */
function isShown(el: Element): boolean {
  for (let e: Element | null = el; e; e = e.parentElement) {
    if ((e as HTMLElement).hidden || getComputedStyle(e).display === 'none') return false;
  }
  return true;
}

const isSelectedTab = (tab: Element) => tab.getAttribute('aria-selected') === 'true';

function replaceDocument(html: HTMLElement) {
  document.documentElement.remove();
  document.append(html);
}

afterEach(() => replaceDocument(document.createElement('html')));

describe.each(adapters.map((a) => [a.name, a] as const))('%s adapter', (name, adapter) => {
  const other = adapters.find((a) => a !== adapter)!;

  it('is picked by the page markers (meta application-name), whatever the port', () => {
    for (const state of ['search', 'profile-messages'] as const) {
      load(name, state);
      expect(adapter.matches(location, document)).toBe(true);
      expect(other.matches(location, document)).toBe(false);
      expect(adapterFor(location, document, DEMO)).toBe(adapter);
    }
    load(name, 'search', 'http://127.0.0.1:41234');
    expect(adapterFor(location, document, DEMO)).toBe(adapter);
    // Without its application-name marker it is not the host (same port, same path).
    document.querySelector('meta[name="application-name"]')!.setAttribute('content', 'Something else');
    expect(adapterFor(location, document, DEMO)).toBeNull();
  });

  it("runs on its host's own pages, and on the demo pages only while they are allowed; never elsewhere, whatever the markers", () => {
    expect(adapter.allowedPages.length).toBeGreaterThan(0);
    load(name, 'search', PRODUCTION_ORIGIN);
    expect(adapterFor(location, document, { demoPages: false })).toBe(adapter);
    for (const origin of [ORIGIN, 'http://127.0.0.1:41234']) {
      load(name, 'search', origin);
      expect(adapterFor(location, document, { demoPages: false })).toBeNull();
      expect(adapterFor(location, document, DEMO)).toBe(adapter);
    }
    // The same markup anywhere else is not the host: a look-alike, or the host's name over http.
    for (const origin of ['https://icims.com.example.net', 'https://example-icims.com', 'http://acme.icims.com', 'https://localhost:8788']) {
      load(name, 'search', origin);
      expect(adapterFor(location, document, DEMO), origin).toBeNull();
    }
  });

  it('search page 1: page kind, 50 rows with ids, name elements and checkboxes', () => {
    load(name, 'search');
    expect(adapter.pageKind()).toBe('search');
    const rows = adapter.rows();
    expect(rows).toHaveLength(50);
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(50);
    expect(ids.slice(0, 3)).toEqual(['10001', '10002', '10003']);
    const root = adapter.viewRoot()!;
    const grid = adapter.resultsGrid()!;
    for (const row of rows) {
      expect(root.contains(row.element) && grid.contains(row.element)).toBe(true);
      expect(row.element.contains(row.nameElement)).toBe(true);
      // The name element holds the name as text (no markup inside, even for names with HTML).
      expect(row.nameElement.textContent).toBe(names.get(row.id));
      expect(row.nameElement.children).toHaveLength(0);
      expect(row.checkbox).toBeInstanceOf(HTMLInputElement);
      expect(row.checkbox!.type).toBe('checkbox');
      expect(row.element.contains(row.checkbox)).toBe(true);
      expect(row.checkbox!.checked).toBe(false);
    }
    expect(rows.find((r) => r.id === '10007')!.nameElement.textContent).toContain('<script>');
  });

  it('select-all is a checkbox in the column header, outside every row', () => {
    load(name, 'search');
    const all = adapter.selectAllCheckbox();
    expect(all).toBeInstanceOf(HTMLInputElement);
    expect(all!.type).toBe('checkbox');
    expect(adapter.resultsGrid()!.contains(all)).toBe(true);
    expect(adapter.rows().some((r) => r.element.contains(all))).toBe(false);
    expect(all!.closest('[role=columnheader], th')).not.toBeNull();
  });

  it('the bulk-action bar is there only while rows are selected', () => {
    load(name, 'search');
    expect(adapter.bulkActionBar()).toBeNull();

    const entry = load(name, 'search-selected');
    const checked = adapter
      .rows()
      .filter((r) => r.checkbox?.checked)
      .map((r) => r.id);
    expect(checked).toEqual(entry.selected);
    const bar = adapter.bulkActionBar();
    expect(bar).not.toBeNull();
    expect(isShown(bar!)).toBe(true);
    expect(bar!.textContent).toContain(`${entry.selected!.length} selected`);
    const slot = adapter.bulkActionSlot(bar!);
    expect(bar!.contains(slot)).toBe(true);
    // The slot is where the host's own bulk buttons are.
    expect([...slot.querySelectorAll('button')].map((b) => b.textContent!.trim())).toEqual(
      expect.arrayContaining(['Add to Talent Pool', 'Send Email', 'Export', 'Change Status']),
    );
  });

  it('search pages have no profile; the profile has its candidate id and no rows', () => {
    load(name, 'search');
    expect(adapter.profileCandidateId()).toBeNull();
    expect(adapter.messagesTabs()).toBeNull();

    const entry = load(name, 'profile-messages');
    expect(adapter.pageKind()).toBe('profile');
    expect(adapter.profileCandidateId()).toBe(entry.candidateId);
    expect(adapter.rows()).toEqual([]);
    expect(adapter.bulkActionBar()).toBeNull();
    expect(adapter.viewRoot()).not.toBeNull();
  });

  it("candidate details: the profile's name, mobile, email, job and location; none off a profile", () => {
    load(name, 'search');
    expect(adapter.candidateDetails()).toBeNull();

    const expected = (id: string) => {
      const c = hostCandidates.find((x) => x.atsId === id)!;
      return {
        firstName: c.firstName,
        lastName: c.lastName,
        email: c.email,
        phone: c.phone,
        phoneType: c.phoneType,
        jobTitle: c.jobTitle,
        location: c.location,
      };
    };
    load(name, 'profile-messages');
    expect(adapter.candidateDetails()).toEqual({
      firstName: 'Maria',
      lastName: 'Garcia',
      email: 'maria.garcia@example.com',
      phone: '(212) 555-0101',
      phoneType: 'mobile',
      jobTitle: 'Warehouse Associate',
      location: 'New York, NY',
    });
    // Read while the Messages tab is open: what the extension sees when its tab is.
    expect(adapter.messagesTabs()).not.toBeNull();

    // An ATS-only candidate without a phone: no number, no kind.
    load(name, 'profile-messages', ORIGIN, '10154');
    expect(adapter.profileCandidateId()).toBe('10154');
    expect(adapter.candidateDetails()).toEqual({ ...expected('10154'), phone: null, phoneType: null });

    // A landline is read as one (the form does not offer it as the mobile).
    load(name, 'profile-messages', ORIGIN, '10037');
    expect(adapter.candidateDetails()).toEqual({ ...expected('10037'), phone: '+44 20 7946 0321', phoneType: 'landline' });

    // Before the profile has rendered (the host's loading state), nothing to read.
    load(name, 'profile-messages');
    adapter.viewRoot()!.replaceChildren();
    expect(adapter.candidateDetails()).toBeNull();
  });

  it('the view key ignores re-render state (query, hash) but not the view', () => {
    load(name, 'search');
    const key = adapter.viewKey();
    history.replaceState(null, '', `${location.pathname}?page=2&sort=name&dir=asc#x`);
    expect(adapter.viewKey()).toBe(key);
    load(name, 'profile-messages');
    const profileKey = adapter.viewKey();
    expect(profileKey).not.toBe(key);
    history.replaceState(null, '', `${location.pathname}${location.search}#notes`);
    expect(adapter.viewKey()).toBe(profileKey);
  });

  it('Messages: our tab goes after the host tabs; selecting it hides the host tabs and panels, a host tab click hides ours', () => {
    load(name, 'profile-messages');
    const tabs = adapter.messagesTabs()!;
    expect(tabs).not.toBeNull();
    const hostTabs = [...tabs.strip.querySelectorAll('[role=tab]')];
    const hostPanels = [...tabs.content.querySelectorAll(':scope > [role=tabpanel]')];
    expect(hostTabs.length).toBeGreaterThanOrEqual(2);
    expect(hostTabs.map((t) => t.textContent!.trim())[0]).toMatch(/^Email/);
    expect(hostPanels.length).toBe(hostTabs.length);
    expect(hostTabs.filter(isSelectedTab)).toHaveLength(1);
    expect(hostPanels.filter(isShown)).toHaveLength(1);

    const controller = new AbortController();
    const reported: boolean[] = [];
    const injected = tabs.addTab('Text Engagement', { id: 'te-contract', signal: controller.signal, onSelect: (s) => reported.push(s) });

    // Added, unselected, in the host's markup; the host's selection is untouched.
    const allTabs = [...tabs.strip.querySelectorAll('[role=tab]')];
    expect(allTabs.at(-1)).toBe(injected.tab);
    expect(allTabs).toHaveLength(hostTabs.length + 1);
    expect(injected.tab.textContent).toBe('Text Engagement');
    expect(injected.tab.getAttribute('aria-controls')).toBe(injected.panel.id);
    expect(injected.panel.getAttribute('role')).toBe('tabpanel');
    expect(injected.panel.getAttribute('aria-labelledby')).toBe(injected.tab.id);
    expect(injected.panel.parentElement).toBe(tabs.content);
    expect(injected.tab.className).toBe(hostTabs[0]!.className.replace(/\s*is-active\b/, '').trim());
    expect(injected.isSelected()).toBe(false);
    expect(isSelectedTab(injected.tab)).toBe(false);
    expect(isShown(injected.panel)).toBe(false);
    expect(hostTabs.filter(isSelectedTab)).toHaveLength(1);
    expect(hostPanels.filter(isShown)).toHaveLength(1);
    expect(reported).toEqual([]);

    // Selecting ours (a click, as a person would): host tabs deselected, host panels hidden.
    (injected.tab as HTMLElement).click();
    expect(injected.isSelected()).toBe(true);
    expect(isSelectedTab(injected.tab)).toBe(true);
    expect(isShown(injected.panel)).toBe(true);
    expect(hostTabs.filter(isSelectedTab)).toEqual([]);
    expect(hostPanels.filter(isShown)).toEqual([]);
    expect(reported).toEqual([true]);
    // The click did not navigate (CRM's tab is a link).
    expect(location.hash).not.toBe('#te-contract');

    // A click on a host tab: ours lets go (the host itself selects its tab).
    (hostTabs[1] as HTMLElement).click();
    expect(injected.isSelected()).toBe(false);
    expect(isSelectedTab(injected.tab)).toBe(false);
    expect(isShown(injected.panel)).toBe(false);
    expect(reported).toEqual([true, false]);

    injected.select();
    expect(injected.isSelected()).toBe(true);
    expect(reported).toEqual([true, false, true]);
    controller.abort();
  });

  it('never two: adding the same tab again replaces the first', () => {
    load(name, 'profile-messages');
    const first = adapter.messagesTabs()!.addTab('Text Engagement', { id: 'te-once', signal: new AbortController().signal, onSelect() {} });
    const tabs = adapter.messagesTabs()!;
    const before = tabs.strip.querySelectorAll('[role=tab]').length;
    const second = tabs.addTab('Text Engagement', { id: 'te-once', signal: new AbortController().signal, onSelect() {} });
    expect(first.tab.isConnected).toBe(false);
    expect(first.panel.isConnected).toBe(false);
    expect(second.tab.isConnected).toBe(true);
    expect(tabs.strip.querySelectorAll('[role=tab]')).toHaveLength(before);
    expect([...tabs.strip.querySelectorAll('[role=tab]')].filter((t) => t.textContent === 'Text Engagement')).toHaveLength(1);
  });

  it('aborting removes our tab and panel and nothing of the host', () => {
    load(name, 'profile-messages');
    const tabs = adapter.messagesTabs()!;
    const stripBefore = tabs.strip.innerHTML;
    const contentBefore = tabs.content.innerHTML;
    const controller = new AbortController();
    let reported = 0;
    const injected = tabs.addTab('Text Engagement', { id: 'te-abort', signal: controller.signal, onSelect: () => reported++ });
    controller.abort();
    expect(injected.tab.isConnected).toBe(false);
    expect(injected.panel.isConnected).toBe(false);
    expect(tabs.strip.innerHTML).toBe(stripBefore);
    expect(tabs.content.innerHTML).toBe(contentBefore);
    // Its listeners went with it: a click on the detached tab or a host tab reports nothing.
    (injected.tab as HTMLElement).click();
    (tabs.strip.querySelector('[role=tab]') as HTMLElement).click();
    expect(reported).toBe(0);
    expect(injected.isSelected()).toBe(false);
  });
});

describe('the adapters', () => {
  it('are registered, one per host', () => {
    expect(adapters.map((a) => a.name).sort()).toEqual(['crm', 'cxm']);
    expect(adapters).toContain(cxm);
    expect(adapters).toContain(crm);
  });

  it('match no page without a known application-name', () => {
    window.happyDOM.setURL('http://localhost:8788/cxm/candidates');
    document.documentElement.innerHTML = '<head><meta name="application-name" content="Other"></head><body class="cxm crm"></body>';
    expect(adapterFor(location, document, DEMO)).toBeNull();
  });
});
