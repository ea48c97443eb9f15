import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '../config.js';
import { createTwilioProvider } from './twilio.js';
import { mapTwilioStatus } from './twilio-vocabulary.js';
import { ProviderError, type OutboundText } from './types.js';

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'secret-auth-token';
const MG = 'MG0123456789abcdef0123456789abcdef';
const NOW = Date.parse('2026-03-02T15:00:00Z');
const MESSAGES_PATH = `/2010-04-01/Accounts/${SID}/Messages.json`;

interface Recorded {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  form: Record<string, string>;
}

type Handler = (req: Recorded, res: ServerResponse) => void;

/** A real HTTP server standing in for api.twilio.com. */
let server: Server;
let baseUrl: string;
let handler: Handler;
let requests: Recorded[];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf-8');
      const url = new URL(req.url ?? '/', 'http://fake');
      const rec: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        form: Object.fromEntries(new URLSearchParams(body)),
      };
      requests.push(rec);
      handler(rec, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests = [];
  handler = (_req, res) => json(res, 500, { code: 20500, message: 'no handler', status: 500 });
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Twilio's date format (RFC 2822). */
const rfc2822 = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');

function created(req: Recorded, status = 'queued', extra: Record<string, unknown> = {}) {
  return {
    sid: 'SM' + 'a'.repeat(32),
    account_sid: SID,
    to: req.form.To,
    from: req.form.From ?? null,
    messaging_service_sid: req.form.MessagingServiceSid ?? null,
    body: req.form.Body,
    status,
    direction: 'outbound-api',
    date_created: rfc2822(NOW),
    date_sent: null,
    error_code: null,
    error_message: null,
    ...extra,
  };
}

function config(overrides: Partial<AppConfig['twilio']> = {}): AppConfig['twilio'] {
  return {
    accountSid: SID,
    authToken: TOKEN,
    smsFrom: '+15550001111',
    whatsappFrom: '+15550002222',
    apiBaseUrl: baseUrl,
    contentApiBaseUrl: baseUrl,
    optOut: 'twilio',
    statusCallbackUrl: 'https://te.example.com/webhooks/twilio/status',
    publicUrl: 'https://te.example.com',
    publicUrlSet: true,
    listGraceMs: 300_000,
    ...overrides,
  };
}

function provider(overrides: Partial<AppConfig['twilio']> = {}, timeoutMs = 2000) {
  return createTwilioProvider(config(overrides), { timeoutMs, now: () => NOW });
}

function text(overrides: Partial<OutboundText> = {}): OutboundText {
  return {
    to: '+15557654321',
    from: undefined,
    channel: 'sms',
    body: 'Hi Ana, are you free for a call on Tuesday? Reply STOP to opt out.',
    idempotencyKey: 'msg-1',
    handedOffAt: NOW,
    ...overrides,
  };
}

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a rejection');
}

