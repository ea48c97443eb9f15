/**
 * The whole app with PROVIDER=twilio, pointed (TWILIO_API_BASE_URL) at a local fake of Twilio's
 * Messages endpoint: a real HTTP server on 127.0.0.1 that records each request's form and
 * answers as scripted. The app's clock is fake; the HTTP is real, so tests wait for it.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { eq } from 'drizzle-orm';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import type { Candidate, Message } from '../../shared/api.js';
import { loadConfig } from '../config.js';
import { first } from '../db/types.js';
import { createTwilioProvider } from '../providers/twilio.js';
import { createHarness, TEST_AUTH_TOKEN, type Harness } from './harness.js';

const ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
const ACME_SMS = '+12025550100';
const ACME_WHATSAPP = '+12025550101';

interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  form: Record<string, string>;
}

interface ScriptedResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A stand-in for api.twilio.com: records requests, answers from a script (else 201 queued). */
function fakeTwilio() {
  const requests: RecordedRequest[] = [];
  const script: ScriptedResponse[] = [];
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const url = new URL(req.url ?? '/', 'http://fake');
    const form = Object.fromEntries(new URLSearchParams(raw));
    requests.push({ method: req.method ?? '', path: url.pathname, authorization: req.headers.authorization, contentType: req.headers['content-type'], form });
    const next = script.shift() ?? {
      status: 201,
      body: {
        sid: 'SM' + randomBytes(16).toString('hex'),
        status: 'queued',
        from: form.From ?? null,
        to: form.To,
        body: form.Body,
        direction: 'outbound-api',
        date_created: new Date().toUTCString(),
        error_code: null,
        error_message: null,
      },
    };
    res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
    res.end(JSON.stringify(next.body));
  };
  // A request the fake cannot read fails that request (its client sees the reset), not the test run.
  const server: Server = createServer((req, res) => void answer(req, res).catch(() => res.destroy()));
  return {
    requests,
    script,
    async listen(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits (real time) for the fake's HTTP round trips to finish. */
async function until<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('PROVIDER=twilio against a local fake of Twilio', () => {
  const twilio = fakeTwilio();
  let baseUrl: string;
  let h: Harness;

  beforeAll(async () => {
    baseUrl = await twilio.listen();
  });
  afterAll(() => twilio.close());

  beforeEach(async () => {
    const env = {
      PROVIDER: 'twilio',
      PUBLIC_URL: 'https://te.test',
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
      TWILIO_SMS_FROM: '+15005550006',
      TWILIO_WHATSAPP_FROM: '+15005550007',
      TWILIO_API_BASE_URL: baseUrl,
      // This fake's list never has the text: a 5xx is retried right after the look-up, not after a list-lag grace.
      TWILIO_LIST_GRACE_MS: '0',
    };
    const config = loadConfig(env);
    h = await createHarness({ env, provider: createTwilioProvider(config.twilio), inboundGreeting: false });
    await h.login();
    twilio.requests.length = 0;
    twilio.script.length = 0;
  });
  afterEach(() => h.close());

  const row = async (id: number) => (await first(h.db.orm.select().from(h.db.t.messages).where(eq(h.db.t.messages.id, id))))!;
  const send = async (id: string, body: string) => {
    const res = await h.api('POST', `/api/candidates/${id}/messages`, { body });
    expect(res.status).toBe(202);
    return res.body as Message;
  };

  async function postStatus(params: Record<string, string>) {
    const url = 'https://te.test/webhooks/twilio/status';
    return h.app.request('/webhooks/twilio/status', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(TEST_AUTH_TOKEN, url, params) },
      body: new URLSearchParams(params).toString(),
    });
  }

  it('is the twilio provider, with no simulator routes', async () => {
    expect(h.deps.provider.name).toBe('twilio');
    expect((await (await h.app.request('/healthz')).json()) as unknown).toMatchObject({ provider: 'twilio' });
    expect((await h.app.request('/simulator')).status).toBe(404);
  });

  it('sends the right form to the Messages endpoint, then a signed status callback marks it delivered', async () => {
    const message = await send('10001', 'Hi {{firstName}}, can we talk at 3pm?');
    await h.advance(0);
    const sent = await until(async () => {
      const r = await row(message.id);
      return r.providerSid ? r : null;
    }, 'the text to be handed to the fake');

    expect(twilio.requests).toHaveLength(1);
    const request = twilio.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(request.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request.authorization).toBe('Basic ' + Buffer.from(`${ACCOUNT_SID}:${TEST_AUTH_TOKEN}`).toString('base64'));
    expect(request.form).toEqual({
      To: '+12125550101',
      // The organisation's own number wins over TWILIO_SMS_FROM.
      From: ACME_SMS,
      Body: 'Hi Maria, can we talk at 3pm?',
      StatusCallback: `https://te.test/webhooks/twilio/status?k=te-msg-${message.id}`,
    });
    expect(sent).toMatchObject({ status: 'sending', attempts: 1 });

    const sid = sent.providerSid!;
    for (const status of ['sent', 'delivered']) {
      const res = await postStatus({ MessageSid: sid, SmsSid: sid, MessageStatus: status, AccountSid: ACCOUNT_SID, To: '+12125550101', From: ACME_SMS });
      expect(res.status).toBe(204);
    }
    const thread = (await h.api('GET', '/api/candidates/10001/messages')).body.messages as Message[];
    expect(thread.map((m) => [m.id, m.status])).toEqual([[message.id, 'delivered']]);
    expect(thread[0]!.deliveredAt).not.toBeNull();

    // Nothing more was asked of Twilio.
    await h.advance(10_000);
    expect(twilio.requests).toHaveLength(1);
  });

  it('sends WhatsApp as whatsapp:+E164 on both ends', async () => {
    // Open the window with a signed inbound WhatsApp text.
    const inbound = {
      MessageSid: 'SM' + randomBytes(16).toString('hex'),
      AccountSid: ACCOUNT_SID,
      From: 'whatsapp:+13055550154',
      To: `whatsapp:${ACME_WHATSAPP}`,
      Body: 'Hi there',
      NumMedia: '0',
    };
    const res = await h.app.request('/webhooks/twilio/inbound', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': getExpectedTwilioSignature(TEST_AUTH_TOKEN, 'https://te.test/webhooks/twilio/inbound', inbound),
      },
      body: new URLSearchParams(inbound).toString(),
    });
    expect(res.status).toBe(200);

    const message = await send('10002', 'Thanks for writing, {{firstName}}!');
    await h.advance(0);
    await until(async () => (await row(message.id)).providerSid, 'the WhatsApp text to be handed over');
    expect(twilio.requests.map((r) => [r.form.To, r.form.From, r.form.Body])).toEqual([
      ['whatsapp:+13055550154', `whatsapp:${ACME_WHATSAPP}`, 'Thanks for writing, James!'],
    ]);
  });

  it('a 21610 answer (recipient unsubscribed) fails the text with that code and opts the candidate out', async () => {
    twilio.script.push({
      status: 400,
      body: { code: 21610, message: 'Attempt to send to unsubscribed recipient', more_info: 'https://www.twilio.com/docs/errors/21610', status: 400 },
    });
    const message = await send('10001', 'Are you still looking?');
    await h.advance(0);
    const failed = await until(async () => {
      const r = await row(message.id);
      return r.status === 'failed' ? r : null;
    }, 'the text to fail');
    expect(failed).toMatchObject({ errorCode: '21610', providerSid: null });
    expect(failed.errorMessage).toMatch(/unsubscribed/i);

    const candidate = (await h.api('GET', '/api/candidates/10001')).body as Candidate;
    expect(candidate).toMatchObject({ optedOut: true, textable: false, reason: 'OPTED_OUT' });
    const again = await h.api('POST', '/api/candidates/10001/messages', { body: 'Hello?' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('OPTED_OUT');

    // Permanent: never retried.
    await h.advance(60_000);
    expect(twilio.requests).toHaveLength(1);
  });

  it('a 21211 answer (invalid number) fails the text without opting out', async () => {
    twilio.script.push({ status: 400, body: { code: 21211, message: "The 'To' number +12125550101 is not a valid phone number.", status: 400 } });
    const message = await send('10001', 'Hello');
    await h.advance(0);
    const failed = await until(async () => {
      const r = await row(message.id);
      return r.status === 'failed' ? r : null;
    }, 'the text to fail');
    expect(failed.errorCode).toBe('21211');
    expect(((await h.api('GET', '/api/candidates/10001')).body as Candidate).optedOut).toBe(false);
  });

  it('a 503 then 201: looked up, retried after the backoff, handed over exactly once, then delivered by callback', async () => {
    twilio.script.push({ status: 503, body: { code: 20503, message: 'Service Unavailable', status: 503 } });
    // The look-up after the 503 (Twilio may have created it): its list has no such text.
    twilio.script.push({ status: 200, body: { messages: [], next_page_uri: null } });
    const message = await send('10001', 'Interview confirmed for Monday 10am.');
    await h.advance(0);
    const waiting = await until(async () => {
      const r = await row(message.id);
      return r.status === 'queued' && r.attempts === 1 ? r : null;
    }, 'the retry to be scheduled');
    expect(twilio.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(waiting.providerSid).toBeNull();
    expect(waiting.dueAt!).toBeGreaterThan(h.clock.now());
    const backoff = waiting.dueAt! - h.clock.now();
    expect(backoff).toBeLessThanOrEqual(2000);

    // Not before the backoff...
    await h.advance(backoff - 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(twilio.requests).toHaveLength(2);
    // ...then once.
    await h.advance(1);
    const sent = await until(async () => {
      const r = await row(message.id);
      return r.providerSid ? r : null;
    }, 'the retry to be handed over');
    expect(twilio.requests).toHaveLength(3);
    expect(twilio.requests[2]!.form).toEqual(twilio.requests[0]!.form);
    expect(sent).toMatchObject({ status: 'sending', attempts: 2 });

    await h.advance(30_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(twilio.requests).toHaveLength(3);

    const sid = sent.providerSid!;
    const res = await postStatus({ MessageSid: sid, MessageStatus: 'delivered', AccountSid: ACCOUNT_SID });
    expect(res.status).toBe(204);
    const thread = (await h.api('GET', '/api/candidates/10001/messages')).body.messages as Message[];
    expect(thread).toHaveLength(1);
    expect(thread[0]).toMatchObject({ id: message.id, status: 'delivered', errorCode: null });
  });

  it('an opt-out keyword arriving by webhook opts out; Twilio’s own opt-out handling answers it (TWILIO_OPT_OUT=twilio), so we send nothing', async () => {
    const inbound = {
      MessageSid: 'SM' + randomBytes(16).toString('hex'),
      AccountSid: ACCOUNT_SID,
      From: '+12125550101',
      To: ACME_SMS,
      Body: 'Stop',
    };
    const res = await h.app.request('/webhooks/twilio/inbound', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': getExpectedTwilioSignature(TEST_AUTH_TOKEN, 'https://te.test/webhooks/twilio/inbound', inbound),
      },
      body: new URLSearchParams(inbound).toString(),
    });
    expect(res.status).toBe(200);
    expect(((await h.api('GET', '/api/candidates/10001')).body as Candidate).optedOut).toBe(true);
    // No confirmation of ours was even queued (Twilio's auto-reply is the answer).
    expect(await h.sql.get(`select count(*) as n from messages where direction = 'outbound'`)).toEqual({ n: 0 });
    await h.advance(10_000);
    expect(twilio.requests).toHaveLength(0);
  });
});
