/**
 * End to end, in headless Chromium with the built extension (run `npx wxt build` first), the
 * real server (simulator provider) and the demo ATS pages: the Text Engagement tab on a
 * profile's Messages tab, on both host variants.
 */
import type { ElementHandle, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $in, clickIn, evalIn, goneIn, waitForIn, waitIn, type Scope } from './scope';
import { screenshotPath, startStack, type Stack } from './stack';

// The panel is in a closed shadow root: everything inside is reached through ./scope.
const PANEL = 'te-conversation';
const TEXTAREA = 'textarea.te-conv-textarea';
const SEND = 'button.te-conv-send';

interface Variant {
  name: 'cxm' | 'crm';
  profile(fixturesUrl: string, id: string): string;
}

const VARIANTS: Variant[] = [
  { name: 'cxm', profile: (base, id) => `${base}/cxm/candidates/${id}` },
  { name: 'crm', profile: (base, id) => `${base}/crm/profile.html?id=${id}` },
];

/** Textable SMS candidates (fixtures/demo) set aside per test, so tests don't share a thread. */
const MARIA = { id: '10001', phone: '+12125550101' };
const JAMES = { id: '10002', phone: '+13055550154' };
const HTML_NAME = { id: '10007', first: '<b>Bold</b>', last: "O'Brien <script>alert(1)</script>" };
const STOPPERS: Record<Variant['name'], { id: string; phone: string }> = {
  cxm: { id: '10011', phone: '+18045550144' },
  crm: { id: '10017', phone: '+14705550156' },
};
const FAILING = { id: '10016', phone: '+12145550198' }; // the simulator fails ...-0198 with 30005
const ARI = { id: '10022', phone: '+17865550136' };

interface ShownMessage {
  direction: string;
  body: string;
  sender: string;
  status: string | null;
  statusText: string;
}

let stack: Stack;
let page: Page;

