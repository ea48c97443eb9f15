/**
 * The host page can't drive the extension, end to end: headless Chromium with the built
 * extension (npx wxt build first), the real server (simulator) and the demo ATS pages.
 *
 * - On the demo pages (this machine) the extension adds nothing until the recruiter signs in to a
 *   server on this machine; then it starts there, without a reload.
 * - The page's own scripts see no shadow root on the extension's elements (the panel, the Bulk
 *   Text popup, a phone badge): `host.shadowRoot === null`, while DevTools sees a closed one.
 * - A script that gets hold of the composer anyway (here through DevTools) sends nothing with a
 *   synthetic click, submit or Ctrl+Enter; the person's click sends.
 * - The content script's own world can't read the session (storage.session) and is refused
 *   signing in (to another server) or out; the token is in storage.session, not storage.local.
 * - After the browser restarts, the session is gone: the options page and the panel say
 *   "Sign in", and signing in works again.
 */
import type { CDPSession, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickIn, evalIn, shadowRootOf, waitIn, type Scope } from './scope';
import { startStack, type Stack } from './stack';

const PANEL = 'te-conversation';
const DIALOG = 'te-bulk-text';
const BADGE = 'te-phone-badge';
const SEARCH = '/cxm/candidates';
const ROW_CHECK = (id: string) => `#cxm-main tr[data-person-id="${id}"] input.cxm-row-check`;
const EXTENSION_NAME = 'Text Engagement for CXM/CRM';

let stack: Stack;
/** Signed in through the options page (the first test does it itself, as part of what it checks). */
let signedIn = false;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

/** Each suite after the first starts signed in, whatever became of the first. */
async function ensureSignedIn() {
  if (signedIn) return;
  await stack.signIn();
  signedIn = true;
}