describe('send', () => {
  it('POSTs the SMS form to the Messages resource with Basic auth', async () => {
    handler = (req, res) => json(res, 201, created(req));
    const receipt = await provider().send(text());
    expect(requests).toHaveLength(1);
    const req = requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(MESSAGES_PATH);
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    expect(req.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded\b/);
    expect(req.form).toEqual({
      To: '+15557654321',
      From: '+15550001111',
      Body: 'Hi Ana, are you free for a call on Tuesday? Reply STOP to opt out.',
      StatusCallback: 'https://te.example.com/webhooks/twilio/status?k=msg-1',
    });
    expect(receipt).toEqual({ providerMessageId: 'SM' + 'a'.repeat(32), status: 'sending', from: '+15550001111' });
  });

  it("uses the text's own sender when it has one", async () => {
    handler = (req, res) => json(res, 201, created(req, 'sent'));
    const receipt = await provider().send(text({ from: '+15550009999' }));
    expect(requests[0]!.form.From).toBe('+15550009999');
    expect(receipt.status).toBe('sent');
    expect(receipt.from).toBe('+15550009999');
  });

  it('sends SMS through a Messaging Service when the chosen sender is one (MessagingServiceSid, no From)', async () => {
    handler = (req, res) => json(res, 201, created(req, 'accepted'));
    const receipt = await provider().send(text({ from: MG }));
    expect(requests[0]!.form).toEqual({
      To: '+15557654321',
      MessagingServiceSid: MG,
      Body: text().body,
      StatusCallback: 'https://te.example.com/webhooks/twilio/status?k=msg-1',
    });
    // Twilio picks the sender later: from is null in its answer.
    expect(receipt).toEqual({ providerMessageId: 'SM' + 'a'.repeat(32), status: 'sending', from: '' });
    // With no sender chosen, the environment's Messaging Service is the default...
    await provider({ messagingServiceSid: MG }).send(text({ from: undefined }));
    expect(requests[1]!.form).toMatchObject({ MessagingServiceSid: MG });
    expect(requests[1]!.form.From).toBeUndefined();
    // ...but never overrides a number the outbox chose (the organisation's own).
    await provider({ messagingServiceSid: MG }).send(text({ from: '+15550009999' }));
    expect(requests[2]!.form).toMatchObject({ From: '+15550009999' });
    expect(requests[2]!.form.MessagingServiceSid).toBeUndefined();
  });

  it('a content send goes as ContentSid + ContentVariables (JSON), with no Body', async () => {
    handler = (req, res) => json(res, 201, created(req));
    const sid = 'HX' + 'c'.repeat(32);
    await provider().send(text({ channel: 'whatsapp', body: 'Hi Ana', content: { sid, variables: { '1': 'Ana' } } }));
    expect(requests[0]!.form).toEqual({
      To: 'whatsapp:+15557654321',
      From: 'whatsapp:+15550002222',
      ContentSid: sid,
      ContentVariables: '{"1":"Ana"}',
      StatusCallback: 'https://te.example.com/webhooks/twilio/status?k=msg-1',
    });
  });

  it('addresses WhatsApp with whatsapp: prefixes and strips it from the receipt', async () => {
    handler = (req, res) => json(res, 201, created(req));
    const p = provider({ messagingServiceSid: MG });
    const receipt = await p.send(text({ channel: 'whatsapp', body: 'Olá! Tudo bem? 😀' }));
    expect(requests[0]!.form).toEqual({
      To: 'whatsapp:+15557654321',
      From: 'whatsapp:+15550002222',
      Body: 'Olá! Tudo bem? 😀',
      StatusCallback: 'https://te.example.com/webhooks/twilio/status?k=msg-1',
    });
    expect(receipt.from).toBe('+15550002222');
    // A configured sender that already carries the prefix is not prefixed twice.
    await provider({ whatsappFrom: 'whatsapp:+15550003333' }).send(text({ channel: 'whatsapp' }));
    expect(requests[1]!.form.From).toBe('whatsapp:+15550003333');
    await provider().send(text({ channel: 'whatsapp', from: '+15550004444' }));
    expect(requests[2]!.form.From).toBe('whatsapp:+15550004444');
  });

  it('omits StatusCallback when there is none', async () => {
    handler = (req, res) => json(res, 201, created(req));
    await provider({ statusCallbackUrl: undefined }).send(text());
    expect(Object.keys(requests[0]!.form).sort()).toEqual(['Body', 'From', 'To']);
  });

  it('sets ValidityPeriod in whole seconds, clamped to 1..36000', async () => {
    handler = (req, res) => json(res, 201, created(req));
    const p = provider();
    await p.send(text({ validUntil: NOW + 3_600_900 }));
    expect(requests[0]!.form.ValidityPeriod).toBe('3600');
    await p.send(text({ validUntil: NOW + 250 }));
    expect(requests[1]!.form.ValidityPeriod).toBe('1');
    await p.send(text({ validUntil: NOW + 3 * 86_400_000 }));
    expect(requests[2]!.form.ValidityPeriod).toBe('36000');
    await p.send(text());
    expect(requests[3]!.form.ValidityPeriod).toBeUndefined();
  });

  it('refuses a text whose validity already passed, without calling Twilio', async () => {
    handler = (req, res) => json(res, 201, created(req));
    const err = await rejection(provider().send(text({ validUntil: NOW })));
    expect(err.kind).toBe('permanent');
    expect(err.code).toBe('VALIDITY_EXPIRED');
    expect(requests).toHaveLength(0);
  });

  it('maps 400 21211 (invalid To) to a permanent error with that code', async () => {
    handler = (_req, res) =>
      json(res, 400, {
        code: 21211,
        message: "The 'To' number +1555 is not a valid phone number.",
        more_info: 'https://www.twilio.com/docs/errors/21211',
        status: 400,
      });
    const err = await rejection(provider().send(text()));
    expect(err.kind).toBe('permanent');
    expect(err.code).toBe('21211');
    expect(err.reason).toBe('INVALID_NUMBER');
    expect(err.message).toContain('not a valid phone number');
  });

  it('maps 400 21610 (unsubscribed recipient) to a permanent error with that code', async () => {
    handler = (_req, res) =>
      json(res, 400, { code: 21610, message: 'Attempt to send to unsubscribed recipient', more_info: 'https://www.twilio.com/docs/errors/21610', status: 400 });
    const err = await rejection(provider().send(text()));
    expect(err.kind).toBe('permanent');
    expect(err.code).toBe('21610');
    expect(err.reason).toBe('OPTED_OUT_AT_CARRIER');
  });

  it('maps other Twilio 4xx codes (21408, 63016) to permanent errors', async () => {
    for (const code of [21408, 63016]) {
      handler = (_req, res) => json(res, 400, { code, message: `error ${code}`, status: 400 });
      const err = await rejection(provider().send(text()));
      expect([err.kind, err.code]).toEqual(['permanent', String(code)]);
    }
  });

  it('maps 401, and 403 with an account code or none, to an account refusal (sending pauses, the text does not fail)', async () => {
    for (const [status, code] of [
      [401, 20003],
      [403, 20003],
      [403, 20005],
      [403, 20008],
    ] as const) {
      handler = (_req, res) => json(res, status, { code, message: 'Authenticate', status });
      const err = await rejection(provider().send(text()));
      expect([err.kind, err.code, err.maybeSent]).toEqual(['account', String(code), false]);
      expect(err.message).toContain('Authenticate');
    }
    handler = (_req, res) => {
      res.writeHead(401);
      res.end();
    };
    const err = await rejection(provider().send(text()));
    expect([err.kind, err.code]).toEqual(['account', '20003']);
    // A 403 about the request itself (here 21606-like) stays that text's refusal.
    handler = (_req, res) => json(res, 403, { code: 21606, message: 'From is not a valid number for this account', status: 403 });
    const own = await rejection(provider().send(text()));
    expect([own.kind, own.code]).toEqual(['permanent', '21606']);
  });

  it('maps 429 to a transient error that honours Retry-After', async () => {
    handler = (_req, res) => json(res, 429, { code: 20429, message: 'Too Many Requests', status: 429 }, { 'Retry-After': '3' });
    const err = await rejection(provider().send(text()));
    expect(err.kind).toBe('transient');
    expect(err.code).toBe('20429');
    expect(err.reason).toBe('RATE_LIMITED');
    expect(err.retryAfterMs).toBe(3000);

    handler = (_req, res) => {
      res.writeHead(429);
      res.end();
    };
    const bare = await rejection(provider().send(text()));
    expect([bare.kind, bare.code, bare.retryAfterMs]).toEqual(['transient', '429', undefined]);
  });

  it('maps 500, 503 and 408 to transient errors that may have been sent (looked up before any retry)', async () => {
    handler = (_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/html' });
      res.end('<h1>Internal Server Error</h1>');
    };
    const e500 = await rejection(provider().send(text()));
    expect([e500.kind, e500.code, e500.maybeSent]).toEqual(['transient', '500', true]);

    handler = (_req, res) => json(res, 503, { code: 20503, message: 'Service Unavailable', status: 503 });
    const e503 = await rejection(provider().send(text()));
    expect([e503.kind, e503.code, e503.maybeSent]).toEqual(['transient', '20503', true]);

    handler = (_req, res) => json(res, 408, { message: 'Request Timeout', status: 408 });
    const e408 = await rejection(provider().send(text()));
    expect([e408.kind, e408.code, e408.maybeSent]).toEqual(['transient', '408', true]);
  });

  it('a 429 was never processed: not maybeSent', async () => {
    handler = (_req, res) => json(res, 429, { code: 20429, message: 'Too Many Requests', status: 429 });
    const err = await rejection(provider().send(text()));
    expect(err.maybeSent).toBe(false);
  });

  it('a refused connection never reached Twilio; a reset after the request was written may have', async () => {
    // A port nothing listens on (taken, then given back).
    const spare = createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    const port = (spare.address() as AddressInfo).port;
    await new Promise<void>((resolve) => spare.close(() => resolve()));
    const closed = createTwilioProvider(config({ apiBaseUrl: `http://127.0.0.1:${port}` }), { timeoutMs: 2000, now: () => NOW });
    const refused = await rejection(closed.send(text()));
    expect([refused.kind, refused.code, refused.maybeSent]).toEqual(['transient', 'NETWORK_ERROR', false]);

    handler = (req, res) => {
      if (req.method === 'POST') return res.socket?.destroy();
      json(res, 200, { messages: [], next_page_uri: null });
    };
    const reset = await rejection(provider().send(text()));
    expect([reset.kind, reset.code, reset.maybeSent]).toEqual(['transient', 'NETWORK_ERROR', true]);
  });

  it('times out a Twilio that never answers as a transient error', async () => {
    handler = () => {
      // Never answers: neither the POST nor the follow-up look-up.
    };
    const started = Date.now();
    const err = await rejection(provider({}, 200).send(text()));
    expect([err.kind, err.code]).toEqual(['transient', 'TIMEOUT']);
    expect(Date.now() - started).toBeLessThan(5000);
    server.closeAllConnections();
  });

  it('after a timeout, reports that the text may have gone out (so the engine looks it up instead of retrying)', async () => {
    handler = (req) => {
      if (req.method === 'POST') return; // created at Twilio, but the answer never arrives
    };
    // Let the pool notice the sockets the previous test closed, so this one times out cleanly.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const err = await rejection(provider({}, 200).send(text()));
    expect([err.kind, err.code, err.maybeSent]).toEqual(['transient', 'TIMEOUT', true]);
    server.closeAllConnections();
  });

  it('maps a refused connection to a transient error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const p = createTwilioProvider(config({ apiBaseUrl: `http://127.0.0.1:${port}` }), { timeoutMs: 2000, now: () => NOW });
    const err = await rejection(p.send(text()));
    expect([err.kind, err.code]).toEqual(['transient', 'NETWORK_ERROR']);
  });

  it('does not report an unreadable 201 as a refusal (it may have gone out)', async () => {
    handler = (req, res) => {
      if (req.method === 'GET') return json(res, 200, { messages: [], next_page_uri: null });
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end('{"sid": "SMbroken", ');
    };
    const err = await rejection(provider().send(text()));
    expect([err.code, err.maybeSent]).toEqual(['AMBIGUOUS_RESPONSE', true]);
  });

  it('reports a text Twilio failed at once as a permanent error with its code', async () => {
    handler = (req, res) => json(res, 201, created(req, 'failed', { error_code: 30007, error_message: 'Carrier violation' }));
    const err = await rejection(provider().send(text()));
    expect([err.kind, err.code]).toEqual(['permanent', '30007']);
  });
});

