/**
 * Templates on the options page, end to end: headless Chromium with the built extension and the
 * real server (simulator). An administrator adds a WhatsApp template (content SID and a variable
 * mapped to a merge field), sees it marked WhatsApp, and deletes it after confirming; the server
 * has what the page showed at each step.
 */
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Template } from '../../shared/api';
import { screenshotSettled, startStack, type Stack } from './stack';

const SID = 'HX' + '0123456789abcdef'.repeat(2);
let stack: Stack;
let token: string;

beforeAll(async () => {
  stack = await startStack();
  await stack.signIn();
  token = (await stack.apiSession()).token;
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

async function serverTemplates(): Promise<Template[]> {
  const res = await fetch(`${stack.serverUrl}/api/templates`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { templates: Template[] }).templates;
}

const names = (page: Page) => page.$$eval('.te-template-name', (els) => els.map((e) => e.textContent));

async function clickButton(page: Page, text: string) {
  const handle = await page.waitForSelector(`::-p-xpath(//button[normalize-space()="${text}"])`);
  await handle!.click();
}

describe('Templates on the options page', () => {
  it('an administrator adds a WhatsApp template with a variable, then deletes it after confirming', async () => {
    const page = await stack.page();
    await page.setViewport({ width: 1100, height: 1400 });
    await page.goto(`chrome-extension://${stack.extensionId}/options.html`);
    await page.waitForSelector('[data-testid=te-template]');
    expect(await names(page)).toContain('Interview invitation');

    await clickButton(page, 'New template');
    await page.type('input[name=name]', 'Reopen on WhatsApp');
    await page.type('textarea[name=body]', 'Hi {{firstName}}, are you still interested in the {{jobTitle}} role?');
    await page.type('input[name=contentSid]', SID);
    await clickButton(page, 'Add variable');
    await clickButton(page, 'Add variable');
    await page.select('select[name=var-field-1]', 'jobTitle');
    await screenshotSettled(page, 'options-template-form.png');
    await clickButton(page, 'Save template');
    await page.waitForFunction(() => !document.querySelector('[data-testid=te-template-form]'), { polling: 50, timeout: 5000 });

    const saved = (await serverTemplates()).find((t) => t.name === 'Reopen on WhatsApp')!;
    expect(saved).toMatchObject({ contentSid: SID, contentVariables: { '1': 'firstName', '2': 'jobTitle' }, whatsappApproved: true });
    const row = await page.waitForSelector('::-p-xpath(//li[.//strong[normalize-space()="Reopen on WhatsApp"]])');
    expect(await row!.$eval('.te-template-tag', (e) => e.textContent)).toBe('WhatsApp');
    await screenshotSettled(page, 'options-templates.png');

    await (await page.waitForSelector('button[aria-label="Delete Reopen on WhatsApp"]'))!.click();
    expect((await serverTemplates()).some((t) => t.name === 'Reopen on WhatsApp')).toBe(true);
    await (await page.waitForSelector('button[aria-label="Confirm deleting Reopen on WhatsApp"]'))!.click();
    await page.waitForFunction(() => ![...document.querySelectorAll('.te-template-name')].some((e) => e.textContent === 'Reopen on WhatsApp'), {
      polling: 50,
      timeout: 5000,
    });
    expect((await serverTemplates()).some((t) => t.name === 'Reopen on WhatsApp')).toBe(false);
  });
});
