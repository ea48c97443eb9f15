/**
 * Claims and look-ups when things are slow or alike: a provider slower than the dispatcher's
 * lease, with a second process on the same database waiting for claims to lapse; and a look-up
 * that matches a text already recorded for another message (the same words to the same person).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../lib/clock.js';
import { ProviderError, type OutboundText, type Provider, type SendReceipt } from '../providers/types.js';
import { createHarness, type Harness } from './harness.js';
import { candidatePool } from './support/demo-candidates.js';

const LEASE_MS = 3000;

let dir: string;
const harnesses: Harness[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'te-claims-'));
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(provider: Provider, clockOf: (h: Harness) => void = () => {}) {
  const h = await createHarness({
    databasePath: join(dir, 'te.db'),
    provider,
    inboundGreeting: false,
    start: false,
    // The second process finds lapsed claims by looking every half second, as a real one does.
    env: { DISPATCH_LEASE_MS: String(LEASE_MS), DISPATCH_IDLE_POLL_MS: '500' },
  });
  clockOf(h);
  harnesses.push(h);
  return h;
}

function rows(h: Harness, ids: number[]) {
  return h.sql.all<{ id: number; status: string; claim: string | null; sid: string | null; attempts: number; code: string | null }>(
    `select id, status, claim_token as claim, provider_sid as sid, attempts, error_code as code from messages
     where id in (${ids.join(',')}) order by id`,
  );
}

describe('a batch slower than the lease', () => {
  /**
   * Carriers whose every call takes twice the lease, and which have a text only once the call
   * returns (the request was slow on its way): a look-up meanwhile says "not sent". One per
   * process, sharing what the carrier has and who handed it what.
   */
  function slowCarrier() {
    const handOffs: { key: string; by: string }[] = [];
    const have = new Map<string, SendReceipt>();
    const lookUps: string[] = [];
    const forProcess = (name: string, clock: () => Clock): Provider => ({
      name: 'telco',
      handOff: { exactLookup: false, concurrency: 8, lookupGraceMs: 0 },
      keywordReplies: 'app',
      defaultFrom: () => '+15550009999',
      async send(text) {
        handOffs.push({ key: text.idempotencyKey, by: name });
        await new Promise<void>((resolve) => clock().setTimeout(resolve, 2 * LEASE_MS));
        const receipt: SendReceipt = have.get(text.idempotencyKey) ?? { providerMessageId: `TC-${have.size + 1}`, status: 'sending', from: '+15550009999' };
        have.set(text.idempotencyKey, receipt);
        return receipt;
      },
      async findSent(text) {
        lookUps.push(`${name}:${text.idempotencyKey}`);
        return have.get(text.idempotencyKey) ?? null;
      },
      connect() {},
    });
    return { handOffs, lookUps, forProcess };
  }

  /** Six texts queued through A, whose dispatcher claims them all and hands them over. */
  async function batchInFlight(a: Harness, handOffs: unknown[]) {
    const pool = candidatePool('sms');
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await a.api('POST', `/api/candidates/${pool.next().id}/messages`, { body: 'Hello' });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      ids.push(res.body.id as number);
    }
    a.start();
    for (let i = 0; i < 10 && handOffs.length < ids.length; i++) await a.advance(10);
    expect(handOffs).toHaveLength(ids.length);
    return ids;
  }

  const leases = async (h: Harness, ids: number[]) =>
    (await h.sql.all<{ at: number }>(`select lease_until as at from messages where id in (${ids.join(',')}) order by id`)).map((r) => r.at);

  it('keeps its claims while the provider works: a second process on the same database neither recovers nor re-sends them', async () => {
    const { handOffs, lookUps, forProcess } = slowCarrier();
    let clockA!: Clock;
    let clockB!: Clock;
    const a = await open(
      forProcess('a', () => clockA),
      (h) => (clockA = h.clock),
    );
    const b = await open(
      forProcess('b', () => clockB),
      (h) => (clockB = h.clock),
    );
    const ids = await batchInFlight(a, handOffs);
    // B starts; both run side by side, a tenth of a second at a time, past two leases.
    b.start();
    for (let t = 0; t < 4 * LEASE_MS; t += 100) {
      await a.advance(100);
      await b.advance(100);
    }

    // Each text handed over once, by the process that claimed it; nobody looked anything up.
    expect(handOffs.map((h) => h.by)).toEqual(ids.map(() => 'a'));
    expect(new Set(handOffs.map((h) => h.key)).size).toBe(ids.length);
    expect(lookUps).toEqual([]);
    expect(await rows(a, ids)).toEqual(
      ids.map((id) => expect.objectContaining({ id, status: 'sending', claim: null, sid: expect.stringMatching(/^TC-/), attempts: 1 })),
    );
  });

  it("renews only the claims it still holds: a row another process took over keeps that one's lease", async () => {
    const { handOffs, forProcess } = slowCarrier();
    let clockA!: Clock;
    const a = await open(
      forProcess('a', () => clockA),
      (h) => (clockA = h.clock),
    );
    const ids = await batchInFlight(a, handOffs);
    const before = await leases(a, ids);
    // Meanwhile another process took over the last row (its claim had lapsed, say).
    const taken = ids.at(-1)!;
    const theirs = a.clock.now() + 10 * LEASE_MS;
    await a.sql.run(`update messages set claim_token = 'another-process', lease_until = ? where id = ?`, theirs, taken);
    await a.advance(LEASE_MS / 2);

    const after = await leases(a, ids);
    expect(after.slice(0, -1).every((at, i) => at > before[i]!)).toBe(true);
    expect(after.at(-1)).toBe(theirs);
    // When the batch settles, that row is still the other process's.
    await a.advance(2 * LEASE_MS);
    expect(await rows(a, [taken])).toEqual([expect.objectContaining({ status: 'sending', claim: 'another-process', sid: null })]);
    expect((await rows(a, ids.slice(0, -1))).every((r) => r.claim === null && r.sid != null)).toBe(true);
  });
});

