/**
 * The pages the extension runs on: the ATS (CXM and CRM are iCIMS pages) and the demo ATS served
 * on this machine (match patterns without a port match every port). The content script's matches,
 * the manifest's host permissions and where the Bulk Text popup's script may be loaded all use
 * this list; which host a page is, is still told by the adapters from the page itself.
 */
export const ATS_PAGES = ['https://*.icims.com/*', 'http://localhost/*', 'http://127.0.0.1/*'];
