import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';

/** Rendered from extension/assets/icon.svg by `npm run icons` into extension/public/icon/. */
const ICONS = { 16: 'icon/16.png', 32: 'icon/32.png', 48: 'icon/48.png', 128: 'icon/128.png' };

// The browser extension: sources in extension/, built into .output/chrome-mv3 (npm run build).
export default defineConfig({
  srcDir: 'extension',
  outDir: '.output',
  publicDir: 'extension/public',
  webExt: { disabled: true },
  manifest: ({ browser }) => ({
    name: 'Text Engagement for CXM/CRM',
    description: 'Text candidates by SMS and WhatsApp from your ATS: phone badges, conversations and bulk text campaigns.',
    icons: ICONS,
    permissions: ['storage'],
    // The ATS pages and the demo ATS, and the Text Engagement server (localhost by default).
    host_permissions: ['https://*.icims.com/*', 'http://localhost/*', 'http://127.0.0.1/*'],
    // A server elsewhere is granted when the recruiter signs in to it.
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    action: { default_title: 'Text Engagement', default_icon: ICONS },
    // The Bulk Text Candidates popup's script, loaded by the content script on the ATS pages.
    web_accessible_resources: [{ resources: ['bulk-text-dialog.js'], matches: ['https://*.icims.com/*', 'http://localhost/*', 'http://127.0.0.1/*'] }],
    // Firefox wants a stable id, and a statement of what the extension collects (nothing).
    ...(browser === 'firefox'
      ? { browser_specific_settings: { gecko: { id: 'text-engagement@cxm-crm.local', data_collection_permissions: { required: ['none'] } } } }
      : {}),
  }),
  vite: () => ({
    plugins: [preact()],
  }),
});
