/**
 * Pictures and files that come with a candidate's text, with PROVIDER=twilio against the fake
 * Twilio over real HTTP: the webhook's NumMedia/MediaUrlN/MediaContentTypeN become pending
 * attachments; the server fetches them with the account's Basic credentials (never sending them
 * to the storage host a media URL redirects to), stores the bytes and serves them from
 * GET /api/media/:id, to the organisation's own recruiters only, pictures inline and everything
 * else as a download. The message JSON names only our URLs. Erasure removes them.
 */
import { randomBytes } from 'node:crypto';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../shared/api.js';
import { loadConfig } from '../config.js';
import { createTwilioProvider } from '../providers/twilio.js';
import { createHarness, type Harness } from './harness.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, startFakeTwilio, type FakeTwilio } from './support/fake-twilio.js';
import { addFakeTwilioMedia } from './support/fake-twilio-media.js';

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2000), Buffer.from([0xff, 0xd9])]);
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3000), Buffer.from('\n%%EOF')]);
const MARIA = '+12125550101';

let twilio: FakeTwilio;
let media: Awaited<ReturnType<typeof addFakeTwilioMedia>>;
let h: Harness;

beforeEach(async () => {
  twilio = await startFakeTwilio({ now: () => Date.now() });
  media = await addFakeTwilioMedia(twilio);
  const env = {
    PROVIDER: 'twilio',
    PUBLIC_URL: 'https://te.test',
    TWILIO_ACCOUNT_SID: FAKE_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
    TWILIO_SMS_FROM: '+15005550006',
    TWILIO_API_BASE_URL: twilio.baseUrl,
  };
  h = await createHarness({ env, provider: createTwilioProvider(loadConfig(env).twilio), inboundGreeting: false });
});

afterEach(async () => {
  await h.close();
  await media.close();
  await twilio.close();
});

async function inbound(extra: Record<string, string>) {
  const form = { MessageSid: 'SM' + randomBytes(16).toString('hex'), AccountSid: FAKE_ACCOUNT_SID, From: MARIA, To: '+15005550006', Body: '', ...extra };
  const res = await h.app.request('/webhooks/twilio/inbound', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': getExpectedTwilioSignature(FAKE_AUTH_TOKEN, 'https://te.test/webhooks/twilio/inbound', form),
    },
    body: new URLSearchParams(form).toString(),
  });
  expect(res.status).toBe(200);
}

async function thread(): Promise<Message[]> {
  return (await h.api('GET', '/api/candidates/10001/messages')).body.messages as Message[];
}

