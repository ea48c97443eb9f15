/**
 * The content script: finds the host adapter for this page and runs the features for the
 * current view. It never talks to the server itself (the background worker does).
 *
 * An adapter runs only on its host's own pages; the demo ATS pages on this machine count only
 * in a development build or once the recruiter has signed in to a server on this machine
 * (hosts/allowed.ts). On a demo page that doesn't count yet, it waits for such a sign-in.
 */
import { browser } from 'wxt/browser';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { bulkText } from '../features/bulk-text';
import { startFeatureManager } from '../features/manager';
import { phoneBadges } from '../features/phone-badges';
import { textEngagementTab } from '../features/text-engagement-tab';
import { adapterFor } from '../hosts';
import { demoPagesAllowed, isDemoPage } from '../hosts/allowed';
import { ATS_PAGES } from '../hosts/pages';
import { SERVER_URL_KEY } from '../lib/storage-keys';

/** The server URL of the recruiter's last sign-in (written only by a sign-in), or null. */
async function signedInServerUrl(): Promise<string | null> {
  const stored = (await browser.storage.local.get(SERVER_URL_KEY))[SERVER_URL_KEY];
  return typeof stored === 'string' ? stored : null;
}

export default defineContentScript({
  matches: ATS_PAGES,
  runAt: 'document_idle',
  // No stylesheet of its own: the panel's and the Bulk Text popup's scripts bring theirs, each
  // into its own shadow root (the badges carry theirs in theirs).
  cssInjectionMode: 'manual',
  async main(ctx) {
    const start = (demoPages: boolean): boolean => {
      const adapter = adapterFor(location, document, { demoPages });
      if (!adapter) return false;
      startFeatureManager({ adapter, ctx }, [phoneBadges, textEngagementTab, bulkText]);
      return true;
    };
    if (!isDemoPage(new URL(location.href))) {
      start(false);
      return;
    }
    const allowed = () => signedInServerUrl().then((url) => demoPagesAllowed({ dev: import.meta.env.DEV, signedInServerUrl: url }));
    if (start(await allowed())) return;
    // Not (yet) the demo: start if the recruiter signs in to a server on this machine meanwhile.
    const onChanged = (changes: Record<string, unknown>, area: string) => {
      if (area !== 'local' || !(SERVER_URL_KEY in changes) || ctx.isInvalid) return;
      void allowed().then((ok) => {
        if (ok && start(true)) browser.storage.onChanged.removeListener(onChanged);
      });
    };
    browser.storage.onChanged.addListener(onChanged);
    ctx.onInvalidated(() => browser.storage.onChanged.removeListener(onChanged));
  },
});
