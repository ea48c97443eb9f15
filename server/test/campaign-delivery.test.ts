/**
 * The campaign delivery engine on a FakeClock: quiet hours in each
 * candidate's own time zone (DST included), opt-outs and consent changes between schedule and
 * send, the per-sender rate limit (never exceeded, fully used), priority of one-to-one texts,
 * the texting window closing under a queue, and punctual scheduled starts. What reached a phone
 * is read from the simulator, whose createdAt is the moment the dispatcher handed it over.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type HarnessOptions } from './harness.js';
import { HOUR, MINUTE, arrivalsByPhone, bulkCandidates, insertCandidates, iso, localTime, phoneOf, sendCampaign, textableSms } from './support/campaigns.js';

let h: Harness;
const open: Harness[] = [];
async function harness(options: HarnessOptions) {
  h = await createHarness(options);
  open.push(h);
  return h;
}
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

/**
 * Runs the clock through each instant in `times` (one minute either side, every dispatcher
 * round included) and jumps over the quiet stretches between them. A text due in a stretch
 * that was jumped over goes at the jump's landing time, so an early or late one still shows.
 */
async function visit(times: number[], margin = MINUTE) {
  for (const t of [...new Set(times)].sort((a, b) => a - b)) {
    if (h.clock.now() < t - margin) h.clock.set(t - margin);
    if (h.clock.now() < t + margin) await h.advance(t + margin - h.clock.now());
  }
}

/**
 * Texts due at the same instant leave one pacing slot apart (about 21 ms at the simulator's 50 a
 * second), so when they went is compared to the second.
 */
const toSecond = (ms: number) => iso(Math.floor(ms / 1000) * 1000);

/** Max segments handed over in any [t, t + 1000) window, and the spread of the send times. */
function rateProfile(arrivals: { at: number; segments: number }[]) {
  const sorted = [...arrivals].sort((a, b) => a.at - b.at);
  let worst = 0;
  for (let i = 0; i < sorted.length; i++) {
    let sum = 0;
    for (let j = i; j < sorted.length && sorted[j]!.at < sorted[i]!.at + 1000; j++) sum += sorted[j]!.segments;
    worst = Math.max(worst, sum);
  }
  return { worst, first: sorted[0]?.at ?? 0, last: sorted[sorted.length - 1]?.at ?? 0 };
}

function campaignTexts(campaignId: number) {
  return h.sql.all<{ phone: string; status: string; segments: number; code: string | null }>(
    `select m.to_address as phone, m.status, m.segments, m.error_code as code from messages m where m.campaign_id = ? order by m.id`,
    campaignId,
  );
}

