/**
 * Finding and using elements inside one shadow root (the Bulk Text popup, the Text Engagement
 * panel) or the page itself (the toolbar popup), as a person would: wait until it is there,
 * click it once it is enabled, type into it.
 */
import type { ElementHandle, Page } from 'puppeteer';

/** Where to look: the host element of a shadow root, or the page itself (host null). */
export type Scope = { page: Page; host: string | null };

function lookup(host: string | null, sel: string, text: string | null) {
  const root = host ? document.querySelector(host)?.shadowRoot : document;
  if (!root) return null;
  return [...root.querySelectorAll<HTMLElement>(sel)].find((el) => text == null || (el.textContent ?? '').includes(text)) ?? null;
}

/** Polls (waitForSelector doesn't notice changes inside shadow roots reliably). */
export async function waitIn(s: Scope, sel: string, text: string | null = null, timeout = 10_000): Promise<ElementHandle<HTMLElement>> {
  const handle = await s.page.waitForFunction(lookup, { polling: 50, timeout }, s.host, sel, text);
  return handle as ElementHandle<HTMLElement>;
}

export async function goneIn(s: Scope, sel: string, timeout = 10_000): Promise<void> {
  await s.page.waitForFunction(
    (host, sel) => !(host ? document.querySelector(host)?.shadowRoot : document)?.querySelector(sel),
    { polling: 50, timeout },
    s.host,
    sel,
  );
}

export async function clickIn(s: Scope, sel: string, text: string | null = null): Promise<void> {
  const el = await waitIn(s, sel, text);
  await s.page.waitForFunction((el) => !(el as HTMLButtonElement).disabled, { polling: 50 }, el);
  await el.click();
}

/** The element's text with white space collapsed. */
export async function textOf(s: Scope, sel: string, text: string | null = null): Promise<string> {
  const el = await waitIn(s, sel, text);
  return el.evaluate((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim());
}

export async function countIn(s: Scope, sel: string): Promise<number> {
  return s.page.evaluate((host, sel) => (host ? document.querySelector(host)?.shadowRoot : document)?.querySelectorAll(sel).length ?? 0, s.host, sel);
}

/** Replaces a field's text, typing like a person. */
export async function fill(s: Scope, sel: string, text: string): Promise<void> {
  const el = await waitIn(s, sel);
  await el.focus();
  await el.evaluate((e) => (e as HTMLInputElement).select());
  await s.page.keyboard.press('Backspace');
  if (text) await s.page.keyboard.type(text);
}
