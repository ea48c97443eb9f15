/**
 * U+0000 (NUL), which PostgreSQL's text cannot hold and SQLite can: both engines behave the same.
 * Text a caller sends through the API is refused (400 VALIDATION naming the field), before anything
 * is written; text a provider sends (an inbound text, a profile name, a report) cannot be refused,
 * so it is stored without the character.
 */
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../shared/api.js';
import { NUL_REFUSED } from '../../shared/contract/define.js';
import { createHarness, TEST_AUTH_TOKEN, type Harness } from './harness.js';
import { candidatePool } from './support/demo-candidates.js';
import { testEngine } from './support/test-db.js';

const PUBLIC_URL = 'http://te.test';
const ACME_SMS = '+12025550100';
const newSid = () => 'SM' + randomBytes(16).toString('hex');

describe(`NUL characters on ${testEngine}`, () => {
  let h: Harness;
  const pool = candidatePool('sms');
  beforeAll(async () => {
    h = await createHarness({ start: false, inboundGreeting: false });
  });
  afterAll(() => h.close());

  const rows = async () => ({
    messages: (await h.sql.get<{ n: number }>('select count(*) as n from messages'))!.n,
    templates: (await h.sql.get<{ n: number }>('select count(*) as n from templates'))!.n,
    campaigns: (await h.sql.get<{ n: number }>('select count(*) as n from campaigns'))!.n,
  });

  describe('typed through the API: 400 VALIDATION naming the field, nothing written', () => {
    it.each<[string, string, string, unknown, string]>([
      ['a message body', 'POST', '/api/candidates/10001/messages', { body: 'Hi\u0000 there' }, 'body'],
      ['a template name', 'POST', '/api/templates', { name: 'Fol\u0000low-up', body: 'Hello {{firstName}}' }, 'name'],
      ['a template body', 'POST', '/api/templates', { name: 'Follow-up', body: 'Hello\u0000 {{firstName}}' }, 'body'],
      ['a campaign name', 'POST', '/api/campaigns', { name: 'Spring\u0000 hiring' }, 'name'],
      ['a candidate name from the ATS', 'PUT', '/api/candidates/NUL-1', { firstName: 'Ma\u0000ria', lastName: 'Lopez' }, 'firstName'],
    ])('%s', async (_what, method, path, body, field) => {
      const before = await rows();
      const res = await h.api(method, path, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION', message: `${field}: ${NUL_REFUSED}`, details: { field } });
      expect(await rows()).toEqual(before);
    });

    it('in a query value too (a search), rather than a database error on one engine and nothing found on the other', async () => {
      const res = await h.api('GET', `/api/candidates?query=${encodeURIComponent('Ma\u0000ria')}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION', message: `query: ${NUL_REFUSED}` });
    });
  });

  describe('sent by a provider: stored without it', () => {
    async function postSigned(path: '/webhooks/twilio/inbound' | '/webhooks/twilio/status', params: Record<string, string>) {
      const res = await h.app.request(path, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': getExpectedTwilioSignature(TEST_AUTH_TOKEN, PUBLIC_URL + path, params),
        },
        body: new URLSearchParams(params).toString(),
      });
      return res.status;
    }

    it('an inbound text and its profile name: the text in the thread and the logged payload lack the NUL', async () => {
      const { id, phone } = pool.next();
      const sid = newSid();
      const params = { MessageSid: sid, SmsSid: sid, From: phone, To: ACME_SMS, Body: 'Yes\u0000 please', ProfileName: 'Ma\u0000ria', NumMedia: '0' };
      expect(await postSigned('/webhooks/twilio/inbound', params)).toBe(200);
      const thread = (await h.api('GET', `/api/candidates/${id}/messages`)).body.messages as Message[];
      expect(thread.map((m) => [m.direction, m.body])).toEqual([['inbound', 'Yes please']]);
      const { webhookEvents } = h.db.t;
      const [logged] = await h.db.orm
        .select({ payload: webhookEvents.payload })
        .from(webhookEvents)
        .where(and(eq(webhookEvents.kind, 'inbound'), eq(webhookEvents.dedupeKey, sid)));
      expect(logged!.payload).toEqual({ ...params, Body: 'Yes please', ProfileName: 'Maria' });
    });

    it('a delivery report whose error message has one: applied, its words kept without it', async () => {
      const { id } = pool.next();
      const sent = await h.api('POST', `/api/candidates/${id}/messages`, { body: 'Hello' });
      expect(sent.status).toBe(202);
      await h.services.outbox.drain();
      const { messages } = h.db.t;
      const [row] = await h.db.orm.select({ sid: messages.providerSid }).from(messages).where(eq(messages.id, sent.body.id));
      const params = { MessageSid: row!.sid!, MessageStatus: 'undelivered', ErrorCode: '30003', ErrorMessage: 'Unreach\u0000able handset' };
      expect(await postSigned('/webhooks/twilio/status', params)).toBe(204);
      const [after] = await h.db.orm.select({ status: messages.status, error: messages.errorMessage }).from(messages).where(eq(messages.id, sent.body.id));
      expect(after).toEqual({ status: 'undelivered', error: 'Unreachable handset' });
    });

    it('a reply typed on the simulator’s phone', async () => {
      const { id, phone } = pool.next();
      await h.simulator.reply(phone, 'On\u0000 my way');
      const thread = (await h.api('GET', `/api/candidates/${id}/messages`)).body.messages as Message[];
      expect(thread.map((m) => m.body)).toEqual(['On my way']);
      expect((await h.simulator.phoneMessages(phone)).map((m) => m.body)).toEqual(['On my way']);
    });
  });
});