describe('quiet hours in each candidate’s time zone', () => {
  it('13:00 UTC reaches New York at once, Los Angeles and Honolulu when their 08:00 arrives', async () => {
    const T0 = Date.parse('2026-03-03T13:00:00Z');
    await harness({ now: iso(T0) });
    // New York (explicit zone), Detroit, Chicago, Denver, Phoenix (no DST), LA, Honolulu.
    const who = {
      '10001': 'America/New_York',
      '10029': 'America/Detroit',
      '10041': 'America/Chicago',
      '10049': 'America/Denver',
      '10012': 'America/Phoenix',
      '10009': 'America/Los_Angeles',
      '10089': 'America/Los_Angeles',
      '10061': 'Pacific/Honolulu',
    };
    const expected: Record<string, string> = {
      '10001': '2026-03-03T13:00:00.000Z',
      '10029': '2026-03-03T13:00:00.000Z',
      '10041': '2026-03-03T14:00:00.000Z',
      '10049': '2026-03-03T15:00:00.000Z',
      '10012': '2026-03-03T15:00:00.000Z',
      '10009': '2026-03-03T16:00:00.000Z',
      '10089': '2026-03-03T16:00:00.000Z',
      '10061': '2026-03-03T18:00:00.000Z',
    };
    const d = await sendCampaign(h, { candidateIds: Object.keys(who), body: 'Morning, {{firstName}}' });
    expect(d.review.quietHours.count).toBe(6);

    await h.advance(2 * HOUR + 30 * MINUTE);
    // 15:30 UTC: the east, Chicago, Denver and Phoenix have it; the Pacific has not.
    expect((await h.api('GET', `/api/campaigns/${d.campaignId}`)).body).toMatchObject({ status: 'sending', stats: { sent: 5, queued: 3 } });
    await h.advance(3 * HOUR);

    const arrivals = await arrivalsByPhone(h);
    for (const [atsId, zone] of Object.entries(who)) {
      const got = arrivals.get(await phoneOf(h.db, atsId));
      expect(got, atsId).toHaveLength(1);
      expect({ atsId, at: toSecond(got![0]!.at) }).toEqual({ atsId, at: expected[atsId] });
      expect(localTime(got![0]!.at, zone) >= '08:00').toBe(true);
    }
    const detail = await h.api('GET', `/api/campaigns/${d.campaignId}`);
    expect(detail.body).toMatchObject({ status: 'sent', stats: { sent: 8, delivered: 8, queued: 0 } });
  });

  it('a candidate without a zone gets their area code’s; a foreign number without one the organisation default', async () => {
    // 11:00 UTC: 11:00 in London, 06:00 in New York, 03:00 in Seattle, 02:00 in Anchorage.
    const T0 = Date.parse('2026-03-03T11:00:00Z');
    await harness({ now: iso(T0) });
    await insertCandidates(h.db, 'acme', [{ atsId: 'uk1', firstName: 'Olly', lastName: 'Brown', phone: '+447700900123', timeZone: null }]);
    // 10007: (206) Seattle, no zone. 10040: (907) Alaska, no zone. 10055: (514) Montreal, no zone.
    const d = await sendCampaign(h, { candidateIds: ['10007', '10040', '10055', 'uk1'] });
    const zones = Object.fromEntries(
      ((await h.api('GET', `/api/campaigns/${d.campaignId}/candidates`)).body.recipients as { id: string; timeZone: string }[]).map((r) => [r.id, r.timeZone]),
    );
    expect(zones).toEqual({ '10007': 'America/Los_Angeles', '10040': 'America/Anchorage', '10055': 'America/Toronto', uk1: 'America/New_York' });
    expect(d.review.quietHours.byTimeZone).toEqual(
      expect.arrayContaining([
        { timeZone: 'America/New_York', count: 1, sendsAt: '2026-03-03T13:00:00.000Z' },
        { timeZone: 'America/Toronto', count: 1, sendsAt: '2026-03-03T13:00:00.000Z' },
        { timeZone: 'America/Los_Angeles', count: 1, sendsAt: '2026-03-03T16:00:00.000Z' },
        { timeZone: 'America/Anchorage', count: 1, sendsAt: '2026-03-03T17:00:00.000Z' },
      ]),
    );
    await h.advance(7 * HOUR);
    const at = async (atsId: string) => toSecond((await arrivalsByPhone(h)).get(await phoneOf(h.db, atsId))![0]!.at);
    expect(await at('uk1')).toBe('2026-03-03T13:00:00.000Z');
    expect(await at('10055')).toBe('2026-03-03T13:00:00.000Z');
    expect(await at('10007')).toBe('2026-03-03T16:00:00.000Z');
    expect(await at('10040')).toBe('2026-03-03T17:00:00.000Z');
  });

  it('honours the local 08:00 on both sides of the spring-forward change (2026-03-08)', async () => {
    await harness({ now: '2026-03-06T12:00:00Z' });
    const ids = ['10001', '10089', '10012', '10061']; // New York, Los Angeles, Phoenix (no DST), Honolulu (no DST)
    const created = await h.api('POST', '/api/campaigns', { name: 'DST', candidateIds: ids });
    const campaignId = created.body.campaign.id;
    // 05:30 UTC is 00:30 in New York and the evening before in the west, both nights.
    const before = await h.api('POST', `/api/campaigns/${campaignId}/messages`, { body: 'Saturday text', sendAt: '2026-03-07T05:30:00Z' });
    const after = await h.api('POST', `/api/campaigns/${campaignId}/messages`, { body: 'Sunday text', sendAt: '2026-03-08T05:30:00Z' });
    for (const m of [before, after]) {
      expect((await h.api('POST', `/api/campaigns/${campaignId}/messages/${m.body.message.id}/schedule`)).status).toBe(200);
    }
    expect(after.body.review.quietHours.byTimeZone).toEqual(
      expect.arrayContaining([
        { timeZone: 'America/New_York', count: 1, sendsAt: '2026-03-08T12:00:00.000Z' },
        { timeZone: 'America/Los_Angeles', count: 1, sendsAt: '2026-03-08T15:00:00.000Z' },
        { timeZone: 'America/Phoenix', count: 1, sendsAt: '2026-03-08T15:00:00.000Z' },
      ]),
    );
    const expected: Record<string, [string, string, string]> = {
      // [zone, Saturday (standard time), Sunday (daylight time where observed)]
      '10001': ['America/New_York', '2026-03-07T13:00:00.000Z', '2026-03-08T12:00:00.000Z'],
      '10089': ['America/Los_Angeles', '2026-03-07T16:00:00.000Z', '2026-03-08T15:00:00.000Z'],
      '10012': ['America/Phoenix', '2026-03-07T15:00:00.000Z', '2026-03-08T15:00:00.000Z'],
      // 19:30 in Honolulu: inside the window, at once.
      '10061': ['Pacific/Honolulu', '2026-03-07T05:30:00.000Z', '2026-03-08T05:30:00.000Z'],
    };
    await visit(Object.values(expected).flatMap(([, a, b]) => [Date.parse(a), Date.parse(b)]));
    await h.advance(HOUR);

    const arrivals = await arrivalsByPhone(h);
    for (const [atsId, [zone, saturday, sunday]] of Object.entries(expected)) {
      const got = arrivals.get(await phoneOf(h.db, atsId))!;
      expect({ atsId, got: got.map((g) => [g.body, toSecond(g.at)]) }).toEqual({
        atsId,
        got: [
          ['Saturday text', saturday],
          ['Sunday text', sunday],
        ],
      });
      if (zone !== 'Pacific/Honolulu') expect(got.map((g) => localTime(g.at, zone))).toEqual(['08:00', '08:00']);
    }
    expect((await h.api('GET', `/api/campaigns/${campaignId}`)).body.status).toBe('sent');
  });

  it('honours the local 08:00 on both sides of the fall-back change (2026-11-01)', async () => {
    await harness({ now: '2026-10-30T12:00:00Z' });
    const ids = ['10001', '10089', '10012'];
    const created = await h.api('POST', '/api/campaigns', { name: 'DST fall', candidateIds: ids });
    const campaignId = created.body.campaign.id;
    // 04:30 UTC: 00:30 in New York (daylight time on Saturday, still daylight time on Sunday until 02:00).
    for (const [body, sendAt] of [
      ['Saturday text', '2026-10-31T04:30:00Z'],
      ['Sunday text', '2026-11-01T04:30:00Z'],
    ]) {
      const m = await h.api('POST', `/api/campaigns/${campaignId}/messages`, { body, sendAt });
      expect((await h.api('POST', `/api/campaigns/${campaignId}/messages/${m.body.message.id}/schedule`)).status).toBe(200);
    }
    const expected: Record<string, [string, string, string]> = {
      '10001': ['America/New_York', '2026-10-31T12:00:00.000Z', '2026-11-01T13:00:00.000Z'],
      '10089': ['America/Los_Angeles', '2026-10-31T15:00:00.000Z', '2026-11-01T16:00:00.000Z'],
      '10012': ['America/Phoenix', '2026-10-31T15:00:00.000Z', '2026-11-01T15:00:00.000Z'],
    };
    await visit(Object.values(expected).flatMap(([, a, b]) => [Date.parse(a), Date.parse(b)]));
    await h.advance(HOUR);
    const arrivals = await arrivalsByPhone(h);
    for (const [atsId, [zone, saturday, sunday]] of Object.entries(expected)) {
      const got = arrivals.get(await phoneOf(h.db, atsId))!;
      expect({ atsId, got: got.map((g) => [g.body, toSecond(g.at)]) }).toEqual({
        atsId,
        got: [
          ['Saturday text', saturday],
          ['Sunday text', sunday],
        ],
      });
      expect(got.map((g) => localTime(g.at, zone))).toEqual(['08:00', '08:00']);
    }
  });

  it('texts that miss the window are pushed to the next window, not sent late', async () => {
    // 20:59:55 in New York: five seconds of window left, twenty texts at two a second.
    const T0 = Date.parse('2026-03-04T01:59:55Z');
    await harness({ now: iso(T0), env: { SEND_RATE_PER_SECOND: '2' } });
    await insertCandidates(h.db, 'acme', bulkCandidates('late', 20));
    const d = await sendCampaign(h, { candidateIds: bulkCandidates('late', 20).map((c) => c.atsId), body: 'Last call' });
    const closes = Date.parse('2026-03-04T02:00:00Z');
    const opens = Date.parse('2026-03-04T13:00:00Z');
    await h.advance(2 * MINUTE);
    const early = await h.simulator.received();
    expect(early.length).toBe(10);
    expect(early.every((m) => m.createdAt < closes)).toBe(true);
    // The rest wait, still queued; nothing goes through the night.
    expect((await h.api('GET', `/api/campaigns/${d.campaignId}`)).body).toMatchObject({ status: 'sending', stats: { sent: 10, queued: 10, failed: 0 } });
    await visit([opens]);
    await h.advance(MINUTE);
    const all = await h.simulator.received();
    expect(all).toHaveLength(20);
    expect(new Set(all.map((m) => m.phone)).size).toBe(20);
    const late = all.filter((m) => m.createdAt >= closes);
    expect(late).toHaveLength(10);
    for (const m of late) {
      expect(m.createdAt).toBeGreaterThanOrEqual(opens);
      expect(localTime(m.createdAt, 'America/New_York') >= '08:00').toBe(true);
    }
    expect(rateProfile(all.map((m) => ({ at: m.createdAt, segments: 1 }))).worst).toBeLessThanOrEqual(2);
    expect((await h.api('GET', `/api/campaigns/${d.campaignId}`)).body).toMatchObject({ status: 'sent', stats: { sent: 20, failed: 0, skipped: {} } });
  });
});

