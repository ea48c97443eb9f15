/**
 * Provider faults during a campaign, against a local fake Twilio that fails on purpose and the
 * real Twilio provider pointed at it. The dispatcher is driven round by round on a FakeClock
 * (start: false), so each retry's backoff is visible as fake time between two POSTs.
 *
 * The list-lag grace (TWILIO_LIST_GRACE_MS) is 0 here unless a suite sets `graceMs`: a 5xx is
 * looked up and, when Twilio's list lacks the text, retried at once after the backoff.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createTwilioProvider } from '../providers/twilio.js';
import { createHarness, type Harness } from './harness.js';
import { HOUR, iso, phoneOf, sendCampaign } from './support/campaigns.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, startFakeTwilio, type FakeTwilio } from './support/fake-twilio.js';

// 13:00 in New York: everyone below is inside texting hours until 21:00 there (02:00 UTC).
const T0 = Date.parse('2026-03-03T18:00:00Z');
const NY = ['10001', '10011', '10026', '10059', '10067'];
const ACME_SMS_FROM = '+12025550100';

let h: Harness;
let twilio: FakeTwilio;
let clockRef: { now(): number } = { now: () => T0 };
let graceMs = 0;

beforeEach(async () => {
  twilio = await startFakeTwilio({ now: () => clockRef.now() });
  const env = {
    PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: FAKE_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
    TWILIO_SMS_FROM: '+15005550006',
    TWILIO_API_BASE_URL: twilio.baseUrl,
    // Not about pacing: a round hands over every text it claims at once.
    SEND_RATE_PER_SECOND: 'unlimited',
    PUBLIC_URL: 'https://te.test',
    TWILIO_LIST_GRACE_MS: String(graceMs),
  };
  const config = loadConfig(env);
  // Short real-time timeout so "no answer" cases take a moment; ValidityPeriod on the test clock.
  const provider = createTwilioProvider(config.twilio, { timeoutMs: 300, now: () => clockRef.now() });
  h = await createHarness({ now: iso(T0), env, provider, start: false });
  clockRef = h.clock;
});

afterEach(async () => {
  await h.close();
  await twilio.close();
  clockRef = { now: () => T0 };
});

const round = () => h.services.outbox.round();

function textTo(phone: string) {
  return h.sql.all<{
    id: number;
    status: string;
    attempts: number;
    code: string | null;
    errorMessage: string | null;
    sid: string | null;
    dueAt: number;
    claim: string | null;
  }>(
    `select id, status, attempts, error_code as code, error_message as "errorMessage", provider_sid as sid, due_at as "dueAt", claim_token as claim
     from messages where to_address = ? and direction = 'outbound' order by id`,
    phone,
  );
}

/** Moves the clock to the next due text and runs a round, until nothing is queued. */
async function runUntilSettled(maxRounds = 20) {
  for (let i = 0; i < maxRounds; i++) {
    await round();
    const next = (await h.sql.get<{ at: number | null }>(`select min(due_at) as at from messages where status = 'queued'`))!;
    if (next.at == null) return;
    if (next.at > h.clock.now()) await h.advance(next.at - h.clock.now());
  }
  throw new Error('still queued after ' + maxRounds + ' rounds');
}

async function campaignDetail(id: number) {
  return (await h.api('GET', `/api/campaigns/${id}`)).body;
}

