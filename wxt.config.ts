import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';
import { ATS_PAGES } from './extension/hosts/pages';

/** Rendered from extension/assets/icon.svg by `npm run icons` into extension/public/icon/. */
const ICONS = { 16: 'icon/16.png', 32: 'icon/32.png', 48: 'icon/48.png', 128: 'icon/128.png' };

// The browser extension: sources in extension/, built into .output/chrome-mv3 and (npm run
// build:firefox) .output/firefox-mv3; `npm run zip` packages both for the stores.
export default defineConfig({
  srcDir: 'extension',
  outDir: '.output',
  publicDir: 'extension/public',
  // Manifest V3 for every browser (WXT builds Firefox as MV2 unless told otherwise).
  manifestVersion: 3,
  webExt: { disabled: true },
  zip: {
    // The Firefox zip comes with a sources zip for the add-on reviewers (the build is bundled
    // and minified). Only what `npm ci && npm run build:firefox` needs goes in: not the server,
    // the demo data, a local database, the tests' fixtures or the screenshots.
    excludeSources: [
      'server/**',
      'bench/**',
      'fixtures/**',
      'data/**',
      'coverage/**',
      'docs/screenshots/**',
      'docs/BENCHMARKS.md',
      'drizzle.config.ts',
      'extension/e2e/**',
      'extension/hosts/__fixtures__/**',
    ],
  },
  manifest: ({ browser }) => ({
    name: 'Text Engagement for CXM/CRM',
    description: 'Text candidates by SMS and WhatsApp from your ATS: phone badges, conversations and bulk text campaigns.',
    icons: ICONS,
    // Permissions, each for one reason (nothing else is asked for: no tabs, no scripting, no
    // cookies, no webRequest):
    // - storage: the Text Engagement server's URL (storage.local) and the signed-in session
    //   (token, expiry, the recruiter's name and organisation; storage.session: in memory, for the
    //   extension's own pages and worker only) in extension storage (lib/storage.ts). No other
    //   permission is needed for what the extension does: the toolbar badge (action API), the
    //   options page and messaging between its own parts need none.
    permissions: ['storage'],
    // Host permissions: the content script's pages, which are also where the background reaches
    // the server by default.
    // - https://*.icims.com/*: the ATS pages (CXM and CRM), where the phone badges, the Text
    //   Engagement tab and Bulk Text are added. The content script reads candidate ids, and on an
    //   unknown candidate's profile the name, phone, email, job and location for "Add to Text
    //   Engagement"; it does nothing on pages that are not a CXM or CRM page (hosts/*.ts).
    // - http://localhost/*, http://127.0.0.1/*: the Text Engagement server when it runs on the
    //   recruiter's machine (the default server URL, http://localhost:8787) and the demo ATS pages
    //   `npm start` serves; match patterns without a port match every port. The content script
    //   treats these pages as an ATS only once the recruiter has signed in to a server on this
    //   machine (hosts/allowed.ts).
    host_permissions: ATS_PAGES,
    // A Text Engagement server elsewhere: optional, never granted at install. The options page
    // asks for exactly the origin of the server URL the recruiter types (permissions.request for
    // `<origin>/*`) when they sign in there; nothing else is ever requested.
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    action: { default_title: 'Text Engagement', default_icon: ICONS },
    // The Bulk Text Candidates popup's script, loaded by the content script on the ATS pages.
    web_accessible_resources: [{ resources: ['text-engagement-panel.js', 'bulk-text-dialog.js'], matches: ATS_PAGES }],
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              // A stable id (required for MV3 on Firefox; also keeps storage across updates).
              id: 'text-engagement@cxm-crm.local',
              // 140: the first Firefox that shows data_collection_permissions at install, so no
              // Firefox runs the extension without it (optional_host_permissions is older, 128).
              strict_min_version: '140.0',
              // What the extension transmits, shown at install. Mozilla's policy counts any data
              // handled outside the browser, also sent to a server the user chooses, and the
              // extension sends to the Text Engagement server signed in to (docs/PRIVACY.md):
              // candidates' names, phones and emails (personallyIdentifyingInfo), the recruiter's
              // email and password, then a token (authenticationInfo), the texts written and read
              // (personalCommunications), and what it reads from ATS pages: candidate ids, and a
              // profile's details for Add to Text Engagement (websiteContent). All needed for it to
              // work at all, so required. No analytics, nothing to anyone else.
              data_collection_permissions: { required: ['personallyIdentifyingInfo', 'authenticationInfo', 'personalCommunications', 'websiteContent'] },
            },
          },
        }
      : {}),
  }),
  vite: () => ({
    plugins: [preact()],
  }),
});