afterAll(async () => {
  await stack?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The content script's world on `page` (Chromium runs each extension's content scripts in an
 * isolated world of its own, which DevTools lists): evaluates `expression` there, as the content
 * script would.
 */
async function contentScriptWorld(page: Page): Promise<{ evaluate<T>(expression: string): Promise<T>; session: CDPSession }> {
  const session = await page.createCDPSession();
  const contexts: { id: number; name: string; origin: string; auxData?: { type?: string; isDefault?: boolean } }[] = [];
  session.on('Runtime.executionContextCreated', (e) => contexts.push(e.context));
  await session.send('Runtime.enable');
  const deadline = Date.now() + 10_000;
  let context = null;
  while (!(context = contexts.find((c) => c.auxData?.type === 'isolated' && (c.name === EXTENSION_NAME || c.origin.includes(stack.extensionId))))) {
    if (Date.now() > deadline) throw new Error(`No content-script world on ${page.url()}: ${JSON.stringify(contexts)}`);
    await sleep(50);
  }
  const contextId = context.id;
  return {
    session,
    async evaluate<T>(expression: string): Promise<T> {
      const r = await session.send('Runtime.evaluate', { contextId, expression, awaitPromise: true, returnByValue: true });
      if (r.exceptionDetails) throw new Error(`In the content script's world: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      return r.result.value as T;
    },
  };
}

async function openSearch(): Promise<Page> {
  const page = await stack.page();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${stack.fixturesUrl}${SEARCH}`);
  await page.waitForSelector(ROW_CHECK('10001'));
  return page;
}

async function openConversation(page: Page, id: string) {
  await page.goto(`${stack.fixturesUrl}/cxm/candidates/${id}`);
  await page.locator('::-p-aria([name="Messages"][role="tab"])').click();
  await page.locator('::-p-aria([name="Text Engagement"][role="tab"])').click();
  await waitIn({ page, host: PANEL }, '.te-conv:not([data-state="loading"])');
}

/** What the page's own scripts see of `host`'s shadow root; and whether DevTools sees one. */
async function shadowSeen(page: Page, host: string): Promise<{ byPage: string; byDevTools: boolean }> {
  const byPage = await page.evaluate((host) => {
    const el = document.querySelector(host);
    if (!el) return 'no element';
    return el.shadowRoot === null ? 'null' : `a ${el.shadowRoot.mode} root`;
  }, host);
  const root = await shadowRootOf(page, host);
  await root?.dispose();
  return { byPage, byDevTools: !!root };
}

describe('On the demo pages', () => {
  it('nothing is added until the recruiter signs in to a server on this machine; then it starts, without a reload', async () => {
    const page = await openSearch();
    const marker = await page.evaluate(() => ((window as unknown as { __sameDocument: number }).__sameDocument = Math.random()));
    // The content script is there (its world exists) but treats the page as no ATS of its own.
    const world = await contentScriptWorld(page);
    // Its first step is reading the server URL of the last sign-in; once a read of the same key
    // from its world has been answered (storage calls are answered in order), so has its own, and
    // it has decided (synchronously after that answer): no ATS here.
    await world.evaluate("chrome.storage.local.get('serverUrl').then(() => new Promise((done) => setTimeout(done, 0)))");
    await world.session.detach();
    expect(await page.evaluate(() => document.querySelectorAll('te-phone-badge, te-signin-notice, [data-te-bulk-text]').length)).toBe(0);

    // Signed in to the demo server (http://localhost:…): this page is the demo's ATS now.
    await stack.signIn();
    signedIn = true;
    await page.bringToFront();
    await page.waitForSelector(BADGE, { timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument: number }).__sameDocument)).toBe(marker);
    await page.close();
  });
});

describe('The page’s own scripts', () => {
  beforeAll(ensureSignedIn, 30_000);

  it('see no shadow root on the panel, the Bulk Text popup or a phone badge (DevTools sees a closed one)', async () => {
    const search = await openSearch();
    await search.waitForSelector(BADGE);
    expect(await shadowSeen(search, BADGE)).toEqual({ byPage: 'null', byDevTools: true });
    // Nor can they add one of their own to our elements.
    expect(
      await search
        .evaluate((host) => (document.querySelector(host) as HTMLElement).attachShadow({ mode: 'open' }) && 'attached', BADGE)
        .catch((e) => String(e)),
    ).toMatch(/NotSupportedError|already/);

    await search.click(ROW_CHECK('10001'));
    await search.click(ROW_CHECK('10002'));
    await search.waitForSelector('button[data-te-bulk-text]', { visible: true });
    await search.click('button[data-te-bulk-text]');
    await waitIn({ page: search, host: DIALOG }, '[role=dialog]');
    expect(await shadowSeen(search, DIALOG)).toEqual({ byPage: 'null', byDevTools: true });
    // What the popup shows can't be read from the page either (only its host element is there).
    expect(await search.evaluate((host) => document.querySelector(host)!.textContent, DIALOG)).toBe('');
    await search.close();

    const profile = await stack.page();
    await openConversation(profile, '10001');
    expect(await shadowSeen(profile, PANEL)).toEqual({ byPage: 'null', byDevTools: true });
    expect(await profile.evaluate(() => document.body.innerText.includes('Maria Garcia'))).toBe(true); // the host's own page, yes
    expect(await profile.evaluate((host) => document.querySelector(host)!.textContent, PANEL)).toBe('');
    await profile.close();
  });

  it('that got hold of the composer anyway send nothing with a synthetic click, submit or Ctrl+Enter; the person’s click sends', async () => {
    const { token } = await stack.apiSession();
    const page = await stack.page();
    await page.setViewport({ width: 1280, height: 900 });
    await openConversation(page, '10001');
    const panel: Scope = { page, host: PANEL };
    const body = `Scripted? ${Math.random().toString(36).slice(2, 8)}`;
    const field = await waitIn(panel, 'textarea.te-conv-textarea');
    await field.click();
    await field.type(body);

    // As a page script would, had it the element: all in the page's own world.
    const send = await waitIn(panel, 'button.te-conv-send');
    await send.evaluate((button) => {
      const form = button.closest('form')!;
      const area = form.querySelector('textarea')!;
      button.click();
      button.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, composed: true }));
      form.requestSubmit();
      form.requestSubmit(button as HTMLButtonElement);
      form.dispatchEvent(new SubmitEvent('submit', { bubbles: true, cancelable: true }));
      area.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true, cancelable: true, composed: true }));
    });
    // A send that ran would have shown its text in the thread at once (before the server answers),
    // and emptied the field: after the page's next frame, neither happened.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0))));
    const shown = await evalIn(
      panel,
      (root, text) => [...root.querySelectorAll('li.te-conv-msg .te-conv-bubble')].filter((b) => b.textContent === text).length,
      body,
    );
    expect(shown).toBe(0);
    const sent = async () => {
      const res = await fetch(`${stack.serverUrl}/api/candidates/10001/messages`, { headers: { authorization: `Bearer ${token}` } });
      return ((await res.json()) as { messages: { body: string }[] }).messages.filter((m) => m.body === body).length;
    };
    expect(await sent()).toBe(0);
    expect(await field.evaluate((t) => (t as HTMLTextAreaElement).value)).toBe(body);

    // The person's click: sent, once.
    await clickIn(panel, 'button.te-conv-send');
    await expect.poll(sent, { timeout: 10_000 }).toBe(1);
    await page.close();
  });
});

