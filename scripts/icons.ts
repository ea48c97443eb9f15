/**
 * Renders the extension's icon, extension/assets/icon.svg, to the PNGs the manifest names
 * (extension/public/icon/<size>.png), with the system Chromium, headless as the browser tests
 * run it. After changing the SVG: `npm run icons`, look at the PNGs, and commit them with it.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import puppeteer from 'puppeteer';

const ROOT = resolve(import.meta.dirname, '..');
const SOURCE = join(ROOT, 'extension/assets/icon.svg');
const OUT_DIR = join(ROOT, 'extension/public/icon');
const CHROMIUM = process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium';

/**
 * Each PNG's size, and how many of its pixels the artwork takes. The toolbar and extensions-page
 * sizes use them all; the 128 px icon (the store listings' and the install dialog's) is 96 px of
 * artwork with 16 px of transparent padding on each side, as the Chrome Web Store asks.
 */
const ICON_SIZES = [
  { size: 16, artwork: 16 },
  { size: 32, artwork: 32 },
  { size: 48, artwork: 48 },
  { size: 128, artwork: 96 },
] as const;

async function main() {
  const svg = readFileSync(SOURCE);
  const src = `data:image/svg+xml;base64,${svg.toString('base64')}`;
  mkdirSync(OUT_DIR, { recursive: true });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    for (const { size, artwork } of ICON_SIZES) {
      const pad = (size - artwork) / 2;
      await page.setViewport({ width: size, height: size, deviceScaleFactor: 1 });
      await page.setContent(
        `<!doctype html><html><body style="margin:0;background:transparent">` +
          `<img src="${src}" width="${artwork}" height="${artwork}" style="display:block;margin:${pad}px" alt=""></body></html>`,
        { waitUntil: 'load' },
      );
      // A broken SVG renders as Chromium's broken-image glyph, not as an error: refuse it.
      const decoded = await page.$eval('img', (img) =>
        img.decode().then(
          () => img.naturalWidth > 0,
          () => false,
        ),
      );
      if (!decoded) throw new Error(`${relative(ROOT, SOURCE)} is not an image Chromium can draw (is it valid XML?)`);
      const out = join(OUT_DIR, `${size}.png`);
      await page.screenshot({ path: out as `${string}.png`, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
      console.log(`${relative(ROOT, out)}  ${size}×${size}`);
    }
  } finally {
    await browser.close();
  }
}

await main();