describe('transient errors', () => {
  it('429 then 503 then success: retried with growing backoff, sent exactly once', async () => {
    const phones = await Promise.all(NY.slice(0, 3).map((id) => phoneOf(h.db, id)));
    twilio.script(phones[0]!, [{ status: 429, code: 20429, message: 'Too Many Requests' }, { status: 503, message: 'Service Unavailable' }, 'create']);
    const d = await sendCampaign(h, { candidateIds: NY.slice(0, 3), body: 'Hi {{firstName}}' });

    await round();
    expect(twilio.posts(phones[0])).toHaveLength(1);
    let row = (await textTo(phones[0]!))[0]!;
    expect(row).toMatchObject({ status: 'queued', attempts: 1, code: '20429', claim: null });
    expect(row.dueAt - T0).toBeGreaterThanOrEqual(1000);
    expect(row.dueAt - T0).toBeLessThanOrEqual(2000);
    // The others went at once; the campaign is not done.
    expect(twilio.posts(phones[1])).toHaveLength(1);
    expect((await campaignDetail(d.campaignId)).status).toBe('sending');

    // Not before its time.
    await h.advance(row.dueAt - T0 - 1);
    await round();
    expect(twilio.posts(phones[0])).toHaveLength(1);
    await h.advance(1);
    await round();
    expect(twilio.posts(phones[0])).toHaveLength(2);
    row = (await textTo(phones[0]!))[0]!;
    expect(row).toMatchObject({ status: 'queued', attempts: 2, code: '503' });
    // A 503 may come after Twilio created the text: it was looked up (list read) before the retry; the 429 was not.
    expect(twilio.lists(phones[0])).toHaveLength(1);
    expect(twilio.lists(phones[0])[0]!.at).toBe(twilio.posts(phones[0])[1]!.at);
    const second = row.dueAt - h.clock.now();
    expect(second).toBeGreaterThanOrEqual(2000);
    expect(second).toBeLessThanOrEqual(4000);

    await runUntilSettled();
    const posts = twilio.posts(phones[0]);
    expect(posts).toHaveLength(3);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(posts[2]!.at - posts[1]!.at).toBeGreaterThanOrEqual(2000);
    expect(twilio.created.filter((m) => m.to === phones[0])).toHaveLength(1);
    row = (await textTo(phones[0]!))[0]!;
    expect(row).toMatchObject({ status: 'sending', attempts: 3, code: null, sid: twilio.created.find((m) => m.to === phones[0])!.sid });
    expect(await textTo(phones[0]!)).toHaveLength(1);

    // What Twilio was asked: our number, the status callback, a validity period ending at 21:00 New York.
    expect(posts[2]!.form).toMatchObject({
      To: phones[0],
      From: ACME_SMS_FROM,
      Body: 'Hi Maria',
      StatusCallback: `https://te.test/webhooks/twilio/status?k=te-msg-${row.id}`,
    });
    const closes = Date.parse('2026-03-04T02:00:00Z');
    expect(Number(posts[2]!.form.ValidityPeriod)).toBe(Math.floor((closes - posts[2]!.at) / 1000));
    expect(posts.every((p) => p.authorized)).toBe(true);

    const detail = await campaignDetail(d.campaignId);
    expect(detail).toMatchObject({ status: 'sent', stats: { sent: 3, failed: 0, queued: 0, unknown: 0 } });
    expect(twilio.created).toHaveLength(3);
  });

  it('honours Retry-After when it asks for longer than the backoff', async () => {
    const phone = await phoneOf(h.db, NY[0]!);
    twilio.script(phone, [{ status: 429, code: 20429, retryAfter: '30' }, 'create']);
    await sendCampaign(h, { candidateIds: [NY[0]!] });
    await round();
    expect((await textTo(phone))[0]!.dueAt - T0).toBe(30_000);
    await runUntilSettled();
    const posts = twilio.posts(phone);
    expect(posts.map((p) => p.at - T0)).toEqual([0, 30_000]);
    expect(twilio.created).toHaveLength(1);
  });

  it('an outage past the texting window: retried (backoff at most a minute), never failed, rescheduled to the next window, sent once', async () => {
    // Was "gives up after the maximum attempts": retries are bounded by the text's validity now, not a count (issue 13).
    const phones = await Promise.all(NY.slice(0, 2).map((id) => phoneOf(h.db, id)));
    // 20:00 in New York: an hour of the texting window left.
    await h.advance(7 * HOUR);
    const d = await sendCampaign(h, { candidateIds: NY.slice(0, 2) });
    await twilio.goDown();
    const closes = Date.parse('2026-03-04T02:00:00Z');
    let rounds = 0;
    while (h.clock.now() < closes) {
      await round();
      rounds++;
      const rows = (await Promise.all(phones.map(textTo))).map((texts) => texts[0]!);
      for (const r of rows) expect(r.status).toBe('queued');
      const next = Math.min(...rows.map((r) => r.dueAt));
      if (next >= closes) break;
      // Never more than a minute between two tries while the window is open.
      expect(next - h.clock.now()).toBeLessThanOrEqual(60_000);
      await h.advance(Math.max(1, next - h.clock.now()));
    }
    expect(rounds).toBeGreaterThan(60);
    // The window closed: both wait for the next one (08:00 New York = 13:00 UTC), none failed.
    const reopens = Date.parse('2026-03-04T13:00:00Z');
    for (const p of phones) expect(await textTo(p)).toEqual([expect.objectContaining({ status: 'queued', dueAt: reopens, claim: null })]);
    expect((await campaignDetail(d.campaignId)).stats).toMatchObject({ failed: 0, queued: 2 });

    await twilio.comeBack();
    await h.advance(reopens - h.clock.now());
    await runUntilSettled();
    for (const p of phones) {
      expect(twilio.created.filter((m) => m.to === p)).toHaveLength(1);
      expect(await textTo(p)).toEqual([expect.objectContaining({ status: 'sending', sid: expect.stringMatching(/^SM/) })]);
    }
    expect(await campaignDetail(d.campaignId)).toMatchObject({ status: 'sent', stats: { sent: 2, failed: 0, queued: 0 } });
  });
});

