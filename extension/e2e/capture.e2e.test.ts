/**
 * "Add to Text Engagement" end to end, on both host variants: headless Chromium with the built
 * extension (npx wxt build first), the real server (simulator) and the demo ATS pages. The
 * candidates 10151–10154 are on the host pages but not in the server (fixtures/demo
 * ats-only-candidates.json): the recruiter adds one from its profile, texts them at once, and the
 * search page shows their phone badge, live. Erasing them (an administrator, through the API)
 * turns the open tab back into the form.
 */
import type { CDPSession, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candidate, ConsentRecord } from '../../shared/api';
import { clickIn, fill, goneIn, textOf, waitIn, type Scope } from './scope';
import { screenshotPath, startStack, type Stack } from './stack';

/** The host pages' markup the test drives (the extension knows it only through its adapters). */
interface Variant {
  name: 'cxm' | 'crm';
  profile(base: string, id: string): string;
  search(base: string): string;
  rows: string;
  idAttr: string;
  pageButton(n: number): string;
}

const VARIANTS: Variant[] = [
  {
    name: 'cxm',
    profile: (base, id) => `${base}/cxm/candidates/${id}`,
    search: (base) => `${base}/cxm/candidates`,
    rows: '#cxm-main table.cxm-grid > tbody > tr[data-person-id]',
    idAttr: 'data-person-id',
    pageButton: (n) => `#cxm-main nav.cxm-pager button[data-page="${n}"]`,
  },
  {
    name: 'crm',
    profile: (base, id) => `${base}/crm/profile.html?id=${id}`,
    search: (base) => `${base}/crm/search.html`,
    rows: '.crm-results[role=grid] > .crm-results__body > .crm-record[data-candidate-ref]',
    idAttr: 'data-candidate-ref',
    pageButton: (n) => `.crm-paging__nav button[data-goto="${n}"]`,
  },
];

/** One ATS-only candidate per variant (fixtures/demo/ats-only-candidates.json). */
const NEWCOMER = {
  cxm: { id: '10151', first: 'Lucia', last: 'Cruz', phone: '(832) 555-0118', e164: '+18325550118', email: 'lucia.cruz@example.net' },
  crm: { id: '10152', first: 'Daniela', last: 'Reyes', phone: '(801) 555-0142', e164: '+18015550142', email: 'daniela.reyes@example.net' },
} as const;
const WITHOUT_CONSENT = { id: '10153', first: 'Ananya' };
const WITHOUT_PHONE = { id: '10154', first: 'Ayita', last: 'Nelson', email: 'ayita.nelson@example.net' };
const ATS_ONLY = ['10151', '10152', '10153', '10154'];

const PANEL = 'te-conversation';
const panel = (page: Page): Scope => ({ page, host: PANEL });
const FORM = '[data-testid="te-add-candidate"]';
const TEXTAREA = 'textarea.te-conv-textarea';

let stack: Stack;
let token: string;
let worker: CDPSession;
/** What the background asked the server: id lists of look-ups, and single-candidate reads. */
const lookups: string[][] = [];
const singleReads: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  await stack.signIn();
  token = await apiToken('recruiter@acme.test');
  const target = await stack.browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${stack.extensionId}/`));
  worker = await target.createCDPSession();
  await worker.send('Network.enable');
  worker.on('Network.requestWillBeSent', (e) => {
    if (e.request.method !== 'GET') return;
    const url = new URL(e.request.url);
    if (url.pathname === '/api/candidates' && url.searchParams.has('ids')) lookups.push(url.searchParams.get('ids')!.split(','));
    const single = /^\/api\/candidates\/([^/]+)$/.exec(url.pathname);
    if (single) singleReads.push(decodeURIComponent(single[1]!));
  });
}, 120_000);

afterAll(async () => {
  await worker?.detach().catch(() => undefined);
  await stack?.close();
});

// ── Helpers ────────────────────────────────────────────────────────────────────────────────

async function apiToken(email: string): Promise<string> {
  const res = await fetch(`${stack.serverUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'demo1234' }),
  });
  return ((await res.json()) as { token: string }).token;
}

async function api<T>(method: string, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.serverUrl}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (res.status === 204 ? null : await res.json()) as T };
}

/** Signs out on the options page, then in as `email`, as a person would. */
async function switchTo(email: string) {
  const options = await stack.page();
  await options.goto(`chrome-extension://${stack.extensionId}/options.html`);
  await options.locator('::-p-text(Sign out)').click();
  await options.waitForSelector('input[name=email]');
  await options.close();
  await stack.signIn(email);
}