/** Waits (real time: the fetch is real HTTP) until every attachment has left `pending`. */
async function settled(): Promise<Message[]> {
  const end = Date.now() + 10_000;
  for (;;) {
    const messages = await thread();
    if (messages.every((m) => m.media.every((x) => x.status !== 'pending'))) return messages;
    if (Date.now() > end) throw new Error('attachments still pending: ' + JSON.stringify(messages.map((m) => m.media)));
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function get(url: string, email = 'recruiter@acme.test') {
  const token = await h.login(email);
  const res = await h.request(url, { headers: { authorization: `Bearer ${token}` } });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('inbound media (MMS, WhatsApp)', () => {
  it('NumMedia=2 (a JPEG behind a redirect, a PDF): stored, served from our URLs, never Twilio’s', async () => {
    const jpegUrl = media.add({ contentType: 'image/jpeg', bytes: JPEG });
    const pdfUrl = media.add({ contentType: 'application/pdf', bytes: PDF }, { direct: true });
    await inbound({
      Body: 'My CV and a photo',
      NumMedia: '2',
      MediaUrl0: jpegUrl,
      MediaContentType0: 'image/jpeg',
      MediaUrl1: pdfUrl,
      MediaContentType1: 'application/pdf',
    });

    const [message] = await settled();
    expect(message!.body).toBe('My CV and a photo');
    expect(message!.media).toEqual([
      { url: expect.stringMatching(/^\/api\/media\/\d+$/), contentType: 'image/jpeg', status: 'stored' },
      { url: expect.stringMatching(/^\/api\/media\/\d+$/), contentType: 'application/pdf', status: 'stored' },
    ]);
    expect(JSON.stringify(await thread())).not.toContain(twilio.baseUrl);
    // The provider's URL is forgotten once the bytes are ours.
    expect(await h.sql.get(`select count(*) as n from message_media where provider_url is not null`)).toEqual({ n: 0 });

    // Twilio's API got the credentials; the storage host it redirected to never did.
    expect(media.apiRequests().every((r) => r.authorized)).toBe(true);
    expect(media.storageRequests).toEqual([{ path: expect.stringMatching(/^\/blob\/ME/), authorization: false }]);

    const image = await get(message!.media[0]!.url);
    expect(image.res.status).toBe(200);
    expect(image.bytes.equals(JPEG)).toBe(true);
    expect(
      Object.fromEntries(
        ['content-type', 'content-disposition', 'x-content-type-options', 'content-security-policy', 'cache-control'].map((k) => [k, image.res.headers.get(k)]),
      ),
    ).toEqual({
      'content-type': 'image/jpeg',
      'content-disposition': 'inline',
      'x-content-type-options': 'nosniff',
      'content-security-policy': 'sandbox',
      'cache-control': 'private, max-age=86400',
    });

    const pdf = await get(message!.media[1]!.url);
    expect(pdf.res.status).toBe(200);
    expect(pdf.bytes.equals(PDF)).toBe(true);
    expect(pdf.res.headers.get('content-type')).toBe('application/octet-stream');
    expect(pdf.res.headers.get('content-disposition')).toMatch(/^attachment; filename="attachment-\d+"$/);
    expect(pdf.res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(pdf.res.headers.get('content-security-policy')).toBe('sandbox');

    // Another organisation's recruiter: as if it did not exist.
    const other = await get(message!.media[0]!.url, 'recruiter@globex.test');
    expect(other.res.status).toBe(404);
    expect(JSON.parse(other.bytes.toString())).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await get('/api/media/999999')).res.status).toBe(404);
    expect((await get('/api/media/abc')).res.status).toBe(400);
    // Not signed in.
    expect((await h.request(message!.media[0]!.url)).status).toBe(401);
  });

  it('a picture alone is a message with no text and one picture', async () => {
    const url = media.add({ contentType: 'image/png', bytes: Buffer.from('\x89PNG\r\n\x1a\nfake-png-bytes') });
    await inbound({ NumMedia: '1', MediaUrl0: url, MediaContentType0: 'image/png' });
    const [message] = await settled();
    expect(message).toMatchObject({ body: '', direction: 'inbound', media: [{ contentType: 'image/png', status: 'stored' }] });
  });

  it('an attachment Twilio no longer has shows as failed (Attachment unavailable), and the text is kept', async () => {
    const gone = `${twilio.baseUrl}/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/Messages/MM0/Media/MEgone`;
    await inbound({ Body: 'See attached', NumMedia: '1', MediaUrl0: gone, MediaContentType0: 'image/jpeg' });
    const [message] = await settled();
    expect(message).toMatchObject({ body: 'See attached', media: [{ contentType: 'image/jpeg', status: 'failed' }] });
    expect((await get(message!.media[0]!.url)).res.status).toBe(404);
  });

  it('more than 10 media: only the first 10 are kept (Twilio’s own maximum)', async () => {
    const form: Record<string, string> = { NumMedia: '12' };
    for (let n = 0; n < 12; n++) {
      form[`MediaUrl${n}`] = media.add({ contentType: 'image/gif', bytes: Buffer.from(`GIF89a-${n}`) }, { direct: true });
      form[`MediaContentType${n}`] = 'image/gif';
    }
    await inbound(form);
    const [message] = await settled();
    expect(message!.media).toHaveLength(10);
  });

  it('erasing the candidate removes their attachments', async () => {
    await inbound({ Body: 'Photo', NumMedia: '1', MediaUrl0: media.add({ contentType: 'image/jpeg', bytes: JPEG }), MediaContentType0: 'image/jpeg' });
    const [message] = await settled();
    expect(await h.sql.get(`select count(*) as n from message_media`)).toEqual({ n: 1 });
    expect((await h.api('DELETE', '/api/candidates/10001')).status).toBe(204);
    expect(await h.sql.get(`select count(*) as n from message_media`)).toEqual({ n: 0 });
    expect((await get(message!.media[0]!.url)).res.status).toBe(404);
  });
});

describe('the simulator’s phone sends a picture', () => {
  let sim: Harness;
  afterEach(async () => {
    await sim?.close();
  });

  it('Send picture on the phone page: NumMedia=1 reaches the server, which stores it and serves it back', async () => {
    sim = await createHarness({ inboundGreeting: false });
    const PNG = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), randomBytes(500)]);
    const sent = await sim.request('/simulator/api/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: MARIA, body: '', picture: { contentType: 'image/png', base64: PNG.toString('base64') } }),
    });
    expect(sent.status).toBe(201);
    let message: Message | undefined;
    const end = Date.now() + 10_000;
    while (!message || message.media[0]?.status === 'pending') {
      if (Date.now() > end) throw new Error('the picture was not stored');
      await new Promise((r) => setTimeout(r, 20));
      message = ((await sim.api('GET', '/api/candidates/10001/messages')).body.messages as Message[]).at(-1);
    }
    expect(message).toMatchObject({
      direction: 'inbound',
      body: '',
      media: [{ url: expect.stringMatching(/^\/api\/media\/\d+$/), contentType: 'image/png', status: 'stored' }],
    });
    const token = await sim.login();
    const res = await sim.request(message.media[0]!.url, { headers: { authorization: `Bearer ${token}` } });
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('refuses what is not a picture, or more than 1 MB, with a 400', async () => {
    sim = await createHarness({ inboundGreeting: false });
    const post = (picture: unknown) =>
      sim.request('/simulator/api/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: MARIA, body: '', picture }),
      });
    expect((await post({ contentType: 'application/pdf', base64: 'JVBERi0=' })).status).toBe(400);
    expect((await post({ contentType: 'image/png', base64: randomBytes(1024 * 1024 + 3).toString('base64') })).status).toBe(400);
    expect((await post({ contentType: 'image/png', base64: 'not base64!' })).status).toBe(400);
  });
});
