/**
 * `npm run twilio:check` (server/providers/twilio-check.ts) against the fake Twilio over real HTTP,
 * with the server itself running behind PUBLIC_URL (https://te.test, a "proxy" to the test app's
 * real address): a well set-up account passes every step and its test text's signed status
 * callback reaches the server; each thing a real account gets wrong fails its step with the fix.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createTwilioProvider } from '../providers/twilio.js';
import { formatStep, runTwilioCheck, type CheckStep, type TwilioCheckInput } from '../providers/twilio-check.js';
import { createHarness, type Harness } from './harness.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, startFakeTwilio, type FakeTwilio } from './support/fake-twilio.js';
import { addFakeTwilioNumbers } from './support/fake-twilio-numbers.js';

const PUBLIC_URL = 'https://te.test';
const NUMBER = '+15005550006';
const SERVICE = 'MG' + 'a'.repeat(32);
const CONTENT = 'HX' + 'b'.repeat(32);

let twilio: FakeTwilio;
let account: ReturnType<typeof addFakeTwilioNumbers>;
let h: Harness;
let appBase: string;
const toApp = (url: string) => (url.startsWith(PUBLIC_URL) ? appBase + url.slice(PUBLIC_URL.length) : url);

beforeEach(async () => {
  // Twilio reports each text delivered to its StatusCallback, which names PUBLIC_URL: the "proxy" takes it to the app.
  twilio = await startFakeTwilio({ now: () => Date.now(), transport: (url, init) => fetch(toApp(url), init) });
  twilio.setAutoReport(['delivered']);
  account = addFakeTwilioNumbers(twilio);
  const env = {
    PROVIDER: 'twilio',
    PUBLIC_URL,
    TWILIO_ACCOUNT_SID: FAKE_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
    TWILIO_SMS_FROM: NUMBER,
    TWILIO_API_BASE_URL: twilio.baseUrl,
  };
  h = await createHarness({ env, provider: createTwilioProvider(loadConfig(env).twilio) });
  appBase = await h.serveHttp();
  // A well set-up account: the number is ours with our webhook, the service sends inbound to us,
  // the template is approved.
  account.numbers.push({ phone_number: NUMBER, sms_url: `${PUBLIC_URL}/webhooks/twilio/inbound`, capabilities: { sms: true, mms: true } });
  account.services[SERVICE] = {
    friendly_name: 'Recruiting',
    inbound_request_url: `${PUBLIC_URL}/webhooks/twilio/inbound`,
    use_inbound_webhook_on_number: false,
  };
  twilio.rules.addContent(CONTENT, { body: 'Hi {{1}}, still interested in {{2}}?', whatsappStatus: 'approved' });
});

afterEach(async () => {
  await h.close();
  await twilio.close();
});

function input(patch: Partial<TwilioCheckInput> = {}): TwilioCheckInput {
  return {
    accountSid: FAKE_ACCOUNT_SID,
    authToken: FAKE_AUTH_TOKEN,
    apiBaseUrl: twilio.baseUrl,
    messagingApiBaseUrl: twilio.baseUrl,
    contentApiBaseUrl: twilio.baseUrl,
    publicUrl: PUBLIC_URL,
    optOutMode: 'twilio',
    senders: [{ owner: 'environment', smsFrom: NUMBER }],
    templates: [{ owner: 'Acme', name: 'Follow-up', contentSid: CONTENT, contentVariables: { '1': 'firstName', '2': 'jobTitle' } }],
    fetch: ((url: string | URL, init?: RequestInit) => fetch(toApp(String(url)), init)) as typeof fetch,
    callbackSeen: async (sid) => !!(await h.sql.get(`select 1 from webhook_events where kind = 'status' and dedupe_key like ?`, `${sid}:%`)),
    pollMs: 50,
    followMs: 10_000,
    ...patch,
  };
}

const summary = (steps: CheckStep[]) => steps.map((s) => [s.result, s.title]);

describe('npm run twilio:check', () => {
  it('a well set-up account: every step ✓, and the test text’s signed callback reaches the server', async () => {
    const printed: string[] = [];
    const steps = await runTwilioCheck(input({ senders: [{ owner: 'environment', smsFrom: NUMBER, messagingServiceSid: SERVICE }], to: '+12125550101' }), (s) =>
      printed.push(formatStep(s)),
    );
    expect(summary(steps)).toEqual([
      ['ok', 'Account'],
      ['ok', `Number ${NUMBER} (environment)`],
      ['ok', `Messaging Service ${SERVICE}`],
      ['ok', 'PUBLIC_URL'],
      ['ok', `Template "Follow-up" (Acme) ${CONTENT}`],
      ['ok', 'Opt-out handling: TWILIO_OPT_OUT=twilio'],
      ['ok', 'Test text to +12125550101'],
    ]);
    // One text, sent through the service with our status callback, and the callback was accepted (signature checked).
    expect(twilio.posts()).toHaveLength(1);
    expect(twilio.posts()[0]!.form).toMatchObject({ To: '+12125550101', MessagingServiceSid: SERVICE, StatusCallback: `${PUBLIC_URL}/webhooks/twilio/status` });
    expect(twilio.callbacks.map((c) => [c.url, c.form.MessageStatus, c.status])).toEqual([[`${PUBLIC_URL}/webhooks/twilio/status`, 'delivered', 204]]);
    expect(steps.at(-1)!.detail).toMatch(/: delivered; in Twilio's message list after \d+\.\d s .*signed status callback received\./);
    expect(printed.every((line) => line.startsWith('✓ '))).toBe(true);
  });

  it('wrong credentials: ✗ with where to find the right ones, and nothing else is tried', async () => {
    const steps = await runTwilioCheck(input({ authToken: 'rotated-away' }));
    expect(summary(steps)).toEqual([['fail', 'Account credentials']]);
    expect(steps[0]!.fix).toMatch(/Auth Token/);
  });

  it('a trial account, a number it does not own, a webhook elsewhere, a missing service and template, an unapproved one', async () => {
    twilio.account.type = 'Trial';
    account.numbers.push({ phone_number: '+15005550009', sms_url: 'https://old.example/sms', capabilities: { sms: true, mms: false } });
    twilio.rules.addContent('HX' + 'c'.repeat(32), { body: 'Hello {{1}}', whatsappStatus: 'pending' });
    const steps = await runTwilioCheck(
      input({
        senders: [
          { owner: 'environment', smsFrom: '+12025550100' },
          { owner: 'Globex', smsFrom: '+15005550009' },
          { owner: 'Acme', messagingServiceSid: 'MG' + 'd'.repeat(32) },
        ],
        templates: [
          { owner: 'Acme', name: 'Gone', contentSid: 'HX' + 'e'.repeat(32), contentVariables: { '1': 'firstName' } },
          { owner: 'Acme', name: 'Pending', contentSid: 'HX' + 'c'.repeat(32), contentVariables: { '1': 'firstName' } },
          { owner: 'Acme', name: 'Mismatch', contentSid: CONTENT, contentVariables: { '1': 'firstName' } },
        ],
        optOutMode: 'app',
      }),
    );
    const byTitle = Object.fromEntries(steps.map((s) => [s.title, s]));
    expect(byTitle['Account']).toMatchObject({ result: 'warn', fix: expect.stringMatching(/verified numbers/) });
    expect(byTitle['Number +12025550100 (environment)']).toMatchObject({ result: 'fail', detail: expect.stringMatching(/does not own/) });
    // Globex's number is owned but sends inbound texts elsewhere; a service exists in the set-up, so the service decides.
    expect(byTitle['Number +15005550009 (Globex)']).toMatchObject({ result: 'warn', detail: expect.stringMatching(/old\.example/) });
    expect(byTitle[`Messaging Service MG${'d'.repeat(32)}`]).toMatchObject({ result: 'fail', detail: 'No such Messaging Service in this account.' });
    expect(byTitle[`Template "Gone" (Acme) HX${'e'.repeat(32)}`]).toMatchObject({ result: 'fail' });
    expect(byTitle[`Template "Pending" (Acme) HX${'c'.repeat(32)}`]).toMatchObject({ result: 'warn', detail: 'WhatsApp approval: pending.' });
    expect(byTitle[`Template "Mismatch" (Acme) ${CONTENT}`]).toMatchObject({
      result: 'fail',
      detail: expect.stringMatching(/placeholders are \{1, 2\}.*maps \{1\}/),
    });
    expect(byTitle['Opt-out handling: TWILIO_OPT_OUT=app']).toMatchObject({ result: 'warn', detail: expect.stringMatching(/two answers/) });
    // Nothing was sent without --to.
    expect(twilio.posts()).toHaveLength(0);
  });

  it('a number whose webhook is not ours and no service: ✗ with the exact URL to set', async () => {
    account.numbers[0]!.sms_url = '';
    const steps = await runTwilioCheck(input());
    expect(steps[1]).toMatchObject({
      result: 'fail',
      title: `Number ${NUMBER} (environment)`,
      fix: expect.stringContaining(`${PUBLIC_URL}/webhooks/twilio/inbound`),
    });
  });

  it('PUBLIC_URL over plain http, or not answering: ✗', async () => {
    const http = await runTwilioCheck(input({ publicUrl: 'http://te.example' }));
    expect(http.find((s) => s.title === 'PUBLIC_URL')).toMatchObject({ result: 'fail', detail: 'http://te.example is not https.' });
    const down = await runTwilioCheck(input({ publicUrl: 'https://127.0.0.1:1' }));
    expect(down.find((s) => s.title === 'PUBLIC_URL')).toMatchObject({ result: 'fail', detail: expect.stringMatching(/not reachable/) });
  });

  it('a status callback that never arrives (wrong PUBLIC_URL behind Twilio): the test text ✗ says so', async () => {
    const steps = await runTwilioCheck(input({ to: '+12125550101', callbackSeen: () => false, followMs: 1500 }));
    expect(steps.at(-1)).toMatchObject({
      result: 'fail',
      detail: expect.stringMatching(/signed status callback NOT received/),
      fix: expect.stringMatching(/PUBLIC_URL must be exactly/),
    });
  });
});
