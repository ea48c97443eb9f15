/**
 * Finding and using elements inside one shadow root (the Bulk Text popup, the Text Engagement
 * panel) or the page itself (the toolbar popup), as a person would: wait until it is there,
 * click it once it is enabled, type into it.
 *
 * The extension's shadow roots are closed: the page's own scripts (and so `page.evaluate`) see
 * `host.shadowRoot === null`. The tests reach inside the way DevTools does, through the DevTools
 * protocol, which sees every shadow root (`shadowRootOf`); clicks and keys still go through the
 * browser's input, as a person's do.
 */
import type { CDPSession, ElementHandle, JSHandle, Page } from 'puppeteer';

/** Where to look: the host element of a shadow root, or the page itself (host null). */
export type Scope = { page: Page; host: string | null };

/** A document or a shadow root: what a scope's queries run against. */
export type Root = Document | ShadowRoot;

const POLL_MS = 50;
const sessions = new WeakMap<Page, Promise<CDPSession>>();

/** A DevTools session of the test's own on the page (DOM reads by backend node id). */
function devtools(page: Page): Promise<CDPSession> {
  let session = sessions.get(page);
  if (!session) {
    session = page.createCDPSession();
    sessions.set(page, session);
  }
  return session;
}

/**
 * A handle on the node `backendNodeId` in the page's main world. Puppeteer's own `aria/` queries
 * and accessibility snapshots make their handles this way (Frame.mainRealm().adoptBackendNode),
 * but it has no public name; if a Puppeteer upgrade renames it, this says so.
 */
async function adopt<T extends Node>(page: Page, backendNodeId: number): Promise<JSHandle<T>> {
  const frame = page.mainFrame() as unknown as { mainRealm?: () => { adoptBackendNode?: (id: number) => Promise<JSHandle<T>> } };
  const realm = frame.mainRealm?.();
  if (typeof realm?.adoptBackendNode !== 'function') {
    throw new Error('This Puppeteer has no Frame.mainRealm().adoptBackendNode(): update shadowRootOf in extension/e2e/scope.ts.');
  }
  return realm.adoptBackendNode(backendNodeId);
}

/**
 * The shadow root of `host` (the first element matching it, or that element), open or closed,
 * as DevTools sees it; null if there is no such element or it has no shadow root. The page's own
 * scripts can't get this: for them a closed root's `host.shadowRoot` is null.
 */
export async function shadowRootOf(page: Page, host: string | ElementHandle<Element>): Promise<JSHandle<ShadowRoot> | null> {
  const element = typeof host === 'string' ? await page.$(host) : host;
  if (!element) return null;
  try {
    const client = await devtools(page);
    const { node } = await client.send('DOM.describeNode', { backendNodeId: await element.backendNodeId(), depth: 1, pierce: true });
    const root = node.shadowRoots?.find((r) => r.shadowRootType !== 'user-agent');
    return root ? await adopt<ShadowRoot>(page, root.backendNodeId) : null;
  } catch {
    return null; // The element went (re-rendered) meanwhile.
  } finally {
    if (typeof host === 'string') await element.dispose();
  }
}

