/**
 * Ari, the digital assistant, end to end: headless Chromium with the built extension (`npx wxt
 * build` first), the real server (simulator provider) and the demo ATS pages.
 *
 * - Campaigns with Enable ARI, made in the Bulk Text popup (Edit Campaign > Enable ARI > the
 *   sequence > Save, then Schedule Message > Review > Send): candidates answer from the
 *   simulator's phones; one books an interview on the booking page (on a phone-sized screen), one
 *   is not understood three times and handed back, one is screened. The recruiter sees Ari's
 *   messages, the answers, the booking and the hand-backs in the Text Engagement tab, and the
 *   answers in the campaign's Candidates tab in the toolbar popup.
 * - From the composer: hand off to Ari with the primary sequence, Ari greets and answers live,
 *   then "Take over" and Ari stays quiet.
 *
 * Screenshots: ari-*.png (docs/screenshots with npm run screenshots).
 */
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotPath, screenshotSettled as shot, startStack, type Stack } from './stack';
import { $in, clickIn, evalIn, fill, goneIn, textOf, waitForIn, waitIn, type Scope } from './scope';

const DIALOG = 'te-bulk-text';
const PANEL = 'te-conversation';

interface Person {
  id: string;
  first: string;
  phone: string;
}
/** Textable SMS candidates of the demo data on the first CXM search page, one role each here. */
const BOOKER: Person = { id: '10042', first: 'Sanjay', phone: '+15155550132' };
const PUZZLED: Person = { id: '10043', first: 'Victoria', phone: '+12075550192' };
const SCREENED: Person = { id: '10039', first: 'Emily', phone: '+17755550162' };
const HANDED_OFF: Person = { id: '10041', first: 'Thuy', phone: '+19015550157' };

let stack: Stack;
let token: string;
let recruiterName: string;

// ── Helpers ──────────────────────────────────────────────────────────────────────────────

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${stack.serverUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: res.status === 204 ? null : await res.json() };
}

/** The candidate answers from the simulator's phone. */
async function reply(from: Person, body: string) {
  const res = await fetch(`${stack.serverUrl}/simulator/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: from.phone, body }),
  });
  expect(res.status).toBe(201);
}

/** What the candidate's phone received (texts to it, oldest first). */
async function received(who: Person): Promise<string[]> {
  const res = await fetch(`${stack.serverUrl}/simulator/api/phones/${encodeURIComponent(who.phone)}/messages`);
  const body = (await res.json()) as { messages: { direction: 'to-phone' | 'from-phone'; body: string }[] };
  return body.messages.filter((m) => m.direction === 'to-phone').map((m) => m.body);
}

/** Waits until the phone has received `count` texts; returns them. */
async function receivedCount(who: Person, count: number, timeout = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const got = await received(who);
    if (got.length >= count) return got;
    if (Date.now() > deadline) {
      const messages = await api('GET', `/api/candidates/${who.id}/messages`);
      throw new Error(`${who.first}'s phone has ${got.length} texts, not ${count}: ${JSON.stringify(got)}; the server has ${JSON.stringify(messages.json)}`);
    }
    await sleep(100);
  }
}

/** Replies, then waits for Ari's answer on the phone; returns it. */
async function exchange(who: Person, body: string): Promise<string> {
  const before = (await received(who)).length;
  await reply(who, body);
  return (await receivedCount(who, before + 1)).at(-1)!;
}

async function openSearch(page: Page) {
  await page.goto(`${stack.fixturesUrl}/cxm/candidates`);
  await page.waitForSelector(`#cxm-main tr[data-person-id="10001"] input.cxm-row-check`);
}

/**
 * A campaign with Enable ARI, made the way a recruiter does: select in candidate search, Bulk
 * Text, Actions > Edit Campaign (open role, Enable ARI, the sequence) > Save, Schedule Message >
 * Review > Send. Returns the campaign's id.
 */