describe("a look-up that matches another message's provider id", () => {
  /**
   * A carrier whose look-up is by recipient and body, newest first (as Twilio's is): the same
   * words to the same person twice look alike to it. `send` as the test says.
   */
  function lookAlikeCarrier(send: (text: OutboundText, record: (text: OutboundText) => SendReceipt) => Promise<SendReceipt>) {
    const sent: { id: string; to: string; body: string }[] = [];
    const record = (text: OutboundText): SendReceipt => {
      const id = `TC-${sent.length + 1}`;
      sent.push({ id, to: text.to, body: text.body });
      return { providerMessageId: id, status: 'sending', from: '+15550009999' };
    };
    const provider: Provider = {
      name: 'telco',
      handOff: { exactLookup: false, concurrency: 4, lookupGraceMs: 0 },
      keywordReplies: 'app',
      defaultFrom: () => '+15550009999',
      send: (text) => send(text, record),
      async findSent(text) {
        const match = sent.findLast((m) => m.to === text.to && m.body === text.body);
        return match ? { providerMessageId: match.id, status: 'sent', from: '+15550009999' } : null;
      },
      connect() {},
    };
    return { provider, sent };
  }

  async function twoAlikeTexts(h: Harness) {
    const candidate = candidatePool('sms').next();
    const first = await h.api('POST', `/api/candidates/${candidate.id}/messages`, { body: 'Are you still interested?' });
    expect(first.status).toBe(202);
    await h.services.outbox.round();
    const second = await h.api('POST', `/api/candidates/${candidate.id}/messages`, { body: 'Are you still interested?' });
    expect(second.status).toBe(202);
    return [first.body.id as number, second.body.id as number];
  }

  it('after a restart: the text whose hand-off was cut short is held for review, not given the other one', async () => {
    const { provider, sent } = lookAlikeCarrier(async (text, record) => record(text));
    const h = await open(provider);
    const [first, second] = await twoAlikeTexts(h);
    expect(await rows(h, [first!])).toEqual([expect.objectContaining({ status: 'sending', sid: 'TC-1' })]);
    // The second was claimed and handed off by a process that died before the provider had it.
    const now = h.clock.now();
    await h.sql.run(
      `update messages set status = 'sending', claim_token = 'gone', lease_until = ?, handed_off_at = ?, attempts = 1 where id = ?`,
      now - 1,
      now - 1000,
      second,
    );
    await h.services.outbox.round();

    expect(await rows(h, [first!, second!])).toEqual([
      expect.objectContaining({ id: first, status: 'sending', sid: 'TC-1', claim: null }),
      expect.objectContaining({ id: second, status: 'unknown', sid: null, claim: null, code: 'DELIVERY_UNKNOWN' }),
    ]);
    expect(sent).toHaveLength(1);
    const thread = await h.sql.get<{ message: string }>(`select error_message as message from messages where id = ?`, second);
    expect(thread!.message).toMatch(/matched a text already recorded for another message/);
  });

  it('when the send may have gone through: held for review, not given the other one', async () => {
    let calls = 0;
    const { provider, sent } = lookAlikeCarrier(async (text, record) => {
      if (++calls === 1) return record(text);
      throw new ProviderError({ kind: 'transient', reason: 'UNKNOWN', code: 'TIMEOUT', message: 'No answer in time.', maybeSent: true });
    });
    const h = await open(provider);
    const [first, second] = await twoAlikeTexts(h);
    await h.services.outbox.round();

    expect(await rows(h, [first!, second!])).toEqual([
      expect.objectContaining({ id: first, status: 'sending', sid: 'TC-1', claim: null }),
      expect.objectContaining({ id: second, status: 'unknown', sid: null, claim: null, code: 'DELIVERY_UNKNOWN' }),
    ]);
    expect(sent).toHaveLength(1);
  });

  it("a match that is nobody else's is still recorded as sent", async () => {
    const { provider } = lookAlikeCarrier(async (text, record) => {
      record(text);
      throw new ProviderError({ kind: 'transient', reason: 'UNKNOWN', code: 'TIMEOUT', message: 'No answer in time.', maybeSent: true });
    });
    const h = await open(provider);
    const candidate = candidatePool('sms').next();
    const res = await h.api('POST', `/api/candidates/${candidate.id}/messages`, { body: 'Hello' });
    await h.services.outbox.round();
    expect(await rows(h, [res.body.id as number])).toEqual([expect.objectContaining({ status: 'sent', sid: 'TC-1', claim: null })]);
  });
});

