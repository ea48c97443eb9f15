/**
 * Phone badges end to end: headless Chromium with the built extension (npx wxt build first), the
 * real server (simulator) and the demo host pages, on both host variants, signed in through the
 * options page. The badges are compared with what the server itself says is textable.
 */
import type { CDPSession, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candidate } from '../../shared/api';
import { clickIn, shadowRootOf } from './scope';
import { screenshotPath, startStack, type Stack } from './stack';

const LABEL = { sms: 'Textable by SMS', whatsapp: 'Textable by WhatsApp' } as const;
const SIGN_IN_TEXT = 'Sign in to Text Engagement to see who you can text';

/** The host pages' markup the test drives (the extension itself knows it only through its adapters). */
interface Variant {
  name: 'cxm' | 'crm';
  searchPath: string;
  rows: string;
  idAttr: string;
  nameLink: string;
  grid: string;
  pageButton(page: number): string;
  sortByName: string;
}

const VARIANTS: Variant[] = [
  {
    name: 'cxm',
    searchPath: '/cxm/candidates',
    rows: '#cxm-main table.cxm-grid > tbody > tr[data-person-id]',
    idAttr: 'data-person-id',
    nameLink: 'a.cxm-person__link',
    grid: '#cxm-main table.cxm-grid',
    pageButton: (n) => `#cxm-main nav.cxm-pager button[data-page="${n}"]`,
    sortByName: '#cxm-main th[data-sort-key="name"] > button.cxm-sort',
  },
  {
    name: 'crm',
    searchPath: '/crm/search.html',
    rows: '.crm-results[role=grid] > .crm-results__body > .crm-record[data-candidate-ref]',
    idAttr: 'data-candidate-ref',
    nameLink: 'a.crm-record__name',
    grid: '.crm-results[role=grid]',
    pageButton: (n) => `.crm-paging__nav button[data-goto="${n}"]`,
    sortByName: '.crm-results__head [data-sort-key="name"] > button.crm-sort-btn',
  },
];

let stack: Stack;
let token: string;
let worker: CDPSession;
/** The id lists of every look-up the background sent to the server (GET /api/candidates?ids=). */
const lookups: string[][] = [];

