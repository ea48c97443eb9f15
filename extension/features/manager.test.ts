// @vitest-environment happy-dom
/**
 * The feature manager: which features run for a view, when they run again (soft navigation,
 * a re-render that changes the view), and that every run's AbortSignal is aborted when the view
 * changes or the extension goes away.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import type { HostAdapter, PageKind } from '../hosts/types';
import { startFeatureManager, type Feature, type FeatureManager } from './manager';

declare global {
  interface Window {
    happyDOM: { setURL(url: string): void };
  }
}

/** A host whose view is the body's data-kind, and whose view key is the path (the query is re-render state). */
const adapter = {
  name: 'cxm',
  matches: () => true,
  pageKind: () => (document.body.dataset.kind as PageKind | undefined) ?? 'other',
  viewKey: () => location.pathname,
  viewRoot: () => document.body,
} as unknown as HostAdapter;

function fakeContext() {
  const listeners: (() => void)[] = [];
  const ctx = { onInvalidated: (cb: () => void) => listeners.push(cb) } as unknown as ContentScriptContext;
  return { ctx, invalidate: () => listeners.forEach((cb) => cb()) };
}

interface Recorder extends Feature {
  runs: { signal: AbortSignal; url: string }[];
}

function recorder(name: string, pages: PageKind[]): Recorder {
  const runs: Recorder['runs'] = [];
  return {
    name,
    pages,
    runs,
    init(_context, signal) {
      runs.push({ signal, url: location.href });
    },
  };
}

/** Lets mutation observers, microtasks and the features' init (a promise) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
/** A DOM change, as a host's render makes. */
const mutate = () => document.body.append(document.createElement('div'));

let manager: FeatureManager | null = null;
const start = (features: Feature[], ctx = fakeContext().ctx) => (manager = startFeatureManager({ adapter, ctx }, features));

beforeEach(() => {
  window.happyDOM.setURL('http://localhost:8788/app/search');
  document.body.replaceChildren();
  document.body.dataset.kind = 'search';
});

afterEach(() => {
  manager?.stop();
  manager = null;
  vi.restoreAllMocks();
});

describe('feature manager', () => {
  it('runs the features that belong to the page kind, once', async () => {
    const search = recorder('search', ['search']);
    const profile = recorder('profile', ['profile']);
    const both = recorder('both', ['search', 'profile']);
    start([search, profile, both]);
    await settle();
    expect(search.runs).toHaveLength(1);
    expect(profile.runs).toHaveLength(0);
    expect(both.runs).toHaveLength(1);
    expect(manager!.view).toMatchObject({ kind: 'search', key: '/app/search', url: 'http://localhost:8788/app/search' });

    // Re-renders that keep the view change nothing.
    mutate();
    mutate();
    await settle();
    manager!.check();
    await settle();
    expect(search.runs).toHaveLength(1);
    expect(search.runs[0]!.signal.aborted).toBe(false);
  });

  it('runs nothing on a view no feature belongs to', async () => {
    document.body.dataset.kind = 'other';
    const search = recorder('search', ['search']);
    start([search]);
    await settle();
    expect(search.runs).toHaveLength(0);
    expect(manager!.view?.kind).toBe('other');
  });

  it('re-runs after a soft navigation (pushState, then the host renders), aborting the previous run', async () => {
    const search = recorder('search', ['search']);
    start([search]);
    await settle();

    history.pushState({}, '', '/app/search/other');
    mutate();
    await settle();
    expect(search.runs).toHaveLength(2);
    expect(search.runs[0]!.signal.aborted).toBe(true);
    expect(search.runs[1]!.signal.aborted).toBe(false);
    expect(search.runs[1]!.url).toBe('http://localhost:8788/app/search/other');
    expect(manager!.view?.key).toBe('/app/search/other');
  });

  it('switches features when the page kind changes, aborting the old ones', async () => {
    const search = recorder('search', ['search']);
    const profile = recorder('profile', ['profile']);
    start([search, profile]);
    await settle();

    history.pushState({}, '', '/app/candidates/10001');
    document.body.dataset.kind = 'profile';
    mutate();
    await settle();
    expect(search.runs).toHaveLength(1);
    expect(search.runs[0]!.signal.aborted).toBe(true);
    expect(profile.runs).toHaveLength(1);
    expect(profile.runs[0]!.signal.aborted).toBe(false);

    // Back (popstate): the search features run again.
    history.pushState({}, '', '/app/search');
    document.body.dataset.kind = 'search';
    window.dispatchEvent(new PopStateEvent('popstate'));
    await settle();
    expect(search.runs).toHaveLength(2);
    expect(profile.runs[0]!.signal.aborted).toBe(true);
  });

  it('does not re-run for state the adapter keeps out of the view key (a search page in the query)', async () => {
    const search = recorder('search', ['search']);
    start([search]);
    await settle();
    history.replaceState({}, '', '/app/search?page=2#top');
    mutate();
    await settle();
    expect(search.runs).toHaveLength(1);
    expect(search.runs[0]!.signal.aborted).toBe(false);
  });

  it('coalesces a burst of mutations into one check', async () => {
    const pageKind = vi.spyOn(adapter, 'pageKind');
    start([recorder('search', ['search'])]);
    await settle();
    const before = pageKind.mock.calls.length;
    for (let i = 0; i < 20; i++) mutate();
    await settle();
    expect(pageKind.mock.calls.length - before).toBe(1);
  });

  it('keeps running the other features when one fails', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const broken: Feature = {
      name: 'broken',
      pages: ['search'],
      init() {
        throw new Error('boom');
      },
    };
    const search = recorder('search', ['search']);
    start([broken, search]);
    await settle();
    expect(search.runs).toHaveLength(1);
    expect(error).toHaveBeenCalledWith('[Text Engagement] broken failed', expect.any(Error));
  });

  it('stops when the extension context is invalidated: aborts the run and ignores later changes', async () => {
    const { ctx, invalidate } = fakeContext();
    const search = recorder('search', ['search']);
    start([search], ctx);
    await settle();

    invalidate();
    expect(search.runs[0]!.signal.aborted).toBe(true);
    history.pushState({}, '', '/app/search/other');
    mutate();
    window.dispatchEvent(new PopStateEvent('popstate'));
    await settle();
    manager!.check();
    await settle();
    expect(search.runs).toHaveLength(1);
  });

  it('stop() aborts the current run', async () => {
    const search = recorder('search', ['search']);
    start([search]);
    await settle();
    manager!.stop();
    expect(search.runs[0]!.signal.aborted).toBe(true);
  });
});
