/**
 * "Add to Text Engagement" end to end, on both host variants: headless Chromium with the built
 * extension (npx wxt build first), the real server (simulator) and the demo ATS pages. The
 * candidates 10151–10154 are on the host pages but not in the server (fixtures/demo
 * ats-only-candidates.json): the recruiter adds one from its profile, texts them at once, and the
 * search page shows their phone badge, live. Erasing them (an administrator, through the API)
 * turns the open tab back into the form. One without consent (added with "Not yet", or synced so)
 * can't be texted until the recruiter records it from the same tab (Record consent): then the
 * composer appears at once.
 */
import type { CDPSession, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candidate, ConsentRecord } from '../../shared/api';
import { clickIn, countIn, evalIn, fill, goneIn, textOf, waitForIn, waitIn, type Scope } from './scope';
import { screenshotPath, screenshotSettled, startStack, type Stack } from './stack';

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
/**
 * Not textable for want of consent, then given it from the tab: on CXM one added here with "Not
 * yet"; on CRM one the ATS synced without consent (the newcomers erased above stay opted out).
 */
const WITHOUT_CONSENT = {
  cxm: { id: '10153', first: 'Ananya', e164: '+16125550107', addedHere: true },
  crm: { id: '10047', first: 'Madison', e164: '+13235550167', addedHere: false },
} as const;
const WITHOUT_PHONE = { id: '10154', first: 'Ayita', last: 'Nelson', email: 'ayita.nelson@example.net' };
const ATS_ONLY = ['10151', '10152', '10153', '10154'];

const PANEL = 'te-conversation';
const panel = (page: Page): Scope => ({ page, host: PANEL });
const FORM = '[data-testid="te-add-candidate"]';
const RECORD = '[data-action="record-consent"]';
const CONSENT_FORM = '[data-testid="te-record-consent"]';
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
  return (await stack.apiSession(email)).token;
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
  const values = await evalIn(panel(page), (root) =>
    Object.fromEntries([...root.querySelectorAll<HTMLInputElement>('form input:not([type=radio])')].map((i) => [i.name, i.value])),
  );
  return values ?? {};
}

/** Waits until the element matching `sel` in the panel has the focus. */
async function waitForFocus(page: Page, sel: string) {
  await waitForIn(panel(page), (root, sel: string) => root.activeElement?.matches(sel) ?? false, { timeout: 5_000, what: `focus on ${sel}` }, sel);
}

/** The consent question's choices, as shown. */
const choiceNames = (page: Page) => evalIn(panel(page), (root) => [...root.querySelectorAll('.te-conv-choice-name')].map((n) => n.textContent));