beforeAll(async () => {
  stack = await startStack();
  await stack.signIn();
  token = (await stack.apiSession()).token;
  // Watch the background's requests to the server: one look-up per render, never one per row.
  const target = await stack.browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${stack.extensionId}/`));
  worker = await target.createCDPSession();
  await worker.send('Network.enable');
  worker.on('Network.requestWillBeSent', (e) => {
    const url = new URL(e.request.url);
    if (url.pathname === '/api/candidates' && url.searchParams.has('ids')) lookups.push(url.searchParams.get('ids')!.split(','));
  });
}, 120_000);

afterAll(async () => {
  await worker?.detach().catch(() => undefined);
  await stack?.close();
});

/** What the server says about these candidates (the truth the badges must show). */
async function serverCandidates(ids: string[]): Promise<Map<string, Candidate>> {
  const res = await fetch(`${stack.serverUrl}/api/candidates?ids=${ids.map(encodeURIComponent).join(',')}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { candidates: Candidate[] };
  return new Map(body.candidates.map((c) => [c.id, c]));
}

interface BadgeInfo {
  id: string | null;
  afterName: boolean;
  label: string | null;
  title: string | null;
  shadowElements: string[];
}

/** The rows' ids, and each badge: where it is (in the page) and what it shows (in its closed shadow root, read through DevTools). */
async function pageState(page: Page, v: Variant): Promise<{ ids: string[]; badges: BadgeInfo[] }> {
  const ids = await page.evaluate((v) => [...document.querySelectorAll(v.rows)].map((r) => r.getAttribute(v.idAttr)!), v);
  const badges: BadgeInfo[] = [];
  for (const badge of await page.$$('te-phone-badge')) {
    const where = await badge.evaluate(
      (b, v) => ({ id: b.closest(v.rows)?.getAttribute(v.idAttr) ?? null, afterName: !!b.previousElementSibling?.matches(v.nameLink) }),
      v,
    );
    const root = await shadowRootOf(page, badge);
    const inside = (await root?.evaluate((r) => {
      const icon = r.querySelector('[role="img"]');
      return {
        label: icon?.getAttribute('aria-label') ?? null,
        title: icon?.getAttribute('title') ?? null,
        shadowElements: [...r.querySelectorAll('*')].map((e) => e.localName),
      };
    })) ?? { label: null, title: null, shadowElements: [] };
    badges.push({ ...where, ...inside });
    await Promise.all([root?.dispose(), badge.dispose()]);
  }
  return { ids, badges };
}

const badgedIds = (page: Page, v: Variant) =>
  page.evaluate((v) => [...document.querySelectorAll('te-phone-badge')].map((b) => b.closest(v.rows)?.getAttribute(v.idAttr) ?? '?').sort(), v);

/**
 * Waits for 50 rows (the first being `firstId` when given), then for the badges to be exactly
 * the server's textable set for them, and checks it stays so: one badge per textable candidate,
 * right after the name, labelled by channel; none for the others.
 */
async function expectBadgesMatchServer(page: Page, v: Variant, firstId?: string): Promise<{ ids: string[]; textable: Map<string, Candidate> }> {
  await page.waitForFunction(
    (v, firstId) => {
      const rows = document.querySelectorAll(v.rows);
      return rows.length === 50 && (!firstId || rows[0]!.getAttribute(v.idAttr) === firstId);
    },
    { timeout: 10_000 },
    v,
    firstId ?? null,
  );
  const { ids } = await pageState(page, v);
  const server = await serverCandidates(ids);
  const textable = new Map([...server].filter(([, c]) => c.textable));
  expect(textable.size).toBeGreaterThan(0);
  expect(textable.size).toBeLessThan(50);
  const expected = [...textable.keys()].sort();
  await page
    .waitForFunction(
      (v, expected) =>
        JSON.stringify([...document.querySelectorAll('te-phone-badge')].map((b) => b.closest(v.rows)?.getAttribute(v.idAttr) ?? '?').sort()) === expected,
      { timeout: 10_000 },
      v,
      JSON.stringify(expected),
    )
    .catch(async (err) => {
      throw new Error(`${v.name}: badges ${JSON.stringify(await badgedIds(page, v))} never matched the server's ${JSON.stringify(expected)} (${err})`);
    });
  // Still so a moment later (no late duplicates).
  await new Promise((r) => setTimeout(r, 250));
  const state = await pageState(page, v);
  expect(state.ids).toEqual(ids);
  expect(state.badges.map((b) => b.id).sort()).toEqual(expected);
  expect(new Set(state.badges.map((b) => b.id)).size).toBe(state.badges.length);
  for (const b of state.badges) {
    const channel = textable.get(b.id!)!.channel;
    expect(b, `badge of ${b.id}`).toEqual({
      id: b.id,
      afterName: true,
      label: LABEL[channel],
      title: LABEL[channel],
      shadowElements: ['style', 'span', 'svg', 'path'],
    });
  }
  // Found through the (closed) shadow roots by role and accessible name, as assistive technology would.
  const sms = [...textable.values()].filter((c) => c.channel === 'sms').length;
  expect(await page.$$(`::-p-aria([name="${LABEL.sms}"][role="image"])`)).toHaveLength(sms);
  expect(await page.$$(`::-p-aria([name="${LABEL.whatsapp}"][role="image"])`)).toHaveLength(textable.size - sms);
  const byName = await page.$$(`::-p-aria(${LABEL.sms})`);
  expect(byName).toHaveLength(sms);
  if (byName[0]) expect(await page.accessibility.snapshot({ root: byName[0] })).toMatchObject({ role: 'image', name: LABEL.sms });
  return { ids, textable };
}

async function openSearch(v: Variant): Promise<Page> {
  const page = await stack.page();
  await page.setViewport({ width: 1280, height: 860, deviceScaleFactor: 2 });
  page.on('dialog', (d) => {
    throw new Error(`A dialog opened on the ${v.name} page: ${d.message()}`);
  });
  await page.goto(`${stack.fixturesUrl}${v.searchPath}`);
  return page;
}

async function screenshotGrid(page: Page, v: Variant, file: string) {
  const box = (await (await page.$(v.grid))!.boundingBox())!;
  const y = Math.max(0, box.y - 70);
  await page.screenshot({ path: screenshotPath(file), clip: { x: Math.max(0, box.x - 12), y, width: Math.min(1280, box.width + 24), height: 520 } });
}

async function reply(phone: string, body: string) {
  const res = await fetch(`${stack.serverUrl}/simulator/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: phone, body }),
  });
  expect(res.status).toBe(201);
}

describe.each(VARIANTS.map((v) => [v.name, v] as const))('phone badges on %s', (name, v) => {
  it('match the server’s textable set on every page (none on page 4, of candidates the server does not know) and after sorting, with one look-up per render and never two badges', async () => {
    const page = await openSearch(v);
    const before = lookups.length;
    const page1 = await expectBadgesMatchServer(page, v, '10001');
    expect(lookups.length - before).toBeLessThanOrEqual(1);
    await screenshotGrid(page, v, `badges-${name}.png`);

    for (const [n, first] of [
      [2, '10051'],
      [3, '10101'],
    ] as const) {
      const at = lookups.length;
      await page.click(v.pageButton(n));
      await expectBadgesMatchServer(page, v, first);
      // One look-up for the render (none if the background's short cache still knew them all).
      const sent = lookups.slice(at);
      expect(sent.length).toBeLessThanOrEqual(1);
      for (const ids of sent) expect(ids.length).toBe(50);
    }

    // Page 4: the four candidates the ATS has and the server does not (10151–10154): no badges,
    // and one look-up for them (never a request per row).
    const at4 = lookups.length;
    await page.click(v.pageButton(4));
    await page.waitForFunction(
      (v) => [...document.querySelectorAll(v.rows)].map((r) => r.getAttribute(v.idAttr)).join() === '10151,10152,10153,10154',
      { timeout: 10_000 },
      v,
    );
    // The first time this browser shows them there is one; later the background may still know them (10 s).
    if (name === 'cxm') await expect.poll(() => lookups.length - at4, { timeout: 5_000 }).toBe(1);
    expect(await serverCandidates(['10151', '10152', '10153', '10154'])).toEqual(new Map());
    expect(await page.$$('te-phone-badge')).toHaveLength(0);

    // Back to page 1: the same badges (from this view's short-lived decisions), still one each.
    const at = lookups.length;
    await page.click(v.pageButton(1));
    await expectBadgesMatchServer(page, v, '10001');
    expect(lookups.length - at).toBeLessThanOrEqual(1);
    expect(lookups.slice(at4, at).length).toBeLessThanOrEqual(1);
    for (const ids of lookups.slice(at4, at)) expect(ids).toEqual(['10151', '10152', '10153', '10154']);

    // Sorting re-renders the rows in another order.
    await page.click(v.sortByName);
    await page.waitForFunction((v) => document.querySelector(v.rows)?.getAttribute(v.idAttr) !== '10001', {}, v);
    const sorted = await expectBadgesMatchServer(page, v);
    expect(sorted.ids).not.toEqual(page1.ids);
    await page.close();
  });

  it('a STOP reply from the candidate removes the badge without a reload; START brings it back', async () => {
    const page = await openSearch(v);
    const { textable } = await expectBadgesMatchServer(page, v, '10001');
    // A different candidate per variant: opt-outs are for the whole organisation.
    const candidate = [...textable.values()].filter((c) => c.channel === 'sms')[name === 'cxm' ? 0 : 1]!;
    const hasBadge = (id: string) =>
      page.evaluate((v, id) => [...document.querySelectorAll('te-phone-badge')].some((b) => b.closest(v.rows)?.getAttribute(v.idAttr) === id), v, id);
    expect(await hasBadge(candidate.id)).toBe(true);
    const marker = await page.evaluate(() => ((window as unknown as { __sameDocument: number }).__sameDocument = Math.random()));

    await reply(candidate.phone!, 'STOP');
    await page.waitForFunction(
      (v, id) => ![...document.querySelectorAll('te-phone-badge')].some((b) => b.closest(v.rows)?.getAttribute(v.idAttr) === id),
      { timeout: 5_000 },
      v,
      candidate.id,
    );
    expect((await serverCandidates([candidate.id])).get(candidate.id)).toMatchObject({ textable: false, optedOut: true });
    // The same document: no reload happened.
    expect(await page.evaluate(() => (window as unknown as { __sameDocument: number }).__sameDocument)).toBe(marker);
    expect((await badgedIds(page, v)).length).toBe(textable.size - 1);

    await reply(candidate.phone!, 'START');
    await page.waitForFunction(
      (v, id) => [...document.querySelectorAll('te-phone-badge')].some((b) => b.closest(v.rows)?.getAttribute(v.idAttr) === id),
      { timeout: 5_000 },
      v,
      candidate.id,
    );
    await expectBadgesMatchServer(page, v, '10001');
    await page.close();
  });

  it('a candidate name carrying HTML shows as text, with its badge after it and nothing injected', async () => {
    const page = await openSearch(v);
    const { textable } = await expectBadgesMatchServer(page, v, '10001');
    const names = await page.evaluate(
      (v) =>
        ['10007', '10012'].map((id) => {
          const row = [...document.querySelectorAll(v.rows)].find((r) => r.getAttribute(v.idAttr) === id)!;
          const link = row.querySelector(v.nameLink)!;
          return {
            id,
            text: link.textContent,
            elementsInName: link.children.length,
            injected: row.querySelectorAll('b, script, img').length,
            badgeAfter: link.nextElementSibling?.localName ?? null,
          };
        }),
      v,
    );
    expect(names).toEqual([
      {
        id: '10007',
        text: "<b>Bold</b> O'Brien <script>alert(1)</script>",
        elementsInName: 0,
        injected: 0,
        badgeAfter: textable.has('10007') ? 'te-phone-badge' : null,
      },
      {
        id: '10012',
        text: 'Zoë <img src=x onerror=alert(1)> Fischer',
        elementsInName: 0,
        injected: 0,
        badgeAfter: textable.has('10012') ? 'te-phone-badge' : null,
      },
    ]);
    expect(textable.has('10007') || textable.has('10012')).toBe(true);
    await page.close();
  });
});

describe('signed out', () => {
  const notices = async (page: Page) => {
    const shown = [];
    for (const notice of await page.$$('te-signin-notice')) {
      const root = await shadowRootOf(page, notice);
      const inside = (await root?.evaluate((r) => ({
        text: r.querySelector('span')?.textContent ?? null,
        button: r.querySelector('button')?.textContent ?? null,
      }))) ?? { text: null, button: null };
      shown.push({ ...inside, beforeGrid: await notice.evaluate((n) => n.nextElementSibling?.matches('table, [role=grid]') ?? false) });
      await Promise.all([root?.dispose(), notice.dispose()]);
    }
    return shown;
  };

  it('removes every badge, shows one sign-in notice that opens the options page, and signing in brings the badges back', async () => {
    const pages = new Map<string, Page>();
    for (const v of VARIANTS) {
      const page = await openSearch(v);
      await expectBadgesMatchServer(page, v, '10001');
      pages.set(v.name, page);
    }

    // Sign out through the options page: open search pages follow at once.
    const options = await stack.page();
    await options.goto(`chrome-extension://${stack.extensionId}/options.html`);
    await options.waitForSelector('[data-testid=signed-in-as]');
    await (await options.waitForSelector('::-p-text(Sign out)'))!.click();
    await options.waitForSelector('input[name=email]');
    await options.close();

    for (const v of VARIANTS) {
      const page = pages.get(v.name)!;
      // (A background tab gets no animation frames: waits poll on a timer.)
      await page.waitForFunction(() => !document.querySelector('te-phone-badge') && !!document.querySelector('te-signin-notice'), {
        timeout: 5_000,
        polling: 50,
      });
      await page.bringToFront();
      await page.reload();
      await page
        .waitForFunction((v) => document.querySelectorAll(v.rows).length === 50 && !!document.querySelector('te-signin-notice'), { timeout: 10_000 }, v)
        .catch(async (err) => {
          const state = await page.evaluate(
            (v) => ({
              rows: document.querySelectorAll(v.rows).length,
              badges: document.querySelectorAll('te-phone-badge').length,
              notices: document.querySelectorAll('te-signin-notice').length,
            }),
            v,
          );
          throw new Error(`${v.name} after reload: ${JSON.stringify(state)} (${err})`);
        });
      await new Promise((r) => setTimeout(r, 300));
      expect(await page.$$('te-phone-badge')).toHaveLength(0);
      expect(await notices(page)).toEqual([{ text: SIGN_IN_TEXT, button: 'Sign in', beforeGrid: true }]);
      expect(await page.$$('::-p-aria([name="Text Engagement"][role="note"])')).toHaveLength(1);
      await screenshotGrid(page, v, `badges-signed-out-${v.name}.png`);
    }

    // Its button opens the extension's options page (where one signs in).
    const cxm = pages.get('cxm')!;
    const opened = stack.browser.waitForTarget((t) => t.url() === `chrome-extension://${stack.extensionId}/options.html`, { timeout: 5_000 });
    await cxm.bringToFront();
    await clickIn({ page: cxm, host: 'te-signin-notice' }, 'button', 'Sign in');
    const optionsTarget = await opened;
    await (await optionsTarget.page())?.close();

    // Signing in again: the notice goes and the badges come, without a reload.
    await stack.signIn();
    for (const v of VARIANTS) {
      const page = pages.get(v.name)!;
      await page.waitForFunction(() => !document.querySelector('te-signin-notice'), { timeout: 5_000, polling: 50 });
      await page.bringToFront();
      await expectBadgesMatchServer(page, v, '10001');
      await page.close();
    }
  });
});