async function openTab(page: Page, v: Variant, id: string) {
  await page.goto(v.profile(stack.fixturesUrl, id));
  await page.locator('::-p-aria([name="Messages"][role="tab"])').click();
  await page.locator('::-p-aria([name="Text Engagement"][role="tab"])').click();
  await waitIn(panel(page), '.te-conv:not([data-state="loading"])');
}

/** The form's fields as shown. */
async function formValues(page: Page): Promise<Record<string, string>> {
  await waitIn(panel(page), FORM);
  return page.evaluate((host) => {
    const root = document.querySelector(host)!.shadowRoot!;
    return Object.fromEntries([...root.querySelectorAll<HTMLInputElement>('form input:not([type=radio])')].map((i) => [i.name, i.value]));
  }, PANEL);
}

async function waitForMessage(page: Page, body: string, status: string) {
  await page.waitForFunction(
    (host, b, s) =>
      [...(document.querySelector(host)?.shadowRoot?.querySelectorAll<HTMLElement>('li.te-conv-msg') ?? [])].some(
        (li) => li.querySelector('.te-conv-bubble')?.textContent === b && li.querySelector<HTMLElement>('.te-conv-status')?.dataset.status === s,
      ),
    { polling: 50, timeout: 10_000 },
    PANEL,
    body,
    status,
  );
}

/** What the simulated phone received (the simulator's own record, not the server's). */
async function phoneMessages(phone: string): Promise<{ direction: string; body: string; status: string }[]> {
  const res = await fetch(`${stack.serverUrl}/simulator/api/phones/${encodeURIComponent(phone)}/messages`);
  return ((await res.json()) as { messages: { direction: string; body: string; status: string }[] }).messages;
}

const hasBadge = (page: Page, v: Variant, id: string) =>
  page.evaluate((v, id) => [...document.querySelectorAll('te-phone-badge')].some((b) => b.closest(v.rows)?.getAttribute(v.idAttr) === id), v, id);

/** Search, last page: the four candidates the ATS added lately. */
async function openLastSearchPage(v: Variant): Promise<Page> {
  const page = await stack.page();
  await page.setViewport({ width: 1280, height: 860 });
  await page.goto(v.search(stack.fixturesUrl));
  await page.waitForFunction((v) => document.querySelectorAll(v.rows).length === 50, { polling: 50 }, v);
  await page.click(v.pageButton(4));
  await page.waitForFunction((v) => document.querySelector(v.rows)?.getAttribute(v.idAttr) === '10151', { polling: 50 }, v);
  return page;
}

async function screenshotPanel(page: Page, name: string) {
  const host = (await page.waitForSelector(PANEL))!;
  await host.scrollIntoView();
  await host.screenshot({ path: screenshotPath(name) });
}

const unique = (label: string) => `${label} ${Math.random().toString(36).slice(2, 8)}`;

// ── On both hosts ──────────────────────────────────────────────────────────────────────────