async function waitForMessage(page: Page, body: string, status: string) {
  await waitForIn(
    panel(page),
    (root, b: string, s: string) =>
      [...root.querySelectorAll<HTMLElement>('li.te-conv-msg')].some(
        (li) => li.querySelector('.te-conv-bubble')?.textContent === b && li.querySelector<HTMLElement>('.te-conv-status')?.dataset.status === s,
      ),
    { what: `"${body}" ${status}` },
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
    expect(await (await waitIn(panel(page), 'input[name="phone"]')).evaluate((i) => i.getAttribute('aria-invalid'))).toBe('true');
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
    expect(saved).toMatchObject({
      id: who.id,
      firstName: who.first,
      lastName: who.last,
      phone: who.e164,
      email: who.email,
      textable: true,
      channel: 'sms',
      consent: { status: 'granted', source: 'Candidate agreed on the phone' },
    });
    const consent = (await api<{ records: ConsentRecord[] }>('GET', `/api/candidates/${who.id}/consent`)).body.records;
    expect(consent).toEqual([
      expect.objectContaining({ status: 'granted', source: 'Candidate agreed on the phone', setBy: { type: 'recruiter', name: 'Jordan Avery' } }),
    ]);

    // A text reaches their phone.
    const body = unique(`Hi ${who.first}, thanks for applying! (${v.name})`);
    await (await waitIn(panel(page), TEXTAREA)).click();
    await page.keyboard.type(body);
    await clickIn(panel(page), 'button.te-conv-send');
    await waitForMessage(page, body, 'delivered');
    expect((await phoneMessages(who.e164)).filter((m) => m.body === body)).toEqual([
      expect.objectContaining({ direction: 'to-phone', body, status: 'delivered' }),
    ]);
    if (v.name === 'cxm') await screenshotPanel(page, 'capture-added.png');

    // The search page open all along shows their badge now (candidates.updated), unreloaded.
    await search.bringToFront();
    await search.waitForFunction(
      (v, id) => [...document.querySelectorAll('te-phone-badge')].some((b) => b.closest(v.rows)?.getAttribute(v.idAttr) === id),
      { polling: 50, timeout: 5_000 },
      v,
      who.id,
    );
    expect((await search.$$('te-phone-badge')).length).toBe(1);
    // And a search opened now shows it too.
    const fresh = await openLastSearchPage(v);
    await fresh.waitForFunction(
      (v, id) => [...document.querySelectorAll('te-phone-badge')].some((b) => b.closest(v.rows)?.getAttribute(v.idAttr) === id),
      { polling: 50, timeout: 5_000 },
      v,
      who.id,
    );
    if (v.name === 'crm') await fresh.screenshot({ path: screenshotPath('capture-badge-in-search.png') });
    await fresh.close();

    // Erased by an administrator: the open tab turns back into the form, and the badge goes, live.
    await page.bringToFront();
    expect((await api('DELETE', `/api/candidates/${who.id}`)).status).toBe(204);
    await waitIn(panel(page), FORM);
    expect(await formValues(page)).toMatchObject({ firstName: who.first, phone: who.phone });
    await search.waitForFunction(
      (v, id) => ![...document.querySelectorAll('te-phone-badge')].some((b) => b.closest(v.rows)?.getAttribute(v.idAttr) === id),
      { polling: 50, timeout: 5_000 },
      v,
      who.id,
    );
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
    const overflow = await evalIn(panel(page), (root) => {
      const right = root.querySelector('.te-conv')!.getBoundingClientRect().right;
      return [...root.querySelectorAll('.te-conv *')].filter((el) => el.getBoundingClientRect().right > right + 1).map((el) => el.className);
    });
    expect(overflow).toEqual([]);
    await screenshotPanel(page, 'capture-form-narrow.png');
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
      expect(await countIn(panel(page), 'form')).toBe(0);
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
    expect((await api<Candidate>('GET', `/api/candidates/${WITHOUT_PHONE.id}`)).body).toMatchObject({
      phone: null,
      consent: { status: 'granted', source: 'Application form, Sep 17' },
    });
    await page.close();
  });
});

// ── Consent recorded later, from the tab ───────────────────────────────────────────────────

