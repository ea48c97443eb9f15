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
import { ATS_PAGES } from '../hosts/pages';

export default defineContentScript({
  matches: ATS_PAGES,
  runAt: 'document_idle',
  cssInjectionMode: 'ui',
  main(ctx) {
    const adapter = adapterFor(location, document);
    if (!adapter) return;
    startFeatureManager({ adapter, ctx }, [phoneBadges, textEngagementTab, bulkText]);
  },
});
