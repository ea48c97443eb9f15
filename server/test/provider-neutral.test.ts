/**
 * The core speaks the product's terms, not Twilio's: a provider that is not Twilio (its own ids,
 * its own error codes) reports accepted, delivered and failed-with-a-reason, and the server acts
 * on the reason alone (OPTED_OUT_AT_CARRIER opts the number out; INVALID_NUMBER fails one text),
 * showing the provider's raw code as it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { first } from '../db/types.js';
import { ProviderError, type OutboundText, type Provider, type ProviderSink, type StatusReportEvent } from '../providers/types.js';
import { createHarness, type Harness } from './harness.js';
import { candidatePool } from './support/demo-candidates.js';

/** The message row as stored. */
async function messageRow(h: Harness, id: number) {
  return (await first(h.db.orm.select().from(h.db.t.messages).where(eq(h.db.t.messages.id, id))))!;
}

/** A made-up carrier that is not Twilio: its own name, sender and hand-off policy; `send` as the test says. */
function carrier(send: Provider['send'], concurrency = 4, connect: Provider['connect'] = () => {}): Provider {
  return {
    name: 'telco',
    handOff: { exactLookup: false, concurrency, lookupGraceMs: 0 },
    keywordReplies: 'app',
    defaultFrom: () => '+15550009999',
    send,
    async findSent() {
      return null;
    },
    connect,
  };
}

/** A made-up carrier API: ids `TC-n`, codes `TC-…`, and reports pushed through connect(). */
function telco() {
  const sent: OutboundText[] = [];
  const refusals = new Map<string, ProviderError>();
  let sink: ProviderSink | null = null;
  let n = 0;
  const provider = carrier(
    async (text) => {
      sent.push(text);
      const refusal = refusals.get(text.to);
      if (refusal) throw refusal;
      return { providerMessageId: `TC-${++n}`, status: 'sending', from: '+15550009999' };
    },
    4,
    (s) => {
      sink = s;
    },
  );

  const report = (providerMessageId: string, fields: Partial<StatusReportEvent>) =>
    sink!.receive({
      kind: 'status',
      providerMessageId,
      status: 'delivered',
      reason: null,
      rawCode: null,
      rawMessage: null,
      rawStatus: fields.status ?? 'delivered',
      candidatePhone: null,
      raw: { id: providerMessageId, state: fields.status ?? 'delivered' },
      ...fields,
    });
  return { provider, sent, refusals, report };
}

describe('a provider that is not Twilio', () => {
  let h: Harness;
  const carrier = telco();
  const pool = candidatePool('sms');

  beforeAll(async () => {
    h = await createHarness({ provider: carrier.provider, inboundGreeting: false });
  });
  afterAll(() => h.close());

  const send = (id: string) => h.api('POST', `/api/candidates/${id}/messages`, { body: 'Hi {{firstName}}, a quick question about the role.' });
  const row = (id: number) => messageRow(h, id);
  const candidate = async (id: string) => (await h.api('GET', `/api/candidates/${id}`)).body;
  /** Lets the dispatcher run until the text has left `queued`/`sending` hands. */
  async function settled(messageId: number) {
    for (let i = 0; i < 50; i++) {
      const current = await row(messageId);
      if (current.status !== 'queued' && current.claimToken == null) return current;
      await h.advance(200);
    }
    return row(messageId);
  }

  it('accepted, then delivered by its report: the status moves and the report is logged under its name', async () => {
    const { id } = pool.next();
    const res = await send(id);
    expect(res.status).toBe(202);
    const sentRow = await settled(res.body.id);
    // The number the provider says it sent from is recorded beside the sender we chose.
    expect(sentRow).toMatchObject({ status: 'sending', providerSid: expect.stringMatching(/^TC-/), sentFrom: '+15550009999' });
    await carrier.report(sentRow.providerSid!, { status: 'delivered', rawStatus: 'DELIVRD' });
    expect(await row(sentRow.id)).toMatchObject({ status: 'delivered', errorCode: null, failureReason: null });
    const { webhookEvents } = h.db.t;
    const logged = await first(
      h.db.orm
        .select()
        .from(webhookEvents)
        .where(eq(webhookEvents.dedupeKey, `${sentRow.providerSid}:DELIVRD`)),
    );
    expect(logged).toMatchObject({ provider: 'telco', kind: 'status', orgId: sentRow.orgId });
  });

  it('a refusal for OPTED_OUT_AT_CARRIER fails the text once (no retry) and opts the number out, showing the raw code', async () => {
    const { id, phone } = pool.next();
    carrier.refusals.set(phone, new ProviderError({ kind: 'permanent', reason: 'OPTED_OUT_AT_CARRIER', code: 'TC-77', message: 'Subscriber opted out' }));
    const res = await send(id);
    const failed = await settled(res.body.id);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'TC-77', errorMessage: 'Subscriber opted out', failureReason: 'OPTED_OUT_AT_CARRIER' });
    expect(carrier.sent.filter((t) => t.to === phone)).toHaveLength(1);
    expect(await candidate(id)).toMatchObject({ textable: false, reason: 'OPTED_OUT', optedOut: true });
  });

  it('a later report of OPTED_OUT_AT_CARRIER opts the number out too', async () => {
    const { id } = pool.next();
    const sentRow = await settled((await send(id)).body.id);
    await carrier.report(sentRow.providerSid!, {
      status: 'undelivered',
      rawStatus: 'REJECTD',
      reason: 'OPTED_OUT_AT_CARRIER',
      rawCode: 'TC-STOP',
      rawMessage: 'Blocked',
    });
    expect(await row(sentRow.id)).toMatchObject({ status: 'undelivered', errorCode: 'TC-STOP', failureReason: 'OPTED_OUT_AT_CARRIER' });
    expect(await candidate(id)).toMatchObject({ textable: false, reason: 'OPTED_OUT' });
  });

  it('INVALID_NUMBER fails that text only: the candidate stays textable', async () => {
    const { id, phone } = pool.next();
    carrier.refusals.set(phone, new ProviderError({ kind: 'permanent', reason: 'INVALID_NUMBER', code: 'TC-11', message: 'No such subscriber' }));
    const failed = await settled((await send(id)).body.id);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'TC-11', failureReason: 'INVALID_NUMBER' });
    const c = (await first(h.db.orm.select().from(h.db.t.candidates).where(eq(h.db.t.candidates.atsId, id))))!;
    expect(c.optedOutAt).toBeNull();
    expect(await candidate(id)).toMatchObject({ textable: true });
  });
});

