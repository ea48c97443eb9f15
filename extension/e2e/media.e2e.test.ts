/**
 * End to end (built extension in headless Chromium, real server with the simulator, demo ATS
 * pages): a candidate sends a picture from the simulator's phone (Send picture) and it appears in
 * the Text Engagement tab's thread, fetched by the extension's background from our server (never
 * by the host page), with "Image from <name>" as its text alternative and no empty bubble.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalIn, waitForIn } from './scope';
import { screenshotPath, startStack, type Stack } from './stack';

const MARIA = { id: '10001', phone: '+12125550101', name: 'Maria Garcia' };
const PICTURE = readFileSync(resolve(import.meta.dirname, '../public/icon/128.png'));

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

describe('a picture in the thread', () => {
  it('sent from the simulator’s phone, shown in the Text Engagement tab from our server', async () => {
    const hostRequests: string[] = [];
    page.on('request', (r) => hostRequests.push(r.url()));
    await page.goto(`${stack.fixturesUrl}/cxm/candidates/${MARIA.id}`);
    await page.locator('::-p-aria([name="Messages"][role="tab"])').click();
    await page.locator('::-p-aria([name="Text Engagement"][role="tab"])').click();
    const panel = { page, host: 'te-conversation' };
    await waitForIn(panel, (root) => !!root.querySelector('.te-conv:not([data-state="loading"])'), { timeout: 15_000, what: 'the thread' });

    const res = await fetch(`${stack.serverUrl}/simulator/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: MARIA.phone, body: '', picture: { contentType: 'image/png', base64: PICTURE.toString('base64') } }),
    });
    expect(res.status).toBe(201);

    // Shown once loaded (a picture that failed to decode has no natural width).
    await waitForIn(
      panel,
      (root) => {
        const img = root.querySelector<HTMLImageElement>('img.te-conv-image');
        return !!img && img.complete && img.naturalWidth > 0;
      },
      { timeout: 15_000, what: 'the picture in the thread' },
    );
    const shown = await evalIn(panel, (root) => {
      const img = root.querySelector<HTMLImageElement>('img.te-conv-image')!;
      const li = img.closest('li.te-conv-msg') as HTMLElement;
      return {
        alt: img.alt,
        src: img.src.slice(0, 5),
        width: img.naturalWidth,
        direction: li.dataset.direction,
        bubbles: li.querySelectorAll('.te-conv-bubble').length,
      };
    });
    expect(shown).toEqual({ alt: `Image from ${MARIA.name}`, src: 'blob:', width: 128, direction: 'inbound', bubbles: 0 });
    // The host page itself never asked our server (or anyone) for the picture.
    expect(hostRequests.filter((u) => u.includes('/api/media/'))).toEqual([]);

    const host = (await page.waitForSelector('te-conversation'))!;
    await host.scrollIntoView();
    await host.screenshot({ path: screenshotPath('conversation-cxm-picture') });
  }, 60_000);
});