beforeAll(async () => {
  stack = await startStack();
  await stack.signIn();
  page = await stack.page();
  await page.setViewport({ width: 1280, height: 900 });
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

// ── Helpers ────────────────────────────────────────────────────────────────────────────────

const panelOf = (p: Page = page): Scope => ({ page: p, host: PANEL });

async function openConversation(variant: Variant, id: string, p: Page = page) {
  await p.goto(variant.profile(stack.fixturesUrl, id));
  await p.locator('::-p-aria([name="Messages"][role="tab"])').click();
  await p.locator('::-p-aria([name="Text Engagement"][role="tab"])').click();
  try {
    await inPanel('.te-conv:not([data-state="loading"])', p);
  } catch (err) {
    const state = await p.evaluate(() => {
      const hosts = [...document.querySelectorAll('te-conversation')];
      const tabs = [...document.querySelectorAll('[role=tab]')].map((t) => `${t.textContent}:${t.getAttribute('aria-selected')}`);
      return {
        url: location.href,
        hosts: hosts.length,
        parents: hosts.map((h) => h.parentElement?.outerHTML.slice(0, 160)),
        tabs,
      };
    });
    const shown = await evalIn(panelOf(p), (root) => root.querySelector('.te-conv')?.outerHTML.slice(0, 300));
    console.error('openConversation failed', JSON.stringify({ ...state, shown }, null, 1));
    throw err;
  }
}

/** The thread as the panel shows it. */
async function shownMessages(p: Page = page): Promise<ShownMessage[]> {
  const shown = await evalIn(panelOf(p), (root) =>
    [...root.querySelectorAll<HTMLElement>('li.te-conv-msg')].map((li) => ({
      direction: li.dataset.direction ?? '',
      body: li.querySelector('.te-conv-bubble')?.textContent ?? '',
      sender: li.querySelector('.te-conv-sender')?.textContent ?? '',
      status: li.querySelector<HTMLElement>('.te-conv-status')?.dataset.status ?? null,
      statusText: li.querySelector('.te-conv-status')?.textContent ?? '',
    })),
  );
  return shown ?? [];
}

async function waitForMessage(body: string, options: { status?: string; direction?: string; timeout?: number } = {}, p: Page = page) {
  await waitForIn(
    panelOf(p),
    (root, b: string, status: string | null, direction: string | null) =>
      [...root.querySelectorAll<HTMLElement>('li.te-conv-msg')].some(
        (li) =>
          li.querySelector('.te-conv-bubble')?.textContent === b &&
          (!direction || li.dataset.direction === direction) &&
          (!status || li.querySelector<HTMLElement>('.te-conv-status')?.dataset.status === status),
      ),
    { timeout: options.timeout ?? 10_000, what: `the message "${body}"` },
    body,
    options.status ?? null,
    options.direction ?? null,
  );
}

async function panelText(p: Page = page): Promise<string> {
  return (await evalIn(panelOf(p), (root) => root.querySelector('.te-conv')?.textContent)) ?? '';
}

/** Waits for `css` inside the panel's shadow root. */
function inPanel(css: string, p: Page = page, timeout = 10_000): Promise<ElementHandle<HTMLElement>> {
  return waitIn(panelOf(p), css, null, timeout);
}

/** The textarea's value. */
async function fieldValue(p: Page = page): Promise<string> {
  return (await inPanel(TEXTAREA, p)).evaluate((el) => (el as HTMLTextAreaElement).value);
}

/** Sets the textarea's text at once (as pasting would), not key by key. */
async function setField(text: string, p: Page = page) {
  await (
    await inPanel(TEXTAREA, p)
  ).evaluate((el, t) => {
    const area = el as HTMLTextAreaElement;
    area.value = t;
    area.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

async function notice(kind: string, p: Page = page): Promise<ElementHandle<HTMLElement>> {
  return inPanel(`[data-notice="${kind}"]`, p);
}

async function typeMessage(text: string, p: Page = page) {
  const field = await inPanel(TEXTAREA, p);
  await field.click();
  await field.type(text);
}

async function reply(from: string, body: string, channel?: 'sms' | 'whatsapp') {
  const res = await fetch(`${stack.serverUrl}/simulator/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from, body, ...(channel ? { channel } : {}) }),
  });
  expect(res.status).toBe(201);
}

async function phoneMessages(phone: string): Promise<{ direction: string; body: string }[]> {
  const res = await fetch(`${stack.serverUrl}/simulator/api/phones/${encodeURIComponent(phone)}/messages`);
  return ((await res.json()) as { messages: { direction: string; body: string }[] }).messages;
}

async function screenshotPanel(name: string, p: Page = page) {
  const host = (await p.waitForSelector('te-conversation'))!;
  await host.scrollIntoView();
  await host.screenshot({ path: screenshotPath(name) });
}

const unique = (label: string) => `${label} ${Math.random().toString(36).slice(2, 8)}`;

// ── The conversation, on both hosts ─────────────────────────────────────────────────────────

describe.each(VARIANTS)('Text Engagement tab on $name', (variant) => {
  it('sends with Send and with Ctrl+Enter, shows them delivered, and a reply arrives live', async () => {
    await openConversation(variant, MARIA.id);
    expect(await panelText()).toContain('Maria Garcia');
    expect(await panelText()).toContain('+1 (212) 555-0101');
    const help = await (await inPanel('.te-conv-help')).evaluate((el) => el.textContent);
    expect(help).toContain('Sends by SMS');

    // Send, by the button: shown at once, then delivered.
    const first = unique(`Hi Maria, it's Jordan (${variant.name}).`);
    await typeMessage(first);
    expect(await (await inPanel('[data-testid="te-counter"]')).evaluate((el) => el.textContent)).toBe(`${first.length} characters · 1 segment (GSM-7)`);
    await clickIn(panelOf(), SEND);
    await waitForMessage(first, { direction: 'outbound', timeout: 1000 });
    expect(await fieldValue()).toBe('');
    await waitForMessage(first, { status: 'delivered' });

    // Ctrl+Enter.
    const second = unique('Are you free for a call tomorrow?');
    await typeMessage(second);
    await page.keyboard.down('Control');
    await page.keyboard.press('Enter');
    await page.keyboard.up('Control');
    await waitForMessage(second, { status: 'delivered' });
    const shown = await shownMessages();
    const mine = shown.find((m) => m.body === second)!;
    expect(mine.sender).toBe('Jordan Avery');
    expect(mine.statusText).toContain('Delivered');

    // The candidate answers from the simulator's phone: it appears within two seconds, unreloaded.
    const answer = unique('Yes, 10am works for me!');
    const sentAt = Date.now();
    await reply(MARIA.phone, answer);
    await waitForMessage(answer, { direction: 'inbound', timeout: 2000 });
    expect(Date.now() - sentAt).toBeLessThan(2000);
    const inbound = (await shownMessages()).find((m) => m.body === answer)!;
    expect(inbound.sender).toBe('Maria');
    expect(inbound.status).toBeNull();

    // Oldest first.
    const bodies = (await shownMessages()).map((m) => m.body);
    expect(bodies.indexOf(first)).toBeLessThan(bodies.indexOf(second));
    expect(bodies.indexOf(second)).toBeLessThan(bodies.indexOf(answer));

    await typeMessage('Great, talk then. Here is my calendar if anything changes:');
    await page.screenshot({ path: screenshotPath(`conversation-${variant.name}`) });
    if (variant.name === 'cxm') await screenshotPanel('composer-sms.png');
    // Leave the field empty for the next test.
    await setField('');
  });

  it('a double-click on Send sends one text', async () => {
    await openConversation(variant, MARIA.id);
    const body = unique(`Double-click check (${variant.name})`);
    await typeMessage(body);
    const send = await inPanel(SEND);
    await send.click({ count: 2, delay: 0 });
    await waitForMessage(body, { status: 'delivered' });
    expect((await shownMessages()).filter((m) => m.body === body)).toHaveLength(1);
    // Give a stray second request every chance to land before counting on the phone.
    await new Promise((r) => setTimeout(r, 1500));
    const onPhone = (await phoneMessages(MARIA.phone)).filter((m) => m.body === body);
    expect(onPhone).toHaveLength(1);
    expect((await shownMessages()).filter((m) => m.body === body)).toHaveLength(1);
  });

  it('STOP turns the composer into an opted-out notice, live', async () => {
    const who = STOPPERS[variant.name];
    await openConversation(variant, who.id);
    await inPanel(TEXTAREA);
    await reply(who.phone, 'STOP');
    const el = await notice('not-textable');
    expect(await el.evaluate((n) => n.getAttribute('data-reason'))).toBe('OPTED_OUT');
    expect(await el.evaluate((n) => n.textContent)).toContain('opted out');
    expect(await $in(panelOf(), TEXTAREA)).toBeNull();
    // The conversation stays readable: the STOP and the automatic confirmation.
    await waitForMessage('STOP', { direction: 'inbound' });
    await waitForIn(panelOf(), (root) => [...root.querySelectorAll('.te-conv-sender')].some((s) => s.textContent === 'Automatic reply'), {
      what: 'the automatic reply',
    });
    if (variant.name === 'cxm') await screenshotPanel('composer-opted-out.png');
  });

  it('shows a name carrying HTML as text', async () => {
    await openConversation(variant, HTML_NAME.id);
    const name = await inPanel('[data-testid="te-candidate-name"]');
    expect(await name.evaluate((n) => n.textContent)).toBe(`${HTML_NAME.first} ${HTML_NAME.last}`);
    expect(await name.evaluate((n) => n.children.length)).toBe(0);
    const injected = await evalIn(panelOf(), (root) => root.querySelectorAll('.te-conv b, .te-conv script, .te-conv img').length);
    expect(injected).toBe(0);
    // The placeholder uses the first name, as text too.
    expect(await (await inPanel(TEXTAREA)).evaluate((el) => (el as HTMLTextAreaElement).placeholder)).toContain('<b>Bold</b>');
  });

  it('a WhatsApp candidate with a closed window gets the window notice and approved templates only', async () => {
    await openConversation(variant, JAMES.id);
    expect(await (await inPanel('[data-testid="te-channel"]')).evaluate((el) => el.textContent)).toBe('WhatsApp');
    const el = await notice('whatsapp-window');
    const text = await el.evaluate((n) => n.textContent ?? '');
    expect(text).toContain('24 hours');
    expect(text).toContain('Sends by WhatsApp');
    const offered = await evalIn(panelOf(), (root) => [...root.querySelectorAll('.te-conv-choice-name')].map((e) => e.textContent));
    expect(offered).toEqual(['Interview invitation', 'Still interested?']);
    expect(await $in(panelOf(), TEXTAREA)).toBeNull();
    if (variant.name === 'crm') await screenshotPanel('composer-whatsapp-window.png');
  });
});

// ── One host is enough for these ───────────────────────────────────────────────────────────

describe('Text Engagement tab, more', () => {
  const cxm = VARIANTS[0]!;

  it('an approved template reaches a WhatsApp candidate outside the window; their reply reopens free text', async () => {
    await openConversation(cxm, JAMES.id);
    await notice('whatsapp-window');
    await clickIn(panelOf(), 'input[name="te-approved-template"][value]');
    await clickIn(panelOf(), '.te-conv-approved button[type="submit"]');
    await waitForIn(
      panelOf(),
      (root) =>
        [...root.querySelectorAll<HTMLElement>('li.te-conv-msg[data-direction="outbound"]')].some((li) =>
          li.querySelector('.te-conv-bubble')?.textContent?.startsWith('Hi James, this is Jordan Avery'),
        ),
      { what: 'the template sent' },
    );
    await reply(JAMES.phone, 'Hi! Yes I can talk.', 'whatsapp');
    await waitForMessage('Hi! Yes I can talk.', { direction: 'inbound', timeout: 2000 });
    await inPanel(TEXTAREA);
    expect(await (await inPanel('.te-conv-help')).evaluate((el) => el.textContent)).toContain('Sends by WhatsApp');
  });

  it('comes back with the draft when the host re-creates the Messages tab, never twice', async () => {
    for (const variant of VARIANTS) {
      await openConversation(variant, MARIA.id);
      await typeMessage(`Draft on ${variant.name}`);
      await page.locator('::-p-aria([name="Profile"][role="tab"])').click();
      await page.locator('::-p-aria([name="Messages"][role="tab"])').click();
      await page.locator('::-p-aria([name="Text Engagement"][role="tab"])').click();
      await waitForIn(
        panelOf(),
        (root, text: string) => root.querySelector<HTMLTextAreaElement>('textarea')?.value === text,
        { timeout: 5000, what: 'the draft' },
        `Draft on ${variant.name}`,
      );
      const counts = await page.evaluate(() => ({
        tabs: [...document.querySelectorAll('[role="tab"]')].filter((t) => t.textContent === 'Text Engagement').length,
        panels: document.querySelectorAll('te-conversation').length,
      }));
      expect(counts).toEqual({ tabs: 1, panels: 1 });
      // Back to the host's own tab: our panel goes, theirs shows.
      await page.evaluate(() => ([...document.querySelectorAll('[role="tab"]')].find((t) => t.textContent?.startsWith('Email')) as HTMLElement).click());
      await page.waitForFunction(() => !document.querySelector('te-conversation'), { polling: 50, timeout: 5000 });
      await page.locator('::-p-aria([name="Text Engagement"][role="tab"])').click();
      await setField('');
    }
  });

  it('picks a template from the menu and inserts the calendar link at the cursor', async () => {
    await openConversation(cxm, MARIA.id);
    await inPanel(TEXTAREA);
    await clickIn(panelOf(), 'button[aria-label="Insert a message template"]');
    await inPanel('[role="menuitem"]');
    await screenshotPanel('composer-template-menu.png');
    const names = await evalIn(panelOf(), (root) => [...root.querySelectorAll('.te-conv-menu-name')].map((e) => e.textContent));
    expect(names).toContain('Interview invitationWhatsApp');
    expect(names).toContain('Application received');
    await page.keyboard.press('Escape');
    expect(await $in(panelOf(), '[role="menu"]')).toBeNull();
    await clickIn(panelOf(), 'button[aria-label="Insert a message template"]');
    await clickIn(panelOf(), '[role="menuitem"]', 'Still interested?');
    const value = await fieldValue();
    expect(value).toMatch(/^Hi \{\{firstName\}\}, it's \{\{recruiterName\}\}/);
    // Picking a template puts the caret after it on the next frame; let that land before the
    // test places the caret itself.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

    await setField('Book a time here:  thanks!');
    await (
      await inPanel(TEXTAREA)
    ).evaluate((el) => {
      const t = el as HTMLTextAreaElement;
      t.focus();
      t.setSelectionRange(18, 18);
    });
    await clickIn(panelOf(), 'button[aria-label="Insert your calendar link"]');
    const withLink = await fieldValue();
    expect(withLink).toBe(`Book a time here: ${stack.serverUrl}/book/jordan-avery thanks!`);
    await setField('');
  });

  it('a refused send says why next to Send and keeps the text; the counter counts segments and warns', async () => {
    await openConversation(cxm, MARIA.id);
    await typeMessage('Hi {{nickname}}, quick question');
    await clickIn(panelOf(), SEND);
    const error = await inPanel('.te-conv-error[role="alert"]');
    expect(await error.evaluate((n) => n.textContent)).toBe('Not sent. Unknown merge field: {{nickname}}.');
    expect(await fieldValue()).toBe('Hi {{nickname}}, quick question');
    expect((await shownMessages()).some((m) => m.body.includes('{{nickname}}'))).toBe(false);

    const counterSays = (text: string) =>
      waitForIn(panelOf(), (root, t: string) => root.querySelector('[data-testid="te-counter"]')?.textContent === t, { timeout: 2000, what: text }, text);
    await setField('See you soon 👋');
    await counterSays('14 characters · 1 segment (UCS-2)');
    await setField('x'.repeat(161));
    await counterSays('161 characters · 2 segments (GSM-7)');
    await setField('Lorem ipsum dolor sit amet. '.repeat(60));
    const counter = await inPanel('.te-conv-counter.is-over');
    expect(await counter.evaluate((n) => n.textContent)).toBe('1,680 characters · 11 segments (GSM-7) — over the 1,600 limit');
    expect(await (await inPanel(SEND)).evaluate((b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await screenshotPanel('composer-too-long.png');
    await setField('');
  });

  it('fits a narrow panel', async () => {
    const narrow = await stack.page();
    await narrow.setViewport({ width: 420, height: 860 });
    await openConversation(cxm, MARIA.id, narrow);
    await inPanel(TEXTAREA, narrow);
    const overflow = await evalIn(panelOf(narrow), (root) => {
      const panel = root.querySelector('.te-conv')!;
      return [...root.querySelectorAll('.te-conv *')].filter((el) => el.getBoundingClientRect().right > panel.getBoundingClientRect().right + 1).length;
    });
    expect(overflow).toBe(0);
    await screenshotPanel('composer-narrow.png', narrow);
    await narrow.close();
  });

  it('a failed text shows "Failed" with the reason', async () => {
    await openConversation(cxm, FAILING.id);
    const body = unique('Hello Logan');
    await typeMessage(body);
    await clickIn(panelOf(), SEND);
    await waitForMessage(body, { status: 'failed' });
    const m = (await shownMessages()).find((x) => x.body === body)!;
    expect(m.statusText).toContain('Failed');
    expect(m.statusText).toContain('Unknown destination handset.');
    await screenshotPanel('conversation-failed.png');
  });

  it('hands off to Ari where the organization subscribes, and takes over again', async () => {
    await openConversation(cxm, ARI.id);
    const handOff = await inPanel('button[aria-label="Hand off to Ari"]');
    await handOff.click();
    // A menu of sequences: the primary one first.
    await (await inPanel('[role="menuitem"]')).click();
    // Either Ari takes it (a banner with "Take over"), or the server says why it can't.
    const outcome = await inPanel('[data-testid="te-ari-banner"], .te-conv-error');
    if (await outcome.evaluate((n) => n.matches('[data-testid="te-ari-banner"]'))) {
      expect(await outcome.evaluate((n) => n.textContent)).toContain('Ari is handling this conversation');
      await screenshotPanel('composer-ari.png');
      await clickIn(panelOf(), '[data-testid="te-ari-banner"] button');
      await goneIn(panelOf(), '[data-testid="te-ari-banner"]');
    } else {
      expect((await outcome.evaluate((n) => n.textContent))!.length).toBeGreaterThan(10);
    }
  });

  it('signed out: says so and offers sign-in; the unlicensed recruiter sees why they cannot send', async () => {
    await openConversation(cxm, MARIA.id);
    await inPanel(TEXTAREA);

    // Sign out on the options page: the open panel follows.
    const options = await stack.page();
    await options.goto(`chrome-extension://${stack.extensionId}/options.html`);
    await options.locator('::-p-text(Sign out)').click();
    await options.waitForSelector('input[name=email]');
    await options.close();
    const signedOut = await notice('signed-out');
    expect(await signedOut.evaluate((n) => n.textContent)).toContain('Sign in');
    await screenshotPanel('composer-signed-out.png');

    await stack.signIn('nolicense@acme.test');
    for (const variant of VARIANTS) {
      await openConversation(variant, MARIA.id);
      const el = await notice('not-licensed');
      expect(await el.evaluate((n) => n.textContent)).toContain('You need a Text Engagement licence to send texts.');
      expect(await $in(panelOf(), TEXTAREA)).toBeNull();
      // The conversation stays readable.
      expect((await shownMessages()).length).toBeGreaterThan(0);
      if (variant.name === 'cxm') await screenshotPanel('composer-unlicensed.png');
    }
  });
});
