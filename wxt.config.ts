import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';
import { ATS_PAGES } from './extension/hosts/pages';

// The browser extension: sources in extension/, built into .output/chrome-mv3 (npm run build).
export default defineConfig({
  srcDir: 'extension',
  outDir: '.output',
  webExt: { disabled: true },
  manifest: ({ browser }) => ({
    name: 'Text Engagement for CXM/CRM',
    description: 'Text candidates by SMS and WhatsApp from your ATS: phone badges, conversations and bulk text campaigns.',
    permissions: ['storage'],
    // The ATS pages and the demo ATS, and the Text Engagement server (localhost by default).
    host_permissions: ATS_PAGES,
    // A server elsewhere is granted when the recruiter signs in to it.
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    action: { default_title: 'Text Engagement' },
    // The Bulk Text Candidates popup's script, loaded by the content script on the ATS pages.
    web_accessible_resources: [{ resources: ['bulk-text-dialog.js'], matches: ATS_PAGES }],
    // Firefox wants a stable id, and a statement of what the extension collects (nothing).
    ...(browser === 'firefox'
      ? { browser_specific_settings: { gecko: { id: 'text-engagement@cxm-crm.local', data_collection_permissions: { required: ['none'] } } } }
      : {}),
  }),
  vite: () => ({
    plugins: [preact()],
  }),
});