async function ariCampaign(people: Person[], options: { name: string; job: string; sequence: string; body: string; shots?: string }): Promise<number> {
  const page = await stack.page();
  await page.setViewport({ width: 1280, height: 960 });
  const d: Scope = { page, host: DIALOG };
  try {
    await openSearch(page);
    for (const p of people) await page.click(`#cxm-main tr[data-person-id="${p.id}"] input.cxm-row-check`);
    await page.waitForSelector('button[data-te-bulk-text]', { visible: true });
    await page.click('button[data-te-bulk-text]');
    await waitIn(d, '[data-testid=te-cv-panel-overview]');
    const id = Number(await (await waitIn(d, '[data-testid=te-cv][data-campaign-id]')).evaluate((e) => e.getAttribute('data-campaign-id')));

    await clickIn(d, '[data-testid=te-cv-actions]');
    await clickIn(d, '[data-testid=te-cv-edit-campaign]');
    await fill(d, '[data-testid=te-cv-name-input]', options.name);
    await fill(d, '[data-testid=te-cv-job-input]', options.job);
    await clickIn(d, '[data-testid=te-cv-ari-toggle]');
    const option = await waitIn(d, '[data-testid=te-cv-sequence] option', options.sequence);
    const value = await option.evaluate((o) => (o as HTMLOptionElement).value);
    await (await waitIn(d, '[data-testid=te-cv-sequence]')).select(value);
    const offered = await evalIn(d, (root) => [...root.querySelectorAll('[data-testid=te-cv-sequence] option')].map((o) => o.textContent));
    // Only outbound sequences: the primary inbound one is not for campaigns.
    expect(offered).toEqual(['Interest check and screening', 'Interview scheduling', 'Re-engage past applicants']);
    if (options.shots) {
      await (await waitIn(d, '[data-testid=te-cv-sequence]')).evaluate((e) => e.scrollIntoView({ block: 'center' }));
      await shot(page, `${options.shots}-edit-campaign`);
    }
    await clickIn(d, '[data-testid=te-cv-save-campaign]');
    await waitIn(d, '[data-testid=te-cv-flash]', 'Campaign saved').catch(async (err) => {
      const shown = await evalIn(d, (root) => root.querySelector('[role=dialog]')?.textContent);
      throw new Error(`Edit Campaign was not saved; the popup shows: ${shown}`, { cause: err });
    });
    expect(await textOf(d, '[data-testid=te-cv-ari]', options.sequence)).toBe(`Answers replies with “${options.sequence}”`);

    await clickIn(d, '[data-testid=te-cv-schedule]');
    await fill(d, '[data-testid=te-cv-body]', options.body);
    await clickIn(d, '[data-testid=te-cv-review]');
    await waitIn(d, '[data-testid=te-cv-review-panel]');
    expect(await textOf(d, '[data-testid=te-cv-review-eligible]')).toBe(String(people.length));
    await clickIn(d, '[data-testid=te-cv-commit]', 'Send');
    await waitIn(d, '[data-testid=te-cv-flash]', 'on its way');
    // Focus moves to the confirmation; Escape (from inside the popup) closes it.
    await waitForIn(d, (root) => (root.activeElement as HTMLElement | null)?.dataset.testid === 'te-cv-flash', { what: 'focus on the confirmation' });
    await page.keyboard.press('Escape');
    await page.waitForFunction((host) => !document.querySelector(host), { polling: 50 }, DIALOG);

    const saved = await api('GET', `/api/campaigns/${id}`);
    expect(saved.json.assistant).toMatchObject({ enabled: true });
    return id;
  } finally {
    await page.close();
  }
}

// ── The Text Engagement tab ─────────────────────────────────────────────────────────────

const panelOf = (page: Page): Scope => ({ page, host: PANEL });

/** The recruiter's tab: a laptop screen, in the recruiter's time zone (New York, like the demo recruiter's working hours). */
async function recruiterPage(): Promise<Page> {
  const page = await stack.page();
  await page.setViewport({ width: 1280, height: 1000 });
  await page.emulateTimezone('America/New_York');
  return page;
}

async function openConversation(page: Page, who: Person) {
  await page.goto(`${stack.fixturesUrl}/cxm/candidates/${who.id}`);
  await page.locator('::-p-aria([name="Messages"][role="tab"])').click();
  await page.locator('::-p-aria([name="Text Engagement"][role="tab"])').click();
  await waitIn(panelOf(page), '.te-conv[data-state="ready"]');
}

interface Shown {
  direction: string;
  sender: string;
  body: string;
}

