/**
 * The campaign API end to end, through its lifecycle: every endpoint, every refusal,
 * the review a recruiter sees before Send/Save, and the progress events while it sends.
 * Time is a FakeClock: 2026-03-03 13:00 UTC is 08:00 in New York, 05:00 in Los Angeles and
 * 03:00 in Honolulu.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { first } from '../db/types.js';
import { createHarness, type Harness } from './harness.js';
import { HOUR, bulkCandidates, draftCampaign, insertCandidates, iso, orgIdOf, phoneOf, recruiterIdOf, sendCampaign, textableSms } from './support/campaigns.js';

const START = '2026-03-03T13:00:00.000Z';
const T0 = Date.parse(START);

/** Maria Garcia (New York), 伟 王 (Los Angeles), Wyatt Kowalski (Honolulu): textable SMS. */
const NY = '10001';
const LA = '10009';
const HNL = '10061';
/** WhatsApp without an open window, no consent, opted out, no mobile. */
const NOT_TEXTABLE = ['10002', '10003', '10004', '10005'];

const errorCode = (res: { body: { error?: { code?: string } } | null }) => res.body?.error?.code;

describe('campaign lifecycle', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ now: START, env: { SEND_RATE_PER_SECOND: '1' } });
  });
  afterEach(() => h.close());

  describe('create, list, get', () => {
    it('creates a draft (201), reporting unknown ids and ignoring duplicates', async () => {
      const res = await h.api('POST', '/api/campaigns', {
        name: '  Spring hiring  ',
        jobTitle: 'Forklift Operator',
        description: 'Warehouse roles, day shift',
        candidateIds: [NY, NY, LA, 'nobody', NY, '10003'],
      });
      expect(res.status).toBe(201);
      expect(res.body.campaign).toMatchObject({
        name: 'Spring hiring',
        jobTitle: 'Forklift Operator',
        description: 'Warehouse roles, day shift',
        status: 'draft',
        recipients: 3,
        eligible: 2,
        excluded: { NO_CONSENT: 1 },
        messages: [],
        sentAt: null,
        nextSendAt: null,
        assistant: { enabled: false, sequenceId: null },
        createdBy: { name: 'Jordan Avery' },
      });
      expect(res.body.candidates).toMatchObject({ added: 3, alreadyIn: 0, notFound: ['nobody'], recipients: 3, warning: null });
      expect(res.body.candidates.excluded).toEqual([{ id: '10003', firstName: 'Aisha', lastName: 'Khan', reason: 'NO_CONSENT' }]);

      const empty = await h.api('POST', '/api/campaigns', { name: 'No one yet' });
      expect(empty.status).toBe(201);
      expect(empty.body).toMatchObject({ campaign: { status: 'draft', recipients: 0 }, candidates: null });

      expect(errorCode(await h.api('POST', '/api/campaigns', { name: '   ' }))).toBe('VALIDATION');
      expect((await h.api('POST', '/api/campaigns', {})).status).toBe(400);
    });

    it('lists by status and by creator, and shows counts, messages and live stats', async () => {
      const draft = await h.api('POST', '/api/campaigns', { name: 'Draft one', candidateIds: [NY] });
      const scheduled = await sendCampaign(h, { name: 'Later', candidateIds: [NY, LA], sendAt: iso(T0 + 2 * HOUR) });
      const sent = await sendCampaign(h, { name: 'Now', candidateIds: [NY, '10003'] });
      // A campaign another recruiter of Acme made (the unlicensed one cannot create any: written directly).
      await h.sql.run(
        `insert into campaigns (org_id, created_by, name, status, created_at, updated_at) values (?, ?, 'Sam''s', 'draft', ?, ?)`,
        await orgIdOf(h.db, 'acme'),
        await recruiterIdOf(h.db, 'nolicense@acme.test'),
        T0,
        T0,
      );
      await h.advance(3000);

      const names = async (query: string, email?: string) =>
        ((await h.api('GET', `/api/campaigns${query}`, undefined, { email })).body.campaigns as { name: string }[]).map((c) => c.name).sort();
      expect(await names('')).toEqual(['Draft one', 'Later', 'Now', "Sam's"]);
      expect(await names('?status=draft')).toEqual(['Draft one', "Sam's"]);
      expect(await names('?status=scheduled')).toEqual(['Later']);
      expect(await names('?status=sent')).toEqual(['Now']);
      expect(await names('?status=sending')).toEqual([]);
      expect(await names('?mine=true')).toEqual(['Draft one', 'Later', 'Now']);
      expect(await names('?mine=true&status=draft')).toEqual(['Draft one']);
      expect(await names('?mine=false')).toEqual(['Draft one', 'Later', 'Now', "Sam's"]);
      expect(await names('?mine=true', 'nolicense@acme.test')).toEqual(["Sam's"]);
      expect((await h.api('GET', '/api/campaigns?status=bogus')).status).toBe(400);
      expect(await names('', 'recruiter@globex.test')).toEqual([]);

      const later = await h.api('GET', `/api/campaigns/${scheduled.campaignId}`);
      expect(later.status).toBe(200);
      expect(later.body).toMatchObject({
        status: 'scheduled',
        recipients: 2,
        eligible: 2,
        nextSendAt: iso(T0 + 2 * HOUR),
        stats: { recipients: 2, total: 2, queued: 2, sent: 0, done: 0 },
      });
      expect(later.body.messages).toEqual([
        expect.objectContaining({ id: scheduled.messageId, status: 'scheduled', editable: true, sendAt: iso(T0 + 2 * HOUR), scheduledAt: START }),
      ]);

      const now = await h.api('GET', `/api/campaigns/${sent.campaignId}`);
      expect(now.body).toMatchObject({
        status: 'sent',
        sentAt: expect.any(String),
        recipients: 2,
        eligible: 1,
        excluded: { NO_CONSENT: 1 },
        stats: { recipients: 2, total: 2, queued: 0, sent: 1, delivered: 1, failed: 0, skipped: { NO_CONSENT: 1 }, replied: 0, optedOut: 0, done: 2 },
      });
      expect(now.body.messages[0]).toMatchObject({ status: 'sent', editable: false, startedAt: START, completedAt: expect.any(String) });

      // Replies and opt-outs move the numbers.
      await h.simulator.reply(await phoneOf(h.db, NY), 'Yes please');
      await h.simulator.reply(await phoneOf(h.db, NY), 'STOP');
      await h.advance(2000);
      const after = await h.api('GET', `/api/campaigns/${sent.campaignId}`);
      expect(after.body.stats).toMatchObject({ replied: 1, optedOut: 1 });

      // The Candidates tab shows what happened to each.
      const tab = await h.api('GET', `/api/campaigns/${sent.campaignId}/candidates`);
      expect(tab.status).toBe(200);
      expect(tab.body.total).toBe(2);
      const byId = Object.fromEntries(tab.body.recipients.map((r: { id: string }) => [r.id, r]));
      expect(byId[NY]).toMatchObject({ replied: true, delivery: { status: 'queued', messageStatus: 'delivered' } });
      expect(byId['10003']).toMatchObject({ textable: false, reason: 'NO_CONSENT', delivery: { status: 'skipped', reason: 'NO_CONSENT' } });

      expect(draft.status).toBe(201);
      expect(errorCode(await h.api('GET', '/api/campaigns/999999'))).toBe('NOT_FOUND');
      expect(errorCode(await h.api('GET', '/api/campaigns/abc'))).toBe('VALIDATION');
    });
  });

  describe('PATCH and DELETE a campaign', () => {
    it('edits name, job title and description; clears optional fields with null', async () => {
      const { body } = await h.api('POST', '/api/campaigns', { name: 'Old', jobTitle: 'Cook', description: 'd' });
      const id = body.campaign.id;
      const res = await h.api('PATCH', `/api/campaigns/${id}`, { name: 'New name', jobTitle: 'Line Cook', description: 'Evenings' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'New name', jobTitle: 'Line Cook', description: 'Evenings' });
      const cleared = await h.api('PATCH', `/api/campaigns/${id}`, { jobTitle: null, description: '' });
      expect(cleared.body).toMatchObject({ name: 'New name', jobTitle: null, description: null });
      expect((await h.api('PATCH', `/api/campaigns/${id}`, {})).status).toBe(400);
      expect(errorCode(await h.api('PATCH', `/api/campaigns/${id}`, { name: '' }))).toBe('VALIDATION');
    });

    it('enables Ari with an outbound sequence, and refuses what does not fit', async () => {
      const acme = await orgIdOf(h.db, 'acme');
      const insertSequence = async (orgId: number, kind: string, name: string) =>
        (await h.sql.get<{ id: number }>(
          `insert into sequences (org_id, kind, name, definition, created_at, updated_at) values (?, ?, ?, '{"steps":[]}', ?, ?) returning id`,
          orgId,
          kind,
          name,
          T0,
          T0,
        ))!.id;
      const outbound = await insertSequence(acme, 'outbound', 'Screening');
      const inbound = await insertSequence(acme, 'inbound', 'Primary');
      const globexSequence = await insertSequence(await orgIdOf(h.db, 'globex'), 'outbound', 'Theirs');

      const id = (await h.api('POST', '/api/campaigns', { name: 'With Ari' })).body.campaign.id;
      const noSequence = await h.api('PATCH', `/api/campaigns/${id}`, { assistant: { enabled: true } });
      expect(noSequence).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
      expect(errorCode(await h.api('PATCH', `/api/campaigns/${id}`, { assistant: { enabled: true, sequenceId: 987654 } }))).toBe('NOT_FOUND');
      expect((await h.api('PATCH', `/api/campaigns/${id}`, { assistant: { enabled: true, sequenceId: globexSequence } })).status).toBe(404);
      expect((await h.api('PATCH', `/api/campaigns/${id}`, { assistant: { enabled: true, sequenceId: inbound } })).status).toBe(400);

      const on = await h.api('PATCH', `/api/campaigns/${id}`, { assistant: { enabled: true, sequenceId: outbound } });
      expect(on.status).toBe(200);
      expect(on.body.assistant).toEqual({ enabled: true, sequenceId: outbound });
      // Turning it back on later remembers the sequence.
      expect((await h.api('PATCH', `/api/campaigns/${id}`, { assistant: { enabled: false } })).body.assistant).toEqual({
        enabled: false,
        sequenceId: outbound,
      });
      expect((await h.api('PATCH', `/api/campaigns/${id}`, { assistant: { enabled: true } })).body.assistant).toEqual({ enabled: true, sequenceId: outbound });

      // Globex does not subscribe to the assistant.
      const theirs = (await h.api('POST', '/api/campaigns', { name: 'Globex' }, { email: 'recruiter@globex.test' })).body.campaign.id;
      const refused = await h.api(
        'PATCH',
        `/api/campaigns/${theirs}`,
        { assistant: { enabled: true, sequenceId: globexSequence } },
        { email: 'recruiter@globex.test' },
      );
      expect(refused).toMatchObject({ status: 403, body: { error: { code: 'ASSISTANT_NOT_SUBSCRIBED' } } });
    });

    it('deletes a draft or a scheduled campaign, never one that is sending or sent', async () => {
      const draft = await draftCampaign(h, { candidateIds: [NY] });
      expect((await h.api('DELETE', `/api/campaigns/${draft.campaignId}`)).status).toBe(204);
      expect((await h.api('GET', `/api/campaigns/${draft.campaignId}`)).status).toBe(404);
      expect((await h.api('DELETE', `/api/campaigns/${draft.campaignId}`)).status).toBe(404);

      const later = await sendCampaign(h, { candidateIds: [NY], sendAt: iso(T0 + HOUR) });
      expect((await h.api('DELETE', `/api/campaigns/${later.campaignId}`)).status).toBe(204);
      await h.advance(HOUR + 5000);
      expect(await h.simulator.received()).toEqual([]);

      // Sending: Honolulu waits for 08:00 there while New York has been texted.
      const sending = await sendCampaign(h, { candidateIds: [NY, HNL] });
      await h.advance(3000);
      expect((await h.api('GET', `/api/campaigns/${sending.campaignId}`)).body.status).toBe('sending');
      const whileSending = await h.api('DELETE', `/api/campaigns/${sending.campaignId}`);
      expect(whileSending).toMatchObject({ status: 409, body: { error: { code: 'CAMPAIGN_SENT' } } });

      const sent = await sendCampaign(h, { candidateIds: [NY] });
      await h.advance(3000);
      expect((await h.api('GET', `/api/campaigns/${sent.campaignId}`)).body.status).toBe('sent');
      expect(errorCode(await h.api('DELETE', `/api/campaigns/${sent.campaignId}`))).toBe('CAMPAIGN_SENT');
      expect((await h.api('GET', `/api/campaigns/${sent.campaignId}`)).status).toBe(200);
    });

    it('a campaign whose text the provider may already have is never deleted, even if its status lags (409 CAMPAIGN_SENT)', async () => {
      const id = (await sendCampaign(h, { candidateIds: [NY], sendAt: iso(T0 + HOUR) })).campaignId;
      const { campaigns, candidates, messages } = h.db.t;
      const campaign = (await first(h.db.orm.select().from(campaigns).where(eq(campaigns.id, id))))!;
      expect(campaign.status).toBe('scheduled');
      const candidate = (await first(h.db.orm.select().from(candidates).where(eq(candidates.atsId, NY))))!;
      // A text of this campaign handed to the provider, as the dispatcher leaves it mid-send.
      await h.db.orm.insert(messages).values({
        orgId: campaign.orgId,
        candidateId: candidate.id,
        direction: 'outbound',
        channel: 'sms',
        body: 'Hi',
        encoding: 'GSM-7',
        segments: 1,
        status: 'sending',
        sender: 'recruiter',
        campaignId: id,
        handedOffAt: h.clock.now(),
        createdAt: h.clock.now(),
        updatedAt: h.clock.now(),
      });
      expect(errorCode(await h.api('DELETE', `/api/campaigns/${id}`))).toBe('CAMPAIGN_SENT');
      expect((await h.api('GET', `/api/campaigns/${id}`)).status).toBe(200);
    });
  });

  describe('recipients', () => {
    it('adds (duplicates ignored, not textable reported with reasons) and removes', async () => {
      const id = (await h.api('POST', '/api/campaigns', { name: 'Adds', candidateIds: [NY] })).body.campaign.id;
      const res = await h.api('POST', `/api/campaigns/${id}/candidates`, { candidateIds: [NY, LA, LA, ...NOT_TEXTABLE, 'ghost', '20001'] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ added: 5, alreadyIn: 1, notFound: ['ghost', '20001'], recipients: 6, warning: null });
      expect(Object.fromEntries(res.body.excluded.map((e: { id: string; reason: string }) => [e.id, e.reason]))).toEqual({
        '10002': 'WHATSAPP_WINDOW_CLOSED',
        '10003': 'NO_CONSENT',
        '10004': 'OPTED_OUT',
        '10005': 'NO_MOBILE',
      });
      const again = await h.api('POST', `/api/campaigns/${id}/candidates`, { candidateIds: [NY, LA] });
      expect(again.body).toMatchObject({ added: 0, alreadyIn: 2, recipients: 6 });
      expect((await h.api('POST', `/api/campaigns/${id}/candidates`, { candidateIds: [] })).status).toBe(400);

      const removed = await h.api('DELETE', `/api/campaigns/${id}/candidates/${LA}`);
      expect(removed).toMatchObject({ status: 200, body: { recipients: 5 } });
      expect(errorCode(await h.api('DELETE', `/api/campaigns/${id}/candidates/${LA}`))).toBe('NOT_FOUND');
      expect(errorCode(await h.api('DELETE', `/api/campaigns/${id}/candidates/ghost`))).toBe('NOT_FOUND');
      const detail = await h.api('GET', `/api/campaigns/${id}`);
      expect(detail.body).toMatchObject({ recipients: 5, eligible: 1, excluded: { WHATSAPP_WINDOW_CLOSED: 1, NO_CONSENT: 1, OPTED_OUT: 1, NO_MOBILE: 1 } });
      const tab = await h.api('GET', `/api/campaigns/${id}/candidates?limit=2`);
      expect(tab.body).toMatchObject({ total: 5, nextOffset: 2 });
      expect(tab.body.recipients).toHaveLength(2);
    });

    it('warns above 500 recipients', async () => {
      await insertCandidates(h.db, 'acme', bulkCandidates('w', 501));
      const id = (await h.api('POST', '/api/campaigns', { name: 'Big' })).body.campaign.id;
      const first = await h.api('POST', `/api/campaigns/${id}/candidates`, { candidateIds: bulkCandidates('w', 500).map((c) => c.atsId) });
      expect(first.body).toMatchObject({ added: 500, recipients: 500, warning: null });
      const over = await h.api('POST', `/api/campaigns/${id}/candidates`, { candidateIds: ['w501'] });
      expect(over.body).toMatchObject({ added: 1, recipients: 501, warning: { code: 'OVER_RECOMMENDED_SIZE' } });
      const review = await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'Hello', sendAt: null });
      expect(review.body.review.warnings.map((w: { code: string }) => w.code)).toContain('OVER_RECOMMENDED_SIZE');
      expect(review.body.review.eligible).toBe(501);
    });

    it('refuses more than the configured hard cap with 400 CAMPAIGN_TOO_LARGE, adding nothing', async () => {
      const small = await createHarness({ now: START, env: { CAMPAIGN_MAX_RECIPIENTS: '5' } });
      try {
        const six = ['10001', '10007', '10008', '10009', '10011', '10012'];
        const atCreate = await small.api('POST', '/api/campaigns', { name: 'Too big', candidateIds: six });
        expect(atCreate).toMatchObject({ status: 400, body: { error: { code: 'CAMPAIGN_TOO_LARGE', details: { max: 5 } } } });
        expect((await small.api('GET', '/api/campaigns')).body.campaigns).toEqual([]);

        const id = (await small.api('POST', '/api/campaigns', { name: 'Capped', candidateIds: six.slice(0, 3) })).body.campaign.id;
        const over = await small.api('POST', `/api/campaigns/${id}/candidates`, { candidateIds: six.slice(3) });
        expect(over).toMatchObject({ status: 400, body: { error: { code: 'CAMPAIGN_TOO_LARGE', details: { max: 5, wouldHave: 6 } } } });
        expect((await small.api('GET', `/api/campaigns/${id}`)).body.recipients).toBe(3);
        // Already-present ids do not count twice.
        const fits = await small.api('POST', `/api/campaigns/${id}/candidates`, { candidateIds: [...six.slice(0, 3), ...six.slice(3, 5)] });
        expect(fits.body).toMatchObject({ added: 2, alreadyIn: 3, recipients: 5 });
      } finally {
        await small.close();
      }
    });
  });

  describe('campaign messages: review', () => {
    async function campaignWith(jobTitle: string | null, ids = [NY, LA, HNL, ...NOT_TEXTABLE]) {
      return (await h.api('POST', '/api/campaigns', { name: 'Review', jobTitle, candidateIds: ids })).body.campaign.id as number;
    }

    it('reviews recipients, exclusions, previews, quiet hours and the completion time', async () => {
      const id = await campaignWith('Forklift Operator');
      const res = await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'Hello from Acme about {{jobTitle}}, {{lastName}}.', sendAt: null });
      expect(res.status).toBe(201);
      expect(res.body.message).toMatchObject({ campaignId: id, status: 'draft', editable: true, sendAt: null, scheduledAt: null });
      const review = res.body.review;
      expect(review).toMatchObject({
        recipients: 7,
        eligible: 3,
        excluded: { WHATSAPP_WINDOW_CLOSED: 1, NO_CONSENT: 1, OPTED_OUT: 1, NO_MOBILE: 1 },
        // 王 is not GSM-7: that recipient's text is UCS-2, so the review says so.
        encoding: 'UCS-2',
        segments: { min: 1, max: 1, total: 3 },
        startsAt: START,
        ratePerSecond: 1,
      });
      expect(review.excludedCandidates.map((e: { id: string }) => e.id).sort()).toEqual(NOT_TEXTABLE);
      // Ordered by name: Garcia, Kowalski, 王. The campaign's job title wins over the candidate's.
      expect(review.previews).toEqual([
        { candidateId: NY, name: 'Maria Garcia', body: 'Hello from Acme about Forklift Operator, Garcia.', segments: 1 },
        { candidateId: HNL, name: 'Wyatt Kowalski', body: 'Hello from Acme about Forklift Operator, Kowalski.', segments: 1 },
        { candidateId: LA, name: '伟 王', body: 'Hello from Acme about Forklift Operator, 王.', segments: 1 },
      ]);
      // New York is at 08:00: at once. Los Angeles opens at 16:00 UTC, Honolulu at 18:00 UTC.
      expect(review.quietHours).toEqual({
        count: 2,
        window: { start: '08:00', end: '21:00' },
        byTimeZone: expect.arrayContaining([
          { timeZone: 'America/Los_Angeles', count: 1, sendsAt: '2026-03-03T16:00:00.000Z' },
          { timeZone: 'Pacific/Honolulu', count: 1, sendsAt: '2026-03-03T18:00:00.000Z' },
        ]),
      });
      expect(review.quietHours.byTimeZone).toHaveLength(2);
      // One segment a second: the last (Honolulu) leaves at 18:00:00 and takes a second.
      expect(review.estimatedCompletionAt).toBe('2026-03-03T18:00:01.000Z');
      expect(review.warnings.map((w: { code: string }) => w.code)).toEqual(['QUIET_HOURS', 'UNICODE']);

      // The same via GET.
      const again = await h.api('GET', `/api/campaigns/${id}/messages/${res.body.message.id}`);
      expect(again.body.review).toEqual(review);
    });

    it('renders {{jobTitle}} from the candidate when the campaign has none, and per recipient', async () => {
      const id = await campaignWith(null, [NY, LA, HNL]);
      const res = await h.api('POST', `/api/campaigns/${id}/messages`, {
        body: 'Hi {{firstName}}, still keen on {{ jobTitle }}? {{recruiterName}}',
        sendAt: null,
      });
      expect(res.body.review.previews.map((p: { body: string }) => p.body)).toEqual([
        'Hi Maria, still keen on Warehouse Associate? Jordan Avery',
        'Hi Wyatt, still keen on Software Engineer? Jordan Avery',
        'Hi 伟, still keen on Customer Service Representative? Jordan Avery',
      ]);
      // 伟 is not GSM-7: that recipient's text is UCS-2.
      expect(res.body.review.encoding).toBe('UCS-2');
      expect(res.body.review.warnings.map((w: { code: string }) => w.code)).toContain('UNICODE');

      // A merge field some recipient has no value for: that one is excluded, not texted a blank.
      await insertCandidates(h.db, 'acme', [{ atsId: 'nojob', firstName: 'Nia', lastName: 'Abara', phone: '+12125553001', jobTitle: null }]);
      await h.api('POST', `/api/campaigns/${id}/candidates`, { candidateIds: ['nojob'] });
      const missing = await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'About {{jobTitle}}', sendAt: null });
      expect(missing.body.review).toMatchObject({ eligible: 3, excluded: { MISSING_MERGE_FIELD: 1 } });
      expect(missing.body.review.excludedCandidates).toContainEqual({ id: 'nojob', firstName: 'Nia', lastName: 'Abara', reason: 'MISSING_MERGE_FIELD' });
    });

    it('counts encoding and segments for UCS-2 and multi-segment bodies', async () => {
      const id = await campaignWith('Forklift Operator', [NY, HNL]);
      const review = async (body: string) => {
        const res = await h.api('POST', `/api/campaigns/${id}/messages`, { body, sendAt: null });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        return res.body.review;
      };
      const gsm = await review('Hello {{firstName}}, about {{jobTitle}}');
      expect(gsm).toMatchObject({ encoding: 'GSM-7', segments: { min: 1, max: 1, total: 2 }, warnings: [{ code: 'QUIET_HOURS' }] });
      const ucs = await review('Coffee ☕ with us? {{jobTitle}}');
      expect(ucs).toMatchObject({ encoding: 'UCS-2', segments: { min: 1, max: 1, total: 2 } });
      expect(ucs.warnings.map((w: { code: string }) => w.code)).toContain('UNICODE');

      // 150 + ' ' + 'Forklift Operator' = 168 GSM-7 characters: two segments of 153.
      const long = await review(`${'x'.repeat(150)} {{jobTitle}}`);
      expect(long).toMatchObject({ encoding: 'GSM-7', characters: 168, segments: { min: 2, max: 2, total: 4 } });
      expect(long.previews[0].segments).toBe(2);
      expect(long.warnings.map((w: { code: string }) => w.code)).toContain('MULTIPART');

      // 81 UCS-2 characters: two segments of 67; 140 → three.
      expect(await review(`☕${'y'.repeat(80)}`)).toMatchObject({ encoding: 'UCS-2', characters: 81, segments: { min: 2, max: 2, total: 4 } });
      expect(await review(`☕${'y'.repeat(139)}`)).toMatchObject({ encoding: 'UCS-2', characters: 140, segments: { min: 3, max: 3 } });
      // At the estimated rate a two-segment text takes two seconds: New York now, Honolulu at 18:00.
      expect(long.estimatedCompletionAt).toBe('2026-03-03T18:00:02.000Z');

      // Over 1,600 characters once rendered: refused.
      expect((await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'z'.repeat(1601), sendAt: null })).status).toBe(400);
    });

    it('refuses unknown merge fields at review with 400, on create and on edit', async () => {
      const id = await campaignWith('Cook', [NY]);
      const bad = await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'Hi {{first_name}} {{ salary }}', sendAt: null });
      expect(bad).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', details: { unknownFields: ['first_name', 'salary'] } } } });
      expect((await h.api('GET', `/api/campaigns/${id}`)).body.messages).toEqual([]);

      const ok = await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'Hi {{firstName}}', sendAt: null });
      const edit = await h.api('PATCH', `/api/campaigns/${id}/messages/${ok.body.message.id}`, { body: 'Hi {{fistName}}' });
      expect(edit).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', details: { unknownFields: ['fistName'] } } } });
      expect((await h.api('GET', `/api/campaigns/${id}/messages/${ok.body.message.id}`)).body.message.body).toBe('Hi {{firstName}}');

      expect((await h.api('POST', `/api/campaigns/${id}/messages`, { body: '   ', sendAt: null })).status).toBe(400);
      expect((await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'x', sendAt: 'tomorrow' })).status).toBe(400);
      expect((await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'x', sendAt: iso(T0 - HOUR) })).status).toBe(400);
      expect((await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'x', sendAt: iso(T0 + 400 * 24 * HOUR) })).status).toBe(400);
    });

    it('reviews a message for later at its send time', async () => {
      const id = await campaignWith(null, [NY, LA, HNL]);
      // 19:00 UTC: 14:00 New York, 11:00 Los Angeles, 09:00 Honolulu: nobody waits.
      const res = await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'Hi', sendAt: '2026-03-03T19:00:00Z' });
      expect(res.body.message.sendAt).toBe('2026-03-03T19:00:00.000Z');
      expect(res.body.review).toMatchObject({
        startsAt: '2026-03-03T19:00:00.000Z',
        quietHours: { count: 0, byTimeZone: [] },
        estimatedCompletionAt: '2026-03-03T19:00:03.000Z',
      });
    });

    it('PATCH /api/organization changes what a review says', async () => {
      const id = await campaignWith(null, [NY, LA, HNL]);
      const before = (await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'Hi', sendAt: null })).body.review;
      expect(before.quietHours.count).toBe(2);

      // The server sends 1 a second (SEND_RATE_PER_SECOND): an organisation may go slower, never faster.
      await h.api('PATCH', '/api/organization', { sendRatePerSecond: 2 });
      expect((await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'Hi', sendAt: null })).body.review.ratePerSecond).toBe(1);
      const res = await h.api('PATCH', '/api/organization', { textingHours: { start: '05:00', end: '21:00' }, sendRatePerSecond: 0.5 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ textingHours: { start: '05:00', end: '21:00' }, sendRatePerSecond: 0.5 });
      const after = (await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'Hi', sendAt: null })).body.review;
      // Los Angeles is at 05:00 now; Honolulu (03:00) opens at 05:00 there = 15:00 UTC.
      expect(after.quietHours).toEqual({
        count: 1,
        window: { start: '05:00', end: '21:00' },
        byTimeZone: [{ timeZone: 'Pacific/Honolulu', count: 1, sendsAt: '2026-03-03T15:00:00.000Z' }],
      });
      expect(after.ratePerSecond).toBe(0.5);
      expect(after.estimatedCompletionAt).toBe('2026-03-03T15:00:02.000Z');

      // The default zone places a foreign number with no zone of its own.
      await insertCandidates(h.db, 'acme', [{ atsId: 'uk', firstName: 'Olly', lastName: 'Brown', phone: '+447700900123', timeZone: null }]);
      await h.api('POST', `/api/campaigns/${id}/candidates`, { candidateIds: ['uk'] });
      await h.api('PATCH', '/api/organization', { defaultTimeZone: 'Asia/Tokyo', textingHours: { start: '08:00', end: '21:00' } });
      // 13:00 UTC is 22:00 in Tokyo: waits for 08:00 there (23:00 UTC).
      const tokyo = (await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'Hi', sendAt: null })).body.review;
      expect(tokyo.quietHours.byTimeZone).toContainEqual({ timeZone: 'Asia/Tokyo', count: 1, sendsAt: '2026-03-03T23:00:00.000Z' });

      // 24:00 is a valid end: texting all day.
      const allDay = await h.api('PATCH', '/api/organization', { textingHours: { start: '00:00', end: '24:00' } });
      expect(allDay.body.textingHours).toEqual({ start: '00:00', end: '24:00' });
      expect((await h.api('POST', `/api/campaigns/${id}/messages`, { body: 'Hi', sendAt: null })).body.review.quietHours.count).toBe(0);
    });

    it('PATCH /api/organization is for admins, with a real zone and an end after the start', async () => {
      const nolicense = await h.api('PATCH', '/api/organization', { defaultTimeZone: 'America/Chicago' }, { email: 'nolicense@acme.test' });
      expect(nolicense).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
      expect(errorCode(await h.api('PATCH', '/api/organization', { defaultTimeZone: 'Mars/Olympus_Mons' }))).toBe('VALIDATION');
      // A fixed offset is no IANA zone, and Node 20's Intl refuses one that newer versions take.
      expect(errorCode(await h.api('PATCH', '/api/organization', { defaultTimeZone: '+05:00' }))).toBe('VALIDATION');
      expect(errorCode(await h.api('PATCH', '/api/organization', { textingHours: { start: '21:00', end: '08:00' } }))).toBe('VALIDATION');
      expect(errorCode(await h.api('PATCH', '/api/organization', { textingHours: { start: '09:00', end: '09:00' } }))).toBe('VALIDATION');
      expect(errorCode(await h.api('PATCH', '/api/organization', { textingHours: { start: '8:00', end: '21:00' } }))).toBe('VALIDATION');
      expect(errorCode(await h.api('PATCH', '/api/organization', { sendRatePerSecond: 0 }))).toBe('VALIDATION');
      expect(errorCode(await h.api('PATCH', '/api/organization', { sendRatePerSecond: 0.05 }))).toBe('VALIDATION');
      expect((await h.api('PATCH', '/api/organization', {})).status).toBe(400);
      const org = await h.api('GET', '/api/organization');
      expect(org.body).toMatchObject({ textingHours: { start: '08:00', end: '21:00' }, defaultTimeZone: 'America/New_York', sendRatePerSecond: null });
      // Globex's admin changes Globex only.
      await h.api('PATCH', '/api/organization', { defaultTimeZone: 'America/Denver' }, { email: 'recruiter@globex.test' });
      expect((await h.api('GET', '/api/organization')).body.defaultTimeZone).toBe('America/New_York');
    });
  });

  describe('Schedule -> Send/Save, and what can change afterwards', () => {
    it('edits and deletes a scheduled message before its time; 409 MESSAGE_SENT once it is sending', async () => {
      const d = await sendCampaign(h, { candidateIds: [NY, HNL], sendAt: iso(T0 + HOUR), body: 'First version' });
      expect(d.scheduled.message).toMatchObject({ status: 'scheduled', editable: true });
      expect(d.scheduled.confirmation).toContain('2026-03-03T14:00:00.000Z');
      const url = `/api/campaigns/${d.campaignId}/messages/${d.messageId}`;

      const edited = await h.api('PATCH', url, { body: 'Second version for {{firstName}}', sendAt: iso(T0 + 2 * HOUR) });
      expect(edited.status).toBe(200);
      expect(edited.body.message).toMatchObject({ status: 'scheduled', body: 'Second version for {{firstName}}', sendAt: iso(T0 + 2 * HOUR) });
      expect(edited.body.review.previews[0].body).toBe('Second version for Maria');
      // Nothing goes at the old time.
      await h.advance(HOUR + 30_000);
      expect(await h.simulator.received()).toEqual([]);
      await h.advance(HOUR);
      const received = await h.simulator.received();
      expect(received.map((m) => m.body)).toEqual(['Second version for Maria']);
      expect(received[0]!.createdAt).toBe(T0 + 2 * HOUR);

      // New York went; Honolulu waits for its morning: the message is sending and frozen.
      const detail = await h.api('GET', `/api/campaigns/${d.campaignId}`);
      expect(detail.body).toMatchObject({ status: 'sending', messages: [{ status: 'sending', editable: false }] });
      expect(await h.api('PATCH', url, { body: 'Too late' })).toMatchObject({ status: 409, body: { error: { code: 'MESSAGE_SENT' } } });
      expect(await h.api('DELETE', url)).toMatchObject({ status: 409, body: { error: { code: 'MESSAGE_SENT' } } });
      expect(errorCode(await h.api('POST', `/api/campaigns/${d.campaignId}/candidates`, { candidateIds: [LA] }))).toBe('CAMPAIGN_SENT');
      expect(errorCode(await h.api('DELETE', `/api/campaigns/${d.campaignId}/candidates/${HNL}`))).toBe('CAMPAIGN_SENT');

      // Another scheduled message: deleted before its time, it never goes.
      const other = await sendCampaign(h, { candidateIds: [LA], sendAt: iso(T0 + 5 * HOUR), body: 'Never sent' });
      const gone = await h.api('DELETE', `/api/campaigns/${other.campaignId}/messages/${other.messageId}`);
      expect(gone.status).toBe(204);
      expect((await h.api('GET', `/api/campaigns/${other.campaignId}`)).body).toMatchObject({ status: 'draft', messages: [] });
      expect((await h.api('GET', `/api/campaigns/${other.campaignId}/messages/${other.messageId}`)).status).toBe(404);
      await h.advance(5 * HOUR);
      expect((await h.simulator.received()).map((m) => m.body)).not.toContain('Never sent');
    });

    it('Send pressed twice makes one set of deliveries and one text each', async () => {
      const d = await draftCampaign(h, { candidateIds: [NY, '10007', '10011', '10003'] });
      const url = `/api/campaigns/${d.campaignId}/messages/${d.messageId}/schedule`;
      const [a, b] = await Promise.all([h.api('POST', url), h.api('POST', url)]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const c = await h.api('POST', url);
      expect(c.status).toBe(200);
      expect(c.body.message.status).toBe('scheduled');
      const deliveries = (await h.sql.get<{ n: number }>('select count(*) as n from campaign_deliveries where campaign_message_id = ?', d.messageId))!;
      expect(deliveries.n).toBe(4);

      await h.advance(500);
      // Pressed again once it is on its way: still the same answer, nothing new.
      const late = await h.api('POST', url);
      expect(late.status).toBe(200);
      await h.advance(HOUR * 4);
      const afterSent = await h.api('POST', url);
      expect(afterSent.status).toBe(200);
      expect(afterSent.body.message.status).toBe('sent');
      await h.advance(5000);

      const counts = new Map<string, number>();
      for (const m of await h.simulator.received()) counts.set(m.phone, (counts.get(m.phone) ?? 0) + 1);
      // 10007 (206, Seattle) waits for 08:00 Pacific; all three textable got exactly one.
      expect([...counts.values()]).toEqual([1, 1, 1]);
      expect(counts.size).toBe(3);
    });

    it('refuses Send with nobody textable, and a send time that has passed', async () => {
      const none = await draftCampaign(h, { candidateIds: NOT_TEXTABLE });
      expect(none.review.warnings.map((w: { code: string }) => w.code)).toContain('NO_ELIGIBLE_RECIPIENTS');
      const refused = await h.api('POST', `/api/campaigns/${none.campaignId}/messages/${none.messageId}/schedule`);
      expect(refused).toMatchObject({ status: 409, body: { error: { code: 'NO_ELIGIBLE_RECIPIENTS' } } });

      const later = await draftCampaign(h, { candidateIds: [NY], sendAt: iso(T0 + HOUR) });
      await h.advance(2 * HOUR);
      const stale = await h.api('POST', `/api/campaigns/${later.campaignId}/messages/${later.messageId}/schedule`);
      expect(stale).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
      expect(await h.simulator.received()).toEqual([]);
    });

    it('no new candidates or messages once the campaign has sent (409 CAMPAIGN_SENT)', async () => {
      const d = await sendCampaign(h, { candidateIds: [NY] });
      await h.advance(3000);
      expect((await h.api('GET', `/api/campaigns/${d.campaignId}`)).body.status).toBe('sent');
      expect(errorCode(await h.api('POST', `/api/campaigns/${d.campaignId}/candidates`, { candidateIds: ['10007'] }))).toBe('CAMPAIGN_SENT');
      expect(errorCode(await h.api('POST', `/api/campaigns/${d.campaignId}/messages`, { body: 'Again', sendAt: null }))).toBe('CAMPAIGN_SENT');
      expect(errorCode(await h.api('DELETE', `/api/campaigns/${d.campaignId}/candidates/${NY}`))).toBe('CAMPAIGN_SENT');
      expect(errorCode(await h.api('PATCH', `/api/campaigns/${d.campaignId}/messages/${d.messageId}`, { body: 'x' }))).toBe('MESSAGE_SENT');
      expect(errorCode(await h.api('DELETE', `/api/campaigns/${d.campaignId}/messages/${d.messageId}`))).toBe('MESSAGE_SENT');
    });

    it('candidates added while a message is scheduled for later receive it; removed ones do not', async () => {
      const d = await sendCampaign(h, { candidateIds: [NY], sendAt: iso(T0 + HOUR), body: 'Hi {{firstName}}' });
      const added = await h.api('POST', `/api/campaigns/${d.campaignId}/candidates`, { candidateIds: ['10011', '10026', '10003'] });
      expect(added.body).toMatchObject({ added: 3, recipients: 4 });
      expect((await h.api('DELETE', `/api/campaigns/${d.campaignId}/candidates/10026`)).status).toBe(200);
      await h.advance(HOUR + 3000);
      const phones = (await h.simulator.received()).map((m) => m.phone).sort();
      expect(phones).toEqual([await phoneOf(h.db, NY), await phoneOf(h.db, '10011')].sort());
      const detail = await h.api('GET', `/api/campaigns/${d.campaignId}`);
      expect(detail.body).toMatchObject({ status: 'sent', stats: { recipients: 3, sent: 2, skipped: { NO_CONSENT: 1 }, queued: 0 } });
    });
  });

  describe('who may do what', () => {
    it('403 NOT_LICENSED on every write for a recruiter without a licence; reads are fine', async () => {
      const d = await draftCampaign(h, { candidateIds: [NY] });
      const as = { email: 'nolicense@acme.test' };
      const base = `/api/campaigns/${d.campaignId}`;
      const writes: [string, string, unknown?][] = [
        ['POST', '/api/campaigns', { name: 'Mine' }],
        ['PATCH', base, { name: 'Renamed' }],
        ['DELETE', base],
        ['POST', `${base}/candidates`, { candidateIds: ['10011'] }],
        ['DELETE', `${base}/candidates/${NY}`],
        ['POST', `${base}/messages`, { body: 'Hi', sendAt: null }],
        ['PATCH', `${base}/messages/${d.messageId}`, { body: 'Changed' }],
        ['DELETE', `${base}/messages/${d.messageId}`],
        ['POST', `${base}/messages/${d.messageId}/schedule`],
      ];
      for (const [method, path, body] of writes) {
        const res = await h.api(method, path, body, as);
        expect({ method, path, status: res.status, code: errorCode(res) }).toEqual({ method, path, status: 403, code: 'NOT_LICENSED' });
      }
      expect((await h.api('GET', base, undefined, as)).status).toBe(200);
      expect((await h.api('GET', `${base}/messages/${d.messageId}`, undefined, as)).status).toBe(200);
      expect((await h.api('GET', base)).body).toMatchObject({
        name: 'Test campaign',
        status: 'draft',
        messages: [{ body: 'Hi {{firstName}}, we are hiring.' }],
      });
      await h.advance(5000);
      expect(await h.simulator.received()).toEqual([]);
    });

    it("404 for another organisation's campaign, on every endpoint", async () => {
      const d = await draftCampaign(h, { candidateIds: [NY] });
      const as = { email: 'recruiter@globex.test' };
      const base = `/api/campaigns/${d.campaignId}`;
      const calls: [string, string, unknown?][] = [
        ['GET', base],
        ['PATCH', base, { name: 'Stolen' }],
        ['DELETE', base],
        ['GET', `${base}/candidates`],
        ['POST', `${base}/candidates`, { candidateIds: ['20001'] }],
        ['DELETE', `${base}/candidates/${NY}`],
        ['POST', `${base}/messages`, { body: 'Hi', sendAt: null }],
        ['GET', `${base}/messages/${d.messageId}`],
        ['PATCH', `${base}/messages/${d.messageId}`, { body: 'Changed' }],
        ['DELETE', `${base}/messages/${d.messageId}`],
        ['POST', `${base}/messages/${d.messageId}/schedule`],
      ];
      for (const [method, path, body] of calls) {
        const res = await h.api(method, path, body, as);
        expect({ method, path, status: res.status, code: errorCode(res) }).toEqual({ method, path, status: 404, code: 'NOT_FOUND' });
      }
      // A message id of another campaign is not found under this one either.
      const mine = await draftCampaign(h, { candidateIds: [NY] });
      expect((await h.api('GET', `/api/campaigns/${mine.campaignId}/messages/${d.messageId}`)).status).toBe(404);
      expect((await h.api('GET', base)).body).toMatchObject({ name: 'Test campaign', recipients: 1, messages: [{ status: 'draft' }] });
    });
  });

  it('publishes campaign.updated while sending, ending with status sent', async () => {
    const acme = await orgIdOf(h.db, 'acme');
    const events: { id: number; status: string; stats: { sent: number; queued: number; done: number; total: number } }[] = [];
    const off = h.deps.events.subscribe(acme, (e) => {
      if (e.type === 'campaign.updated') events.push(e.data as (typeof events)[number]);
    });
    const globexEvents: unknown[] = [];
    const offGlobex = h.deps.events.subscribe(await orgIdOf(h.db, 'globex'), (e) => globexEvents.push(e));
    try {
      // Ten New York recipients at one text a second: ten seconds of progress.
      const ids = (await textableSms(h.db)).filter((c) => c.timeZone === 'America/New_York').map((c) => c.atsId);
      expect(ids.length).toBeGreaterThanOrEqual(6);
      const d = await sendCampaign(h, { candidateIds: ids });
      await h.advance(ids.length * 1000 + 5000);
      const mine = events.filter((e) => e.id === d.campaignId);
      expect(mine.length).toBeGreaterThanOrEqual(3);
      expect(mine.some((e) => e.status === 'sending' && e.stats.done > 0 && e.stats.done < ids.length)).toBe(true);
      const last = mine[mine.length - 1]!;
      expect(last).toMatchObject({ status: 'sent', stats: { sent: ids.length, queued: 0, done: ids.length, total: ids.length } });
      // Numbers only grow.
      const done = mine.map((e) => e.stats.done);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(globexEvents).toEqual([]);
    } finally {
      off();
      offGlobex();
    }
  });
});
