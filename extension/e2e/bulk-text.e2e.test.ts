/**
 * Bulk Text end to end: headless Chromium with the built extension (`npx wxt build` first), the
 * real server (simulator provider) and the demo ATS pages, on both host variants. Sending bulk
 * messages (select, Bulk Text, schedule, review, send) with the mouse and with the keyboard
 * only, the 50-row select all, a message scheduled for later then edited and deleted from the
 * toolbar popup, what the simulator's phones receive, and axe-core on the dialog and the popup.
 * Screenshots of each step go to bulk-*.png and popup-*.png (docs/screenshots with npm run
 * screenshots).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotSettled as shot, startStack, type Stack } from './stack';
import { clickIn, countIn, deepActiveElement, evalIn, fill, goneIn, shadowRootOf, textOf, waitForIn, waitIn, type Scope } from './scope';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const DIALOG = 'te-bulk-text';

interface Person {
  id: string;
  first: string;
  name: string;
  phone: string | null;
}
interface Picks {
  textable: [Person, Person];
  excluded: Person & { reason: string };
}

/** The host pages' markup the test drives (the extension knows it only through its adapters). */
interface Variant {
  name: 'cxm' | 'crm';
  searchPath: string;
  checkbox(id: string): string;
  selectAll: string;
  rowChecks: string;
  barCount: string;
  mouse: Picks;
  keyboard: Picks;
}

const p = (id: string, first: string, last: string, phone: string | null): Person => ({ id, first, name: `${first} ${last}`, phone });

const VARIANTS: Variant[] = [
  {
    name: 'cxm',
    searchPath: '/cxm/candidates',
    checkbox: (id) => `#cxm-main tr[data-person-id="${id}"] input.cxm-row-check`,
    selectAll: '#cxm-main table.cxm-grid > thead input.cxm-select-all',
    rowChecks: '#cxm-main tr[data-person-id] input.cxm-row-check',
    barCount: '#cxm-main .cxm-bulkbar__count',
    mouse: {
      textable: [p('10001', 'Maria', 'Garcia', '+12125550101'), p('10011', 'Aniyah', 'Robinson', '+18045550144')],
      excluded: { ...p('10003', 'Aisha', 'Khan', '+17735550178'), reason: 'No consent to texts' },
    },
    keyboard: {
      textable: [p('10025', 'Keoni', 'Choi', '+18655550161'), p('10026', 'Alejandro', 'Hernandez', '+18575550172')],
      excluded: { ...p('10023', 'Austin', 'Price', '+15025550132'), reason: 'No consent to texts' },
    },
  },
  {
    name: 'crm',
    searchPath: '/crm/search.html',
    checkbox: (id) => `.crm-record[data-candidate-ref="${id}"] input.crm-record__check`,
    selectAll: '#crm-select-page',
    rowChecks: '.crm-results__body .crm-record input.crm-record__check',
    barCount: '.crm-bulk-actions__count',
    mouse: {
      textable: [p('10017', 'Grace', 'Novak', '+14705550156'), p('10022', 'Emily', 'Nelson', '+17865550136')],
      excluded: { ...p('10005', 'Noah', 'Thompson', null), reason: 'No mobile number' },
    },
    keyboard: {
      textable: [p('10029', 'Kevin', 'Simmons', '+13135550108'), p('10031', 'Connor', 'Tsosie', '+16285550108')],
      excluded: { ...p('10030', 'Mei', 'Huang', '+13105550146'), reason: 'No consent to texts' },
    },
  },
];

let stack: Stack;
let token: string;
let recruiterName: string;

// ── Helpers ──────────────────────────────────────────────────────────────────────────────

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${stack.serverUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: res.status === 204 ? null : await res.json() };
}

const dialogOf = (page: Page): Scope => ({ page, host: DIALOG });
const pageOf = (page: Page): Scope => ({ page, host: null });

interface Focused {
  tag: string;
  text: string;
  testid: string | null;
  label: string | null;
  inDialog: boolean;
}

/** The element with keyboard focus, looking through shadow roots. */
async function focused(page: Page): Promise<Focused> {
  const active = await deepActiveElement(page);
  if (!active) return { tag: '', text: '', testid: null, label: null, inDialog: false };
  try {
    return await active.evaluate(
      (el, dialogHost) => ({
        tag: el.localName,
        text: (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 80),
        testid: el.getAttribute('data-testid'),
        label: el.getAttribute('aria-label'),
        inDialog: (el.getRootNode() as ShadowRoot).host?.localName === dialogHost,
      }),
      DIALOG,
    );
  } finally {
    await active.dispose();
  }
}