async function thread(page: Page): Promise<Shown[]> {
  const shown = await evalIn(panelOf(page), (root) =>
    [...root.querySelectorAll<HTMLElement>('li.te-conv-msg')].map((li) => ({
      direction: li.dataset.direction ?? '',
      sender: li.querySelector('.te-conv-sender')?.textContent ?? '',
      body: li.querySelector('.te-conv-bubble')?.textContent ?? '',
    })),
  );
  return shown ?? [];
}

/** Waits for a message in the thread whose text starts with `start` (from `sender`, if given). */
async function waitForMessage(page: Page, start: string, sender?: string, timeout = 10_000) {
  await waitForIn(
    panelOf(page),
    (root, start: string, sender: string | null) =>
      [...root.querySelectorAll<HTMLElement>('li.te-conv-msg')].some(
        (li) =>
          (li.querySelector('.te-conv-bubble')?.textContent ?? '').startsWith(start) &&
          (!sender || li.querySelector('.te-conv-sender')?.textContent === sender),
      ),
    { timeout, what: `a message "${start}…"` },
    start,
    sender ?? null,
  );
}

/** The answers a `dl.te-conv-answers` shows, as label → value. */
async function answersIn(s: Scope, sel: string): Promise<Record<string, string>> {
  const el = await waitIn(s, sel);
  return el.evaluate((dl) =>
    Object.fromEntries([...dl.querySelectorAll('div')].map((d) => [d.querySelector('dt')?.textContent ?? '', d.querySelector('dd')?.textContent ?? ''])),
  );
}

async function waitForAnswers(s: Scope, sel: string, wanted: Record<string, string>, timeout = 10_000): Promise<Record<string, string>> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const got = await answersIn(s, sel).catch(() => ({}) as Record<string, string>);
    if (Object.entries(wanted).every(([k, v]) => got[k] === v)) return got;
    if (Date.now() > deadline) throw new Error(`Answers ${JSON.stringify(got)} are not ${JSON.stringify(wanted)}`);
    await sleep(100);
  }
}

async function screenshotPanel(page: Page, name: string) {
  // Texts on their way have arrived, and the mouse hovers over nothing.
  await waitForIn(
    panelOf(page),
    (root) =>
      ![...root.querySelectorAll<HTMLElement>('.te-conv-status')].some((s) => ['pending', 'queued', 'sending', 'sent'].includes(s.dataset.status ?? '')),
    { what: 'texts on their way to arrive' },
  );
  await page.mouse.move(1, 1);
  const host = (await page.waitForSelector(PANEL))!;
  await host.scrollIntoView();
  await host.screenshot({ path: screenshotPath(name) });
}

/** "Tue, Mar 3 at 10:00 AM" in the browser's time zone, as the panel writes it. */
function bookingLabel(page: Page, iso: string): Promise<string> {
  return page.evaluate((iso) => {
    const d = new Date(iso);
    const day = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric' }).format(d);
    return `Interview booked: ${day} at ${new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(d)}`;
  }, iso);
}