describe('the server’s send rate caps every organisation’s', () => {
  it('an organisation asking for 50 a second still sends at the server’s 2', async () => {
    const T0 = Date.parse('2026-03-03T15:00:00Z');
    await harness({ now: iso(T0), env: { SEND_RATE_PER_SECOND: '2' } });
    expect((await h.api('PATCH', '/api/organization', { sendRatePerSecond: 50 })).status).toBe(200);
    await insertCandidates(h.db, 'acme', bulkCandidates('capped', 20));
    await sendCampaign(h, { candidateIds: bulkCandidates('capped', 20).map((c) => c.atsId), body: 'Rate check' });
    await h.advance(MINUTE);
    const all = await h.simulator.received();
    expect(all).toHaveLength(20);
    expect(rateProfile(all.map((m) => ({ at: m.createdAt, segments: 1 }))).worst).toBeLessThanOrEqual(2);
  });
});

describe('changes between schedule and send', () => {
  it('an opt-out (STOP) or a withdrawn consent after scheduling means skipped, never texted', async () => {
    const T0 = Date.parse('2026-03-03T15:00:00Z');
    await harness({ now: iso(T0) });
    const ids = ['10001', '10011', '10026', '10059'];
    const d = await sendCampaign(h, { candidateIds: ids, sendAt: iso(T0 + HOUR), body: 'Campaign text for {{firstName}}' });
    await h.advance(10 * MINUTE);

    const stopPhone = await phoneOf(h.db, '10011');
    await h.simulator.reply(stopPhone, '  stop. ');
    await h.sql.run(`update candidates set consent_at = null where ats_id = '10026'`);
    await h.advance(HOUR);

    const arrivals = await arrivalsByPhone(h);
    expect(arrivals.get(await phoneOf(h.db, '10001'))!.map((a) => a.body)).toEqual(['Campaign text for Maria']);
    expect(arrivals.get(await phoneOf(h.db, '10059'))).toHaveLength(1);
    // The one who wrote STOP got the confirmation only.
    expect(arrivals.get(stopPhone)!.map((a) => a.body)).toEqual([expect.stringContaining('unsubscribed')]);
    expect(arrivals.get(await phoneOf(h.db, '10026'))).toBeUndefined();

    const detail = await h.api('GET', `/api/campaigns/${d.campaignId}`);
    expect(detail.body).toMatchObject({ status: 'sent', stats: { sent: 2, skipped: { OPTED_OUT: 1, NO_CONSENT: 1 }, queued: 0 } });
    const tab = (await h.api('GET', `/api/campaigns/${d.campaignId}/candidates`)).body.recipients as {
      id: string;
      delivery: { status: string; reason: string };
    }[];
    expect(Object.fromEntries(tab.map((r) => [r.id, [r.delivery.status, r.delivery.reason]]))).toMatchObject({
      '10011': ['skipped', 'OPTED_OUT'],
      '10026': ['skipped', 'NO_CONSENT'],
    });
  });

  it('an opt-out while the text waits in the rate-limited queue stops it too', async () => {
    const T0 = Date.parse('2026-03-03T15:00:00Z');
    await harness({ now: iso(T0), env: { SEND_RATE_PER_SECOND: '1' } });
    await insertCandidates(h.db, 'acme', bulkCandidates('q', 6));
    const d = await sendCampaign(h, { candidateIds: bulkCandidates('q', 6).map((c) => c.atsId), body: 'Queued text' });
    await h.advance(1500);
    expect(await h.simulator.received()).toHaveLength(2);
    const last = bulkCandidates('q', 6)[5]!;
    await h.simulator.reply(last.phone!, 'STOP');
    await h.advance(10_000);
    const phones = (await h.simulator.received()).filter((m) => m.body === 'Queued text').map((m) => m.phone);
    expect(phones).toHaveLength(5);
    expect(phones).not.toContain(last.phone);
    expect((await h.api('GET', `/api/campaigns/${d.campaignId}`)).body).toMatchObject({ status: 'sent', stats: { sent: 5, skipped: { OPTED_OUT: 1 } } });
  });

  it('WhatsApp: free-form campaign text only inside the 24-hour window', async () => {
    const T0 = Date.parse('2026-03-03T15:00:00Z');
    await harness({ now: iso(T0) });
    // 10002 wrote an hour ago; 10113 never did.
    await h.sql.run(`update candidates set last_inbound_at = ? where ats_id = '10002'`, T0 - HOUR);
    // The simulator keeps its own record of the phone writing (it refuses free text outside the window, as Twilio does).
    await h.sql.run(
      `insert into simulator_messages (sid, direction, phone, our_address, channel, body, status, created_at) values ('SMwrote', 'from-phone', ?, '+12025550101', 'whatsapp', 'Hi', 'received', ?)`,
      await phoneOf(h.db, '10002'),
      T0 - HOUR,
    );
    const d = await sendCampaign(h, { candidateIds: ['10002', '10113'], body: 'WhatsApp hello' });
    expect(d.review).toMatchObject({ eligible: 1, excluded: { WHATSAPP_WINDOW_CLOSED: 1 } });
    await h.advance(5000);
    const got = await h.simulator.received();
    expect(got.map((m) => [m.phone, m.channel])).toEqual([[await phoneOf(h.db, '10002'), 'whatsapp']]);
    expect((await h.api('GET', `/api/campaigns/${d.campaignId}`)).body.stats).toMatchObject({ sent: 1, skipped: { WHATSAPP_WINDOW_CLOSED: 1 } });
  });
});

