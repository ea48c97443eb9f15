/**
 * Loads one of the extension's own scripts into this content script's isolated world, once, and
 * returns the API it leaves on the isolated world's global. The big interfaces (the Text
 * Engagement panel, the Bulk Text popup) are built as such scripts so the content script every
 * ATS page loads stays small: they load the first time they are opened.
 */
import { browser } from 'wxt/browser';

const loading = new Map<string, Promise<unknown>>();

/** `path`: the script's path in the extension (web-accessible to the ATS pages); `key`: the global it sets. */
export function loadScript<Api>(path: string, key: string): Promise<Api> {
  let promise = loading.get(path);
  if (!promise) {
    const url = (browser.runtime as unknown as { getURL(path: string): string }).getURL(path);
    // addons-linter warns of an import() with a non-literal argument; this one is always our own
    // packaged file (accepted, with this reason, in scripts/lint-firefox.ts).
    promise = import(/* @vite-ignore */ url)
      .then(() => {
        const api = (globalThis as Record<string, unknown>)[key];
        if (!api) throw new Error(`${path} did not load.`);
        return api;
      })
      .catch((err: unknown) => {
        loading.delete(path); // a later try may succeed (the extension was updated meanwhile)
        throw err;
      });
    loading.set(path, promise);
  }
  return promise as Promise<Api>;
}