describe('permanent errors', () => {
  it('21211 fails that recipient only, with the code, and the campaign completes', async () => {
    const phones = await Promise.all(NY.map((id) => phoneOf(h.db, id)));
    twilio.script(phones[2]!, [{ status: 400, code: 21211, message: "The 'To' number is not a valid phone number." }]);
    const d = await sendCampaign(h, { candidateIds: NY });
    await runUntilSettled();
    expect(twilio.posts(phones[2])).toHaveLength(1);
    expect(await textTo(phones[2]!)).toEqual([
      expect.objectContaining({ status: 'failed', attempts: 1, code: '21211', errorMessage: expect.stringContaining('not a valid phone number') }),
    ]);
    for (const p of [0, 1, 3, 4]) expect((await textTo(phones[p]!))[0]).toMatchObject({ status: 'sending', sid: expect.stringMatching(/^SM/) });
    expect(await campaignDetail(d.campaignId)).toMatchObject({ status: 'sent', stats: { sent: 4, failed: 1, queued: 0, done: 5 } });
    // The candidate is still textable: 21211 is about the number, not consent.
    expect((await h.api('GET', `/api/candidates/${NY[2]}`)).body).toMatchObject({ textable: true, optedOut: false });
  });

  it('21610 (unsubscribed at the carrier) opts the candidate out', async () => {
    const phones = await Promise.all(NY.slice(0, 2).map((id) => phoneOf(h.db, id)));
    twilio.script(phones[1]!, [{ status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' }]);
    const d = await sendCampaign(h, { candidateIds: NY.slice(0, 2) });
    await runUntilSettled();
    expect(await textTo(phones[1]!)).toEqual([expect.objectContaining({ status: 'failed', code: '21610' })]);
    expect(twilio.posts(phones[1])).toHaveLength(1);
    const candidate = await h.api('GET', `/api/candidates/${NY[1]}`);
    expect(candidate.body).toMatchObject({ textable: false, reason: 'OPTED_OUT', optedOut: true });
    const row = (await h.sql.get<{ method: string }>(`select opt_out_method as method from candidates where phone = ?`, phones[1]))!;
    expect(row.method).toBe('provider');
    expect(await campaignDetail(d.campaignId)).toMatchObject({ status: 'sent', stats: { sent: 1, failed: 1, optedOut: 1 } });

    // The next campaign skips them without asking Twilio.
    const next = await sendCampaign(h, { name: 'Second', candidateIds: NY.slice(0, 2) });
    expect(next.review).toMatchObject({ eligible: 1, excluded: { OPTED_OUT: 1 } });
    await runUntilSettled();
    expect(twilio.posts(phones[1])).toHaveLength(1);
    expect((await campaignDetail(next.campaignId)).stats).toMatchObject({ sent: 1, skipped: { OPTED_OUT: 1 } });
  });
});

describe('no answer: the text may or may not have gone', () => {
  it('Twilio created it but the answer never came: found by look-up, recorded, never POSTed twice', async () => {
    const phones = await Promise.all(NY.slice(0, 2).map((id) => phoneOf(h.db, id)));
    twilio.script(phones[0]!, ['create-then-hang']);
    const d = await sendCampaign(h, { candidateIds: NY.slice(0, 2), body: 'Hi {{firstName}}' });
    await round();
    const created = twilio.created.find((m) => m.to === phones[0])!;
    expect(created).toBeDefined();
    expect(twilio.lists(phones[0]).length).toBeGreaterThanOrEqual(1);
    expect(twilio.lists(phones[0])[0]!.query.get('From')).toBe(ACME_SMS_FROM);
    expect(await textTo(phones[0]!)).toEqual([expect.objectContaining({ status: 'sending', sid: created.sid, claim: null, attempts: 1 })]);
    await h.advance(HOUR);
    await runUntilSettled();
    expect(twilio.posts(phones[0])).toHaveLength(1);
    expect(twilio.created.filter((m) => m.to === phones[0])).toHaveLength(1);
    expect(await campaignDetail(d.campaignId)).toMatchObject({ status: 'sent', stats: { sent: 2, unknown: 0, failed: 0 } });

    // Twilio's status callback for that SID then moves it along like any other.
    const { createHmac } = await import('node:crypto');
    const url = 'https://te.test/webhooks/twilio/status';
    const params = { MessageSid: created.sid, MessageStatus: 'delivered', AccountSid: FAKE_ACCOUNT_SID };
    const data =
      url +
      Object.keys(params)
        .sort()
        .map((k) => k + params[k as keyof typeof params])
        .join('');
    const signature = createHmac('sha1', FAKE_AUTH_TOKEN).update(data).digest('base64');
    const res = await h.app.request('/webhooks/twilio/status', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    expect(res.status).toBeLessThan(300);
    expect((await textTo(phones[0]!))[0]!.status).toBe('delivered');
  });

  describe('with a list-lag grace of 5 minutes', () => {
    beforeAll(() => {
      graceMs = 5 * 60_000;
    });
    afterAll(() => {
      graceMs = 0;
    });

    it('Twilio has nothing either: asked again while its list may lag, then re-sent once (never left unknown)', async () => {
      // Was "held as unknown, never re-sent": a list that answers "no such message" after the grace is an answer (issue 13).
      const phones = await Promise.all(NY.slice(0, 2).map((id) => phoneOf(h.db, id)));
      twilio.script(phones[0]!, ['hang']);
      const d = await sendCampaign(h, { candidateIds: NY.slice(0, 2) });
      await round();
      expect(twilio.lists(phones[0])).toHaveLength(1);
      let row = (await textTo(phones[0]!))[0]!;
      expect(row).toMatchObject({ status: 'sending', claim: null, sid: null });
      // Rechecked within the grace: still not there, still not re-sent.
      await h.advance(60_000);
      await round();
      expect(twilio.lists(phones[0]).length).toBeGreaterThanOrEqual(2);
      expect(twilio.posts(phones[0])).toHaveLength(1);
      expect((await textTo(phones[0]!))[0]!.status).toBe('sending');
      // Past the grace: re-queued and sent, once.
      await h.advance(5 * 60_000);
      await runUntilSettled();
      await round();
      expect(twilio.posts(phones[0])).toHaveLength(2);
      expect(twilio.created.filter((m) => m.to === phones[0])).toHaveLength(1);
      row = (await textTo(phones[0]!))[0]!;
      expect(row).toMatchObject({ status: 'sending', sid: twilio.created.find((m) => m.to === phones[0])!.sid });
      expect(await campaignDetail(d.campaignId)).toMatchObject({ status: 'sent', stats: { sent: 2, unknown: 0, queued: 0 } });
    });

    it('a message created but missing from the lagging list is found on a later look-up: 1 created, 1 POST', async () => {
      const phone = await phoneOf(h.db, NY[0]!);
      twilio.setListLag(90_000);
      twilio.script(phone, ['create-then-5xx']);
      await sendCampaign(h, { candidateIds: [NY[0]!] });
      await round();
      expect((await textTo(phone))[0]).toMatchObject({ status: 'sending', sid: null, claim: null });
      for (let i = 0; i < 10 && !(await textTo(phone))[0]!.sid; i++) {
        await h.advance(30_000);
        await round();
      }
      expect(twilio.posts(phone)).toHaveLength(1);
      expect(twilio.created).toHaveLength(1);
      expect((await textTo(phone))[0]).toMatchObject({ status: 'sending', sid: twilio.created[0]!.sid });
    });

    it('a look-up that keeps failing leaves the text unknown, never re-sent', async () => {
      const phone = await phoneOf(h.db, NY[0]!);
      twilio.script(phone, ['hang']);
      await sendCampaign(h, { candidateIds: [NY[0]!] });
      await round();
      expect((await textTo(phone))[0]!.status).toBe('sending');
      await twilio.goDown();
      for (let i = 0; i < 20 && (await textTo(phone))[0]!.status === 'sending'; i++) {
        await h.advance(5 * 60_000);
        await round();
      }
      expect(await textTo(phone)).toEqual([expect.objectContaining({ status: 'unknown', code: 'DELIVERY_UNKNOWN', sid: null })]);
      await twilio.comeBack();
      await h.advance(HOUR);
      await round();
      expect(twilio.posts(phone)).toHaveLength(1);
    });
  });
});
