/**
 * The crash that could text someone twice, made exact: a process dies between handing texts to
 * the provider and recording that it did. "Dying" here is a round whose provider calls never
 * return and its database closed under it (no transaction is open while texts are with the
 * provider, so nothing is left half-written, on either engine); a second app on the same database
 * (the same file on SQLite, the same database on PostgreSQL: a restart) must record what went
 * out, send what did not, and text nobody twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createTwilioProvider } from '../providers/twilio.js';
import type { OutboundText, Provider } from '../providers/types.js';
import { createHarness, type Harness } from './harness.js';
import { iso, phoneOf, sendCampaign } from './support/campaigns.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, startFakeTwilio, type FakeTwilio } from './support/fake-twilio.js';

const T0 = Date.parse('2026-03-03T18:00:00Z');
const LEASE_MS = 30_000;
const NY = ['10001', '10011', '10026', '10059', '10067', '10072'];

let dir: string;
const harnesses: Harness[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'te-crash-'));
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    try {
      await h.close();
    } catch {
      // the "crashed" one is already closed
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

async function open(options: Parameters<typeof createHarness>[0]) {
  const h = await createHarness({ databasePath: join(dir, 'te.db'), ...options });
  harnesses.push(h);
  return h;
}

const never = () => new Promise<never>(() => {});

/** Waits (real time) until `check` holds. */
async function until(check: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Kills an app without any of its shutdown: its pending calls never resume, its timers never run. */
async function crash(h: Harness) {
  await h.db.close();
  harnesses.splice(harnesses.indexOf(h), 1);
}

function texts(h: Harness) {
  return h.sql.all<{ id: number; phone: string; status: string; claim: string | null; sid: string | null }>(
    `select id, to_address as phone, status, claim_token as claim, provider_sid as sid from messages where campaign_id is not null order by id`,
  );
}

/** The message id of an outbound text (the outbox keys each text `te-msg-<id>`). */
const messageIdOf = (text: OutboundText) => Number(text.idempotencyKey.replace(/^te-msg-/, ''));

describe('a crash between handing texts over and recording them', () => {
  it('simulator: what reached phones is recorded (and its delivery reports kept), the rest sent once', async () => {
    const a = await open({ now: iso(T0), start: false });
    const phones = await Promise.all(NY.map((id) => phoneOf(a.db, id)));
    // The provider takes the first four texts and then the process stops answering; the last two never reach it.
    const realSend = a.simulator.send.bind(a.simulator);
    let calls = 0;
    let accepted = 0;
    a.simulator.send = async (text: OutboundText) => {
      if (++calls > 4) return never();
      await realSend(text);
      accepted++;
      return never();
    };
    const d = await sendCampaign(a, { candidateIds: NY, body: 'Hello {{firstName}}' });
    void a.services.outbox.round();
    // Every text handed over, and the simulator has recorded the four it took (its write is a
    // round trip on PostgreSQL, so it may finish after the last call began).
    await until(() => calls >= NY.length && accepted === 4, 'the hand-over');
    expect(await a.simulator.received()).toHaveLength(4);
    expect((await texts(a)).every((t) => t.status === 'sending' && t.claim != null && t.sid == null)).toBe(true);
    await crash(a);

    // The restart: same file, a minute later (the claims' lease has run out).
    const b = await open({ now: iso(T0 + 2 * LEASE_MS) });
    await b.advance(10_000);
    const received = await b.simulator.received();
    const perPhone = new Map<string, number>();
    for (const m of received) perPhone.set(m.phone, (perPhone.get(m.phone) ?? 0) + 1);
    expect(Object.fromEntries(perPhone)).toEqual(Object.fromEntries(phones.map((p) => [p, 1])));
    // Every text is recorded with its provider id and has reached its final state.
    expect(await texts(b)).toEqual(
      phones.map((phone) => expect.objectContaining({ phone, claim: null, sid: expect.stringMatching(/^SM/), status: 'delivered' })),
    );
    const detail = (await b.api('GET', `/api/campaigns/${d.campaignId}`)).body;
    expect(detail).toMatchObject({ status: 'sent', stats: { sent: 6, delivered: 6, queued: 0, unknown: 0 } });
  });

  it('simulator: killed right after Send, before any round: the restart sends everything once', async () => {
    const a = await open({ now: iso(T0), start: false });
    const d = await sendCampaign(a, { candidateIds: NY });
    await crash(a);
    const b = await open({ now: iso(T0 + 5000) });
    await b.advance(10_000);
    expect((await b.simulator.received()).map((m) => m.phone).sort()).toEqual((await Promise.all(NY.map((id) => phoneOf(b.db, id)))).sort());
    expect((await b.api('GET', `/api/campaigns/${d.campaignId}`)).body).toMatchObject({ status: 'sent', stats: { sent: 6, delivered: 6 } });
  });

  describe('twilio', () => {
    let twilio: FakeTwilio;
    let clockRef: { now(): number } = { now: () => T0 };
    const env = () => ({
      PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: FAKE_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
      TWILIO_SMS_FROM: '+15005550006',
      TWILIO_API_BASE_URL: twilio.baseUrl,
      PUBLIC_URL: 'https://te.test',
      // Not about pacing: a round hands over every text it claims at once.
      SEND_RATE_PER_SECOND: 'unlimited',
    });
    const provider = (): Provider => createTwilioProvider(loadConfig(env()).twilio, { timeoutMs: 500, now: () => clockRef.now() });
    beforeEach(async () => {
      twilio = await startFakeTwilio({ now: () => clockRef.now() });
    });
    afterEach(async () => {
      await twilio.close();
    });

    it('after the POST: found by look-up and recorded; before it: sent; in between: re-sent once after the list-lag grace, never unknown', async () => {
      const real = provider();
      let calls = 0;
      // Message ids in the order their texts reached send(): a round hands its texts over
      // concurrently, so that order need not be the ids' (on PostgreSQL it often is not).
      const handedOver: number[] = [];
      // Text 1-2: Twilio has them, the answers are lost. Text 3: the process died just before
      // the request left (nothing at Twilio). Texts 4-6: never handed over.
      const dying: Provider = {
        ...real,
        async send(text) {
          calls++;
          handedOver.push(messageIdOf(text));
          if (calls <= 2) {
            await real.send(text);
            return never();
          }
          return never();
        },
      };
      const a = await open({ now: iso(T0), env: env(), provider: dying, start: false });
      clockRef = a.clock;
      const phones = await Promise.all(NY.map((id) => phoneOf(a.db, id)));
      const d = await sendCampaign(a, { candidateIds: NY, body: 'Hi {{firstName}}' });
      void a.services.outbox.round();
      await until(() => calls >= NY.length && twilio.created.length === 2, 'the hand-over');
      // Texts 4-6 were claimed but never marked handed off: make them so by clearing the mark the
      // provider call would have set (the dispatcher marks each row just before its own call).
      await a.sql.run(`update messages set handed_off_at = null where id in (${handedOver.slice(3).join(',')})`);
      const diedBeforeTheRequest = handedOver[2]!;
      await crash(a);

      const b = await open({ now: iso(T0 + 2 * LEASE_MS), env: env(), provider: provider(), start: false });
      clockRef = b.clock;
      await b.services.outbox.round();
      await b.services.outbox.round();
      let rows = await texts(b);
      // Text 3 was handed over but Twilio's list lacks it: within the list-lag grace (5 min by
      // default) it waits in 'sending' without an id, to be asked again; it was not re-sent.
      expect(rows.map((r) => r.status)).toEqual(['sending', 'sending', 'sending', 'sending', 'sending', 'sending']);
      const third = rows.find((r) => r.id === diedBeforeTheRequest)!;
      expect(third.sid).toBeNull();
      expect(twilio.posts(third.phone)).toHaveLength(0);
      // Past the grace: re-queued and sent, once; never held as unknown.
      await b.advance(5 * 60_000);
      await b.services.outbox.round();
      await b.services.outbox.round();
      rows = await texts(b);
      expect(rows.map((r) => r.status)).toEqual(['sending', 'sending', 'sending', 'sending', 'sending', 'sending']);
      expect(rows.every((r) => r.claim == null && r.sid != null)).toBe(true);
      // One POST and one message at Twilio per text.
      for (const row of rows) {
        expect({ phone: row.phone, posts: twilio.posts(row.phone).length, created: twilio.created.filter((m) => m.to === row.phone).length }).toEqual({
          phone: row.phone,
          posts: 1,
          created: 1,
        });
      }
      expect(new Set(rows.map((r) => r.phone))).toEqual(new Set(phones));
      expect(rows[0]!.sid).toBe(twilio.created.find((m) => m.to === rows[0]!.phone)!.sid);
      expect((await b.api('GET', `/api/campaigns/${d.campaignId}`)).body).toMatchObject({ status: 'sent', stats: { sent: 6, unknown: 0, queued: 0 } });
    });
  });
});

describe('two server processes on one database file', () => {
  it('claim each text once: every recipient gets exactly one, whichever process sent it', async () => {
    const a = await open({ now: iso(T0), env: { SEND_RATE_PER_SECOND: '20' } });
    const b = await open({ now: iso(T0), env: { SEND_RATE_PER_SECOND: '20' } });
    const ids = (
      await a.sql.all<{ id: string }>(
        `select c.ats_id as id from candidates c join organizations o on o.id = c.org_id where o.slug = 'acme' and c.channel = 'sms'`,
      )
    ).map((r) => r.id);
    const sentBy = new Map<string, string[]>();
    for (const [name, h] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const real = h.simulator.send.bind(h.simulator);
      h.simulator.send = async (text: OutboundText) => {
        sentBy.set(text.idempotencyKey, [...(sentBy.get(text.idempotencyKey) ?? []), name]);
        return real(text);
      };
    }
    // 13:00 in New York; texting all day so nobody waits for a window.
    await a.api('PATCH', '/api/organization', { textingHours: { start: '00:00', end: '24:00' } });
    const d = await sendCampaign(a, { candidateIds: ids, body: 'Both of us' });
    b.services.outbox.kick();
    for (let i = 0; i < 100; i++) {
      await a.advance(100);
      await b.advance(100);
    }
    const keys = [...sentBy.values()];
    expect(keys.length).toBe(d.review.eligible);
    expect(keys.filter((by) => by.length > 1)).toEqual([]);
    // Both took part.
    expect(new Set(keys.flat())).toEqual(new Set(['a', 'b']));
    const perPhone = new Map<string, number>();
    for (const m of await a.simulator.received()) perPhone.set(m.phone, (perPhone.get(m.phone) ?? 0) + 1);
    expect([...perPhone.values()].every((n) => n === 1)).toBe(true);
    const detail = (await b.api('GET', `/api/campaigns/${d.campaignId}`)).body;
    expect(detail.status).toBe('sent');
    expect(detail.stats.queued).toBe(0);
  });
});