/** Waits for keyboard focus to land where wanted (focus moves after a render). */
async function focusIs(page: Page, wanted: (f: Focused) => boolean, what: string): Promise<Focused> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const f = await focused(page);
    if (wanted(f)) return f;
    if (Date.now() > deadline) throw new Error(`Focus is not on ${what}: ${JSON.stringify(f)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Presses Tab (or Shift+Tab) until the focused element is the one wanted. */
async function tabTo(page: Page, wanted: (f: Focused) => boolean, { shift = false, max = 200 } = {}): Promise<Focused> {
  const trail: string[] = [];
  for (let i = 0; i < max; i++) {
    if (shift) await page.keyboard.down('Shift');
    await page.keyboard.press('Tab');
    if (shift) await page.keyboard.up('Shift');
    const f = await focused(page);
    if (wanted(f)) return f;
    trail.push(f.testid ?? f.label ?? `${f.tag}:${f.text.slice(0, 20)}`);
  }
  throw new Error(`Focus never reached the element; went through: ${trail.slice(-30).join(' | ')}`);
}

/**
 * axe-core on `include`. axe reads shadow roots through `element.shadowRoot`, which is null for
 * the extension's closed ones: with `host`, the test lends axe that host's root (got through
 * DevTools) for the run only, then takes it back.
 */
async function axeCheck(page: Page, include: unknown, what: string, host: string | null = null) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const hostElement = host ? await page.$(host) : null;
  const root = hostElement ? await shadowRootOf(page, hostElement) : null;
  if (host) expect(root, `${what}: the shadow root of ${host}`).not.toBeNull();
  const violations = await page.evaluate(
    async (include, hostElement, root) => {
      const axe = (
        window as unknown as {
          axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: unknown[] }[] }[] }> };
        }
      ).axe;
      if (hostElement) Object.defineProperty(hostElement, 'shadowRoot', { value: root, configurable: true });
      try {
        const r = await axe.run(include, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map((n) => JSON.stringify(n.target)) }));
      } finally {
        if (hostElement) delete (hostElement as { shadowRoot?: unknown }).shadowRoot;
      }
    },
    include,
    hostElement,
    root,
  );
  await Promise.all([hostElement?.dispose(), root?.dispose()]);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (process.env.AXE_VERBOSE && violations.length) console.log(what, JSON.stringify(violations));
  expect(bad, `${what}: ${JSON.stringify(bad, null, 1)}`).toEqual([]);
  return violations;
}
const axeDialog = (page: Page, what: string) => axeCheck(page, { include: [{ fromShadowDom: [DIALOG, '[role=dialog]'] }] }, what, DIALOG);

/** The texts a simulator phone received with this tag in them. */
async function phoneTexts(phone: string, tag: string): Promise<string[]> {
  const res = await fetch(`${stack.serverUrl}/simulator/api/phones/${encodeURIComponent(phone)}/messages`);
  const body = (await res.json()) as { messages: { direction: string; body: string }[] };
  return body.messages.filter((m) => m.direction !== 'inbound' && m.body.includes(tag)).map((m) => m.body);
}

async function waitForPhones(people: Person[], tag: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const got = await Promise.all(people.map((x) => phoneTexts(x.phone!, tag)));
    if (got.every((g) => g.length >= 1) || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const expectedText = (person: Person, job: string, tag: string) =>
  `Hi ${person.first}, this is ${recruiterName} about the ${job} role. Can you talk this week? [${tag}]`;

/** Waits until the field (still on screen) holds exactly `text`: what was typed has landed, nothing was lost. */
async function valueIs(s: Scope, sel: string, text: string): Promise<void> {
  const el = await waitIn(s, sel);
  await s.page
    .waitForFunction((e, t) => e.isConnected && (e as HTMLInputElement).value === t, { polling: 50, timeout: 5000 }, el, text)
    .catch(async () => {
      throw new Error(`${sel} holds ${JSON.stringify(await el.evaluate((e) => (e as HTMLInputElement).value))}, not ${JSON.stringify(text)}`);
    });
}

async function openSearch(page: Page, v: Variant) {
  await page.goto(`${stack.fixturesUrl}${v.searchPath}`);
  await page.waitForSelector(v.checkbox('10001'));
}

async function progressDone(s: Scope) {
  await waitForIn(s, (root) => root.querySelector('[data-testid=te-cv-progressbar]')?.getAttribute('aria-valuenow') === '100', {
    timeout: 20_000,
    what: 'progress at 100%',
  });
}

/** Waits until the focus, inside the popup, is on the element with this data-testid. */
async function focusInDialog(d: Scope, testid: string) {
  await waitForIn(d, (root, testid: string) => (root.activeElement as HTMLElement | null)?.dataset.testid === testid, { what: `focus on ${testid}` }, testid);
}

async function campaignIdIn(s: Scope): Promise<number> {
  const el = await waitIn(s, '[data-testid=te-cv][data-campaign-id]');
  return Number(await el.evaluate((e) => e.getAttribute('data-campaign-id')));
}

/** After sending: the interface is read-only and the server refuses every change. */
async function expectLocked(s: Scope, campaignId: number) {
  await waitIn(s, '[data-testid=te-cv][data-status=sent]', null, 20_000);
  expect(await countIn(s, '[data-testid=te-cv-message-menu]')).toBe(0);
  expect(await countIn(s, '[data-testid=te-cv-actions]')).toBe(0);
  expect(await countIn(s, '[data-testid=te-cv-schedule]')).toBe(0);
  expect(await countIn(s, '[data-testid=te-cv-readonly]')).toBeGreaterThan(0);
  const detail = await api('GET', `/api/campaigns/${campaignId}`);
  const messageId = detail.json.messages[0].id as number;
  expect(detail.json.messages[0].editable).toBe(false);
  const patch = await api('PATCH', `/api/campaigns/${campaignId}`, { name: 'Changed after sending' });
  expect([patch.status, patch.json.error.code]).toEqual([409, 'CAMPAIGN_SENT']);
  const edit = await api('PATCH', `/api/campaigns/${campaignId}/messages/${messageId}`, { body: 'Changed after sending' });
  expect([edit.status, edit.json.error.code]).toEqual([409, 'MESSAGE_SENT']);
  const del = await api('DELETE', `/api/campaigns/${campaignId}/messages/${messageId}`);
  expect([del.status, del.json.error.code]).toEqual([409, 'MESSAGE_SENT']);
  const add = await api('POST', `/api/campaigns/${campaignId}/candidates`, { candidateIds: ['10002'] });
  expect([add.status, add.json.error.code]).toEqual([409, 'CAMPAIGN_SENT']);
}

beforeAll(async () => {
  stack = await startStack();
  const session = await stack.apiSession();
  token = session.token;
  recruiterName = session.recruiter.name;
  // Texts go out whatever the hour the test runs at (quiet hours are the server's own tests' business).
  const hours = await api('PATCH', '/api/organization', { textingHours: { start: '00:00', end: '24:00' } });
  expect(hours.status).toBe(200);
  await stack.signIn();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

for (const v of VARIANTS) {
  describe(`Bulk Text on ${v.name.toUpperCase()}`, () => {
    it('selects three, names the excluded one, Edit Campaign, Schedule Message, Review, Send: exactly the eligible phones get it; then read-only', async () => {
      const { textable, excluded } = v.mouse;
      const tag = `${v.name}-mouse`;
      const job = v.name === 'cxm' ? 'Night Shift Picker' : 'Delivery Driver';
      const page = await stack.page();
      await page.setViewport({ width: 1280, height: 960 });
      const d = dialogOf(page);
      try {
        await openSearch(page, v);
        for (const person of [textable[0], excluded, textable[1]]) await page.click(v.checkbox(person.id));
        await page.waitForSelector('button[data-te-bulk-text]', { visible: true });
        expect(await page.$eval(v.barCount, (e) => e.textContent)).toContain('3 selected');
        await page.evaluate(() => window.scrollTo(0, 0));
        await shot(page, `bulk-${v.name}-01-selected`);

        // Bulk Text: the excluded candidate is named with the reason, then the new campaign's Overview.
        await page.click('button[data-te-bulk-text]');
        const notice = await textOf(d, '[data-testid=te-bt-excluded]');
        expect(notice).toContain(`${excluded.name} — ${excluded.reason}`);
        expect(notice).not.toContain(textable[0].name);
        await waitIn(d, '[data-testid=te-cv-panel-overview]');
        expect(await textOf(d, '[data-testid=te-cv-recipients]')).toBe('3');
        expect(await textOf(d, '[data-testid=te-cv-eligible]')).toBe('2');
        expect(await (await waitIn(d, '[role=dialog]')).evaluate((e) => e.getAttribute('aria-modal'))).toBe('true');
        expect((await focused(page)).inDialog).toBe(true);
        await shot(page, `bulk-${v.name}-02-overview`);
        await axeDialog(page, 'Bulk Text dialog, Overview');

        // Candidates tab: the three, the excluded one with the reason.
        await clickIn(d, '[data-testid=te-cv-tab-candidates]');
        await waitIn(d, '[data-testid=te-cv-recipient]');
        expect(await countIn(d, '[data-testid=te-cv-recipient]')).toBe(3);
        expect(await textOf(d, `[data-testid=te-cv-recipient][data-candidate-id="${excluded.id}"]`)).toContain(`Excluded: ${excluded.reason}`);
        await shot(page, `bulk-${v.name}-03-candidates`);
        await axeDialog(page, 'Bulk Text dialog, Candidates');

        // Add candidates by search (he is opted out: added, named as not textable), then Remove him.
        await fill(d, '[data-testid=te-cv-search-input]', "Liam O'Connor");
        await clickIn(d, '[data-testid=te-cv-search-button]');
        await clickIn(d, `[data-testid=te-cv-add-candidate][aria-label="Add Liam O'Connor"]`);
        await waitIn(d, '[data-testid=te-cv-flash]', 'Added 1 candidate');
        expect(await textOf(d, '[data-testid=te-cv-flash]')).toContain("Liam O'Connor: Opted out of texts");
        const liam = '[data-testid=te-cv-recipient][data-candidate-id="10004"]';
        expect(await textOf(d, liam)).toContain('Excluded: Opted out of texts');
        expect(await countIn(d, '[data-testid=te-cv-recipient]')).toBe(4);
        await shot(page, `bulk-${v.name}-03b-add-candidates`);
        await clickIn(d, `${liam} [data-testid=te-cv-remove]`);
        await goneIn(d, liam);
        expect(await countIn(d, '[data-testid=te-cv-recipient]')).toBe(3);
        await clickIn(d, '[data-testid=te-cv-tab-overview]');
        // The count follows the removal once the server's answer is back: waited for, not assumed.
        await waitIn(d, '[data-testid=te-cv-recipients]', '3');
        expect(await textOf(d, '[data-testid=te-cv-recipients]')).toBe('3');

        // Actions > Edit Campaign > Save.
        await clickIn(d, '[data-testid=te-cv-actions]');
        await waitIn(d, '[data-testid=te-cv-edit-campaign]');
        await shot(page, `bulk-${v.name}-04a-actions`);
        await clickIn(d, '[data-testid=te-cv-edit-campaign]');
        const name = `${job}s – ${v.name.toUpperCase()} outreach`;
        await fill(d, '[data-testid=te-cv-name-input]', name);
        await fill(d, '[data-testid=te-cv-job-input]', job);
        await valueIs(d, '[data-testid=te-cv-name-input]', name);
        await valueIs(d, '[data-testid=te-cv-job-input]', job);

        // Meanwhile another session renames the campaign and describes it: the open form keeps what
        // was typed and says so; Save keeps the fields changed here and leaves the description.
        const campaignId = await campaignIdIn(d);
        const elsewhere = await api('PATCH', `/api/campaigns/${campaignId}`, { name: 'Renamed in another tab', description: 'Described in another tab' });
        expect(elsewhere.status).toBe(200);
        expect(await textOf(d, '[data-testid=te-cv-elsewhere]', 'Updated elsewhere')).toContain('Reload');
        await valueIs(d, '[data-testid=te-cv-name-input]', name);
        await valueIs(d, '[data-testid=te-cv-job-input]', job);
        await shot(page, `bulk-${v.name}-04b-updated-elsewhere`);
        if (v.name === 'cxm') {
          await clickIn(d, '[data-testid=te-cv-ari-toggle]');
          await waitIn(d, '[data-testid=te-cv-sequence] option', 'Interest check');
        }
        await shot(page, `bulk-${v.name}-04-edit-campaign`);
        await axeDialog(page, 'Edit Campaign');
        await clickIn(d, '[data-testid=te-cv-save-campaign]');
        await waitIn(d, '[data-testid=te-cv-flash]', 'Campaign saved');
        expect(await textOf(d, '[data-testid=te-cv-title]')).toBe(name);
        expect(await textOf(d, '[data-testid=te-cv-job]')).toBe(job);
        expect((await api('GET', `/api/campaigns/${campaignId}`)).json).toMatchObject({ name, jobTitle: job, description: 'Described in another tab' });

        // Schedule Message: typed text and merge-field buttons, live counter.
        await clickIn(d, '[data-testid=te-cv-schedule]');
        const body = await waitIn(d, '[data-testid=te-cv-body]');
        await body.click();
        const insert = async (field: string) => {
          await clickIn(d, `[data-testid=te-cv-field-${field}]`);
          await focusInDialog(d, 'te-cv-body');
        };
        await page.keyboard.type('Hi ');
        await insert('firstName');
        await page.keyboard.type(', this is ');
        await insert('recruiterName');
        await page.keyboard.type(' about the ');
        await insert('jobTitle');
        await page.keyboard.type(` role. Can you talk this week? [${tag}]`);
        const typed = await body.evaluate((e) => (e as HTMLTextAreaElement).value);
        expect(typed).toBe(`Hi {{firstName}}, this is {{recruiterName}} about the {{jobTitle}} role. Can you talk this week? [${tag}]`);
        expect(await textOf(d, '[data-testid=te-cv-counter]')).toContain(`${typed.length} / 1,600 characters`);
        expect(await textOf(d, '[data-testid=te-cv-counter]')).toContain('1 segment (GSM-7)');
        expect(await textOf(d, '[data-testid=te-cv-timezone]')).toContain('Your time zone');
        await shot(page, `bulk-${v.name}-05-schedule-message`);
        await axeDialog(page, 'Schedule Message');

        // Review: the server's summary.
        await clickIn(d, '[data-testid=te-cv-review]');
        await waitIn(d, '[data-testid=te-cv-review-panel]');
        expect(await textOf(d, '[data-testid=te-cv-review-eligible]')).toBe('2');
        const excludedText = await textOf(d, '[data-testid=te-cv-review-excluded]');
        expect(excludedText).toContain(excluded.reason);
        expect(excludedText).toContain(excluded.name);
        const previews = await evalIn(d, (root) => [...root.querySelectorAll('[data-testid=te-cv-preview] .te-cv-bubble')].map((b) => b.textContent));
        expect(previews).toContain(expectedText(textable[0], job, tag));
        expect(await textOf(d, '[data-testid=te-cv-review-segments]')).toContain('GSM-7');
        expect(await textOf(d, '[data-testid=te-cv-review-quiet]')).toContain('Any time of day');
        expect(await textOf(d, '[data-testid=te-cv-commit]')).toBe('Send');
        await shot(page, `bulk-${v.name}-06-review`);
        await axeDialog(page, 'Review');

        // Send: back to the Overview with a confirmation; progress to 100%; results.
        await clickIn(d, '[data-testid=te-cv-commit]');
        await waitIn(d, '[data-testid=te-cv-flash]', 'on its way');
        await waitIn(d, '[data-testid=te-cv-panel-overview]');
        await waitIn(d, '[data-testid=te-cv-progressbar]');
        await shot(page, `bulk-${v.name}-07-sending`);
        await progressDone(d);

        // The simulator's phones: each eligible candidate exactly once, the excluded one never.
        const got = await waitForPhones(textable, tag);
        expect(got).toEqual(textable.map((x) => [expectedText(x, job, tag)]));
        if (excluded.phone) expect(await phoneTexts(excluded.phone, tag)).toEqual([]);

        await expectLocked(d, campaignId);
        await waitIn(d, '[data-testid=te-cv-chart]');
        expect(await textOf(d, '[data-testid=te-cv-count-sent]')).toContain('2');
        await waitForIn(d, (root) => root.querySelector('[data-testid=te-cv-count-delivered] dd')?.textContent === '2', {
          timeout: 15_000,
          what: '2 delivered',
        });
        await shot(page, `bulk-${v.name}-08-sent`);
        await axeDialog(page, 'Sent campaign');

        // Escape closes; focus goes back to Bulk Text.
        await page.keyboard.press('Escape');
        await page.waitForFunction((host) => !document.querySelector(host), { polling: 100 }, DIALOG);
        await focusIs(page, (f) => f.tag === 'button' && f.text === 'Bulk Text', 'Bulk Text');
      } finally {
        await page.close();
      }
    }, 180_000);

    it('select all selects the page (50); schedule for later and Save; then Edit and Delete it from the toolbar popup', async () => {
      const page = await stack.page();
      await page.setViewport({ width: 1280, height: 960 });
      const d = dialogOf(page);
      let campaignId = 0;
      let templateBody = '';
      // Usual texting hours for this one, so the Review shows who waits for their window.
      expect((await api('PATCH', '/api/organization', { textingHours: { start: '08:00', end: '21:00' } })).status).toBe(200);
      try {
        await openSearch(page, v);
        await page.click(v.selectAll);
        await page.waitForFunction((sel) => document.querySelector(sel)?.textContent?.includes('50 selected'), { polling: 100 }, v.barCount);
        expect(await page.$$eval(v.rowChecks, (boxes) => boxes.filter((b) => (b as HTMLInputElement).checked).length)).toBe(50);
        await page.waitForSelector('button[data-te-bulk-text]', { visible: true });
        await page.evaluate(() => window.scrollTo(0, 0));
        await shot(page, `bulk-${v.name}-09-select-all`);

        await page.click('button[data-te-bulk-text]');
        await waitIn(d, '[data-testid=te-cv-panel-overview]', null, 15_000);
        expect(await textOf(d, '[data-testid=te-cv-recipients]')).toBe('50');
        expect(await textOf(d, '.te-bt-sub')).toContain('50 candidates selected');
        // The page's candidates without the phone symbol are named (WhatsApp ones outside their window
        // are textable but not eligible for a free-form text, so eligible can be lower still).
        const named = Number(/(\d+) of the 50 selected candidates can't be texted/.exec(await textOf(d, '[data-testid=te-bt-excluded]'))?.[1]);
        expect(named).toBeGreaterThan(0);
        expect(await countIn(d, '[data-testid=te-bt-excluded-group]')).toBeGreaterThan(1);
        expect(named + Number(await textOf(d, '[data-testid=te-cv-eligible]'))).toBeLessThanOrEqual(50);
        campaignId = await campaignIdIn(d);

        // Schedule Message with a template, for later (tomorrow 10:00, the default) -> Review -> Save.
        await clickIn(d, '[data-testid=te-cv-schedule]');
        await clickIn(d, '[data-testid=te-cv-templates]');
        await clickIn(d, '[data-testid=te-cv-template]');
        await waitForIn(d, (root) => !!root.querySelector<HTMLTextAreaElement>('[data-testid=te-cv-body]')?.value, { what: 'the template in the message' });
        templateBody = await (await waitIn(d, '[data-testid=te-cv-body]')).evaluate((e) => (e as HTMLTextAreaElement).value);
        await clickIn(d, '[data-testid=te-cv-when-later]');
        await waitIn(d, '[data-testid=te-cv-date]');
        expect(await textOf(d, '[data-testid=te-cv-timezone]')).toContain('in your time zone');
        await shot(page, `bulk-${v.name}-10-schedule-later`);
        await axeDialog(page, 'Schedule Message, later');
        await clickIn(d, '[data-testid=te-cv-review]');
        await waitIn(d, '[data-testid=te-cv-review-panel]');
        expect(await textOf(d, '[data-testid=te-cv-commit]')).toBe('Save');
        expect(await textOf(d, '[data-testid=te-cv-review-starts]')).not.toContain('Now');
        expect(await textOf(d, '[data-testid=te-cv-review-quiet]')).toContain('08:00–21:00 in each candidate');
        await shot(page, `bulk-${v.name}-11-review-later`);
        await (await waitIn(d, '[data-testid=te-cv-review-quiet]')).evaluate((e) => e.scrollIntoView({ block: 'center' }));
        await shot(page, `bulk-${v.name}-11b-review-later-when`);
        await clickIn(d, '[data-testid=te-cv-commit]');
        await waitIn(d, '[data-testid=te-cv-flash]', 'scheduled for');
        await waitIn(d, '[data-testid=te-cv-message]', 'Scheduled for');
        expect(await textOf(d, '[data-testid=te-cv-status]')).toBe('Scheduled');
        await shot(page, `bulk-${v.name}-12-scheduled`);
        await page.keyboard.press('Escape');
        await page.waitForFunction((host) => !document.querySelector(host), { polling: 100 }, DIALOG);
      } finally {
        await page.close();
        await api('PATCH', '/api/organization', { textingHours: { start: '00:00', end: '24:00' } });
      }

      const saved = await api('GET', `/api/campaigns/${campaignId}`);
      expect(saved.json.status).toBe('scheduled');
      expect(saved.json.messages).toHaveLength(1);
      const originalSendAt = saved.json.messages[0].sendAt as string;
      expect(Date.parse(originalSendAt)).toBeGreaterThan(Date.now());

      // The toolbar popup (opened as a page): the campaign under Scheduled, with its counts.
      const popup = await stack.page();
      await popup.setViewport({ width: 400, height: 600 });
      const ps = pageOf(popup);
      try {
        await popup.goto(`chrome-extension://${stack.extensionId}/popup.html`);
        await waitIn(ps, '[data-testid=te-popup-session]', recruiterName);
        const item = `[data-testid=te-popup-group-scheduled] [data-testid=te-popup-campaign][data-campaign-id="${campaignId}"]`;
        expect(await textOf(ps, item)).toContain('50 candidates');
        await shot(popup, `popup-${v.name}-01-campaigns`);
        await axeCheck(popup, { include: ['.te-popup'] }, 'Toolbar popup, list');

        await clickIn(ps, item);
        await waitIn(ps, '[data-testid=te-cv-message]', 'Scheduled for');
        await shot(popup, `popup-${v.name}-02-campaign`);
        await axeCheck(popup, { include: ['.te-popup'] }, 'Toolbar popup, campaign');

        // Edit: the form comes back prefilled; change text and time; Review; Save.
        await clickIn(ps, '[data-testid=te-cv-message-menu]');
        await clickIn(ps, '[data-testid=te-cv-message-edit]');
        const area = await waitIn(ps, '[data-testid=te-cv-body]');
        expect(await area.evaluate((e) => (e as HTMLTextAreaElement).value)).toBe(templateBody);
        const newBody = `Hi {{firstName}}, quick update from {{recruiterName}}: interviews for {{jobTitle}} start next week. [${v.name}-edited]`;
        await fill(ps, '[data-testid=te-cv-body]', newBody);
        const time = await waitIn(ps, '[data-testid=te-cv-time]');
        await time.focus();
        await popup.keyboard.type('1130AM');
        await shot(popup, `popup-${v.name}-03-edit`);
        await clickIn(ps, '[data-testid=te-cv-review]');
        await waitIn(ps, '[data-testid=te-cv-review-panel]');
        expect(await textOf(ps, '[data-testid=te-cv-commit]')).toBe('Save');
        // The Review of an edit saves nothing: anyone else looking sees the message as it was.
        const meanwhile = await api('GET', `/api/campaigns/${campaignId}`);
        expect(meanwhile.json.messages).toMatchObject([{ status: 'scheduled', body: templateBody, sendAt: originalSendAt }]);
        await shot(popup, `popup-${v.name}-04-review`);
        await axeCheck(popup, { include: ['.te-popup'] }, 'Toolbar popup, review');
        await clickIn(ps, '[data-testid=te-cv-commit]');
        await waitIn(ps, '[data-testid=te-cv-flash]', 'Changes saved');
        await shot(popup, `popup-${v.name}-05-saved`);
        const edited = await api('GET', `/api/campaigns/${campaignId}`);
        expect(edited.json.messages).toHaveLength(1);
        expect(edited.json.messages[0].body).toBe(newBody);
        expect(edited.json.messages[0].status).toBe('scheduled');
        const at = new Date(edited.json.messages[0].sendAt);
        expect([at.getHours(), at.getMinutes()]).toEqual([11, 30]);

        // Delete (confirmed): the message is gone, nothing will be sent.
        await clickIn(ps, '[data-testid=te-cv-message-menu]');
        await clickIn(ps, '[data-testid=te-cv-message-delete]');
        await waitIn(ps, '[data-testid=te-cv-confirm]');
        await shot(popup, `popup-${v.name}-06-delete-confirm`);
        await clickIn(ps, '[data-testid=te-cv-confirm-delete]');
        await waitIn(ps, '[data-testid=te-cv-flash]', 'deleted');
        await goneIn(ps, '[data-testid=te-cv-message]');
        expect(await textOf(ps, '[data-testid=te-cv-status]')).toBe('Draft');
        await shot(popup, `popup-${v.name}-07-deleted`);
        const after = await api('GET', `/api/campaigns/${campaignId}`);
        expect(after.json.messages).toEqual([]);
        expect(after.json.status).toBe('draft');

        // Back to the list: now under Draft.
        await clickIn(ps, '[data-testid=te-cv-back]');
        const draftItem = `[data-testid=te-popup-group-draft] [data-testid=te-popup-campaign][data-campaign-id="${campaignId}"]`;
        await waitIn(ps, draftItem);

        // Actions > Delete Campaign (confirmed): gone from the list and from the server.
        await clickIn(ps, draftItem);
        await clickIn(ps, '[data-testid=te-cv-actions]');
        await clickIn(ps, '[data-testid=te-cv-delete-campaign]');
        await clickIn(ps, '[data-testid=te-cv-confirm-delete]');
        await waitIn(ps, '[role=status]', 'The campaign was deleted.');
        await goneIn(ps, `[data-campaign-id="${campaignId}"]`);
        expect((await api('GET', `/api/campaigns/${campaignId}`)).status).toBe(404);
      } finally {
        await popup.close();
      }
    }, 180_000);

    it('the same flow with the keyboard only (Tab, Shift+Tab, Enter, Space, Escape)', async () => {
      const { textable, excluded } = v.keyboard;
      const tag = `${v.name}-keys`;
      const job = 'Forklift Operator';
      const page = await stack.page();
      await page.setViewport({ width: 1280, height: 960 });
      const d = dialogOf(page);
      try {
        await openSearch(page, v);
        // From here on: the keyboard only.
        const isBox = (id: string) => (f: Focused) =>
          f.tag === 'input' && (f.label ?? '').length > 0 && f.label === `Select ${[textable[0], excluded, textable[1]].find((x) => x.id === id)!.name}`;
        for (const person of [excluded, textable[0], textable[1]].sort((a, b) => Number(a.id) - Number(b.id))) {
          await tabTo(page, isBox(person.id));
          await page.keyboard.press('Space');
        }
        await page.waitForFunction((sel) => document.querySelector(sel)?.textContent?.includes('3 selected'), { polling: 100 }, v.barCount);
        await tabTo(page, (f) => f.tag === 'button' && f.text === 'Bulk Text', { shift: true });
        await page.keyboard.press('Enter');

        await waitIn(d, '[data-testid=te-cv-panel-overview]');
        expect(await textOf(d, '[data-testid=te-bt-excluded]')).toContain(`${excluded.name} — ${excluded.reason}`);
        expect((await focused(page)).inDialog).toBe(true);
        // Focus stays in the dialog both ways round.
        for (let i = 0; i < 6; i++) {
          await page.keyboard.press('Tab');
          expect((await focused(page)).inDialog).toBe(true);
        }
        for (let i = 0; i < 6; i++) {
          await page.keyboard.down('Shift');
          await page.keyboard.press('Tab');
          await page.keyboard.up('Shift');
          expect((await focused(page)).inDialog).toBe(true);
        }

        // Actions > Edit Campaign > Save.
        await tabTo(page, (f) => f.testid === 'te-cv-actions');
        await page.keyboard.press('Enter');
        await focusIs(page, (f) => f.text === 'Edit Campaign', 'Edit Campaign in the menu');
        await page.keyboard.press('Enter');
        await tabTo(page, (f) => f.testid === 'te-cv-job-input');
        await page.keyboard.type(job);
        await valueIs(d, '[data-testid=te-cv-job-input]', job);
        await tabTo(page, (f) => f.testid === 'te-cv-save-campaign');
        await page.keyboard.press('Enter');
        await waitIn(d, '[data-testid=te-cv-flash]', 'Campaign saved');
        await focusIs(page, (f) => f.testid === 'te-cv-flash', 'the confirmation');

        // Schedule Message: typing, and a merge field inserted with the keyboard.
        await tabTo(page, (f) => f.testid === 'te-cv-schedule');
        await page.keyboard.press('Enter');
        await tabTo(page, (f) => f.testid === 'te-cv-body');
        await page.keyboard.type('Hi ');
        await tabTo(page, (f) => f.testid === 'te-cv-field-firstName');
        await page.keyboard.press('Enter');
        await focusInDialog(d, 'te-cv-body');
        await page.keyboard.type(`, this is {{recruiterName}} about the {{jobTitle}} role. Can you talk this week? [${tag}]`);
        await valueIs(
          d,
          '[data-testid=te-cv-body]',
          `Hi {{firstName}}, this is {{recruiterName}} about the {{jobTitle}} role. Can you talk this week? [${tag}]`,
        );
        await tabTo(page, (f) => f.testid === 'te-cv-review');
        await page.keyboard.press('Enter');
        await waitIn(d, '[data-testid=te-cv-review-panel]');
        expect(await textOf(d, '[data-testid=te-cv-review-eligible]')).toBe('2');
        await tabTo(page, (f) => f.testid === 'te-cv-commit' && f.text === 'Send');
        await page.keyboard.press('Enter');
        await waitIn(d, '[data-testid=te-cv-flash]', 'on its way');
        await focusIs(page, (f) => f.testid === 'te-cv-flash', 'the confirmation');
        await progressDone(d);
        const campaignId = await campaignIdIn(d);
        await shot(page, `bulk-${v.name}-13-keyboard-sent`);

        const got = await waitForPhones(textable, tag);
        expect(got).toEqual(textable.map((x) => [expectedText(x, job, tag)]));
        if (excluded.phone) expect(await phoneTexts(excluded.phone, tag)).toEqual([]);
        await expectLocked(d, campaignId);

        await page.keyboard.press('Escape');
        await page.waitForFunction((host) => !document.querySelector(host), { polling: 100 }, DIALOG);
        await focusIs(page, (f) => f.tag === 'button' && f.text === 'Bulk Text', 'Bulk Text');
      } finally {
        await page.close();
      }
    }, 180_000);
  });
}