describe('stopping (SIGTERM)', () => {
  /** Polls the database until `done` holds (each try after a short real wait), or fails after a few seconds. */
  async function eventually(done: () => Promise<boolean>) {
    for (let i = 0; i < 300; i++) {
      if (await done()) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('condition not reached');
  }

  it('releases at once the texts it claimed but had not handed over; the one with the provider finishes', async () => {
    const handOffs: { key: string; by: string }[] = [];
    let answerFirst!: () => void;
    const firstAnswered = new Promise<void>((resolve) => (answerFirst = resolve));
    // One call at a time: while the first text is with A's carrier, the others wait their turn.
    const carrier = (name: string, holdFirst: boolean): Provider => ({
      name: 'telco',
      handOff: { exactLookup: false, concurrency: 1, lookupGraceMs: 0 },
      keywordReplies: 'app',
      defaultFrom: () => '+15550009999',
      async send(text) {
        handOffs.push({ key: text.idempotencyKey, by: name });
        const id = `TC-${handOffs.length}`;
        if (holdFirst) await firstAnswered;
        return { providerMessageId: id, status: 'sending', from: '+15550009999' };
      },
      async findSent() {
        return null;
      },
      connect() {},
    });
    const a = await open(carrier('a', true));
    const pool = candidatePool('sms');
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await a.api('POST', `/api/candidates/${pool.next().id}/messages`, { body: 'Hello' });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      ids.push(res.body.id as number);
    }
    a.start();
    for (let i = 0; i < 10 && handOffs.length < 1; i++) await a.advance(10);
    expect(handOffs).toEqual([{ key: `te-msg-${ids[0]}`, by: 'a' }]);
    expect((await rows(a, ids)).map((r) => [r.status, r.claim !== null])).toEqual(ids.map(() => ['sending', true]));

    // A stops while its first text is still with the carrier.
    const stopping = a.services.outbox.stop();
    const waiting = ids.slice(1);
    await eventually(async () => (await rows(a, waiting)).every((r) => r.status === 'queued'));
    // Back in the queue as they were (no try counted, never handed over), long before their lease would lapse.
    expect(await rows(a, waiting)).toEqual(waiting.map((id) => expect.objectContaining({ id, status: 'queued', claim: null, attempts: 0, sid: null })));
    const handedOff = await a.sql.all<{ at: number | null }>(`select handed_off_at as at from messages where id in (${waiting.join(',')})`);
    expect(handedOff.map((r) => r.at)).toEqual([null, null]);
    // The text with the carrier keeps its claim until its answer is recorded.
    expect(await rows(a, [ids[0]!])).toEqual([expect.objectContaining({ status: 'sending', claim: expect.any(String), sid: null })]);
    answerFirst();
    await stopping;
    expect(await rows(a, [ids[0]!])).toEqual([expect.objectContaining({ status: 'sending', claim: null, sid: 'TC-1', attempts: 1 })]);

    // Another instance sends the released ones straight away.
    const b = await open(carrier('b', false));
    b.start();
    for (let i = 0; i < 20 && handOffs.length < 3; i++) await b.advance(10);
    expect(handOffs).toEqual([{ key: `te-msg-${ids[0]}`, by: 'a' }, ...waiting.map((id) => ({ key: `te-msg-${id}`, by: 'b' }))]);
    await eventually(async () => (await rows(b, waiting)).every((r) => r.claim === null && r.sid !== null));
  });
});
