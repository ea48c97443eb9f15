/**
 * PROVIDER=twilio against the fake Twilio over real HTTP, with a real account's rules on
 * (support/fake-twilio-rules.ts): WhatsApp content templates outside the 24-hour window, Twilio's
 * own opt-out handling (and TWILIO_OPT_OUT=app), and the sender rule.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Candidate, Message, Template } from '../../shared/api.js';
import { loadConfig } from '../config.js';
import { createTwilioProvider } from '../providers/twilio.js';
import { seedDemo } from '../seed/demo.js';
import { simulatorSenderWarnings } from '../seed/simulator-senders.js';
import { createHarness, type Harness } from './harness.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, startFakeTwilio, type FakeTwilio } from './support/fake-twilio.js';
import { openTestDatabase } from './support/test-db.js';

const PUBLIC_URL = 'https://te.test';
const ACME_SMS = '+12025550100';
const ACME_WHATSAPP = '+12025550101';
const GLOBEX_SMS = '+13125550100';
const ENV_SMS = '+15005550006';
const MARIA = '+12125550101'; // 10001, SMS
const JAMES = '+13055550154'; // 10002, WhatsApp
const CONTENT_SID = 'HX' + '0123456789abcdef'.repeat(2);
const ENV_SERVICE = 'MG' + 'e'.repeat(32);
const ORG_SERVICE = 'MG' + 'a'.repeat(32);

/** Waits (real time) for the fake's HTTP round trips, advancing the app's fake clock a little each turn. */
async function until<T>(
  h: Harness,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await h.advance(10);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('PROVIDER=twilio: a real account’s rules, over HTTP', () => {
  let fake: FakeTwilio;
  let h: Harness;
  let appUrl: string;

  async function start(extraEnv: Record<string, string> = {}) {
    let clock: { now(): number } = { now: () => Date.now() };
    fake = await startFakeTwilio({ now: () => clock.now() });
    const env = {
      PROVIDER: 'twilio',
      PUBLIC_URL,
      TWILIO_ACCOUNT_SID: FAKE_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
      TWILIO_SMS_FROM: ENV_SMS,
      TWILIO_WHATSAPP_FROM: '+15005550007',
      TWILIO_API_BASE_URL: fake.baseUrl,
      TWILIO_CONTENT_API_BASE_URL: fake.baseUrl,
      ...extraEnv,
    };
    const config = loadConfig(env);
    let appClock: { now(): number } = { now: () => Date.now() };
    h = await createHarness({ env, provider: createTwilioProvider(config.twilio, { now: () => appClock.now() }), inboundGreeting: false });
    clock = h.clock;
    appClock = h.clock;
    appUrl = await h.serveHttp();
  }

  afterEach(async () => {
    await h?.close();
    await fake?.close();
  });

  const inbound = (from: string, body: string, more: { channel?: 'sms' | 'whatsapp'; to?: string; messagingServiceSid?: string } = {}) =>
    fake.rules.inbound({
      appUrl,
      publicUrl: PUBLIC_URL,
      from,
      to: more.to ?? (more.channel === 'whatsapp' ? ACME_WHATSAPP : ACME_SMS),
      body,
      channel: more.channel,
      messagingServiceSid: more.messagingServiceSid,
    });
  const candidate = async (id: string) => (await h.api('GET', `/api/candidates/${id}`)).body as Candidate;
  const messageRow = async (id: number) =>
    (await h.sql.get<{
      status: string;
      body: string;
      contentSid: string | null;
      sentFrom: string | null;
      errorCode: string | null;
      attempts: number;
    }>('select status, body, content_sid as "contentSid", sent_from as "sentFrom", error_code as "errorCode", attempts from messages where id = ?', id))!;
  /** Lets the dispatcher run for a while of fake time, with real time for HTTP round trips. */
  async function settle(ms = 60_000) {
    for (let t = 0; t < ms; t += 5_000) {
      await h.advance(5_000);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  async function whatsappTemplate(contentVariables: Record<string, string> = { '1': 'firstName' }) {
    fake.rules.addContent(CONTENT_SID, { body: 'Hi {{1}}, are you still interested in the role?' });
    const res = await h.api('POST', '/api/templates', {
      name: 'Reopen',
      body: 'Hi {{firstName}}, are you still interested in the role?',
      contentSid: CONTENT_SID,
      contentVariables,
    });
    expect(res.status).toBe(201);
    return res.body as Template;
  }

  describe('WhatsApp content templates', () => {
    it('outside the window, {templateId} goes as ContentSid + ContentVariables with no Body', async () => {
      await start();
      const template = await whatsappTemplate();
      const sent = await h.api('POST', '/api/candidates/10002/messages', { templateId: template.id });
      expect(sent.status).toBe(202);
      const message = sent.body as Message;
      expect(message.body).toBe('Hi James, are you still interested in the role?');
      await until(h, () => fake.posts().length === 1, 'the content send');
      const { form } = fake.posts()[0]!;
      expect(form).toMatchObject({ To: `whatsapp:${JAMES}`, From: `whatsapp:${ACME_WHATSAPP}`, ContentSid: CONTENT_SID });
      expect(JSON.parse(form.ContentVariables!)).toEqual({ '1': 'James' });
      expect(form.Body).toBeUndefined();
      expect(form.MediaUrl).toBeUndefined();
      await until(h, async () => (await messageRow(message.id)).status === 'sending', 'the receipt');
      expect(await messageRow(message.id)).toMatchObject({ contentSid: CONTENT_SID, body: message.body });
    });

    it('the Content API must know the SID: an unknown one is 400 CONTENT_NOT_FOUND', async () => {
      await start();
      const res = await h.api('POST', '/api/templates', { name: 'Typo', body: 'Hi', contentSid: 'HX' + 'f'.repeat(32) });
      expect(res).toMatchObject({ status: 400, body: { error: { code: 'CONTENT_NOT_FOUND' } } });
      expect(fake.requests.filter((r) => r.path.startsWith('/v1/Content/'))).toHaveLength(1);
    });

    it('inside the window, an edited template goes as Body only', async () => {
      await start();
      const template = await whatsappTemplate();
      expect(await inbound(JAMES, 'Hello?', { channel: 'whatsapp' })).toBe(200);
      const sent = await h.api('POST', '/api/candidates/10002/messages', { templateId: template.id, body: 'Hi {{firstName}}, we have a new role for you.' });
      expect(sent.status).toBe(202);
      await until(h, () => fake.posts().length === 1, 'the text');
      const { form } = fake.posts()[0]!;
      expect(form.Body).toBe('Hi James, we have a new role for you.');
      expect(form.ContentSid).toBeUndefined();
      expect(form.ContentVariables).toBeUndefined();
    });

    it('outside the window, free text and an edited or unapproved template are refused (409) and nothing is POSTed', async () => {
      await start();
      const template = await whatsappTemplate();
      const plain = (await h.api('POST', '/api/templates', { name: 'Plain', body: 'Hi {{firstName}}' })).body as Template;
      expect(await h.api('POST', '/api/candidates/10002/messages', { body: 'Hi James' })).toMatchObject({
        status: 409,
        body: { error: { code: 'WHATSAPP_WINDOW_CLOSED' } },
      });
      expect(await h.api('POST', '/api/candidates/10002/messages', { templateId: template.id, body: 'Edited' })).toMatchObject({
        status: 409,
        body: { error: { code: 'WHATSAPP_WINDOW_CLOSED' } },
      });
      expect(await h.api('POST', '/api/candidates/10002/messages', { templateId: plain.id })).toMatchObject({
        status: 409,
        body: { error: { code: 'TEMPLATE_NOT_APPROVED' } },
      });
      await settle(10_000);
      expect(fake.posts()).toHaveLength(0);
    });

    it('a content variable with no value for the candidate is 400 MISSING_MERGE_VALUE', async () => {
      await start();
      const template = await whatsappTemplate({ '1': 'firstName', '2': 'jobTitle' });
      await h.sql.run(`update candidates set job_title = null where ats_id = '10002'`);
      expect(await h.api('POST', '/api/candidates/10002/messages', { templateId: template.id })).toMatchObject({
        status: 400,
        body: { error: { code: 'MISSING_MERGE_VALUE' } },
      });
    });

    it('a queued content send keeps what it was queued with when the template changes', async () => {
      await start();
      const template = await whatsappTemplate();
      const message = (await h.api('POST', '/api/candidates/10002/messages', { templateId: template.id })).body as Message;
      await h.db.orm.update(h.db.t.templates).set({ contentSid: null });
      await until(h, () => fake.posts().length === 1, 'the content send');
      expect(fake.posts()[0]!.form.ContentSid).toBe(CONTENT_SID);
      expect((await messageRow(message.id)).contentSid).toBe(CONTENT_SID);
    });
  });

  it('a campaign with a WhatsApp template: Body to the candidate inside the window, content to those outside', async () => {
    await start();
    const template = await whatsappTemplate();
    expect(await inbound(JAMES, 'Hi!', { channel: 'whatsapp' })).toBe(200);
    const ids = ['10002', '10015', '10018'];
    const campaign = (await h.api('POST', '/api/campaigns', { name: 'Reopen', candidateIds: ids })).body.campaign as { id: number };
    const message = await h.api('POST', `/api/campaigns/${campaign.id}/messages`, { body: '', templateId: template.id, sendAt: null });
    expect(message.status).toBe(201);
    expect(message.body.review).toMatchObject({ eligible: 3, excluded: {} });
    expect((await h.api('POST', `/api/campaigns/${campaign.id}/messages/${message.body.message.id}/schedule`)).status).toBe(200);
    await until(h, () => fake.posts().length === 3, 'the three campaign texts');
    const byTo = new Map(fake.posts().map((p) => [p.form.To, p.form]));
    expect(byTo.get(`whatsapp:${JAMES}`)).toMatchObject({ Body: 'Hi James, are you still interested in the role?' });
    expect(byTo.get(`whatsapp:${JAMES}`)!.ContentSid).toBeUndefined();
    const outside = [...byTo.entries()].filter(([to]) => to !== `whatsapp:${JAMES}`).map(([, form]) => form);
    expect(outside).toHaveLength(2);
    for (const form of outside) {
      expect(form.ContentSid).toBe(CONTENT_SID);
      expect(form.Body).toBeUndefined();
      expect(Object.keys(JSON.parse(form.ContentVariables!))).toEqual(['1']);
    }
    expect(outside.map((f) => JSON.parse(f.ContentVariables!)['1']).sort()).toEqual(['José', 'Дмитрий']);
  });

  describe('opt-out handling: TWILIO_OPT_OUT=twilio (default)', () => {
    it('STOP opts the candidate out and we send nothing (Twilio replied and blocks)', async () => {
      await start();
      expect(await inbound(MARIA, 'STOP')).toBe(200);
      expect(await candidate('10001')).toMatchObject({ optedOut: true });
      expect(fake.rules.autoReplies.map((r) => r.type)).toEqual(['STOP']);
      const history = (await h.api('GET', '/api/candidates/10001/consent')).body as { history: { status: string; source: string }[] };
      expect(JSON.stringify(history)).toContain('Replied STOP');
      await settle();
      expect(fake.posts()).toHaveLength(0);
    });

    it('START opts back in and HELP is answered by Twilio: no POST from us', async () => {
      await start();
      await inbound(MARIA, 'STOP');
      expect(await inbound(MARIA, 'START')).toBe(200);
      expect(await candidate('10001')).toMatchObject({ optedOut: false });
      expect(await inbound(MARIA, 'HELP')).toBe(200);
      await settle();
      expect(fake.posts()).toHaveLength(0);
      expect(fake.rules.autoReplies.map((r) => r.type)).toEqual(['STOP', 'START', 'HELP']);
    });

    it('a text to a number Twilio blocked before we knew → 21610 → opted out, one POST, never retried', async () => {
      await start();
      fake.rules.block(ACME_SMS, MARIA);
      const message = (await h.api('POST', '/api/candidates/10001/messages', { body: 'Hi Maria' })).body as Message;
      await until(h, async () => (await messageRow(message.id)).status === 'failed', 'the refusal');
      expect(await messageRow(message.id)).toMatchObject({ errorCode: '21610' });
      expect(await candidate('10001')).toMatchObject({ optedOut: true });
      await settle(600_000);
      expect(fake.posts()).toHaveLength(1);
    });

    it('a custom keyword Twilio classifies (OptOutType=STOP) opts out', async () => {
      await start();
      fake.rules.advancedOptOut({ STOP: ['BAJA'] });
      expect(await inbound(MARIA, 'baja')).toBe(200);
      expect(await candidate('10001')).toMatchObject({ optedOut: true });
      const logged = await h.sql.get<{ payload: string }>(
        `select cast(payload as text) as payload from webhook_events where kind = 'inbound' order by id desc limit 1`,
      );
      expect(JSON.parse(logged!.payload)).toMatchObject({ OptOutType: 'STOP', Body: 'baja' });
      await settle();
      expect(fake.posts()).toHaveLength(0);
    });

    it('WhatsApp STOP without OptOutType (no Advanced Opt-Out) gets our confirmation, once', async () => {
      await start();
      expect(await inbound(JAMES, 'STOP', { channel: 'whatsapp' })).toBe(200);
      expect(await candidate('10002')).toMatchObject({ optedOut: true });
      await until(h, () => fake.posts().length === 1, 'the confirmation');
      await settle();
      expect(fake.posts()).toHaveLength(1);
      expect(fake.posts()[0]!.form).toMatchObject({ To: `whatsapp:${JAMES}`, Body: expect.stringContaining('unsubscribed') });
    });
  });

  it('TWILIO_OPT_OUT=app (a sender Twilio does not answer for): exactly one confirmation per keyword', async () => {
    await start({ TWILIO_OPT_OUT: 'app' });
    fake.rules.optOutHandling(false);
    await inbound(MARIA, 'STOP');
    await until(h, () => fake.posts().length === 1, 'the STOP confirmation');
    await inbound(MARIA, 'START');
    await until(h, () => fake.posts().length === 2, 'the START confirmation');
    await inbound(MARIA, 'HELP');
    await until(h, () => fake.posts().length === 3, 'the HELP answer');
    await settle();
    expect(fake.posts().map((p) => p.form.Body)).toEqual([
      expect.stringContaining('unsubscribed'),
      expect.stringContaining('resubscribed'),
      expect.stringContaining('Reply STOP to unsubscribe'),
    ]);
  });

  describe('senders', () => {
    async function sendToMaria() {
      const message = (await h.api('POST', '/api/candidates/10001/messages', { body: 'Hi Maria' })).body as Message;
      await until(h, async () => (await messageRow(message.id)).status === 'sending', 'the receipt');
      return { form: fake.posts().at(-1)!.form, row: await messageRow(message.id) };
    }

    it('the organisation’s Messaging Service goes as MessagingServiceSid and no From; inbound through it finds the organisation', async () => {
      await start();
      expect((await h.api('PATCH', '/api/organization', { messagingServiceSid: ORG_SERVICE })).body).toMatchObject({
        senders: { messagingServiceSid: ORG_SERVICE, smsFrom: ACME_SMS },
      });
      const { form } = await sendToMaria();
      expect(form.MessagingServiceSid).toBe(ORG_SERVICE);
      expect(form.From).toBeUndefined();
      // A text to one of the service's numbers that no organisation lists.
      expect(await inbound('+14155550100', 'Hello', { to: '+14155559999', messagingServiceSid: ORG_SERVICE })).toBe(200);
      const row = await h.sql.get(`select o.slug from messages m join organizations o on o.id = m.org_id where m.direction = 'inbound'`);
      expect(row).toEqual({ slug: 'acme' });
    });

    it('the organisation’s number beats the environment’s Messaging Service; the From used is recorded', async () => {
      await start({ TWILIO_MESSAGING_SERVICE_SID: ENV_SERVICE });
      const { form, row } = await sendToMaria();
      expect(form.From).toBe(ACME_SMS);
      expect(form.MessagingServiceSid).toBeUndefined();
      expect(row.sentFrom).toBe(ACME_SMS);
    });

    it('without numbers of its own the organisation sends from the environment’s: its Messaging Service, else its number', async () => {
      await start();
      expect((await h.api('PATCH', '/api/organization', { smsFrom: null })).status).toBe(200);
      expect((await sendToMaria()).form).toMatchObject({ From: ENV_SMS });
      await h.close();
      await fake.close();
      await start({ TWILIO_MESSAGING_SERVICE_SID: ENV_SERVICE });
      await h.api('PATCH', '/api/organization', { smsFrom: null });
      const { form } = await sendToMaria();
      expect(form.MessagingServiceSid).toBe(ENV_SERVICE);
      expect(form.From).toBeUndefined();
    });

    it('a sender another organisation has is 409 SENDER_TAKEN; malformed ones are 400', async () => {
      await start();
      expect(await h.api('PATCH', '/api/organization', { smsFrom: GLOBEX_SMS })).toMatchObject({ status: 409, body: { error: { code: 'SENDER_TAKEN' } } });
      expect((await h.api('PATCH', '/api/organization', { smsFrom: '555-0100' })).status).toBe(400);
      expect((await h.api('PATCH', '/api/organization', { messagingServiceSid: 'MG123' })).status).toBe(400);
      expect((await h.api('PATCH', '/api/organization', { smsFrom: '+14155550123' }, { email: 'nolicense@acme.test' })).status).toBe(403);
    });
  });
});

describe('the demo seed', () => {
  it('with PROVIDER=twilio writes no sender numbers and no content SIDs; with the simulator, both (deterministic HX ids)', async () => {
    const twilioDatabase = await openTestDatabase();
    const twilioDb = twilioDatabase.db;
    await seedDemo(twilioDb, Date.now(), { provider: 'twilio' });
    const { organizations, templates } = twilioDb.t;
    expect(await twilioDb.orm.select({ sms: organizations.smsFrom, wa: organizations.whatsappFrom }).from(organizations)).toEqual([
      { sms: null, wa: null },
      { sms: null, wa: null },
    ]);
    expect((await twilioDb.orm.select({ sid: templates.contentSid }).from(templates)).every((t) => t.sid === null)).toBe(true);
    await twilioDatabase.close();

    const sids = async () => {
      const { db, close } = await openTestDatabase();
      await seedDemo(db);
      const seeded = db.t.templates;
      const rows = await db.orm.select({ name: seeded.name, sid: seeded.contentSid, vars: seeded.contentVariables }).from(seeded);
      await close();
      return rows;
    };
    const first = await sids();
    expect(first.find((t) => t.name === 'Still interested?')).toMatchObject({
      sid: expect.stringMatching(/^HX[0-9a-f]{32}$/),
      vars: { '1': 'firstName', '2': 'recruiterName', '3': 'jobTitle' },
    });
    expect(await sids()).toEqual(first);
  });

  it('a database seeded for the simulator, then run with Twilio, is warned about at start-up; one seeded for Twilio is not', async () => {
    const simulator = { smsFrom: '+12025550100', whatsappFrom: '+12025550101' };
    const oldDatabase = await openTestDatabase();
    const old = oldDatabase.db;
    await seedDemo(old);
    expect(await simulatorSenderWarnings(old, simulator)).toEqual([
      expect.stringContaining('Acme Staffing sends from +12025550100, a simulator number'),
      expect.stringContaining('Acme Staffing sends from +12025550101'),
      expect.stringContaining('Globex Corporation sends from +13125550100'),
    ]);
    await oldDatabase.close();
    const freshDatabase = await openTestDatabase();
    await seedDemo(freshDatabase.db, Date.now(), { provider: 'twilio' });
    expect(await simulatorSenderWarnings(freshDatabase.db, simulator)).toEqual([]);
    await freshDatabase.close();
  });
});