describe.each(VARIANTS)('Record consent on $name', (v) => {
  const who = WITHOUT_CONSENT[v.name];

  it('without consent, the tab says why they can’t be texted and offers Record consent; "Yes" brings the composer at once, and a text reaches them', async () => {
    const page = await stack.page();
    await page.setViewport({ width: 1280, height: 900 });
    await openTab(page, v, who.id);
    const marker = await page.evaluate(() => ((window as unknown as { __sameDocument: number }).__sameDocument = Math.random()));

    // Added with "Not yet" (or synced so): not textable, and the notice says why.
    if (who.addedHere) {
      await clickIn(panel(page), 'input[name="te-consent"][value="not-yet"]');
      await clickIn(panel(page), `${FORM} button[type="submit"]`);
    }
    const notice = await waitIn(panel(page), '[data-notice="not-textable"]');
    expect(await notice.evaluate((n) => n.getAttribute('data-reason'))).toBe('NO_CONSENT');
    expect(await notice.evaluate((n) => n.textContent)).toContain(`${who.first} hasn't agreed to receive text messages yet.`);
    expect(await textOf(panel(page), RECORD)).toBe('Record consent');
    expect(await countIn(panel(page), '[data-testid="te-consent-origin"]')).toBe(0);
    expect((await api<Candidate>('GET', `/api/candidates/${who.id}`)).body).toMatchObject({
      textable: false,
      reason: 'NO_CONSENT',
      consent: null,
      phone: who.e164,
    });
    if (v.name === 'cxm') await screenshotPanel(page, 'capture-not-yet.png');

    if (v.name === 'cxm') {
      // Without a licence: no Record consent, and the notice says why; the panel follows the sign-ins by itself.
      await switchTo('nolicense@acme.test');
      try {
        const unlicensed = await waitIn(panel(page), '[data-notice="not-licensed"]');
        expect(await unlicensed.evaluate((n) => n.textContent)).toContain(
          `${who.first} hasn't agreed to receive text messages yet, and recording their consent needs a licence too.`,
        );
        expect(await countIn(panel(page), RECORD)).toBe(0);
      } finally {
        await switchTo('recruiter@acme.test');
      }
      await waitIn(panel(page), RECORD);
    }

    // Record consent: the same question as when adding them; the focus goes to it.
    await clickIn(panel(page), RECORD);
    await waitIn(panel(page), CONSENT_FORM);
    await waitForFocus(page, 'input[name="te-consent"][value="granted"]');
    expect(await countIn(panel(page), RECORD)).toBe(0);
    expect(await textOf(panel(page), `${CONSENT_FORM} legend`)).toBe(`Has ${who.first} agreed to receive text messages?`);
    expect(await choiceNames(page)).toEqual(['Yes, the candidate agreed to receive texts', 'Not yet']);

    // No answer: asked for one, beside the question; nothing sent.
    await clickIn(panel(page), `${CONSENT_FORM} button[type="submit"]`);
    expect(await textOf(panel(page), `${CONSENT_FORM} [data-error-for="consent"]`)).toBe('Say whether the candidate agreed to receive texts.');
    // "Not yet" has nothing to record: the question closes, the button is back (with the focus).
    await clickIn(panel(page), 'input[name="te-consent"][value="not-yet"]');
    await clickIn(panel(page), `${CONSENT_FORM} button[type="submit"]`);
    await goneIn(panel(page), CONSENT_FORM);
    await waitForFocus(page, RECORD);
    expect((await api<{ records: ConsentRecord[] }>('GET', `/api/candidates/${who.id}/consent`)).body.records).toEqual([]);

    // "Yes", agreed on the phone (the source filled in already): recorded, and the composer is there, no reload.
    await clickIn(panel(page), RECORD);
    await clickIn(panel(page), 'input[name="te-consent"][value="granted"]');
    expect(await (await waitIn(panel(page), 'input[name="consentSource"]')).evaluate((i) => (i as HTMLInputElement).value)).toBe(
      'Candidate agreed on the phone',
    );
    if (v.name === 'cxm') {
      await (await waitIn(panel(page), CONSENT_FORM)).scrollIntoView();
      await screenshotSettled(page, 'consent-record-form.png');
    }
    await clickIn(panel(page), `${CONSENT_FORM} button[type="submit"]`);
    await waitIn(panel(page), TEXTAREA);
    await waitForFocus(page, TEXTAREA);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument: number }).__sameDocument)).toBe(marker);
    expect(await countIn(panel(page), '[data-notice="not-textable"]')).toBe(0);
    // Where the consent came from, beside the composer: who recorded it, how, when.
    await waitIn(panel(page), '[data-testid="te-consent-origin"]', 'by Jordan Avery');
    expect(await textOf(panel(page), '[data-testid="te-consent-origin"]')).toMatch(
      /^Consent: granted by Jordan Avery — Candidate agreed on the phone, [A-Z][a-z]{2} \d{1,2}$/,
    );

    // The server has it, in the recruiter's name.
    expect((await api<Candidate>('GET', `/api/candidates/${who.id}`)).body).toMatchObject({
      textable: true,
      reason: null,
      consent: { status: 'granted', source: 'Candidate agreed on the phone' },
    });
    expect((await api<{ records: ConsentRecord[] }>('GET', `/api/candidates/${who.id}/consent`)).body.records).toEqual([
      expect.objectContaining({ status: 'granted', source: 'Candidate agreed on the phone', setBy: { type: 'recruiter', name: 'Jordan Avery' } }),
    ]);

    // A text reaches their phone.
    const body = unique(`Hi ${who.first}, thanks for agreeing to texts! (${v.name})`);
    await page.keyboard.type(body);
    await clickIn(panel(page), 'button.te-conv-send');
    await waitForMessage(page, body, 'delivered');
    expect((await phoneMessages(who.e164)).filter((m) => m.body === body)).toEqual([
      expect.objectContaining({ direction: 'to-phone', body, status: 'delivered' }),
    ]);
    if (v.name === 'cxm') {
      await (await page.waitForSelector(PANEL))!.scrollIntoView();
      await screenshotSettled(page, 'consent-recorded.png');

      // Search shows them textable now: their phone badge.
      const search = await openLastSearchPage(v);
      await search.waitForFunction(
        (v, id) => [...document.querySelectorAll('te-phone-badge')].some((b) => b.closest(v.rows)?.getAttribute(v.idAttr) === id),
        { polling: 50, timeout: 5_000 },
        v,
        who.id,
      );
      await search.close();
    }
    await page.close();
  });
});