beforeAll(async () => {
  stack = await startStack();
  const session = await stack.apiSession();
  token = session.token;
  recruiterName = session.recruiter.name;
  // Campaign texts and Ari's reminders go out whatever the hour the test runs at.
  const hours = await api('PATCH', '/api/organization', { textingHours: { start: '00:00', end: '24:00' } });
  expect(hours.status).toBe(200);
  await stack.signIn();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

// ── Campaigns with Enable ARI ───────────────────────────────────────────────────────────

describe('A campaign with Enable ARI', () => {
  it('"Interview scheduling": one candidate books on the booking page, the other is handed back after three answers Ari does not understand', async () => {
    const job = 'Warehouse Associate';
    const body = "Hi {{firstName}}, it's {{recruiterName}} from Acme. Would you like to schedule an interview for the {{jobTitle}} role? Reply YES or NO.";
    await ariCampaign([BOOKER, PUZZLED], { name: 'Warehouse interviews (Ari)', job, sequence: 'Interview scheduling', body, shots: 'ari-01' });
    const first = (await receivedCount(BOOKER, 1))[0]!;
    expect(first).toBe(`Hi ${BOOKER.first}, it's ${recruiterName} from Acme. Would you like to schedule an interview for the ${job} role? Reply YES or NO.`);
    await receivedCount(PUZZLED, 1);

    // "Yes": Ari offers the calendar link (within a couple of seconds).
    const started = Date.now();
    const offer = await exchange(BOOKER, 'Yes');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(offer).toMatch(/^Pick a time that works for you: http:\/\/localhost:\d+\/book\/[\w-]+\?c=10042&t=[\w-]+$/);
    const link = offer.slice(offer.indexOf('http'));

    // The recruiter has Emma's conversation open meanwhile: Ari is handling it, with that sequence.
    const page = await recruiterPage();
    const panel = panelOf(page);
    await openConversation(page, BOOKER);
    expect(await textOf(panel, '[data-testid=te-ari-banner]')).toContain('Ari is handling this conversation');
    expect(await textOf(panel, '[data-testid=te-ari-sequence]')).toBe('Interview scheduling');
    await waitForMessage(page, 'Pick a time that works for you:', 'Ari');

    // The booking page, on a phone: pick a slot.
    const phone = await stack.page();
    await phone.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await phone.goto(link);
    await phone.waitForSelector('button[name=startsAt]');
    expect(await phone.$eval('h1', (h) => h.textContent)).toBe(`Book a time with ${recruiterName}`);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(phone, 'ari-04-booking-page');
    const slot = (await phone.$('button[name=startsAt]'))!;
    const startsAt = await slot.evaluate((b) => (b as HTMLButtonElement).value);
    await Promise.all([phone.waitForNavigation(), slot.tap()]);
    const confirmation = await phone.$eval('main', (m) => m.textContent ?? '');
    expect(confirmation).toContain("You're booked");
    expect(confirmation).toContain(`${recruiterName} will see you on`);
    await shot(phone, 'ari-05-booking-confirmed');
    await phone.close();

    // The confirmation text on the phone.
    const texts = await receivedCount(BOOKER, 3);
    expect(texts[2]).toMatch(new RegExp(`^You're booked with ${recruiterName} on .+\\. Reply here if you need to change it\\.$`));

    // The open tab follows, unreloaded: Ari's messages labelled Ari, the booking, the answers.
    await page.bringToFront();
    await waitForMessage(page, "You're booked with", 'Ari');
    const info = await api('GET', `/api/candidates/${BOOKER.id}/assistant`);
    expect(info.json.booking.startsAt).toBe(startsAt);
    const label = await bookingLabel(page, startsAt);
    expect(label).toMatch(/^Interview booked: \w{3}, \w{3} \d{1,2} at \d{1,2}:\d{2}\s?[AP]M E[SD]T$/);
    await waitIn(panel, '[data-testid=te-ari-booking]', label);
    const answers = await waitForAnswers(panel, '[data-testid=te-ari-card] .te-conv-answers', { Interest: 'Interested' });
    expect(answers.Interview).toMatch(/ at \d{1,2}:\d{2} [AP]M /);
    const shown = await thread(page);
    expect(shown.map((m) => [m.direction, m.sender])).toEqual([
      ['outbound', recruiterName],
      ['inbound', BOOKER.first],
      ['outbound', 'Ari'],
      ['outbound', 'Ari'],
    ]);
    // Ari reached the end of the sequence: the recruiter sees so, with what it collected.
    expect(await textOf(panel, '[data-testid=te-ari-handback][data-reason=COMPLETED]')).toContain('Ari finished the sequence.');
    await goneIn(panel, '[data-testid=te-ari-banner]');
    await screenshotPanel(page, 'ari-02-answers-card');

    // The other candidate answers three times with something Ari doesn't understand.
    const retry = await exchange(PUZZLED, 'Who is this?');
    expect(retry).toBe(`Sorry, I didn't catch that. Would you like to schedule an interview for the ${job} role? Reply YES or NO.`);
    expect(await exchange(PUZZLED, 'Maybe, it depends on the pay')).toBe(retry);
    expect(await exchange(PUZZLED, 'What company is this for??')).toBe(`Thanks, ${PUZZLED.first}. I'll pass this to ${recruiterName}, who will reply here.`);

    await openConversation(page, PUZZLED);
    const back = await waitIn(panel, '[data-testid=te-ari-handback]');
    expect(await back.evaluate((e) => e.dataset.reason)).toBe('NOT_UNDERSTOOD');
    expect(await textOf(panel, '[data-testid=te-ari-handback]')).toContain('Ari could not understand the candidate’s answer after asking three times.');
    expect(await textOf(panel, '[data-testid=te-ari-handback]')).toContain("Ari didn't collect any answers.");
    expect((await thread(page)).filter((m) => m.sender === 'Ari')).toHaveLength(3);
    await screenshotPanel(page, 'ari-03-handback');

    // The recruiter replies: the conversation is theirs again, the notice goes.
    const field = await waitIn(panel, 'textarea.te-conv-textarea');
    await field.click();
    await field.type(`Hi ${PUZZLED.first}, it's ${recruiterName} from Acme. Happy to tell you more about the role: is now a good time to call?`);
    await clickIn(panel, 'button.te-conv-send');
    await goneIn(panel, '[data-testid=te-ari-handback]');
    await page.close();
  }, 180_000);

  it('"Interest check and screening": the answers appear live in the tab and in the campaign\'s Candidates tab', async () => {
    const job = 'Forklift Operator';
    // The recruiter has Emily's conversation open before the campaign goes out.
    const page = await recruiterPage();
    const panel = panelOf(page);
    await openConversation(page, SCREENED);
    await waitIn(panel, '.te-conv-empty');
    const id = await ariCampaign([SCREENED], {
      name: 'Forklift operators: screening (Ari)',
      job,
      sequence: 'Interest check and screening',
      body: "Hi {{firstName}}, it's {{recruiterName}} from Acme. Are you still interested in the {{jobTitle}} role? Reply YES or NO.",
    });
    await receivedCount(SCREENED, 1);

    // The campaign's text arrives in the open tab, and with it the news that Ari handles the replies.
    await page.bringToFront();
    await waitForMessage(page, `Hi ${SCREENED.first}, it's ${recruiterName} from Acme.`, recruiterName);
    await waitIn(panel, '[data-testid=te-ari-sequence]', 'Interest check and screening');
    await screenshotPanel(page, 'ari-06-screening-banner');
    expect(await exchange(SCREENED, 'Yes!')).toBe('Great! When could you start? (for example: right away, in 2 weeks)');
    expect(await exchange(SCREENED, 'In 2 weeks')).toMatch(/^Which shift do you prefer\?/);
    expect(await exchange(SCREENED, 'Evenings please')).toBe('Last question: how many years of experience do you have in a similar role?');
    await waitForAnswers(panel, '[data-testid=te-ari-card] .te-conv-answers', { 'Available to start': 'In 2 weeks', 'Shift preference': 'Evenings' });
    expect(await exchange(SCREENED, 'About 5 years')).toBe(`Thanks ${SCREENED.first}! ${recruiterName} will review your answers and be in touch soon.`);

    const wanted = { 'Available to start': 'In 2 weeks', 'Shift preference': 'Evenings', 'Years of experience': '5', Interest: 'Interested' };
    expect(await waitForAnswers(panel, '[data-testid=te-ari-card] .te-conv-answers', wanted)).toEqual(wanted);
    expect(await waitForAnswers(panel, '[data-testid=te-ari-handback] .te-conv-answers', wanted)).toEqual(wanted);
    expect(await textOf(panel, '[data-testid=te-ari-handback][data-reason=HANDED_BACK]')).toContain('Ari handed the conversation back to you.');
    expect((await thread(page)).filter((m) => m.sender === 'Ari')).toHaveLength(4);
    await screenshotPanel(page, 'ari-07-screening-answers');
    await page.close();

    // In a narrow panel the card and the notice wrap, and nothing sticks out.
    const narrow = await recruiterPage();
    await narrow.setViewport({ width: 420, height: 900 });
    await openConversation(narrow, SCREENED);
    await waitForAnswers(panelOf(narrow), '[data-testid=te-ari-card] .te-conv-answers', wanted);
    await waitIn(panelOf(narrow), '[data-testid=te-ari-handback]');
    const overflow = await evalIn(panelOf(narrow), (root) => {
      const right = root.querySelector('.te-conv')!.getBoundingClientRect().right;
      return [...root.querySelectorAll('.te-conv *')].filter((el) => el.getBoundingClientRect().right > right + 1).map((el) => el.className);
    });
    expect(overflow).toEqual([]);
    await screenshotPanel(narrow, 'ari-11-narrow');
    await narrow.close();

    // The toolbar popup: the campaign's Candidates tab shows Emily's answers.
    const popup = await stack.page();
    await popup.setViewport({ width: 400, height: 600 });
    const ps: Scope = { page: popup, host: null };
    await popup.goto(`chrome-extension://${stack.extensionId}/popup.html`);
    await clickIn(ps, `[data-testid=te-popup-campaign][data-campaign-id="${id}"]`);
    await clickIn(ps, '[data-testid=te-cv-tab-candidates]');
    const row = `[data-testid=te-cv-recipient][data-candidate-id="${SCREENED.id}"]`;
    expect(await waitForAnswers(ps, `${row} .te-cv-answers`, wanted)).toEqual(wanted);
    expect(await textOf(ps, row)).toContain('Replied');
    await (await waitIn(ps, row)).evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await shot(popup, 'ari-08-campaign-candidates');
    await popup.close();
  }, 180_000);
});

// ── From the composer ───────────────────────────────────────────────────────────────────

describe('Hand-off and take-over from the composer', () => {
  it('hands off with the primary sequence, Ari greets and answers live; after Take over Ari sends nothing more', async () => {
    const page = await recruiterPage();
    const panel = panelOf(page);
    await openConversation(page, HANDED_OFF);

    // The Ari tool offers the sequences: the primary inbound one first (the default), then the outbound ones.
    await clickIn(panel, 'button[aria-label="Hand off to Ari"]');
    await waitIn(panel, '[role=menu] [role=menuitem]');
    const items = await evalIn(panel, (root) => [...root.querySelectorAll('[role=menuitem] .te-conv-menu-name')].map((n) => n.textContent));
    expect(items).toEqual(['Inbound: first contactDefault', 'Interest check and screening', 'Interview scheduling', 'Re-engage past applicants']);
    await screenshotPanel(page, 'ari-09-handoff-menu');
    // The first item has focus: Enter picks it.
    await page.keyboard.press('Enter');

    await waitIn(panel, '[data-testid=te-ari-banner]');
    expect(await textOf(panel, '[data-testid=te-ari-sequence]')).toBe('Inbound: first contact');
    const greeting = `Hi ${HANDED_OFF.first}, this is Ari, the recruiting assistant for ${recruiterName}'s team. Are you asking about a job opening? Reply YES or NO.`;
    await waitForMessage(page, greeting, 'Ari');
    expect((await receivedCount(HANDED_OFF, 1))[0]).toBe(greeting);
    expect(await $in(panel, 'button[aria-label="Hand off to Ari"]')).toBeNull();

    // The candidate answers; Ari's next question appears in the thread, live.
    await reply(HANDED_OFF, 'Yes, I saw your ad');
    await waitForMessage(page, 'Which role are you interested in?', 'Ari', 5000);
    await screenshotPanel(page, 'ari-10-banner');

    // Take over: the banner goes, the hand-off tool is back, and no hand-back notice (it was the recruiter's doing).
    await clickIn(panel, '[data-testid=te-ari-banner] button', 'Take over');
    await goneIn(panel, '[data-testid=te-ari-banner]');
    await waitIn(panel, 'button[aria-label="Hand off to Ari"]');
    expect(await $in(panel, '[data-testid=te-ari-handback]')).toBeNull();
    const info = await api('GET', `/api/candidates/${HANDED_OFF.id}/assistant`);
    expect(info.json).toMatchObject({ active: false, handback: { reason: 'TAKEN_OVER' } });

    // Another reply: it arrives, and Ari says nothing more (on the phone or in the thread).
    const before = (await received(HANDED_OFF)).length;
    await reply(HANDED_OFF, 'Forklift driver, nights if possible');
    await waitForMessage(page, 'Forklift driver, nights if possible', HANDED_OFF.first);
    await sleep(2000);
    expect(await received(HANDED_OFF)).toHaveLength(before);
    expect((await thread(page)).filter((m) => m.sender === 'Ari')).toHaveLength(2);
    await page.close();
  }, 120_000);
});
