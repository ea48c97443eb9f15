import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';

describe('a campaign from draft to sent', () => {
  let h: Harness;
  beforeEach(async () => {
    // 10:00 in New York: inside texting hours for the eastern candidates.
    h = await createHarness({ now: '2026-03-03T15:00:00Z' });
  });
  afterEach(() => h.close());

  it('creates, reviews, sends to the eligible only, and reports progress', async () => {
    const created = await h.api('POST', '/api/campaigns', {
      name: 'Warehouse spring hiring',
      jobTitle: 'Warehouse Associate',
      candidateIds: ['10001', '10003', '10004', '10005', 'nope'],
    });
    expect(created.status).toBe(201);
    expect(created.body.campaign.status).toBe('draft');
    expect(created.body.candidates).toMatchObject({ added: 4, notFound: ['nope'] });
    expect(created.body.candidates.excluded.map((e: { reason: string }) => e.reason).sort()).toEqual(['NO_CONSENT', 'NO_MOBILE', 'OPTED_OUT']);
    const id = created.body.campaign.id;

    const draft = await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'Hi {{firstName}}, still interested in {{jobTitle}}?', sendAt: null });
    expect(draft.status).toBe(201);
    expect(draft.body.review).toMatchObject({ recipients: 4, eligible: 1, excluded: { NO_CONSENT: 1, NO_MOBILE: 1, OPTED_OUT: 1 } });
    expect(draft.body.review.previews[0].body).toBe('Hi Maria, still interested in Warehouse Associate?');

    const bad = await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'Hi {{first_name}}', sendAt: null });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });

    const sent = await h.api('POST', `/api/campaigns/${id}/messages/${draft.body.message.id}/schedule`);
    expect(sent.status).toBe(200);
    await h.advance(3000);
    expect((await h.simulator.received()).map((m) => [m.phone, m.body])).toEqual([['+12125550101', 'Hi Maria, still interested in Warehouse Associate?']]);
    const detail = await h.api('GET', `/api/campaigns/${id}`);
    expect(detail.body.status).toBe('sent');
    expect(detail.body.stats).toMatchObject({ sent: 1, delivered: 1, skipped: { NO_CONSENT: 1, NO_MOBILE: 1, OPTED_OUT: 1 }, queued: 0 });

    const late = await h.api('POST', `/api/campaigns/${id}/candidates`, { candidateIds: ['10010'] });
    expect(late).toMatchObject({ status: 409, body: { error: { code: 'CAMPAIGN_SENT' } } });
    const edit = await h.api('PATCH', `/api/campaigns/${id}/messages/${draft.body.message.id}`, { body: 'changed' });
    expect(edit).toMatchObject({ status: 409, body: { error: { code: 'MESSAGE_SENT' } } });
  });

  it('announces every change a recruiter makes (campaign.updated), not only sending progress', async () => {
    const seen: { name: string; recipients: number }[] = [];
    h.deps.events.subscribe(1, (e) => {
      if (e.type === 'campaign.updated') seen.push(e.data as { name: string; recipients: number });
    });
    const created = await h.api('POST', '/api/campaigns', { name: 'Spring', candidateIds: ['10001'] });
    const id = created.body.campaign.id;
    await h.advance(600);
    await h.api('PATCH', `/api/campaigns/${id}`, { name: 'Spring hiring' });
    await h.advance(600);
    await h.api('POST', `/api/campaigns/${id}/candidates`, { candidateIds: ['10009'] });
    await h.advance(600);
    expect(seen.map((c) => [c.name, c.recipients])).toEqual([
      ['Spring', 1],
      ['Spring hiring', 1],
      ['Spring hiring', 2],
    ]);
  });
});
