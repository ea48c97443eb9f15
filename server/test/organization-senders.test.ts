/**
 * PATCH /api/organization's senders as the options page's Sending section uses them: all three
 * set and cleared (null: back to the server's), a sender another organisation has refused with
 * 409 SENDER_TAKEN naming it and its field, a malformed one with 400 VALIDATION naming the field,
 * and nothing changed by a refused request.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';

const GLOBEX = 'recruiter@globex.test';
const SERVICE = 'MG' + '0123456789abcdef'.repeat(2);

describe('the organisation’s senders (PATCH /api/organization)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ inboundGreeting: false });
  });
  afterEach(() => h.close());

  const senders = async (email?: string) => (await h.api('GET', '/api/organization', undefined, { email })).body.senders;

  it('sets all three, then clears them back to the server’s', async () => {
    const set = await h.api('PATCH', '/api/organization', { smsFrom: ' +14155550123 ', whatsappFrom: '+14155550124', messagingServiceSid: SERVICE });
    expect(set.status).toBe(200);
    expect(set.body.senders).toEqual({ smsFrom: '+14155550123', whatsappFrom: '+14155550124', messagingServiceSid: SERVICE });
    expect(await senders()).toEqual(set.body.senders);

    const cleared = await h.api('PATCH', '/api/organization', { smsFrom: null, whatsappFrom: null, messagingServiceSid: null });
    expect(cleared.status).toBe(200);
    expect(await senders()).toEqual({ smsFrom: null, whatsappFrom: null, messagingServiceSid: null });
  });

  it('a number or Messaging Service another organisation has is 409 SENDER_TAKEN naming it and its field; nothing changes', async () => {
    const globex = await senders(GLOBEX);
    const before = await senders();
    const number = await h.api('PATCH', '/api/organization', { whatsappFrom: '+14155550199', smsFrom: globex.smsFrom });
    expect(number.status).toBe(409);
    expect(number.body.error).toEqual({
      code: 'SENDER_TAKEN',
      message: `Another organization already sends from ${globex.smsFrom}.`,
      details: { field: 'smsFrom' },
    });
    expect(await senders()).toEqual(before);

    expect((await h.api('PATCH', '/api/organization', { messagingServiceSid: SERVICE }, { email: GLOBEX })).status).toBe(200);
    const service = await h.api('PATCH', '/api/organization', { messagingServiceSid: SERVICE });
    expect(service.status).toBe(409);
    expect(service.body.error).toMatchObject({ message: `Another organization already sends from ${SERVICE}.`, details: { field: 'messagingServiceSid' } });
  });

  it('a number is one organisation’s in any field: another’s WhatsApp number is taken for SMS too', async () => {
    expect((await h.api('PATCH', '/api/organization', { whatsappFrom: '+14155550177' })).status).toBe(200);
    const taken = await h.api('PATCH', '/api/organization', { smsFrom: '+14155550177' }, { email: GLOBEX });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'SENDER_TAKEN', details: { field: 'smsFrom' } });
    // An organisation may use its own number for both.
    expect((await h.api('PATCH', '/api/organization', { smsFrom: '+14155550177' })).status).toBe(200);
  });

  it('a malformed sender is 400 VALIDATION naming the field', async () => {
    const bad = await h.api('PATCH', '/api/organization', { smsFrom: '+1 415 555 0123' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/^smsFrom: Use an E\.164 number/),
      details: { field: 'smsFrom' },
    });
    const sid = await h.api('PATCH', '/api/organization', { messagingServiceSid: 'MG123' });
    expect(sid.body.error).toMatchObject({ code: 'VALIDATION', details: { field: 'messagingServiceSid' } });
    expect((await h.api('PATCH', '/api/organization', { smsFrom: '' })).status).toBe(400);
  });
});
