/**
 * Captures the rendered HTML of the demo host pages (fixtures/hosts) that the adapters' contract
 * test (extension/hosts/contract.test.ts) runs against: for each variant, search page 1, the
 * same page with rows selected, and profiles with their Messages tab open (Maria Garcia with a
 * mobile, an ATS-only candidate without a phone, and one with a landline).
 *
 *   npx tsx extension/hosts/__fixtures__/capture.ts
 *
 * Runs the fixture server and headless Chromium (PUPPETEER_EXECUTABLE_PATH, default
 * /usr/bin/chromium; no extension). Each file is the document as rendered, with its scripts
 * removed and its stylesheets marked for the test to inline (so it can tell what is shown), plus captured.json
 * naming the URL each was taken from. Re-run it after changing the fixture pages.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Page } from 'puppeteer';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../fixtures/chromium';
import { serveFixtures } from '../../../fixtures/serve';

const OUT = dirname(fileURLToPath(import.meta.url));

/** The profiles saved (id, file name suffix): a mobile, no phone at all (ATS-only), a landline. */
const PROFILES = [
  ['10001', ''],
  ['10154', '-no-phone'],
  ['10037', '-landline'],
] as const;

export interface CapturedPage {
  file: string;
  variant: 'cxm' | 'crm';
  state: 'search' | 'search-selected' | 'profile-messages';
  /** Path and query the page was at (the origin is the fixture server's). */
  path: string;
  /** Row ids selected (search-selected only). */
  selected?: string[];
  /** The profile's candidate id (profile-messages only; the first such page is 10001's). */
  candidateId?: string;
}

/**
 * The document as rendered: no scripts; each stylesheet becomes an empty
 * `<style data-inlined-from="/path.css">` that the contract test fills from fixtures/hosts at
 * load time (so the saved pages don't carry copies of the host CSS).
 */
async function snapshot(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const clone = document.documentElement.cloneNode(true) as HTMLElement;
    for (const s of clone.querySelectorAll('script')) s.remove();
    for (const link of clone.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')) {
      const style = document.createElement('style');
      style.setAttribute('data-inlined-from', new URL(link.href).pathname);
      link.replaceWith(style);
    }
    // Live state the serialised markup would lose.
    const boxes = document.querySelectorAll<HTMLInputElement>('input[type=checkbox]');
    const cloneBoxes = clone.querySelectorAll<HTMLInputElement>('input[type=checkbox]');
    boxes.forEach((box, i) => {
      const copy = cloneBoxes[i];
      if (!copy) return;
      if (box.checked) copy.setAttribute('checked', '');
      else copy.removeAttribute('checked');
      if (box.indeterminate) copy.setAttribute('data-indeterminate', '');
    });
    return `<!doctype html>\n${clone.outerHTML}\n`;
  });
}

async function main() {
  const fixtures = await serveFixtures({ port: 0 });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const captured: CapturedPage[] = [];
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const save = async (entry: Omit<CapturedPage, 'path'>) => {
      const url = new URL(page.url());
      writeFileSync(join(OUT, entry.file), await snapshot(page));
      captured.push({ ...entry, path: url.pathname + url.search + url.hash });
      console.log(`${entry.file}  ${url.pathname}${url.search}${url.hash}`);
    };

    const variants = [
      {
        name: 'cxm' as const,
        search: '/cxm/candidates',
        rows: '#cxm-main table.cxm-grid > tbody > tr[data-person-id]',
        rowCheck: 'input.cxm-row-check',
        bar: '#cxm-main .cxm-bulkbar',
        async openMessages(id: string) {
          await page.goto(`${fixtures.url}/cxm/candidates/${id}`);
          await page.waitForSelector('#cxm-main > section.cxm-profile[data-person-id] .cxm-tabs');
          await page.click('button.cxm-tab[data-tab="messages"]');
          await page.waitForSelector('#cxm-tabpanel[data-tab="messages"]:not([aria-busy]) ul.cxm-subtabs');
        },
      },
      {
        name: 'crm' as const,
        search: '/crm/search.html',
        rows: '.crm-results__body > .crm-record[data-candidate-ref]',
        rowCheck: 'input.crm-record__check',
        bar: '.crm-bulk-actions:not([hidden])',
        async openMessages(id: string) {
          await page.goto(`${fixtures.url}/crm/profile.html?id=${id}`);
          await page.waitForSelector('article.crm-profile .crm-tabs');
          await page.click('a.crm-tab[data-tab="messages"]');
          await page.waitForSelector('section.crm-tab-panel[data-tab-panel="messages"]:not([hidden]) nav.crm-subtabs');
        },
      },
    ];

    for (const v of variants) {
      await page.goto(`${fixtures.url}${v.search}`);
      await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 50, {}, v.rows);
      await save({ file: `${v.name}-search.html`, variant: v.name, state: 'search' });

      const rows = await page.$$(v.rows);
      const selected: string[] = [];
      for (const i of [0, 2, 6]) {
        const row = rows[i]!;
        selected.push(await row.evaluate((r) => r.getAttribute('data-person-id') ?? r.getAttribute('data-candidate-ref') ?? ''));
        await (await row.$(v.rowCheck))!.click();
      }
      await page.waitForSelector(v.bar);
      await save({ file: `${v.name}-search-selected.html`, variant: v.name, state: 'search-selected', selected });

      for (const [id, suffix] of PROFILES) {
        await v.openMessages(id);
        await save({ file: `${v.name}-profile-messages${suffix}.html`, variant: v.name, state: 'profile-messages', candidateId: id });
      }
    }
    writeFileSync(join(OUT, 'captured.json'), JSON.stringify(captured, null, 2) + '\n');
  } finally {
    await browser.close();
    await fixtures.close();
  }
}

await main();