describe('The content script’s world', () => {
  beforeAll(ensureSignedIn, 30_000);

  it('cannot read the session, and is refused signing in or out; the token is in storage.session, not storage.local', async () => {
    const page = await openSearch();
    await page.waitForSelector(BADGE);
    const world = await contentScriptWorld(page);
    try {
      expect(await world.evaluate<string>(`chrome.storage.session.get(null).then(() => 'read', (e) => 'refused: ' + e.message)`)).toMatch(/^refused: /);
      const local = await world.evaluate<Record<string, unknown>>('chrome.storage.local.get(null)');
      expect(Object.keys(local)).not.toContain('session');
      expect(JSON.stringify(local)).not.toMatch(/token/i);

      const ask = (name: string, input: unknown) =>
        world.evaluate<{ ok: boolean; error?: { code: string } }>(`chrome.runtime.sendMessage(${JSON.stringify({ kind: 'te.request', name, input })})`);
      const forbidden = { ok: false, error: { code: 'FORBIDDEN', message: 'Sign in and out on the Text Engagement options page.', status: 403 } };
      expect(await ask('session.signIn', { serverUrl: 'https://attacker.example', email: 'recruiter@acme.test', password: 'demo1234' })).toEqual(forbidden);
      expect(await ask('session.signOut', {})).toEqual(forbidden);
      // Still signed in, to the same server; the content script's ordinary requests are answered.
      expect(await ask('session.get', {})).toMatchObject({ ok: true, data: { signedIn: true, serverUrl: stack.serverUrl } });
    } finally {
      await world.session.detach();
    }

    // The extension's own pages (here the options page) see the session in storage.session.
    const options = await stack.page();
    await options.goto(`chrome-extension://${stack.extensionId}/options.html`);
    await options.waitForSelector('[data-testid=signed-in-as]');
    const stored = await options.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: { storage: Record<'local' | 'session', { get(k: string): Promise<Record<string, unknown>> }> } }).chrome;
      return { session: (await api.storage.session.get('session')).session, local: (await api.storage.local.get('session')).session };
    });
    expect(stored.local).toBeUndefined();
    expect(stored.session).toMatchObject({ token: expect.any(String), recruiter: { email: 'recruiter@acme.test' } });
    await options.close();
    await page.close();
  });
});

describe('After the browser restarts', () => {
  beforeAll(ensureSignedIn, 30_000);

  it('the session is gone: the options page and the panel say "Sign in"; signing in again works', async () => {
    await stack.restartBrowser();
    const options = await stack.page();
    await options.goto(`chrome-extension://${stack.extensionId}/options.html`);
    const shown = await options.waitForSelector('input[name=serverUrl], [data-testid=signed-in-as]');
    expect(await shown!.evaluate((e) => e.getAttribute('data-testid') ?? e.getAttribute('name'))).toBe('serverUrl');
    // The server it was signed in to is remembered (storage.local), not the session.
    expect(await shown!.evaluate((i) => (i as HTMLInputElement).value)).toBe(stack.serverUrl);
    await options.close();

    const page = await stack.page();
    await page.setViewport({ width: 1280, height: 900 });
    await openConversation(page, '10001');
    const notice = await waitIn({ page, host: PANEL }, '[data-notice="signed-out"]');
    expect(await notice.evaluate((n) => n.textContent)).toContain('Sign in');

    await stack.signIn();
    await waitIn({ page, host: PANEL }, 'textarea.te-conv-textarea');
    await page.close();
  }, 60_000);
});
