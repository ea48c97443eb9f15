import { pageAllowed } from './allowed';
import { crm } from './crm';
import { cxm } from './cxm';
import type { HostAdapter } from './types';

/** Every host the extension knows; the first that matches the page is used. */
export const adapters: HostAdapter[] = [cxm, crm];

/**
 * The adapter for this page: one whose host's pages it is on (the demo pages only when
 * `demoPages`: hosts/allowed.ts) and whose markers it carries; else null, and the extension adds
 * nothing to the page.
 */
export function adapterFor(location: Location, document: Document, options: { demoPages: boolean }): HostAdapter | null {
  const url = new URL(location.href);
  return adapters.find((a) => pageAllowed(a, url, options) && a.matches(location, document)) ?? null;
}