describe.each(VARIANTS)('Add to Text Engagement on $name', (v) => {
  const who = NEWCOMER[v.name];

  it('adds an unknown candidate from their profile, texts them at once, and their badge appears in search, live', async () => {
    // A search page open on the last page, where the newcomers are: no badges, and no read per row.
    const lookupsBefore = lookups.length;
    const readsBefore = singleReads.length;
    const search = await openLastSearchPage(v);
    if (v.name === 'cxm') {
      // The first time they are shown (the background has not cached them): one look-up for the four.
      await expect.poll(() => lookups.slice(lookupsBefore).some((ids) => ids.some((id) => ATS_ONLY.includes(id))), { timeout: 5_000 }).toBe(true);
      expect(lookups.slice(lookupsBefore).filter((ids) => ids.some((id) => ATS_ONLY.includes(id)))).toEqual([ATS_ONLY]);
    }
    expect(singleReads.slice(readsBefore)).toEqual([]);
    expect(await search.$$('te-phone-badge')).toHaveLength(0);

    // The profile: Messages → Text Engagement offers to add them, filled from the page.
    const page = await stack.page();
    await page.setViewport({ width: 1280, height: 900 });
    await openTab(page, v, who.id);
    const marker = await page.evaluate(() => ((window as unknown as { __sameDocument: number }).__sameDocument = Math.random()));
    expect(await formValues(page)).toEqual({ firstName: who.first, lastName: who.last, phone: who.phone, email: who.email });
    expect(await textOf(panel(page), `${FORM} .te-conv-notice-title`)).toBe('Add to Text Engagement');
    expect(await textOf(panel(page), `${FORM} legend`)).toBe(`Has ${who.first} agreed to receive text messages?`);
    expect(await textOf(panel(page), `${FORM} .te-conv-help`)).toBe('Texts go to this number. One without a country code is read as a US number.');
    if (v.name === 'cxm') await screenshotPanel(page, 'capture-form.png');

    // A number that is not one: the server's refusal beside the phone field; nothing saved.
    await fill(panel(page), 'input[name="phone"]', '555');
    await clickIn(panel(page), 'input[name="te-consent"][value="granted"]');
    expect(await formValues(page)).toMatchObject({ consentSource: 'Candidate agreed on the phone' });
    await clickIn(panel(page), `${FORM} button[type="submit"]`);
    const phoneError = await textOf(panel(page), '[data-error-for="phone"]');
    expect(phoneError).toBe('"555" is not a valid phone number (numbers without a country code are read as US).');
    expect(await page.evaluate((host) => document.querySelector(host)!.shadowRoot!.querySelector('input[name="phone"]')!.getAttribute('aria-invalid'), PANEL)).toBe('true');
    expect((await api('GET', `/api/candidates/${who.id}`)).status).toBe(404);
    if (v.name === 'cxm') await screenshotPanel(page, 'capture-invalid-phone.png');

    // The right number, consent given on the phone: saved, and the composer is there, no reload.
    await fill(panel(page), 'input[name="phone"]', who.phone);
    await goneIn(panel(page), '[data-error-for="phone"]');
    await clickIn(panel(page), `${FORM} button[type="submit"]`);
    await waitIn(panel(page), TEXTAREA);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument: number }).__sameDocument)).toBe(marker);
    expect(await textOf(panel(page), '[data-testid="te-candidate-name"]')).toBe(`${who.first} ${who.last}`);
    expect(await textOf(panel(page), '.te-conv-help')).toContain('Sends by SMS');

    // The server has them: textable by SMS, with the consent the recruiter recorded.
    const saved = (await api<Candidate>('GET', `/api/candidates/${who.id}`)).body;
    expect(saved).toMatchObject({ id: who.id, firstName: who.first, lastName: who.last, phone: who.e164, email: who.email, textable: true, channel: 'sms', consent: { status: 'granted', source: 'Candidate agreed on the phone' } });
    const consent = (await api<{ records: ConsentRecord[] }>('GET', `/api/candidates/${who.id}/consent`)).body.records;
    expect(consent).toEqual([expect.objectContaining({ status: 'granted', source: 'Candidate agreed on the phone', setBy: { type: 'recruiter', name: 'Jordan Avery' } })]);

    // A text reaches their phone.
    const body = unique(`Hi ${who.first}, thanks for applying! (${v.name})`);
    await (await waitIn(panel(page), TEXTAREA)).click();
    await page.keyboard.type(body);
    await clickIn(panel(page), 'button.te-conv-send');
    await waitForMessage(page, body, 'delivered');
    expect((await phoneMessages(who.e164)).filter((m) => m.body === body)).toEqual([expect.objectContaining({ direction: 'to-phone', body, status: 'delivered' })]);
    if (v.name === 'cxm') await screenshotPanel(page, 'capture-added.png');

    // The search page open all along shows their badge now (candidates.updated), unreloaded.
    await search.bringToFront();
    await search.waitForFunction((v, id) => [...document.querySelectorAll('te-phone-badge')].some((b) => b.closest(v.rows)?.getAttribute(v.idAttr) === id), { polling: 50, timeout: 5_000 }, v, who.id);
    expect((await search.$$('te-phone-badge')).length).toBe(1);
    // And a search opened now shows it too.
    const fresh = await openLastSearchPage(v);
    await fresh.waitForFunction((v, id) => [...document.querySelectorAll('te-phone-badge')].some((b) => b.closest(v.rows)?.getAttribute(v.idAttr) === id), { polling: 50, timeout: 5_000 }, v, who.id);
    if (v.name === 'crm') await fresh.screenshot({ path: screenshotPath('capture-badge-in-search.png') });
    await fresh.close();

    // Erased by an administrator: the open tab turns back into the form, and the badge goes, live.
    await page.bringToFront();
    expect((await api('DELETE', `/api/candidates/${who.id}`)).status).toBe(204);
    await waitIn(panel(page), FORM);
    expect(await formValues(page)).toMatchObject({ firstName: who.first, phone: who.phone });
    await search.waitForFunction((v, id) => ![...document.querySelectorAll('te-phone-badge')].some((b) => b.closest(v.rows)?.getAttribute(v.idAttr) === id), { polling: 50, timeout: 5_000 }, v, who.id);
    expect(await hasBadge(search, v, who.id)).toBe(false);
    await search.close();
    await page.close();
  });
});