describe('Signed out, and without a licence', () => {
  it('the Bulk Text popup says so (with a way to sign in), carries on after signing in, and the toolbar popup offers sign-in', async () => {
    const options = await stack.page();
    await options.goto(`chrome-extension://${stack.extensionId}/options.html`);
    await options.waitForSelector('[data-testid=signed-in-as]');
    const signOut = await waitIn(pageOf(options), 'button', 'Sign out');
    await signOut.click();
    await options.waitForSelector('input[name=email]');
    await options.close();

    const page = await stack.page();
    await page.setViewport({ width: 1280, height: 960 });
    const d = dialogOf(page);
    let popup: Page | null = null;
    try {
      const v = VARIANTS[0]!;
      await openSearch(page, v);
      await page.click(v.checkbox('10001'));
      await page.click(v.checkbox('10002'));
      await page.waitForSelector('button[data-te-bulk-text]', { visible: true });
      await page.click('button[data-te-bulk-text]');
      expect(await textOf(d, '[data-testid=te-bt-signed-out]')).toContain('You are signed out of Text Engagement');
      await waitIn(d, '[data-testid=te-bt-sign-in]');
      await shot(page, 'bulk-signed-out');
      await axeDialog(page, 'Bulk Text dialog, signed out');

      popup = await stack.page();
      await popup.setViewport({ width: 400, height: 600 });
      popup = await stack.page();
      await popup.setViewport({ width: 400, height: 600 });
      await popup.goto(`chrome-extension://${stack.extensionId}/popup.html`);
      await waitIn(pageOf(popup), '[data-testid=te-popup-signed-out]');
      await waitIn(pageOf(popup), '[data-testid=te-popup-sign-in]');
      await shot(popup, 'popup-signed-out');
      await axeCheck(popup, { include: ['.te-popup'] }, 'Toolbar popup, signed out');

      // Signing in meanwhile (here without a licence): the open Bulk Text popup carries on and says why it can't.
      await stack.signIn('nolicense@acme.test');
      await page.bringToFront();
      const why = await textOf(d, '[data-testid=te-bt-unlicensed]');
      expect(why).toContain("You can't send bulk texts");
      expect(why).toContain('licence');
      await shot(page, 'bulk-unlicensed');
      await axeDialog(page, 'Bulk Text dialog, unlicensed');
      await page.keyboard.press('Escape');
      await page.waitForFunction((host) => !document.querySelector(host), { polling: 100 }, DIALOG);
    } finally {
      await page.close();
      await popup?.close();
    }
  }, 120_000);
});