describe('findSent', () => {
  const HANDED = NOW;
  const listEntry = (overrides: Record<string, unknown> = {}) => ({
    sid: 'SMfound',
    to: '+15557654321',
    from: '+15550001111',
    body: text().body,
    status: 'delivered',
    direction: 'outbound-api',
    date_created: rfc2822(HANDED + 500),
    date_sent: rfc2822(HANDED + 1500),
    ...overrides,
  });

  it('lists by To, From and PageSize without a DateSent filter (queued texts have no send date), and returns the matching message', async () => {
    handler = (_req, res) =>
      json(res, 200, {
        messages: [
          listEntry({ sid: 'SMother', body: 'Another text' }),
          listEntry({ sid: 'SMold', date_created: rfc2822(HANDED - 10 * 60_000) }),
          listEntry({ sid: 'SMinbound', direction: 'inbound' }),
          listEntry(),
        ],
        next_page_uri: null,
      });
    const found = await provider().findSent(text({ handedOffAt: HANDED }));
    expect(found).toEqual({ providerMessageId: 'SMfound', status: 'delivered', from: '+15550001111' });
    expect(requests).toHaveLength(1);
    const req = requests[0]!;
    expect(req.method).toBe('GET');
    expect(req.path).toBe(MESSAGES_PATH);
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    expect(req.query.get('To')).toBe('+15557654321');
    expect(req.query.get('From')).toBe('+15550001111');
    expect(req.query.has('DateSent>')).toBe(false);
    expect(req.query.get('PageSize')).toBe('50');
  });

  it('accepts a message created up to two minutes before the hand-off (clock skew)', async () => {
    handler = (_req, res) => json(res, 200, { messages: [listEntry({ status: 'sent', date_created: rfc2822(HANDED - 119_000) })], next_page_uri: null });
    expect(await provider().findSent(text())).toEqual({ providerMessageId: 'SMfound', status: 'sent', from: '+15550001111' });
  });

  it('returns null when the list answered and nothing matches exactly', async () => {
    handler = (_req, res) =>
      json(res, 200, {
        messages: [
          listEntry({ body: text().body + ' ' }),
          listEntry({ body: text().body.toLowerCase() }),
          listEntry({ date_created: rfc2822(HANDED - 121_000) }),
        ],
        next_page_uri: null,
      });
    expect(await provider().findSent(text())).toBeNull();
  });

  it('a content send (whose listed body is undocumented) is the one outbound message since the hand-off; two are unknowable', async () => {
    const content = { sid: 'HX' + 'c'.repeat(32), variables: { '1': 'Ana' } };
    const whatsapp = { to: 'whatsapp:+15557654321', from: 'whatsapp:+15550002222' };
    const contentText = text({ channel: 'whatsapp', content });
    handler = (_req, res) =>
      json(res, 200, {
        messages: [
          listEntry({ ...whatsapp, sid: 'SMtemplate', body: '' }),
          listEntry({ ...whatsapp, sid: 'SMold', body: '', date_created: rfc2822(HANDED - 10 * 60_000) }),
        ],
        next_page_uri: null,
      });
    expect(await provider().findSent(contentText)).toEqual({ providerMessageId: 'SMtemplate', status: 'delivered', from: '+15550002222' });
    handler = (_req, res) =>
      json(res, 200, {
        messages: [listEntry({ ...whatsapp, sid: 'SMa', body: '' }), listEntry({ ...whatsapp, sid: 'SMb', body: 'Something else' })],
        next_page_uri: null,
      });
    expect(await provider().findSent(contentText)).toBe('unknown');
    // The rendered body listed, next to another text: the exact match wins.
    handler = (_req, res) =>
      json(res, 200, {
        messages: [listEntry({ ...whatsapp, sid: 'SMb', body: 'Something else' }), listEntry({ ...whatsapp, sid: 'SMexact' })],
        next_page_uri: null,
      });
    expect(await provider().findSent(contentText)).toMatchObject({ providerMessageId: 'SMexact' });
    // A plain text never matches by time alone.
    handler = (_req, res) => json(res, 200, { messages: [listEntry({ ...whatsapp, sid: 'SMa', body: '' })], next_page_uri: null });
    expect(await provider().findSent(text({ channel: 'whatsapp' }))).toBeNull();
  });

  it('follows next_page_uri', async () => {
    handler = (req, res) => {
      if (req.query.get('Page') === '1') return json(res, 200, { messages: [listEntry({ sid: 'SMpage2', status: 'queued' })], next_page_uri: null });
      json(res, 200, {
        messages: [listEntry({ body: 'nope' })],
        next_page_uri: `${MESSAGES_PATH}?To=%2B15557654321&PageSize=50&Page=1&PageToken=PASMx`,
      });
    };
    expect(await provider().findSent(text())).toEqual({ providerMessageId: 'SMpage2', status: 'sending', from: '+15550001111' });
    expect(requests).toHaveLength(2);
  });

  it('filters by To only when a messaging service picks the sender', async () => {
    handler = (_req, res) => json(res, 200, { messages: [listEntry({ from: '+15550007777' })], next_page_uri: null });
    const found = await provider({ messagingServiceSid: MG }).findSent(text());
    expect(found).toEqual({ providerMessageId: 'SMfound', status: 'delivered', from: '+15550007777' });
    expect(requests[0]!.query.has('From')).toBe(false);
    expect(requests[0]!.query.get('To')).toBe('+15557654321');
  });

  it('looks WhatsApp texts up by whatsapp: addresses', async () => {
    handler = (_req, res) =>
      json(res, 200, { messages: [listEntry({ to: 'whatsapp:+15557654321', from: 'whatsapp:+15550002222', status: 'read' })], next_page_uri: null });
    const found = await provider().findSent(text({ channel: 'whatsapp' }));
    expect(found).toEqual({ providerMessageId: 'SMfound', status: 'delivered', from: '+15550002222' });
    expect(requests[0]!.query.get('To')).toBe('whatsapp:+15557654321');
    expect(requests[0]!.query.get('From')).toBe('whatsapp:+15550002222');
  });

  it("returns 'unknown' when the look-up fails", async () => {
    handler = (_req, res) => json(res, 500, { code: 20500, message: 'oops', status: 500 });
    expect(await provider().findSent(text())).toBe('unknown');
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('not json');
    };
    expect(await provider().findSent(text())).toBe('unknown');
  });

  it("a match that failed is that text's refusal: 21610 opts the number out, never retried", async () => {
    handler = (_req, res) =>
      json(res, 200, {
        messages: [listEntry({ status: 'failed', error_code: 21610, error_message: 'Attempt to send to unsubscribed recipient' })],
        next_page_uri: null,
      });
    const err = await rejection(provider().findSent(text()));
    expect([err.kind, err.code, err.reason]).toEqual(['permanent', '21610', 'OPTED_OUT_AT_CARRIER']);
  });

  it('a look-up refused for credentials is an account refusal', async () => {
    handler = (_req, res) => json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    const err = await rejection(provider().findSent(text()));
    expect(err.kind).toBe('account');
  });
});