describe('WhatsApp templates and bad data', () => {
  it('an approved WhatsApp template reaches WhatsApp candidates outside the 24-hour window, and the review says so', async () => {
    const T0 = Date.parse('2026-03-03T15:00:00Z');
    await harness({ now: iso(T0) });
    const template = (await h.sql.get<{ id: number; body: string }>(
      `select t.id, t.body from templates t join organizations o on o.id = t.org_id where o.slug = 'acme' and t.content_sid is not null order by t.id limit 1`,
    ))!;
    // 10002 and 10113: WhatsApp, never wrote (window closed). 10001: SMS.
    const created = await h.api('POST', '/api/campaigns', { name: 'Template', jobTitle: 'Driver', candidateIds: ['10002', '10113', '10001'] });
    const id = created.body.campaign.id;
    const m = await h.api('POST', `/api/campaigns/${id}/messages`, { body: '', templateId: template.id, sendAt: null });
    expect(m.status).toBe(201);
    expect(m.body.message).toMatchObject({ templateId: template.id, body: template.body });
    expect(m.body.review).toMatchObject({ recipients: 3, eligible: 3, excluded: {} });
    expect((await h.api('POST', `/api/campaigns/${id}/messages/${m.body.message.id}/schedule`)).status).toBe(200);
    await h.advance(5000);
    const got = await h.simulator.received();
    expect(got.map((x) => x.channel).sort()).toEqual(['sms', 'whatsapp', 'whatsapp']);
    expect((await h.api('GET', `/api/campaigns/${id}`)).body.stats).toMatchObject({ sent: 3, skipped: {} });

    // Free text (or an edited template) to the same people is refused for the closed windows.
    const other = await h.api('POST', '/api/campaigns', { name: 'Free text', candidateIds: ['10002', '10113'] });
    const free = await h.api('POST', `/api/campaigns/${other.body.campaign.id}/messages`, { body: template.body + ' ', templateId: template.id, sendAt: null });
    expect(free.body.review).toMatchObject({ eligible: 0, excluded: { WHATSAPP_WINDOW_CLOSED: 2 } });
  });

  it('a candidate whose stored time zone is not a real one falls back to the area code, and stops nobody else', async () => {
    const T0 = Date.parse('2026-03-03T15:00:00Z');
    await harness({ now: iso(T0) });
    await insertCandidates(h.db, 'acme', [{ atsId: 'badtz', firstName: 'Zed', lastName: 'Zone', phone: '+13105553001', timeZone: 'Mars/Olympus_Mons' }]);
    const d = await sendCampaign(h, { candidateIds: ['badtz', '10001'], body: 'Hello {{firstName}}' });
    // 07:00 in Los Angeles (area code 310): waits for 08:00 there.
    expect(d.review.quietHours.byTimeZone).toEqual([{ timeZone: 'America/Los_Angeles', count: 1, sendsAt: '2026-03-03T16:00:00.000Z' }]);
    const direct = await h.api('POST', '/api/candidates/10011/messages', { body: 'One to one' });
    expect(direct.status).toBe(202);
    await h.advance(2 * HOUR);
    const got = new Map((await h.simulator.received()).map((m) => [m.phone, toSecond(m.createdAt)]));
    expect(got.get(await phoneOf(h.db, '10001'))).toBe(iso(T0));
    expect(got.get(await phoneOf(h.db, '10011'))).toBe(iso(T0));
    expect(got.get('+13105553001')).toBe('2026-03-03T16:00:00.000Z');
    expect((await h.api('GET', '/api/candidates/badtz')).body.timeZone).toBe('America/Los_Angeles');
  });
});

