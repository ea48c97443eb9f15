import { describe, expect, it, vi } from 'vitest';
import { loadScript } from './load-script';

// The extension's files, as data: URLs: each "script" counts its runs and may set its API.
const files: Record<string, string> = {};
const getURL = vi.hoisted(() => vi.fn<(path: string) => string>());
vi.mock('wxt/browser', () => ({ browser: { runtime: { getURL } } }));
getURL.mockImplementation((path) => files[path] ?? `data:text/javascript,throw new Error("no ${path}")`);
const script = (code: string) => `data:text/javascript,${encodeURIComponent(code)}`;
const global = globalThis as Record<string, unknown>;

describe('loadScript', () => {
  // (Node caches an imported URL too: the loader's own once is seen by the URL being asked for once.)
  it('loads the script once and returns the API it leaves on the global', async () => {
    files['/panel.js'] = script('globalThis.__runs = (globalThis.__runs ?? 0) + 1; globalThis.__panelApi = { name: "panel" };');
    const [a, b] = await Promise.all([loadScript('/panel.js', '__panelApi'), loadScript('/panel.js', '__panelApi')]);
    expect(a).toEqual({ name: 'panel' });
    expect(b).toBe(a);
    expect(await loadScript('/panel.js', '__panelApi')).toBe(a);
    expect(global.__runs).toBe(1);
    expect(getURL.mock.calls.filter(([path]) => path === '/panel.js')).toHaveLength(1);
  });

  it('says so when the script left no API, and tries again on the next call', async () => {
    files['/late.js'] = script('globalThis.__lateTries = (globalThis.__lateTries ?? 0) + 1;');
    await expect(loadScript('/late.js', '__lateApi')).rejects.toThrow('/late.js did not load.');
    // The extension was updated meanwhile: its file now sets the API (a new URL, as a new build's would be).
    files['/late.js'] = script('globalThis.__lateTries += 1; globalThis.__lateApi = { ok: true };');
    expect(await loadScript('/late.js', '__lateApi')).toEqual({ ok: true });
    expect(global.__lateTries).toBe(2);
  });

  it('passes on a script that fails to load or run', async () => {
    await expect(loadScript('/missing.js', '__missingApi')).rejects.toThrow('no /missing.js');
  });
});
