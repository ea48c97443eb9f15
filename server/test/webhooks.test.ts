/**
 * Twilio's webhooks (POST /webhooks/twilio/inbound and /status), form-encoded and signed the way
 * Twilio signs them: checked against the `twilio` package's own getExpectedTwilioSignature.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import type { Candidate, Message } from '../../shared/api.js';
import { first } from '../db/types.js';
import { createHarness, TEST_AUTH_TOKEN, type Harness } from './harness.js';
import { candidatePool } from './support/demo-candidates.js';

const PUBLIC_URL = 'http://te.test';
const ACME_SMS = '+12025550100';
const ACME_WHATSAPP = '+12025550101';
const ACCOUNT_SID = 'AC' + 'a'.repeat(32);

const newSid = () => 'SM' + randomBytes(16).toString('hex');

interface PostOptions {
  /** The URL the signature is computed over (default PUBLIC_URL + path). */
  signedUrl?: string;
  /** Parameters the signature is computed over (default: the ones sent). */
  signedParams?: Record<string, string>;
  token?: string;
  signature?: string | null;
}

describe('Twilio webhooks', () => {
  let h: Harness;
  const pool = candidatePool('sms');

  beforeAll(async () => {
    // The dispatcher does not run by itself here: each test drives it (drain), and the clock is
    // only ever set, never advanced, so the simulator's own status reports (timers) never run:
    // only these webhooks move statuses.
    h = await createHarness({ start: false, inboundGreeting: false });
    await h.login();
  });
  afterAll(() => h.close());

  async function post(path: `/webhooks/twilio/${'inbound' | 'status'}${string}`, params: Record<string, string>, o: PostOptions = {}) {
    const signature =
      o.signature === undefined
        ? getExpectedTwilioSignature(o.token ?? TEST_AUTH_TOKEN, o.signedUrl ?? PUBLIC_URL + path, o.signedParams ?? params)
        : o.signature;
    const body = new URLSearchParams(params).toString();
    const res = await h.app.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature !== null ? { 'x-twilio-signature': signature } : {}),
      },
      body,
    });
    return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
  }

  const inboundParams = (from: string, body: string, sid = newSid(), to = ACME_SMS) => ({
    MessageSid: sid,
    SmsSid: sid,
    AccountSid: ACCOUNT_SID,
    From: from,
    To: to,
    Body: body,
    NumMedia: '0',
    NumSegments: '1',
    FromCountry: 'US',
  });
  const statusParams = (sid: string, status: string, extra: Record<string, string> = {}) => ({
    MessageSid: sid,
    SmsSid: sid,
    AccountSid: ACCOUNT_SID,
    MessageStatus: status,
    SmsStatus: status,
    To: '+12125550101',
    From: ACME_SMS,
    ...extra,
  });

  const counts = async () => ({
    messages: (await h.sql.get<{ n: number }>('select count(*) as n from messages'))!.n,
    webhooks: (await h.sql.get<{ n: number }>('select count(*) as n from webhook_events'))!.n,
  });
  const candidateJson = async (id: string) => (await h.api('GET', `/api/candidates/${id}`)).body as Candidate;
  const messageRow = async (id: number) => (await first(h.db.orm.select().from(h.db.t.messages).where(eq(h.db.t.messages.id, id))))!;

  /** A recruiter's text handed to the provider: answers its id and provider SID. */
  async function sentText(id: string, body = 'Hello from Acme') {
    const res = await h.api('POST', `/api/candidates/${id}/messages`, { body });
    expect(res.status).toBe(202);
    await h.services.outbox.drain();
    const row = await messageRow(res.body.id);
    expect(row.providerSid).toMatch(/^SM/);
    return { messageId: row.id, sid: row.providerSid! };
  }

  describe('signatures', () => {
    it('a correctly signed inbound text: 200 with empty TwiML as text/xml, and stored', async () => {
      const { id, phone } = pool.next();
      const res = await post('/webhooks/twilio/inbound', inboundParams(phone, 'Hi, I got your message'));
      expect(res.status).toBe(200);
      expect(res.contentType).toMatch(/^text\/xml/);
      expect(res.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\s*<Response\s*(\/>|>\s*<\/Response>)$/);
      const thread = (await h.api('GET', `/api/candidates/${id}/messages`)).body.messages as Message[];
      expect(thread.map((m) => [m.direction, m.sender, m.status, m.channel, m.body])).toEqual([
        ['inbound', 'candidate', 'received', 'sms', 'Hi, I got your message'],
      ]);
    });

    it('a webhook URL with a query string is checked over that query exactly as sent', async () => {
      const { id, phone } = pool.next();
      const res = await post('/webhooks/twilio/inbound?line=sms%20main&x=1', inboundParams(phone, 'Query string test'));
      expect(res.status).toBe(200);
      const thread = (await h.api('GET', `/api/candidates/${id}/messages`)).body.messages as Message[];
      expect(thread.at(-1)?.body).toBe('Query string test');
      const unsigned = await post('/webhooks/twilio/inbound?line=sms%20main&x=2', inboundParams(phone, 'Other query'), {
        signedUrl: PUBLIC_URL + '/webhooks/twilio/inbound?line=sms%20main&x=1',
      });
      expect(unsigned.status).toBe(403);
    });

    it('keeps the raw payload in the webhook log', async () => {
      const { phone } = pool.next();
      const params = inboundParams(phone, 'Logged?');
      await post('/webhooks/twilio/inbound', params);
      const logged = await h.db.orm
        .select()
        .from(h.db.t.webhookEvents)
        .where(and(eq(h.db.t.webhookEvents.kind, 'inbound'), eq(h.db.t.webhookEvents.dedupeKey, params.MessageSid)));
      expect(logged).toHaveLength(1);
      expect(logged[0]!.payload).toEqual(params);
      expect(logged[0]!.provider).toBe('twilio');
    });

    const refusals: [string, (params: Record<string, string>) => { params: Record<string, string>; o: PostOptions }][] = [
      ['no signature', (params) => ({ params, o: { signature: null } })],
      ['an empty signature', (params) => ({ params, o: { signature: '' } })],
      ['a made-up signature', (params) => ({ params, o: { signature: 'bm90IGEgc2lnbmF0dXJlIGF0IGFsbCE=' } })],
      ['a tampered body', (params) => ({ params: { ...params, Body: 'STOP' }, o: { signedParams: params } })],
      ['a tampered sender', (params) => ({ params: { ...params, From: '+12125550101' }, o: { signedParams: params } })],
      ['a parameter added after signing', (params) => ({ params: { ...params, OptOutType: 'STOP' }, o: { signedParams: params } })],
      [
        'a parameter removed after signing',
        (params) => {
          const { NumMedia: _dropped, ...rest } = params;
          return { params: rest, o: { signedParams: params } };
        },
      ],
      ['a signature for the other webhook', (params) => ({ params, o: { signedUrl: PUBLIC_URL + '/webhooks/twilio/status' } })],
      ['a signature for another host', (params) => ({ params, o: { signedUrl: 'https://attacker.test/webhooks/twilio/inbound' } })],
      ['a signature with a query string the request lacks', (params) => ({ params, o: { signedUrl: PUBLIC_URL + '/webhooks/twilio/inbound?x=1' } })],
      ['another auth token', (params) => ({ params, o: { token: 'some-other-auth-token-000000000000' } })],
    ];

    it.each(refusals)('refuses %s: 403 INVALID_SIGNATURE, nothing stored', async (_name, make) => {
      const { id, phone } = pool.next();
      const before = await counts();
      const { params, o } = make(inboundParams(phone, 'Hello'));
      const res = await post('/webhooks/twilio/inbound', params, o);
      expect(res.status).toBe(403);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } });
      expect(await counts()).toEqual(before);
      expect((await candidateJson(id)).optedOut).toBe(false);
    });

    it('refuses an unsigned status report and leaves the message as it was', async () => {
      const { id } = pool.next();
      const { messageId, sid } = await sentText(id);
      const before = await counts();
      const res = await post('/webhooks/twilio/status', statusParams(sid, 'delivered'), { signature: null });
      expect(res.status).toBe(403);
      expect(JSON.parse(res.text).error.code).toBe('INVALID_SIGNATURE');
      const forged = await post('/webhooks/twilio/status', statusParams(sid, 'failed', { ErrorCode: '21610' }), {
        signedParams: statusParams(sid, 'delivered'),
      });
      expect(forged.status).toBe(403);
      expect(await counts()).toEqual(before);
      expect((await messageRow(messageId)).status).toBe('sending');
      expect((await candidateJson(id)).optedOut).toBe(false);
    });

    it('accepts a signature over the URL with the default port, as Twilio may sign it', async () => {
      const { phone } = pool.next();
      const res = await post('/webhooks/twilio/inbound', inboundParams(phone, 'port?'), { signedUrl: 'http://te.test:80/webhooks/twilio/inbound' });
      expect(res.status).toBe(200);
    });
  });

  describe('inbound', () => {
    it('the same MessageSid delivered twice is stored once: one message row, one webhook_events row', async () => {
      const { id, phone } = pool.next();
      const params = inboundParams(phone, 'Is parking available?');
      const once = await post('/webhooks/twilio/inbound', params);
      const twice = await post('/webhooks/twilio/inbound', params);
      expect(once.status).toBe(200);
      expect(twice.status).toBe(200);
      expect(twice.text).toBe(once.text);
      const c = (await first(h.db.orm.select().from(h.db.t.candidates).where(eq(h.db.t.candidates.atsId, id))))!;
      expect(await h.db.orm.select().from(h.db.t.messages).where(eq(h.db.t.messages.candidateId, c.id))).toHaveLength(1);
      expect(await h.db.orm.select().from(h.db.t.webhookEvents).where(eq(h.db.t.webhookEvents.dedupeKey, params.MessageSid))).toHaveLength(1);
      expect((await candidateJson(id)).unreadCount).toBe(1);
    });

    it('a STOP delivered twice opts out once, with one confirmation', async () => {
      const { id, phone } = pool.next();
      const params = inboundParams(phone, 'STOP');
      expect((await post('/webhooks/twilio/inbound', params)).status).toBe(200);
      expect((await post('/webhooks/twilio/inbound', params)).status).toBe(200);
      expect(await candidateJson(id)).toMatchObject({ optedOut: true, reason: 'OPTED_OUT' });
      await h.services.outbox.drain();
      const confirmations = (await h.simulator.phoneMessages(phone)).filter((m) => m.direction === 'to-phone');
      expect(confirmations.map((m) => m.body)).toEqual([expect.stringMatching(/unsubscribed/i)]);
      const refused = await h.api('POST', `/api/candidates/${id}/messages`, { body: 'Hello?' });
      expect(refused.body.error.code).toBe('OPTED_OUT');
    });

    it('a WhatsApp text (From=whatsapp:+1...) is recorded as WhatsApp and opens the 24-hour window', async () => {
      const closed = await h.api('POST', '/api/candidates/10002/messages', { body: 'Hi James' });
      expect(closed.body.error.code).toBe('WHATSAPP_WINDOW_CLOSED');

      const res = await post('/webhooks/twilio/inbound', inboundParams('whatsapp:+13055550154', 'Hello on WhatsApp', newSid(), `whatsapp:${ACME_WHATSAPP}`));
      expect(res.status).toBe(200);
      const thread = (await h.api('GET', '/api/candidates/10002/messages')).body.messages as Message[];
      expect(thread.map((m) => [m.direction, m.channel, m.body])).toEqual([['inbound', 'whatsapp', 'Hello on WhatsApp']]);
      const row = (await first(h.db.orm.select().from(h.db.t.messages).where(eq(h.db.t.messages.body, 'Hello on WhatsApp'))))!;
      expect(row.fromAddress).toBe('+13055550154');
      expect(await candidateJson('10002')).toMatchObject({ whatsappWindowOpen: true, lastInboundAt: new Date(h.clock.now()).toISOString() });

      const open = await h.api('POST', '/api/candidates/10002/messages', { body: 'Hi James, thanks for writing!' });
      expect(open.status).toBe(202);
      expect(open.body.channel).toBe('whatsapp');
    });

    it('an inbound text without MessageSid or From is refused with 400 and not stored', async () => {
      const before = await counts();
      const { MessageSid: _m, SmsSid: _s, ...noSid } = inboundParams('+12125550101', 'Hello');
      const res = await post('/webhooks/twilio/inbound', noSid);
      expect(res.status).toBe(400);
      expect((await counts()).messages).toBe(before.messages);
    });
  });

  describe('status reports', () => {
    it('queued -> sent -> delivered are applied in order', async () => {
      const { id } = pool.next();
      const { messageId, sid } = await sentText(id);
      expect((await messageRow(messageId)).status).toBe('sending');

      expect((await post('/webhooks/twilio/status', statusParams(sid, 'queued'))).status).toBe(204);
      expect((await messageRow(messageId)).status).toBe('sending');

      expect((await post('/webhooks/twilio/status', statusParams(sid, 'sent'))).status).toBe(204);
      expect((await messageRow(messageId)).status).toBe('sent');

      h.clock.set(h.clock.now() + 5000);
      expect((await post('/webhooks/twilio/status', statusParams(sid, 'delivered'))).status).toBe(204);
      const row = await messageRow(messageId);
      expect(row.status).toBe('delivered');
      expect(row.deliveredAt).toBe(h.clock.now());
      const thread = (await h.api('GET', `/api/candidates/${id}/messages`)).body.messages as Message[];
      expect(thread[0]).toMatchObject({ status: 'delivered', deliveredAt: new Date(h.clock.now()).toISOString() });
    });

    it('never moves backwards: a late "sent" (or "queued") after "delivered" is ignored', async () => {
      const { id } = pool.next();
      const { messageId, sid } = await sentText(id);
      await post('/webhooks/twilio/status', statusParams(sid, 'delivered'));
      const delivered = await messageRow(messageId);
      expect(delivered.status).toBe('delivered');

      h.clock.set(h.clock.now() + 1000);
      expect((await post('/webhooks/twilio/status', statusParams(sid, 'sent'))).status).toBe(204);
      expect((await post('/webhooks/twilio/status', statusParams(sid, 'queued'))).status).toBe(204);
      const after = await messageRow(messageId);
      expect(after.status).toBe('delivered');
      expect(after.deliveredAt).toBe(delivered.deliveredAt);
      // The late reports are still in the audit log.
      expect(
        await h.db.orm
          .select()
          .from(h.db.t.webhookEvents)
          .where(eq(h.db.t.webhookEvents.dedupeKey, `${sid}:sent`)),
      ).toHaveLength(1);
    });

    it('a failure after delivery is ignored too (delivered stays delivered)', async () => {
      const { id } = pool.next();
      const { messageId, sid } = await sentText(id);
      await post('/webhooks/twilio/status', statusParams(sid, 'delivered'));
      await post('/webhooks/twilio/status', statusParams(sid, 'undelivered', { ErrorCode: '30003' }));
      expect(await messageRow(messageId)).toMatchObject({ status: 'delivered', errorCode: null });
    });

    it('the same status report twice is logged once', async () => {
      const { id } = pool.next();
      const { sid } = await sentText(id);
      await post('/webhooks/twilio/status', statusParams(sid, 'sent'));
      await post('/webhooks/twilio/status', statusParams(sid, 'sent'));
      expect(
        await h.db.orm
          .select()
          .from(h.db.t.webhookEvents)
          .where(eq(h.db.t.webhookEvents.dedupeKey, `${sid}:sent`)),
      ).toHaveLength(1);
    });

    it('failed with an ErrorCode records the code and a message', async () => {
      const { id } = pool.next();
      const { messageId, sid } = await sentText(id);
      const res = await post('/webhooks/twilio/status', statusParams(sid, 'failed', { ErrorCode: '30008', ErrorMessage: 'Unknown error' }));
      expect(res.status).toBe(204);
      expect(await messageRow(messageId)).toMatchObject({ status: 'failed', errorCode: '30008', errorMessage: 'Unknown error' });

      const other = pool.next();
      const second = await sentText(other.id);
      await post('/webhooks/twilio/status', statusParams(second.sid, 'undelivered', { ErrorCode: '30005' }));
      const row = await messageRow(second.messageId);
      expect(row).toMatchObject({ status: 'undelivered', errorCode: '30005' });
      // Twilio often sends no ErrorMessage: we describe the code ourselves.
      expect(row.errorMessage).toMatch(/unknown destination/i);
      const thread = (await h.api('GET', `/api/candidates/${other.id}/messages`)).body.messages as Message[];
      expect(thread[0]).toMatchObject({ status: 'undelivered', errorCode: '30005', errorMessage: row.errorMessage });
      // A carrier failure is not an opt-out.
      expect((await candidateJson(other.id)).optedOut).toBe(false);
    });

    it('ErrorCode 21610 (recipient unsubscribed) opts the candidate out', async () => {
      const { id } = pool.next();
      const { messageId, sid } = await sentText(id);
      await post('/webhooks/twilio/status', statusParams(sid, 'failed', { ErrorCode: '21610' }));
      expect(await messageRow(messageId)).toMatchObject({ status: 'failed', errorCode: '21610' });
      expect(await candidateJson(id)).toMatchObject({ optedOut: true, textable: false, reason: 'OPTED_OUT' });
      const row = (await first(h.db.orm.select().from(h.db.t.candidates).where(eq(h.db.t.candidates.atsId, id))))!;
      expect(row.optOutMethod).toBe('provider');
      const refused = await h.api('POST', `/api/candidates/${id}/messages`, { body: 'Hello again' });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('OPTED_OUT');
    });

    it('a report for an unknown MessageSid is logged but harmless', async () => {
      const before = await counts();
      const sid = newSid();
      const res = await post('/webhooks/twilio/status', statusParams(sid, 'delivered'));
      expect(res.status).toBe(204);
      const after = await counts();
      expect(after.messages).toBe(before.messages);
      expect(after.webhooks).toBe(before.webhooks + 1);
      const logged = (await first(
        h.db.orm
          .select()
          .from(h.db.t.webhookEvents)
          .where(eq(h.db.t.webhookEvents.dedupeKey, `${sid}:delivered`)),
      ))!;
      expect(logged).toMatchObject({ kind: 'status', orgId: null });
    });

    it('a report for an inbound message does not change it', async () => {
      const { phone } = pool.next();
      const params = inboundParams(phone, 'Inbound one');
      await post('/webhooks/twilio/inbound', params);
      await post('/webhooks/twilio/status', statusParams(params.MessageSid, 'failed', { ErrorCode: '21610' }));
      const row = (await first(h.db.orm.select().from(h.db.t.messages).where(eq(h.db.t.messages.providerSid, params.MessageSid))))!;
      expect(row).toMatchObject({ direction: 'inbound', status: 'received', errorCode: null });
    });

    it('a status report without MessageStatus is refused with 400', async () => {
      const res = await post('/webhooks/twilio/status', { MessageSid: newSid(), AccountSid: ACCOUNT_SID });
      expect(res.status).toBe(400);
    });
  });
});