// ── One host is enough for these ───────────────────────────────────────────────────────────

describe('Add to Text Engagement, more', () => {
  const [cxm, crm] = VARIANTS as [Variant, Variant];

  it('the form fits a narrow panel', async () => {
    // 10151 was added and erased above: unknown again.
    const page = await stack.page();
    await page.setViewport({ width: 420, height: 900 });
    await openTab(page, cxm, NEWCOMER.cxm.id);
    await clickIn(panel(page), 'input[name="te-consent"][value="granted"]');
    await waitIn(panel(page), 'input[name="consentSource"]');
    const overflow = await page.evaluate((host) => {
      const root = document.querySelector(host)!.shadowRoot!;
      const right = root.querySelector('.te-conv')!.getBoundingClientRect().right;
      return [...root.querySelectorAll('.te-conv *')].filter((el) => el.getBoundingClientRect().right > right + 1).map((el) => el.className);
    }, PANEL);
    expect(overflow).toEqual([]);
    await screenshotPanel(page, 'capture-form-narrow.png');
    await page.close();
  });

  it('"Not yet": saved without consent, so the tab says why they can’t be texted', async () => {
    const page = await stack.page();
    await page.setViewport({ width: 1280, height: 900 });
    await openTab(page, cxm, WITHOUT_CONSENT.id);
    await clickIn(panel(page), 'input[name="te-consent"][value="not-yet"]');
    await clickIn(panel(page), `${FORM} button[type="submit"]`);
    const notice = await waitIn(panel(page), '[data-notice="not-textable"]');
    expect(await notice.evaluate((n) => n.getAttribute('data-reason'))).toBe('NO_CONSENT');
    expect(await notice.evaluate((n) => n.textContent)).toContain(`${WITHOUT_CONSENT.first} hasn't agreed to receive text messages yet.`);
    const saved = (await api<Candidate>('GET', `/api/candidates/${WITHOUT_CONSENT.id}`)).body;
    expect(saved).toMatchObject({ textable: false, reason: 'NO_CONSENT', consent: null, phone: '+16125550107' });
    await screenshotPanel(page, 'capture-not-yet.png');
    await page.close();
  });

  it('without a licence: says why they can’t add; with one, a candidate without a phone is added and the tab says so', async () => {
    const page = await stack.page();
    await page.setViewport({ width: 1280, height: 900 });
    await switchTo('nolicense@acme.test');
    try {
      await openTab(page, crm, WITHOUT_PHONE.id);
      const notice = await waitIn(panel(page), '[data-notice="not-found"]');
      expect(await notice.evaluate((n) => n.textContent)).toContain('You need a Text Engagement licence to add candidates');
      expect(await page.evaluate((host) => !!document.querySelector(host)!.shadowRoot!.querySelector('form'), PANEL)).toBe(false);
      await screenshotPanel(page, 'capture-unlicensed.png');
    } finally {
      await switchTo('recruiter@acme.test');
    }

    // Signed in again (the panel follows by itself): the form, with no phone to offer.
    await waitIn(panel(page), FORM);
    expect(await formValues(page)).toEqual({ firstName: WITHOUT_PHONE.first, lastName: WITHOUT_PHONE.last, phone: '', email: WITHOUT_PHONE.email });
    await clickIn(panel(page), 'input[name="te-consent"][value="granted"]');
    await fill(panel(page), 'input[name="consentSource"]', 'Application form, Sep 17');
    await clickIn(panel(page), `${FORM} button[type="submit"]`);
    const notice = await waitIn(panel(page), '[data-notice="not-textable"]');
    expect(await notice.evaluate((n) => n.getAttribute('data-reason'))).toBe('NO_MOBILE');
    expect((await api<Candidate>('GET', `/api/candidates/${WITHOUT_PHONE.id}`)).body).toMatchObject({ phone: null, consent: { status: 'granted', source: 'Application form, Sep 17' } });
    await page.close();
  });
});
