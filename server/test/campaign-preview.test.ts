/**
 * Reviewing without saving, and editing a scheduled message in one request:
 * - POST /api/campaigns/:id/preview writes no row and announces nothing, and answers exactly
 *   what saving the same message (POST /messages) would;
 * - PATCH /api/campaigns/:id/messages/:messageId on a scheduled message is one transaction: a
 *   refusal changes nothing, and other viewers never see anything between before and after (no
 *   throw-away draft, one campaign.updated).
 * 2026-03-03 13:00 UTC is 08:00 in New York, 05:00 in Los Angeles, 03:00 in Honolulu.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { HOUR, iso, orgIdOf, sendCampaign } from './support/campaigns.js';

const START = '2026-03-03T13:00:00.000Z';
const T0 = Date.parse(START);
/** Textable SMS in New York, Los Angeles and Honolulu; then WhatsApp with a closed window, no consent, opted out, no mobile. */
const CANDIDATES = ['10001', '10009', '10061', '10002', '10003', '10004', '10005'];

/** Every row a preview could have written, and the campaign's own stamp. */
async function footprint(h: Harness, campaignId: number) {
  const count = async (table: string) => (await h.sql.get<{ n: number }>(`select count(*) as n from ${table}`))!.n;
  return {
    campaignMessages: await count('campaign_messages'),
    campaignDeliveries: await count('campaign_deliveries'),
    campaignRecipients: await count('campaign_recipients'),
    messages: await count('messages'),
    campaign: await h.sql.get('select * from campaigns where id = ?', campaignId),
  };
}