describe('fetchStatus and probe', () => {
  it("fetches a message by SID in the product's terms", async () => {
    handler = (req, res) =>
      req.path.endsWith('/Messages/SMx.json')
        ? json(res, 200, { sid: 'SMx', status: 'undelivered', from: '+15550001111', error_code: 30036, error_message: null })
        : json(res, 404, { code: 20404, message: 'Not found', status: 404 });
    expect(await provider().fetchStatus!('SMx')).toEqual({
      status: 'undelivered',
      reason: 'EXPIRED',
      rawCode: '30036',
      rawMessage: expect.any(String),
      rawStatus: 'undelivered',
      from: '+15550001111',
    });
    expect(await provider().fetchStatus!('SMmissing')).toBe('unknown');
  });

  it('probes the account resource', async () => {
    handler = (req, res) => (req.path === `/2010-04-01/Accounts/${SID}.json` ? json(res, 200, { sid: SID, status: 'active' }) : json(res, 404, {}));
    expect(await provider().probe!()).toBe('ok');
    handler = (_req, res) => json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    expect(await provider().probe!()).toBe('refused');
    handler = (_req, res) => json(res, 503, { message: 'down' });
    expect(await provider().probe!()).toBe('unreachable');
  });
});

describe('the rest of the provider', () => {
  it('names itself, gives default senders, and connects as a no-op', () => {
    const p = provider({ whatsappFrom: 'whatsapp:+15550002222' });
    expect(p.name).toBe('twilio');
    expect(p.defaultFrom('sms')).toBe('+15550001111');
    expect(p.defaultFrom('whatsapp')).toBe('+15550002222');
    // The environment's Messaging Service is the SMS default, ahead of its number.
    expect(provider({ messagingServiceSid: MG }).defaultFrom('sms')).toBe(MG);
    expect(() => p.connect({ receive: async () => {}, receiveStatuses: async () => {} })).not.toThrow();
  });

  it('refuses to send without any sender', async () => {
    const err = await rejection(provider({ smsFrom: undefined }).send(text()));
    expect([err.kind, err.code]).toEqual(['permanent', 'NO_SENDER']);
  });

  it('requires credentials', () => {
    expect(() => createTwilioProvider(config({ authToken: undefined }))).toThrow(/TWILIO_AUTH_TOKEN/);
  });
});

describe('mapTwilioStatus', () => {
  it.each([
    ['accepted', 'sending'],
    ['scheduled', 'sending'],
    ['queued', 'sending'],
    ['sending', 'sending'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'read'],
    ['undelivered', 'undelivered'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
    ['receiving', 'received'],
    ['received', 'received'],
    ['partially_delivered', 'delivered'],
    [' Delivered ', 'delivered'],
    ['SENT', 'sent'],
    ['something-new', 'sending'],
    ['', 'sending'],
  ])('%j → %s', (input, expected) => {
    expect(mapTwilioStatus(input)).toBe(expected);
  });
});
