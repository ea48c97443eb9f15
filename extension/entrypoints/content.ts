/**
 * The content script: finds the host adapter for this page and runs the features for the
 * current view. It never talks to the server itself (the background worker does).
 */
import { defineContentScript } from 'wxt/utils/define-content-script';
import { bulkText } from '../features/bulk-text';
import { startFeatureManager } from '../features/manager';
import { phoneBadges } from '../features/phone-badges';
import { textEngagementTab } from '../features/text-engagement-tab';
import { adapterFor } from '../hosts';

export default defineContentScript({
  // The ATS (iCIMS pages) and the demo ATS served on this machine.
  matches: ['https://*.icims.com/*', 'http://localhost/*', 'http://127.0.0.1/*'],
  runAt: 'document_idle',
  cssInjectionMode: 'ui',
  main(ctx) {
    const adapter = adapterFor(location, document);
    if (!adapter) return;
    startFeatureManager({ adapter, ctx }, [phoneBadges, textEngagementTab, bulkText]);
  },
});
