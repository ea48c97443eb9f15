/**
 * Retries, sending paused and reconciliation as Twilio really behaves (issue 13), over real HTTP:
 * the app (PROVIDER=twilio, served on a port) against the fake Twilio, whose signed status
 * callbacks reach the app's webhook route over HTTP too. The dispatcher is driven round by round
 * on a FakeClock (start: false).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import type { AppEvent } from '../lib/events.js';
import { createTwilioProvider } from '../providers/twilio.js';
import { createHarness, type Harness } from './harness.js';
import { HOUR, iso, phoneOf, sendCampaign } from './support/campaigns.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, startFakeTwilio, type FakeTwilio } from './support/fake-twilio.js';
import { postSigned } from './support/fake-twilio-callbacks.js';

// 13:00 in New York: inside texting hours until 21:00 there (02:00 UTC).
const T0 = Date.parse('2026-03-03T18:00:00Z');
const NY = ['10001', '10011', '10026', '10059', '10067'];

let h: Harness;
let twilio: FakeTwilio;
let appBase = '';
const events: AppEvent[] = [];

afterEach(async () => {
  await h?.close();
  await twilio?.close();
  events.length = 0;
});

/** The app with Twilio pointed at the fake; `graceMs` is TWILIO_LIST_GRACE_MS. */
async function setup(graceMs = 0) {
  let clockNow = () => T0;
  // Twilio posts to the StatusCallback it was given (https://te.test/…, what the signature covers); here it lands on the app's port.
  twilio = await startFakeTwilio({
    now: () => clockNow(),
    transport: (url, init) => {
      const u = new URL(url);
      return fetch(appBase + u.pathname + u.search, init);
    },
  });
  const env = {
    PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: FAKE_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
    TWILIO_SMS_FROM: '+15005550006',
    TWILIO_API_BASE_URL: twilio.baseUrl,
    TWILIO_LIST_GRACE_MS: String(graceMs),
    // Not about pacing: a round hands over every text it claims at once.
    SEND_RATE_PER_SECOND: 'unlimited',
    PUBLIC_URL: 'https://te.test',
  };
  const provider = createTwilioProvider(loadConfig(env).twilio, { timeoutMs: 300, now: () => clockNow() });
  h = await createHarness({ now: iso(T0), env, provider, start: false });
  clockNow = () => h.clock.now();
  appBase = await h.serveHttp();
  const orgId = (await h.sql.get<{ id: number }>(`select id from organizations where slug = 'acme'`))!.id;
  h.deps.events.subscribe(orgId, (e) => events.push(e as AppEvent));
}

const round = () => h.services.outbox.round();

interface TextRow {
  id: number;
  status: string;
  attempts: number;
  code: string | null;
  reason: string | null;
  sid: string | null;
  dueAt: number;
  checkAt: number | null;
}

function textTo(phone: string): Promise<TextRow[]> {
  return h.sql.all<TextRow>(
    `select id, status, attempts, error_code as code, failure_reason as reason, provider_sid as sid, due_at as "dueAt", check_at as "checkAt"
     from messages where to_address = ? and direction = 'outbound' order by id`,
    phone,
  );
}

async function statusCounts(): Promise<Record<string, number>> {
  const rows = await h.sql.all<{ status: string; n: number }>(`select status, count(*) as n from messages where direction = 'outbound' group by status`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Moves the clock to the next due text and runs a round, until nothing is queued. */
async function runUntilSettled(maxRounds = 50) {
  for (let i = 0; i < maxRounds; i++) {
    await round();
    const next = (await h.sql.get<{ at: number | null }>(`select min(due_at) as at from messages where status = 'queued'`))!;
    if (next.at == null) return;
    if (next.at > h.clock.now()) await h.advance(next.at - h.clock.now());
  }
  throw new Error('still queued after ' + maxRounds + ' rounds');
}

/** GET /api/events over HTTP: resolves with the data of each `event:` named `name` seen, once `count` of them came. */
async function sseEvents(name: string, count: number, abort: AbortSignal): Promise<{ ready: Promise<void>; events: Promise<unknown[]> }> {
  const token = await h.login();
  const res = await fetch(appBase + '/api/events', { headers: { authorization: `Bearer ${token}` }, signal: abort });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const events = (async () => {
    const found: unknown[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body! as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === 'ready') markReady();
        if (event === name && data) found.push(JSON.parse(data));
        if (found.length >= count) return found;
      }
    }
    return found;
  })();
  return { ready, events };
}