describe('a claim lost while a batch is in flight', () => {
  it('the provider is called only for rows this process still holds when it hands them over', async () => {
    // One call at a time, the first held open: meanwhile another process takes over the second row.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sent: OutboundText[] = [];
    const provider = carrier(async (text) => {
      sent.push(text);
      if (sent.length === 1) await gate;
      return { providerMessageId: `TC-${sent.length}`, status: 'sending', from: '+15550009999' };
    }, 1);

    const h = await createHarness({ provider, inboundGreeting: false });
    try {
      const pool = candidatePool('sms');
      const [first, second] = [pool.next(), pool.next()];
      const ids = [];
      for (const c of [first, second]) ids.push((await h.api('POST', `/api/candidates/${c.id}/messages`, { body: 'Hello' })).body.id as number);
      for (let i = 0; i < 50 && sent.length === 0; i++) await h.advance(100);
      expect(sent.map((t) => t.to)).toEqual([first.phone]);
      const claimed = await messageRow(h, ids[1]!);
      expect(claimed.claimToken).not.toBeNull();
      await h.db.orm.update(h.db.t.messages).set({ claimToken: 'another-process' }).where(eq(h.db.t.messages.id, ids[1]!));
      release();
      for (let i = 0; i < 20; i++) await h.advance(100);
      // The second row was never handed over by this process: it is the other one's to send.
      expect(sent.map((t) => t.to)).toEqual([first.phone]);
      expect(await messageRow(h, ids[1]!)).toMatchObject({ claimToken: 'another-process', handedOffAt: null });
    } finally {
      await h.close();
    }
  });
});

describe('one outcome that cannot be settled', () => {
  it('does not hold back the rest of its batch', async () => {
    // A provider that gives two texts the same id: the second cannot be recorded (ids are unique).
    const sent: OutboundText[] = [];
    const provider = carrier(async (text) => {
      sent.push(text);
      return { providerMessageId: sent.length <= 2 ? 'TC-same' : `TC-${sent.length}`, status: 'sending', from: '+15550009999' };
    });

    const h = await createHarness({ provider, inboundGreeting: false, start: false });
    try {
      const pool = candidatePool('sms');
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) ids.push((await h.api('POST', `/api/candidates/${pool.next().id}/messages`, { body: 'Hello' })).body.id as number);
      h.start();
      for (let i = 0; i < 50 && sent.length < 4; i++) await h.advance(100);
      await h.advance(100);
      const rows = await Promise.all(ids.map((id) => messageRow(h, id)));
      // Three settled as sent; the one whose id clashed keeps its claim, for recovery to look at.
      expect(rows.filter((r) => r.status === 'sending' && r.claimToken == null && r.providerSid)).toHaveLength(3);
      expect(rows.filter((r) => r.claimToken != null)).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
