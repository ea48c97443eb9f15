import { crm } from './crm';
import { cxm } from './cxm';
import type { HostAdapter } from './types';

/** Every host the extension knows; the first that matches the page is used. */
export const adapters: HostAdapter[] = [cxm, crm];

export function adapterFor(location: Location, document: Document): HostAdapter | null {
  return adapters.find((a) => a.matches(location, document)) ?? null;
}