describe('campaign message preview and atomic edit', () => {
  let h: Harness;
  let campaignId: number;
  let events: { type: string; data: { id: number; messages: { id: number; status: string; body: string }[] } }[];
  let unsubscribe: () => void;

  beforeEach(async () => {
    h = await createHarness({ now: START, env: { SEND_RATE_PER_SECOND: '1' } });
    const created = await h.api('POST', '/api/campaigns', { name: 'Preview', jobTitle: 'Forklift Operator', candidateIds: CANDIDATES });
    expect(created.status).toBe(201);
    campaignId = created.body.campaign.id;
    events = [];
    unsubscribe = h.deps.events.subscribe(await orgIdOf(h.db, 'acme'), (e) => {
      if (e.type === 'campaign.updated') events.push(e as (typeof events)[number]);
    });
    // Past the campaign.updated throttle of the creation, so each change below announces at once.
    await h.advance(1000);
  });
  afterEach(async () => {
    unsubscribe();
    await h.close();
  });

  it('writes nothing and answers what saving the same message would', async () => {
    const templates = (await h.api('GET', '/api/templates')).body.templates as { id: number; whatsappApproved: boolean }[];
    // An approved WhatsApp template, unedited, also reaches the WhatsApp candidate whose window is closed.
    const approved = templates.find((t) => t.whatsappApproved)!;
    const inputs = [
      { body: 'Hello from {{recruiterName}} about {{jobTitle}}, {{firstName}} ☕', sendAt: null },
      { body: `${'x'.repeat(150)} {{jobTitle}}`, sendAt: iso(T0 + 6 * HOUR) },
      { body: '', sendAt: null, templateId: approved.id },
    ];
    for (const input of inputs) {
      const before = await footprint(h, campaignId);
      const preview = await h.api('POST', `/api/campaigns/${campaignId}/preview`, input);
      expect(preview.status, JSON.stringify(preview.body)).toBe(200);
      // (No time passes before the save: the review's start time is "now".)
      expect(await footprint(h, campaignId)).toEqual(before);
      expect(events).toEqual([]);

      const saved = await h.api('POST', `/api/campaigns/${campaignId}/messages`, input);
      expect(saved.status).toBe(201);
      expect(preview.body.review).toEqual(saved.body.review);
      expect(preview.body.review.excluded.WHATSAPP_WINDOW_CLOSED).toBe(input.templateId ? undefined : 1);
      expect(preview.body.message).toEqual({ body: saved.body.message.body, templateId: saved.body.message.templateId, sendAt: saved.body.message.sendAt });
      await h.api('DELETE', `/api/campaigns/${campaignId}/messages/${saved.body.message.id}`);
      await h.advance(1000);
      events.length = 0;
    }
    expect((await footprint(h, campaignId)).campaignMessages).toBe(0);
  });

  it('refuses what saving would refuse, writing nothing', async () => {
    const before = await footprint(h, campaignId);
    const url = `/api/campaigns/${campaignId}/preview`;
    expect((await h.api('POST', url, { body: 'Hi {{first_name}}', sendAt: null })).body.error).toMatchObject({
      code: 'VALIDATION',
      details: { unknownFields: ['first_name'] },
    });
    expect((await h.api('POST', url, { body: 'z'.repeat(1601), sendAt: null })).status).toBe(400);
    expect((await h.api('POST', url, { body: 'Hi', sendAt: iso(T0 - HOUR) })).status).toBe(400);
    // Too long as written even when no recipient would receive it (nothing rendered to measure).
    const empty = (await h.api('POST', '/api/campaigns', { name: 'Nobody yet', candidateIds: [] })).body.campaign.id as number;
    const nobody = await h.api('POST', `/api/campaigns/${empty}/preview`, { body: 'z'.repeat(1601), sendAt: null });
    expect(nobody.body.error).toMatchObject({ code: 'VALIDATION', message: 'The message is 1601 characters as written; the limit is 1600.' });
    expect((await h.api('POST', `/api/campaigns/${empty}/messages`, { body: 'z'.repeat(1601), sendAt: null })).status).toBe(400);
    expect((await h.api('POST', url, { body: 'Hi', sendAt: null }, { email: 'nolicense@acme.test' })).body.error.code).toBe('NOT_LICENSED');
    expect((await h.api('POST', url, { body: 'Hi', sendAt: null }, { email: 'recruiter@globex.test' })).status).toBe(404);
    expect(await footprint(h, campaignId)).toEqual(before);
  });

  it('edits a scheduled message in one transaction: a refusal changes nothing, a reader sees before or after only', async () => {
    const d = await sendCampaign(h, { candidateIds: CANDIDATES.slice(0, 3), sendAt: iso(T0 + 2 * HOUR), body: 'First version' });
    const url = `/api/campaigns/${d.campaignId}/messages/${d.messageId}`;
    await h.advance(1000);
    events.length = 0;
    const dueAts = () => h.sql.all('select due_at as "dueAt" from campaign_deliveries where campaign_message_id = ?', d.messageId);
    const scheduledAt = await dueAts();
    expect(scheduledAt).toEqual([{ dueAt: T0 + 2 * HOUR }, { dueAt: T0 + 2 * HOUR }, { dueAt: T0 + 2 * HOUR }]);

    // Refused edits (an unknown field, a text too long, a time in the past) change nothing and tell nobody.
    const before = await footprint(h, d.campaignId);
    for (const patch of [
      { body: 'Hi {{fistName}}', sendAt: iso(T0 + 3 * HOUR) },
      { body: 'z'.repeat(1601), sendAt: iso(T0 + 3 * HOUR) },
      { body: 'Fine', sendAt: iso(T0 - HOUR) },
    ]) {
      expect((await h.api('PATCH', url, patch)).status).toBe(400);
    }
    await h.advance(1000);
    expect(await footprint(h, d.campaignId)).toEqual(before);
    expect(await dueAts()).toEqual(scheduledAt);
    expect(events).toEqual([]);

    // The Edit flow: Review (preview), then Save (one PATCH). Another viewer reading in between
    // sees the message as it was; the one event carries it as it is now.
    const edit = { body: 'Second version for {{firstName}}', sendAt: iso(T0 + 3 * HOUR), templateId: null };
    const preview = await h.api('POST', `/api/campaigns/${d.campaignId}/preview`, edit);
    expect(preview.body.review.previews[0].body).toBe('Second version for Maria');
    const meanwhile = await h.api('GET', `/api/campaigns/${d.campaignId}`);
    expect(meanwhile.body.messages).toMatchObject([{ id: d.messageId, status: 'scheduled', body: 'First version', sendAt: iso(T0 + 2 * HOUR) }]);
    const saved = await h.api('PATCH', url, edit);
    expect(saved.status).toBe(200);
    expect(saved.body.review).toEqual(preview.body.review);
    await h.advance(1000);
    expect(events).toHaveLength(1);
    expect(events[0]!.data.messages).toMatchObject([{ id: d.messageId, status: 'scheduled', body: edit.body, sendAt: edit.sendAt }]);
    expect((await footprint(h, d.campaignId)).campaignMessages).toBe(before.campaignMessages);
    expect(await dueAts()).toEqual(scheduledAt.map(() => ({ dueAt: T0 + 3 * HOUR })));

    // Nothing goes at the old time; the new text goes at the new one.
    await h.advance(T0 + 2 * HOUR + 30_000 - h.clock.now());
    expect(await h.simulator.received()).toEqual([]);
    await h.advance(HOUR);
    const bodies = (await h.simulator.received()).map((m) => m.body);
    expect(bodies).toContain('Second version for Maria');
    expect(bodies.every((b) => b.startsWith('Second version for '))).toBe(true);
  });
});
