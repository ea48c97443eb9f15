/**
 * Where the adapters may run (hosts/allowed.ts): their host's own pages, and the demo pages on
 * this machine only in a development build or once the recruiter has signed in to a server on
 * this machine. The adapters' contract test checks the same on their saved pages.
 */
import { describe, expect, it } from 'vitest';
import { demoPagesAllowed, isDemoPage, matchesPattern, pageAllowed } from './allowed';
import { adapters } from './index';
import { ATS_PAGES, CRM_PAGES, CXM_PAGES, DEMO_PAGES } from './pages';

const url = (href: string) => new URL(href);

describe('matchesPattern', () => {
  it('matches scheme, host (a *. domain and its subdomains) and path; any port', () => {
    const icims = 'https://*.icims.com/*';
    for (const yes of ['https://acme.icims.com/cxm', 'https://icims.com/', 'https://a.b.icims.com:8443/x?y#z', 'https://ACME.ICIMS.COM/']) {
      expect(matchesPattern(url(yes), icims), yes).toBe(true);
    }
    for (const no of [
      'http://acme.icims.com/',
      'https://icims.com.example.net/',
      'https://example-icims.com/',
      'https://acmeicims.com/',
      'https://localhost/',
      'ftp://acme.icims.com/',
    ]) {
      expect(matchesPattern(url(no), icims), no).toBe(false);
    }
    expect(matchesPattern(url('http://localhost:8788/cxm/'), 'http://localhost/*')).toBe(true);
    expect(matchesPattern(url('http://localhost.example.net/'), 'http://localhost/*')).toBe(false);
    expect(matchesPattern(url('http://127.0.0.1:41234/crm/search.html'), 'http://127.0.0.1/*')).toBe(true);
    expect(matchesPattern(url('http://127.0.0.2/'), 'http://127.0.0.1/*')).toBe(false);
  });

  it('refuses a pattern it does not understand rather than guessing', () => {
    expect(() => matchesPattern(url('https://a.test/'), '<all_urls>')).toThrow(/match pattern/);
  });
});

describe('the pages each adapter runs on', () => {
  it('every adapter declares its production pages, all in the manifest; the demo pages are not among them', () => {
    for (const adapter of adapters) {
      expect(adapter.allowedPages.length, adapter.name).toBeGreaterThan(0);
      for (const p of adapter.allowedPages) {
        expect(ATS_PAGES).toContain(p);
        expect(DEMO_PAGES as readonly string[]).not.toContain(p);
        expect(p.startsWith('https://'), p).toBe(true);
      }
    }
    expect(adapters.find((a) => a.name === 'cxm')!.allowedPages).toEqual(CXM_PAGES);
    expect(adapters.find((a) => a.name === 'crm')!.allowedPages).toEqual(CRM_PAGES);
    expect(ATS_PAGES).toEqual(expect.arrayContaining([...CXM_PAGES, ...CRM_PAGES, ...DEMO_PAGES]));
  });

  it.each(adapters.map((a) => [a.name, a] as const))('%s: its host pages always, the demo pages only when allowed', (_name, adapter) => {
    const production = url('https://acme.icims.com/cxm/candidates');
    const demo = [url('http://localhost:8788/cxm/candidates'), url('http://127.0.0.1:8788/crm/search.html')];
    expect(pageAllowed(adapter, production, { demoPages: false })).toBe(true);
    expect(pageAllowed(adapter, production, { demoPages: true })).toBe(true);
    for (const page of demo) {
      expect(isDemoPage(page)).toBe(true);
      expect(pageAllowed(adapter, page, { demoPages: false })).toBe(false);
      expect(pageAllowed(adapter, page, { demoPages: true })).toBe(true);
    }
    for (const elsewhere of ['https://evil.example/cxm', 'https://localhost:8788/', 'http://acme.icims.com/']) {
      expect(pageAllowed(adapter, url(elsewhere), { demoPages: true }), elsewhere).toBe(false);
    }
  });
});

describe('demoPagesAllowed', () => {
  it('in a development build, always', () => {
    expect(demoPagesAllowed({ dev: true, signedInServerUrl: null })).toBe(true);
    expect(demoPagesAllowed({ dev: true, signedInServerUrl: 'https://te.acme.example' })).toBe(true);
  });

  it('in a production build, once the recruiter has signed in to a server on this machine (the demo); not before, not with another server', () => {
    for (const server of ['http://localhost:8787', 'http://127.0.0.1:8787', 'http://[::1]:8787', 'https://localhost']) {
      expect(demoPagesAllowed({ dev: false, signedInServerUrl: server }), server).toBe(true);
    }
    for (const server of [null, undefined, '', 'https://te.acme.example', 'https://localhost.example.net', 'not a url']) {
      expect(demoPagesAllowed({ dev: false, signedInServerUrl: server }), String(server)).toBe(false);
    }
  });
});
