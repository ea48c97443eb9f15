/**
 * The store packages' manifests, as built: Manifest V3 for Chrome and Firefox, the icons at 16,
 * 32, 48 and 128 px (files there, PNGs of those sizes) also on the toolbar button, and exactly
 * the permissions wxt.config.ts explains. Read from .output/chrome-mv3 and .output/firefox-mv3,
 * which npm test builds first (npm run zip: what goes to the stores); a browser's is built here
 * instead when it is missing or older than what makes the manifest, into a temporary folder so
 * nothing another test reads is touched.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'wxt';

const ROOT = resolve(import.meta.dirname, '..');
const ATS_PAGES = ['https://*.icims.com/*', 'http://localhost/*', 'http://127.0.0.1/*'];
const ICON_SIZES = [16, 32, 48, 128];

interface Manifest {
  manifest_version: number;
  name: string;
  description: string;
  version: string;
  icons: Record<string, string>;
  action: { default_icon: Record<string, string>; default_popup: string; default_title: string };
  permissions?: string[];
  optional_permissions?: string[];
  host_permissions?: string[];
  optional_host_permissions?: string[];
  content_scripts: { matches: string[] }[];
  web_accessible_resources: { resources: string[]; matches: string[] }[];
  background: { service_worker?: string; scripts?: string[] };
  browser_specific_settings?: { gecko?: Record<string, unknown>; gecko_android?: unknown };
}

/** Width and height from a PNG's header (the signature, then the IHDR chunk). */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${file} is a PNG`).toBe(true);
  expect(bytes.toString('latin1', 12, 16), `${file} starts with IHDR`).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

const quiet = { debug() {}, info() {}, log() {}, success() {}, warn: console.warn, error: console.error, fatal: console.error, level: 0 };

const tmp = mkdtempSync(join(tmpdir(), 'te-manifest-'));
const BROWSERS = ['chrome', 'firefox'] as const;
const built: Record<(typeof BROWSERS)[number], string> = { chrome: join(ROOT, '.output/chrome-mv3'), firefox: join(ROOT, '.output/firefox-mv3') };

/** What the manifest is made from (the entrypoints too: the content script's matches): a build older than any of them is stale. */
const INPUTS = [
  'wxt.config.ts',
  'package.json',
  ...ICON_SIZES.map((size) => `extension/public/icon/${size}.png`),
  ...readdirSync(join(ROOT, 'extension/entrypoints'), { recursive: true, encoding: 'utf8' }).map((file) => `extension/entrypoints/${file}`),
];

function isFresh(manifestFile: string): boolean {
  if (!existsSync(manifestFile)) return false;
  const builtAt = statSync(manifestFile).mtimeMs;
  return INPUTS.every((input) => statSync(join(ROOT, input)).mtimeMs <= builtAt);
}

beforeAll(async () => {
  for (const browser of BROWSERS) {
    if (isFresh(join(built[browser], 'manifest.json'))) continue;
    // No --mv3, here or in npm run zip: wxt.config.ts itself must make Firefox MV3. The folder is
    // named for the version built (firefox-mv2 if not), and its manifest says which.
    await build({ root: ROOT, browser, outDir: tmp, logger: quiet as never });
    const dir = readdirSync(tmp).find((name) => name.startsWith(`${browser}-mv`))!;
    built[browser] = join(tmp, dir);
  }
}, 60_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const manifest = (browser: keyof typeof built) => JSON.parse(readFileSync(join(built[browser], 'manifest.json'), 'utf8')) as Manifest;

describe.each(BROWSERS)('the %s manifest', (browser) => {
  it('is Manifest V3, with what the store listing needs', () => {
    const m = manifest(browser);
    expect(m.manifest_version).toBe(3);
    expect(m.name).toBe('Text Engagement for CXM/CRM');
    expect(m.description.length).toBeGreaterThan(0);
    expect(m.description.length).toBeLessThanOrEqual(132); // the Chrome Web Store's limit
    expect(m.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('has the icons at 16, 32, 48 and 128 px, as files of those sizes, also on the toolbar button', () => {
    const m = manifest(browser);
    expect(Object.keys(m.icons).map(Number)).toEqual(ICON_SIZES);
    for (const size of ICON_SIZES) {
      const file = join(built[browser], m.icons[size]!);
      expect(existsSync(file), `${m.icons[size]} is in the package`).toBe(true);
      expect(pngSize(file)).toEqual({ width: size, height: size });
    }
    expect(m.action.default_icon).toEqual(m.icons);
    expect(m.action.default_popup).toBe('popup.html');
  });

  it('asks for exactly the permissions wxt.config.ts explains', () => {
    const m = manifest(browser);
    expect(m.permissions).toEqual(['storage']);
    expect(m.optional_permissions).toBeUndefined();
    expect(m.host_permissions).toEqual(ATS_PAGES);
    expect(m.optional_host_permissions).toEqual(['https://*/*', 'http://*/*']);
    // The content script and the web-accessible popup script reach no page beyond the ATS pages.
    for (const script of m.content_scripts) expect([...script.matches].sort()).toEqual([...ATS_PAGES].sort());
    for (const entry of m.web_accessible_resources) expect([...entry.matches].sort()).toEqual([...ATS_PAGES].sort());
  });
});

describe('browser specifics', () => {
  it('Chrome runs the background as a service worker and has no Firefox settings', () => {
    const m = manifest('chrome');
    expect(m.background).toEqual({ service_worker: 'background.js' });
    expect(m.browser_specific_settings).toBeUndefined();
  });

  it('Firefox keeps its add-on id and states the data it transmits, desktop only', () => {
    const m = manifest('firefox');
    expect(m.background).toEqual({ scripts: ['background.js'] });
    expect(m.browser_specific_settings).toEqual({
      gecko: {
        id: 'text-engagement@cxm-crm.local',
        strict_min_version: '140.0',
        // What it sends to the Text Engagement server, as docs/PRIVACY.md says.
        data_collection_permissions: { required: ['personallyIdentifyingInfo', 'authenticationInfo', 'personalCommunications', 'websiteContent'] },
      },
    });
  });
});
