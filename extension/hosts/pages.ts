/**
 * The pages the extension runs on: the ATS (CXM and CRM are iCIMS pages) and the demo ATS served
 * on this machine (match patterns without a port match every port). The content script's matches,
 * the manifest's host permissions and where the Bulk Text popup's script may be loaded all use
 * this list. Within it, each adapter runs only on its own host's pages (`allowedPages`), and on
 * the demo pages only while the demo is in play (hosts/allowed.ts); which host a page is, is then
 * told by the adapters from the page itself.
 */

/** CXM's pages: iCIMS, over https. */
export const CXM_PAGES = ['https://*.icims.com/*'] as const;
/** CRM's pages: iCIMS, over https. */
export const CRM_PAGES = ['https://*.icims.com/*'] as const;
/** The demo ATS pages on this machine (`npm start`, the browser tests), any port. */
export const DEMO_PAGES = ['http://localhost/*', 'http://127.0.0.1/*'] as const;

export const ATS_PAGES: string[] = [...new Set<string>([...CXM_PAGES, ...CRM_PAGES, ...DEMO_PAGES])];