describe('rate limit per sender', () => {
  // 19:00 UTC: daytime from Honolulu (09:00) to Newfoundland.
  const T0 = Date.parse('2026-03-03T19:00:00Z');

  it('never exceeds 2 segments in any second, and runs at ≥ 0.95 of the limit (40 texts in ~20 s)', async () => {
    await harness({ now: iso(T0), env: { SEND_RATE_PER_SECOND: '2' } });
    const ids = (await textableSms(h.db)).slice(0, 40).map((c) => c.atsId);
    expect(ids).toHaveLength(40);
    const d = await sendCampaign(h, { candidateIds: ids, body: 'Short and sweet' });
    expect(d.review.eligible).toBe(40);
    expect(d.review.estimatedCompletionAt).toBe(iso(T0 + 20_000));
    await h.advance(60_000);
    const got = await h.simulator.received();
    expect(got).toHaveLength(40);
    expect(new Set(got.map((m) => m.phone)).size).toBe(40);
    const profile = rateProfile(got.map((m) => ({ at: m.createdAt, segments: 1 })));
    expect(profile.worst).toBe(2);
    expect(profile.first).toBe(T0);
    // Evenly spaced: 39 gaps of at least half a second each, and no more than 0.95 of the rate lost.
    expect(profile.last - profile.first).toBeGreaterThanOrEqual(19_500);
    expect(profile.last - profile.first).toBeLessThanOrEqual(19_500 / 0.95);
  });

  it('a two-segment text counts double', async () => {
    await harness({ now: iso(T0), env: { SEND_RATE_PER_SECOND: '2' } });
    const ids = (await textableSms(h.db)).slice(0, 10).map((c) => c.atsId);
    const body = `${'Long text. '.repeat(16)}`; // 176 GSM-7 characters: 2 segments
    const d = await sendCampaign(h, { candidateIds: ids, body });
    expect(d.review.segments).toEqual({ min: 2, max: 2, total: 20 });
    await h.advance(30_000);
    const got = await h.simulator.received();
    expect(got).toHaveLength(10);
    const profile = rateProfile(got.map((m) => ({ at: m.createdAt, segments: 2 })));
    expect(profile.worst).toBe(2);
    expect(profile.last - profile.first).toBeGreaterThanOrEqual(9_000);
    expect(profile.last - profile.first).toBeLessThanOrEqual(9_000 / 0.95);
    expect((await campaignTexts(d.campaignId)).every((t) => t.segments === 2)).toBe(true);
  });

  it('one-to-one texts jump the queue of a long campaign, within the same limit', async () => {
    await harness({ now: iso(T0), env: { SEND_RATE_PER_SECOND: '2' } });
    const ids = (await textableSms(h.db)).slice(0, 40).map((c) => c.atsId);
    await sendCampaign(h, { candidateIds: ids, body: 'Campaign text' });
    await h.advance(5_200);
    // A recruiter texts someone who is not in the campaign, mid-campaign.
    const outsider = (await textableSms(h.db)).slice(40)[0]!;
    const sentAt = h.clock.now();
    const res = await h.api('POST', `/api/candidates/${outsider.atsId}/messages`, { body: 'Quick question' });
    expect(res.status).toBe(202);
    await h.advance(60_000);
    const got = await h.simulator.received();
    const direct = got.find((m) => m.body === 'Quick question')!;
    expect(direct.phone).toBe(outsider.phone);
    // It waits only for the next free slot (under a second), not for the 30 campaign texts queued before it.
    expect(direct.createdAt - sentAt).toBeLessThanOrEqual(1000);
    const campaignAfter = got.filter((m) => m.body === 'Campaign text' && m.createdAt > direct.createdAt);
    expect(campaignAfter.length).toBeGreaterThan(25);
    expect(rateProfile(got.map((m) => ({ at: m.createdAt, segments: 1 }))).worst).toBe(2);
    expect(got.filter((m) => m.body === 'Campaign text')).toHaveLength(40);
  });

  it('a campaign bigger than the outbox window (2,000 queued) keeps the limit, finishes, and does not spin', async () => {
    await harness({ now: iso(T0), env: { SEND_RATE_PER_SECOND: '100' } });
    // 2,300 at 100 a second: the outbox fills to its 2,000 while 200 more are due and waiting.
    const many = bulkCandidates('big', 2300);
    await insertCandidates(h.db, 'acme', many);
    const d = await sendCampaign(h, { candidateIds: many.map((c) => c.atsId), body: 'Hello everyone' });
    expect(d.review.eligible).toBe(2300);
    // Second by second: a dispatcher that re-ran rounds at the same instant would never return.
    for (let s = 0; s < 26; s++) await h.advance(1000);
    const got = await h.simulator.received();
    expect(got).toHaveLength(2300);
    expect(new Set(got.map((m) => m.phone)).size).toBe(2300);
    const profile = rateProfile(got.map((m) => ({ at: m.createdAt, segments: 1 })));
    expect(profile.worst).toBeLessThanOrEqual(100);
    expect(profile.worst).toBeGreaterThanOrEqual(95);
    expect(profile.last - profile.first).toBeGreaterThanOrEqual(22_990);
    expect(profile.last - profile.first).toBeLessThanOrEqual(22_990 / 0.95);
    await h.advance(3000);
    expect((await h.api('GET', `/api/campaigns/${d.campaignId}`)).body).toMatchObject({ status: 'sent', stats: { sent: 2300, queued: 0 } });
  }, 120_000);
});

describe('scheduled starts', () => {
  it('start within a second of sendAt, and not before', async () => {
    const T0 = Date.parse('2026-03-03T15:00:00Z');
    await harness({ now: iso(T0) });
    const sendAts = [T0 + 37 * MINUTE + 123, T0 + 2 * HOUR + 999, T0 + 3 * HOUR + 500];
    const ids = ['10001', '10011', '10026'];
    for (const [i, sendAt] of sendAts.entries()) {
      await sendCampaign(h, { name: `Start ${i}`, candidateIds: [ids[i]!], sendAt: iso(sendAt), body: `Scheduled ${i}` });
    }
    await h.advance(4 * HOUR);
    for (const [i, sendAt] of sendAts.entries()) {
      const got = (await h.simulator.received()).filter((m) => m.body === `Scheduled ${i}`);
      expect(got).toHaveLength(1);
      const lateness = got[0]!.createdAt - sendAt;
      expect(lateness).toBeGreaterThanOrEqual(0);
      expect(lateness).toBeLessThan(1000);
    }
    const list = (await h.api('GET', '/api/campaigns?status=sent')).body.campaigns;
    expect(list).toHaveLength(3);
  });
});