/** Waits (real time) for something the fake or the app does over HTTP. */
async function until(check: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('5xx and resets after Twilio created the text', () => {
  it('create-then-5xx and create-then-reset: looked up, recorded with the fake SID, 1 POST, 1 created each', async () => {
    await setup();
    const phones = await Promise.all(NY.slice(0, 2).map((id) => phoneOf(h.db, id)));
    twilio.script(phones[0]!, ['create-then-5xx']);
    twilio.script(phones[1]!, ['create-then-reset']);
    await sendCampaign(h, { candidateIds: NY.slice(0, 2) });
    await runUntilSettled();
    await h.advance(HOUR);
    await runUntilSettled();
    for (const phone of phones) {
      expect(twilio.posts(phone)).toHaveLength(1);
      expect(twilio.lists(phone)).toHaveLength(1);
      const created = twilio.created.filter((m) => m.to === phone);
      expect(created).toHaveLength(1);
      expect(await textTo(phone)).toEqual([expect.objectContaining({ status: 'sending', sid: created[0]!.sid })]);
    }
  });

  it('503 without creating: not re-sent within the list-lag grace, then retried once, 1 created', async () => {
    await setup(2 * 60_000);
    const phone = await phoneOf(h.db, NY[0]!);
    twilio.setUnavailable(true);
    await sendCampaign(h, { candidateIds: [NY[0]!] });
    await round();
    twilio.setUnavailable(false);
    expect((await textTo(phone))[0]).toMatchObject({ status: 'sending', sid: null });
    await h.advance(60_000);
    await round();
    expect(twilio.posts(phone)).toHaveLength(1);
    await h.advance(60_000);
    await round();
    await runUntilSettled();
    expect(twilio.posts(phone)).toHaveLength(2);
    expect(twilio.created).toHaveLength(1);
    expect((await textTo(phone))[0]).toMatchObject({ status: 'sending', sid: twilio.created[0]!.sid });
  });
});

describe('outages and rate limits', () => {
  it('a 20-minute outage (connections refused): texts stay queued, then go once each', async () => {
    await setup();
    const phones = await Promise.all(NY.slice(0, 3).map((id) => phoneOf(h.db, id)));
    await twilio.goDown();
    await sendCampaign(h, { candidateIds: NY.slice(0, 3) });
    const back = T0 + 20 * 60_000;
    while (h.clock.now() < back) {
      await round();
      for (const p of phones) expect((await textTo(p))[0]!.status).toBe('queued');
      const next = Math.min(...(await Promise.all(phones.map(textTo))).map((rows) => rows[0]!.dueAt));
      await h.advance(Math.max(1, Math.min(next, back) - h.clock.now()));
    }
    expect((await textTo(phones[0]!))[0]!.attempts).toBeGreaterThan(10);
    await twilio.comeBack();
    await h.advance(60_000);
    await runUntilSettled();
    for (const p of phones) {
      expect(twilio.created.filter((m) => m.to === p)).toHaveLength(1);
      expect((await textTo(p))[0]!.status).toBe('sending');
    }
    expect(await statusCounts()).toEqual({ sending: 3 });
  });

  it('a 429 storm: every text delivered once, none failed, Retry-After honoured', async () => {
    await setup();
    const phones = await Promise.all(NY.map((id) => phoneOf(h.db, id)));
    for (const p of phones)
      twilio.script(
        p,
        Array.from({ length: 4 }, () => ({ status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '5' })),
      );
    await sendCampaign(h, { candidateIds: NY });
    await runUntilSettled();
    for (const p of phones) {
      const posts = twilio.posts(p);
      expect(posts).toHaveLength(5);
      posts.slice(1).forEach((post, i) => expect(post.at - posts[i]!.at).toBeGreaterThanOrEqual(5000));
      expect(twilio.created.filter((m) => m.to === p)).toHaveLength(1);
    }
    expect(await statusCounts()).toEqual({ sending: NY.length });
  });

  it('a one-to-one text refused for longer than Twilio keeps a text queued (10 h): failed EXPIRED', async () => {
    await setup();
    const phone = await phoneOf(h.db, NY[0]!);
    twilio.setFallback({ status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '3600' });
    const sent = await h.api('POST', `/api/candidates/${NY[0]}/messages`, { body: 'Are you free on Tuesday?' });
    expect(sent.status).toBe(202);
    await runUntilSettled();
    expect(await textTo(phone)).toEqual([expect.objectContaining({ status: 'failed', code: 'VALIDITY_EXPIRED', reason: 'EXPIRED' })]);
    expect(twilio.posts(phone).length).toBe(10);
    expect(twilio.created).toHaveLength(0);
  });
});

describe('credentials refused: sending pauses, nothing fails', () => {
  it('a rotated token pauses sending (shown and announced), probes, and resumes by itself when accepted again', async () => {
    await setup();
    const phones = await Promise.all(NY.slice(0, 3).map((id) => phoneOf(h.db, id)));
    const stream = new AbortController();
    const sse = await sseEvents('organization.sending', 2, stream.signal);
    await sse.ready;
    twilio.rotateToken('the-new-token');
    await sendCampaign(h, { candidateIds: NY.slice(0, 3) });
    await round();
    // Refused with 401 20003: every text back in the queue, untouched; none failed.
    expect(twilio.posts().every((p) => !p.authorized)).toBe(true);
    for (const p of phones) expect(await textTo(p)).toEqual([expect.objectContaining({ status: 'queued', attempts: 0, sid: null })]);
    const org = await h.api('GET', '/api/organization');
    expect(org.body.sending).toEqual({ paused: true, reason: expect.stringContaining('Authenticate'), since: new Date(T0).toISOString() });
    expect(events.filter((e) => e.type === 'organization.sending').map((e) => e.data)).toEqual([org.body.sending]);

    // Paused: nothing is claimed; the account is probed after 5 s, then less often.
    const postsWhilePaused = twilio.posts().length;
    await round();
    expect(twilio.posts()).toHaveLength(postsWhilePaused);
    await h.advance(5000);
    await round();
    expect(twilio.probes()).toHaveLength(1);
    await h.advance(5000);
    await round();
    expect(twilio.probes()).toHaveLength(1);
    await h.advance(5000);
    await round();
    expect(twilio.probes()).toHaveLength(2);
    expect(twilio.posts()).toHaveLength(postsWhilePaused);
    expect(await statusCounts()).toEqual({ queued: 3 });

    // The token the app has works again (as after a restart with the new one): the next probe resumes and drains.
    twilio.rotateToken(FAKE_AUTH_TOKEN);
    await h.advance(20_000);
    await round();
    await runUntilSettled();
    for (const p of phones) expect(twilio.created.filter((m) => m.to === p)).toHaveLength(1);
    expect(await statusCounts()).toEqual({ sending: 3 });
    expect((await h.api('GET', '/api/organization')).body.sending).toEqual({ paused: false });
    expect(events.filter((e) => e.type === 'organization.sending').map((e) => e.data)).toEqual([org.body.sending, { paused: false }]);
    // The same two over the event stream (SSE, real HTTP).
    expect(await sse.events).toEqual([org.body.sending, { paused: false }]);
    stream.abort();
  });

  it('a look-up refused for credentials pauses too, and counts as a failed look-up (not "not there"): the text is found once resumed', async () => {
    await setup();
    const phone = await phoneOf(h.db, NY[0]!);
    twilio.script(phone, ['create-then-hang']);
    await sendCampaign(h, { candidateIds: [NY[0]!] });
    const pending = round();
    await until(() => twilio.created.length === 1, 'the message at Twilio');
    // The token is rotated while the answer hangs: the look-up after the timeout gets 401.
    twilio.rotateToken('the-new-token');
    await pending;
    expect(twilio.lists(phone)).toEqual([expect.objectContaining({ authorized: false })]);
    expect(await h.services.sending.isPaused()).toBe(true);
    expect(await textTo(phone)).toEqual([expect.objectContaining({ status: 'sending', sid: null })]);
    expect(await h.sql.get(`select lookups from messages where to_address = ?`, phone)).toEqual({ lookups: 1 });

    twilio.rotateToken(FAKE_AUTH_TOKEN);
    await h.advance(60_000);
    await round();
    expect(await h.services.sending.isPaused()).toBe(false);
    expect(await textTo(phone)).toEqual([expect.objectContaining({ status: 'sending', sid: twilio.created[0]!.sid })]);
    expect(twilio.posts(phone)).toHaveLength(1);
  });

  it('the pause is in the database: a restarted process still claims nothing until a probe succeeds', async () => {
    await setup();
    twilio.rotateToken('the-new-token');
    await sendCampaign(h, { candidateIds: NY.slice(0, 2) });
    await round();
    expect(await h.services.sending.isPaused()).toBe(true);
    // Another process on the same database (a second outbox built from the same deps).
    const { createOutbox } = await import('../services/outbox.js');
    const other = createOutbox(h.deps, { sending: h.services.sending });
    const before = twilio.posts().length;
    await other.round();
    expect(twilio.posts()).toHaveLength(before);
  });
});

describe('reconciliation', () => {
  it("a status callback carrying the text's key settles a send whose answer never came, without reading the list", async () => {
    await setup(5 * 60_000);
    const phone = await phoneOf(h.db, NY[0]!);
    twilio.script(phone, ['create-then-hang']);
    await sendCampaign(h, { candidateIds: [NY[0]!] });
    const pending = round();
    await until(() => twilio.created.length === 1, 'the message at Twilio');
    const created = twilio.created[0]!;
    expect(created.statusCallback).toMatch(/^https:\/\/te\.test\/webhooks\/twilio\/status\?k=te-msg-\d+$/);
    const answer = await twilio.report(created.sid, 'sent');
    expect(answer!.status).toBe(204);
    await pending;
    expect(twilio.lists()).toHaveLength(0);
    expect(await textTo(phone)).toEqual([expect.objectContaining({ status: 'sent', sid: created.sid })]);
    await twilio.report(created.sid, 'delivered');
    expect((await textTo(phone))[0]!.status).toBe('delivered');
    expect(twilio.posts(phone)).toHaveLength(1);
  });

  it('a text stuck in sending (its callbacks lost) is fetched by SID after 10 minutes and moves to delivered', async () => {
    await setup();
    const phone = await phoneOf(h.db, NY[0]!);
    await sendCampaign(h, { candidateIds: [NY[0]!] });
    await round();
    const sid = twilio.created[0]!.sid;
    expect((await textTo(phone))[0]).toMatchObject({ status: 'sending', sid, checkAt: T0 + 10 * 60_000 });
    twilio.setStatus(sid, 'delivered');
    await h.advance(9 * 60_000);
    await round();
    expect(twilio.fetches(sid)).toHaveLength(0);
    await h.advance(60_000);
    await round();
    expect(twilio.fetches(sid)).toHaveLength(1);
    expect((await textTo(phone))[0]!.status).toBe('delivered');
    // Final: never fetched again.
    await h.advance(24 * HOUR);
    await round();
    expect(twilio.fetches(sid)).toHaveLength(1);
  });

  it('a fetched status that is still not final is asked again later, backing off', async () => {
    await setup();
    await sendCampaign(h, { candidateIds: [NY[0]!] });
    await round();
    const sid = twilio.created[0]!.sid;
    const fetchedAt: number[] = [];
    for (let i = 0; i < 12 * 6; i++) {
      await h.advance(10 * 60_000);
      const before = twilio.fetches(sid).length;
      await round();
      if (twilio.fetches(sid).length > before) fetchedAt.push(h.clock.now());
    }
    const gaps = fetchedAt.slice(1).map((t, i) => t - fetchedAt[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThanOrEqual(gaps[i - 1]!);
    expect(gaps.at(-1)).toBeLessThanOrEqual(6 * HOUR);
  });
});

describe('validity expired at Twilio (30036)', () => {
  const closes = Date.parse('2026-03-04T02:00:00Z');
  const reopens = Date.parse('2026-03-04T13:00:00Z');

  it('a campaign text that expired queued at Twilio goes again in the next texting window, once, with a new key', async () => {
    await setup();
    const phones = await Promise.all(NY.slice(0, 2).map((id) => phoneOf(h.db, id)));
    const d = await sendCampaign(h, { candidateIds: NY.slice(0, 2) });
    await runUntilSettled();
    const first = twilio.created.find((m) => m.to === phones[0])!;
    await h.advance(closes + 60_000 - h.clock.now());
    const answer = await twilio.report(first.sid, 'undelivered', 30036);
    expect(answer!.status).toBe(204);
    expect(await textTo(phones[0]!)).toEqual([expect.objectContaining({ status: 'undelivered', reason: 'EXPIRED', code: '30036' })]);
    expect((await h.api('GET', `/api/campaigns/${d.campaignId}`)).body.status).toBe('sending');
    const delivery = await h.sql.get(
      `select status, attempt, due_at as "dueAt", message_id as "messageId" from campaign_deliveries where candidate_id = (select candidate_id from messages where id = ?)`,
      (await textTo(phones[0]!))[0]!.id,
    );
    expect(delivery).toEqual({ status: 'pending', attempt: 1, dueAt: reopens, messageId: null });

    await round();
    expect(twilio.posts(phones[0])).toHaveLength(1);
    await h.advance(reopens - h.clock.now());
    await runUntilSettled();
    expect(twilio.posts(phones[0])).toHaveLength(2);
    expect(twilio.posts(phones[1])).toHaveLength(1);
    const keys = await h.sql.all<{ k: string }>(`select idempotency_key as k from messages where to_address = ? order by id`, phones[0]);
    expect(keys.map((r) => r.k)).toEqual([expect.stringMatching(/^campaign:\d+:\d+$/), expect.stringMatching(/^campaign:\d+:\d+:1$/)]);
    const second = twilio.created.filter((m) => m.to === phones[0])[1]!;
    await twilio.report(second.sid, 'delivered');
    expect(await h.api('GET', `/api/campaigns/${d.campaignId}`).then((r) => r.body)).toMatchObject({ status: 'sent' });
  });

  it('not again for a candidate who is no longer textable', async () => {
    await setup();
    const phone = await phoneOf(h.db, NY[0]!);
    const d = await sendCampaign(h, { candidateIds: [NY[0]!] });
    await runUntilSettled();
    // They reply STOP (Twilio's signed inbound webhook, over HTTP).
    const stop = await postSigned((url, init) => fetch(appBase + new URL(url).pathname, init), 'https://te.test/webhooks/twilio/inbound', FAKE_AUTH_TOKEN, {
      AccountSid: FAKE_ACCOUNT_SID,
      MessageSid: 'SM' + 'f'.repeat(32),
      From: phone,
      To: twilio.created[0]!.from,
      Body: 'STOP',
    });
    expect(stop.status).toBe(200);
    expect((await h.api('GET', `/api/candidates/${NY[0]}`)).body).toMatchObject({ textable: false, optedOut: true });
    await h.advance(closes + 60_000 - h.clock.now());
    await twilio.report(twilio.created[0]!.sid, 'undelivered', 30036);
    await h.advance(reopens - h.clock.now());
    await runUntilSettled();
    // Only the STOP confirmation went since; no second campaign text.
    expect(await h.sql.get(`select count(*) as n from messages where campaign_id = ?`, d.campaignId)).toEqual({ n: 1 });
    expect(await h.sql.all(`select status, attempt from campaign_deliveries`)).toEqual([{ status: 'queued', attempt: 0 }]);
    expect((await h.api('GET', `/api/campaigns/${d.campaignId}`)).body.status).toBe('sent');
  });
});