/** Every shadow root the page's elements have (not the browser's own, e.g. inside an <input>). */
export async function shadowRoots(page: Page): Promise<JSHandle<ShadowRoot>[]> {
  const client = await devtools(page);
  const { root } = await client.send('DOM.getDocument', { depth: -1, pierce: true });
  const ids: number[] = [];
  const visit = (node: typeof root) => {
    for (const r of node.shadowRoots ?? []) {
      if (r.shadowRootType !== 'user-agent') ids.push(r.backendNodeId);
      visit(r);
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(root);
  return Promise.all(ids.map((id) => adopt<ShadowRoot>(page, id)));
}

/** The scope's root: its host's shadow root, or the document. */
async function rootOf(s: Scope): Promise<JSHandle<Root> | null> {
  return s.host ? shadowRootOf(s.page, s.host) : s.page.evaluateHandle(() => document);
}

/**
 * Runs `fn(root, ...args)` in the page against the scope's root, once; null when the root isn't
 * there (its host isn't in the page).
 */
export async function evalIn<A extends unknown[], R>(s: Scope, fn: (root: Root, ...args: A) => R, ...args: A): Promise<Awaited<R> | null> {
  const root = await rootOf(s);
  if (!root) return null;
  try {
    return (await root.evaluate(fn as (root: Root, ...args: unknown[]) => unknown, ...args)) as Awaited<R>;
  } finally {
    await root.dispose();
  }
}

/**
 * Polls `fn(root, ...args)` until it returns something truthy (the root looked up afresh each
 * time: a re-rendered host has a new one); returns that value's handle.
 */
export async function waitForIn<A extends unknown[]>(
  s: Scope,
  fn: (root: Root, ...args: A) => unknown,
  options: { timeout?: number; what?: string } = {},
  ...args: A
): Promise<JSHandle> {
  const deadline = Date.now() + (options.timeout ?? 10_000);
  for (;;) {
    const root = await rootOf(s);
    if (root) {
      const result: JSHandle | null = await root.evaluateHandle(fn as (root: Root, ...args: unknown[]) => unknown, ...args).catch(() => null);
      await root.dispose();
      if (result) {
        if (await result.evaluate((v) => !!v).catch(() => false)) return result;
        await result.dispose();
      }
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting in ${s.host ?? 'the page'} for ${options.what ?? fn.toString().slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function lookup(root: Root, sel: string, text: string | null) {
  return [...root.querySelectorAll<HTMLElement>(sel)].find((el) => text == null || (el.textContent ?? '').includes(text)) ?? null;
}

/** The element matching `sel` (with `text` in it, if given) now, or null. */
export async function $in(s: Scope, sel: string, text: string | null = null): Promise<ElementHandle<HTMLElement> | null> {
  const root = await rootOf(s);
  if (!root) return null;
  try {
    const handle = await root.evaluateHandle(lookup, sel, text);
    const element = handle.asElement() as ElementHandle<HTMLElement> | null;
    if (!element) await handle.dispose();
    return element;
  } finally {
    await root.dispose();
  }
}

/** Waits for the element matching `sel` (with `text` in it, if given). */
export async function waitIn(s: Scope, sel: string, text: string | null = null, timeout = 10_000): Promise<ElementHandle<HTMLElement>> {
  const what = `${sel}${text == null ? '' : ` with "${text}"`}`;
  const handle = await waitForIn(s, lookup, { timeout, what }, sel, text);
  return handle as ElementHandle<HTMLElement>;
}

export async function goneIn(s: Scope, sel: string, timeout = 10_000): Promise<void> {
  await waitForIn(s, (root, sel) => !root.querySelector(sel), { timeout, what: `${sel} to go` }, sel);
}

export async function clickIn(s: Scope, sel: string, text: string | null = null): Promise<void> {
  const el = await waitIn(s, sel, text);
  await s.page.waitForFunction((el) => !(el as HTMLButtonElement).disabled, { polling: POLL_MS }, el);
  await el.click();
}

/** The element's text with white space collapsed. */
export async function textOf(s: Scope, sel: string, text: string | null = null): Promise<string> {
  const el = await waitIn(s, sel, text);
  return el.evaluate((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim());
}

export async function countIn(s: Scope, sel: string): Promise<number> {
  return (await evalIn(s, (root, sel) => root.querySelectorAll(sel).length, sel)) ?? 0;
}

/** Replaces a field's text, typing like a person. */
export async function fill(s: Scope, sel: string, text: string): Promise<void> {
  const el = await waitIn(s, sel);
  await el.focus();
  await el.evaluate((e) => (e as HTMLInputElement).select());
  await s.page.keyboard.press('Backspace');
  if (text) await s.page.keyboard.type(text);
}

/**
 * The element with keyboard focus, looking through shadow roots (closed ones too): the page
 * sees only the outermost host as `document.activeElement`.
 */
export async function deepActiveElement(page: Page): Promise<ElementHandle<Element> | null> {
  let active = (await page.evaluateHandle(() => document.activeElement)).asElement() as ElementHandle<Element> | null;
  while (active) {
    const root = await shadowRootOf(page, active);
    if (!root) return active;
    const inner = (await root.evaluateHandle((r) => r.activeElement)).asElement() as ElementHandle<Element> | null;
    await root.dispose();
    if (!inner) return active;
    await active.dispose();
    active = inner;
  }
  return null;
}
