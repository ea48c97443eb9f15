/**
 * Where an adapter may run. A page that carries CXM's or CRM's markers is not CXM or CRM unless it
 * is also on that host's own pages (`HostAdapter.allowedPages`, the production hostnames): any
 * other site could dress up as one and have the extension read its "candidates" and act on them.
 *
 * The demo ATS pages on this machine (`hosts/pages.ts` DEMO_PAGES) are allowed only while the
 * demo is in play: in a development build, or when the recruiter has signed in to a Text
 * Engagement server on this machine (the demo's, as `npm start` and its README say: a server
 * URL such as http://localhost:8787). A recruiter who signs in to their organisation's server
 * never has a local web page treated as their ATS.
 */
import { isLoopbackHostname } from '../../shared/loopback';
import { DEMO_PAGES } from './pages';
import type { HostAdapter } from './types';

/**
 * True when `url` is one of the pages the match pattern `pattern` names (`scheme://host/path`,
 * the host exact or `*.` and a domain, which also matches the domain itself; the port is not
 * part of a pattern, so any port matches; the path `/*` or a prefix ending in `*`).
 */
export function matchesPattern(url: URL, pattern: string): boolean {
  const m = /^(https?):\/\/(\*|\*\.[^/*]+|[^/*]+)(\/.*)$/.exec(pattern);
  if (!m) throw new Error(`Not a match pattern this extension uses: ${pattern}`);
  const [, scheme, host, path] = m as unknown as [string, string, string, string];
  if (url.protocol !== `${scheme}:`) return false;
  const hostname = url.hostname.toLowerCase();
  if (host.startsWith('*.')) {
    const domain = host.slice(2).toLowerCase();
    if (hostname !== domain && !hostname.endsWith(`.${domain}`)) return false;
  } else if (host !== '*' && hostname !== host.toLowerCase()) return false;
  return path.endsWith('*') ? url.pathname.startsWith(path.slice(0, -1)) : url.pathname === path;
}

/** True on the demo ATS pages' hosts (this machine). */
export const isDemoPage = (url: URL): boolean => DEMO_PAGES.some((p) => matchesPattern(url, p));

/**
 * Whether the demo pages count as ATS pages: in a development build, or once the recruiter has
 * signed in to a server on this machine. `signedInServerUrl` is the server URL of the last
 * sign-in (null before any: the options page's default is not one the recruiter chose).
 */
export function demoPagesAllowed({ dev, signedInServerUrl }: { dev: boolean; signedInServerUrl: string | null | undefined }): boolean {
  if (dev) return true;
  if (!signedInServerUrl) return false;
  try {
    return isLoopbackHostname(new URL(signedInServerUrl).hostname);
  } catch {
    return false;
  }
}

/** True when `adapter` may run on `url`: its host's own pages, or the demo pages when they are allowed. */
export function pageAllowed(adapter: HostAdapter, url: URL, options: { demoPages: boolean }): boolean {
  return adapter.allowedPages.some((p) => matchesPattern(url, p)) || (options.demoPages && isDemoPage(url));
}
