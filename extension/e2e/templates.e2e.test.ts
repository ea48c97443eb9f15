/**
 * The options page's administrator sections, end to end: headless Chromium with the built
 * extension and the real server (simulator). Templates: an administrator adds a WhatsApp template
 * (content SID and a variable mapped to a merge field), sees it marked WhatsApp, and deletes it
 * after confirming; the server has what the page showed at each step. Sending: the organization's
 * senders, another organization's number refused beside the field with what was typed kept, a
 * save the server then has; someone who isn't an administrator sees no Sending section.
 */
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recruiter, Template } from '../../shared/api';
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

describe('Sending on the options page', () => {
  const GLOBEX_SMS = '+13125550100'; // the demo seed's Globex number (simulator)

  async function serverSenders(): Promise<Recruiter['organization']['senders']> {
    const res = await fetch(`${stack.serverUrl}/api/organization`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as Recruiter['organization']).senders;
  }
  const inputValue = (page: Page, name: string) => page.$eval(`input[name=${name}]`, (e) => (e as HTMLInputElement).value);
  /** What a person does to replace a field's text: select it all, delete it, type. */
  async function retype(page: Page, name: string, text: string) {
    await page.click(`input[name=${name}]`, { count: 3 });
    await page.keyboard.press('Backspace');
    if (text) await page.type(`input[name=${name}]`, text);
  }

  it('an administrator sees the senders, gets another organization’s number refused beside the field, then saves', async () => {
    const page = await stack.page();
    await page.setViewport({ width: 1100, height: 1400 });
    await page.goto(`chrome-extension://${stack.extensionId}/options.html`);
    await page.waitForSelector('[data-testid=te-senders-form]');
    const before = await serverSenders();
    expect(await inputValue(page, 'smsFrom')).toBe(before.smsFrom ?? '');
    expect(await inputValue(page, 'whatsappFrom')).toBe(before.whatsappFrom ?? '');

    await retype(page, 'smsFrom', GLOBEX_SMS);
    await retype(page, 'messagingServiceSid', 'MG123');
    await clickButton(page, 'Save senders');
    const alert = await page.waitForSelector('.te-sender-error');
    expect(await alert!.evaluate((e) => e.textContent)).toBe('Messaging Service SID: A Messaging Service SID is MG followed by 32 hex digits.');

    await retype(page, 'messagingServiceSid', '');
    await clickButton(page, 'Save senders');
    await page.waitForFunction(() => document.querySelector('.te-sender-error')?.textContent?.startsWith('Another organization'), {
      polling: 50,
      timeout: 5000,
    });
    expect(await page.$eval('.te-sender-error', (e) => e.textContent)).toBe(`Another organization already sends from ${GLOBEX_SMS}.`);
    expect(await page.$eval('.te-sender-error', (e) => e.closest('label')!.querySelector('input')!.name)).toBe('smsFrom');
    expect(await inputValue(page, 'smsFrom')).toBe(GLOBEX_SMS);
    expect(await serverSenders()).toEqual(before);
    await page.$eval('.te-sending', (e) => e.scrollIntoView({ block: 'center' }));
    await screenshotSettled(page, 'options-sending-taken.png');

    await retype(page, 'smsFrom', '+1 202 555 0109');
    await clickButton(page, 'Save senders');
    await page.waitForSelector('::-p-xpath(//p[starts-with(normalize-space(), "Saved.")])');
    expect(await serverSenders()).toEqual({ ...before, smsFrom: '+12025550109' });
    expect(await inputValue(page, 'smsFrom')).toBe('+12025550109');
    await page.$eval('.te-sending', (e) => e.scrollIntoView({ block: 'center' }));
    await screenshotSettled(page, 'options-sending.png');
  });

  it('someone who isn’t an administrator sees no Sending section', async () => {
    const page = await stack.page();
    await page.goto(`chrome-extension://${stack.extensionId}/options.html`);
    await clickButton(page, 'Sign out');
    await page.waitForSelector('input[name=email]');
    await stack.signIn('nolicense@acme.test');
    await page.reload();
    await page.waitForSelector('[data-testid=signed-in-as]');
    expect(await page.$eval('[data-testid=signed-in-as]', (e) => e.textContent)).toContain('nolicense@acme.test');
    expect(await page.$('#sending-title')).toBeNull();
    expect(await page.$('#templates-title')).toBeNull();
  });
});
