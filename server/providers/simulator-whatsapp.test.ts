/**
 * The simulator applies WhatsApp's window as Twilio does: free text only within 24 hours of the
 * phone's last WhatsApp message (else 63016, WINDOW_CLOSED), approved content at any time (a
 * malformed content id is refused), SMS regardless.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.js';
import { openTestDatabase } from '../test/support/test-db.js';
import { createSimulatorProvider } from './simulator.js';
import { ProviderError, type OutboundText } from './types.js';

const PHONE = '+13055550154';

async function setup() {
  const clock = new FakeClock(Date.parse('2026-03-02T15:00:00Z'));
  const database = await openTestDatabase();
  const { db } = database;
  const simulator = createSimulatorProvider(db, clock, { smsFrom: '+12025550100', whatsappFrom: '+12025550101' });
  simulator.connect({ receive: async () => {}, receiveStatuses: async () => {} });
  let n = 0;
  const text = (patch: Partial<OutboundText> = {}): OutboundText => ({
    to: PHONE,
    from: undefined,
    channel: 'whatsapp',
    body: 'Hello',
    idempotencyKey: `k-${++n}`,
    handedOffAt: clock.now(),
    ...patch,
  });
  return { clock, database, simulator, text };
}

async function refusal(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('simulator: WhatsApp window', () => {
  it('refuses free text to a phone that never wrote (63016), takes approved content, and SMS', async () => {
    const { simulator, text, database } = await setup();
    expect(await refusal(simulator.send(text()))).toMatchObject({ kind: 'permanent', reason: 'WINDOW_CLOSED', code: '63016' });
    await expect(simulator.send(text({ content: { sid: 'HX' + 'a'.repeat(32), variables: { '1': 'James' } } }))).resolves.toMatchObject({ status: 'sending' });
    expect(await refusal(simulator.send(text({ content: { sid: 'HX12', variables: {} } })))).toMatchObject({ code: '21656' });
    await expect(simulator.send(text({ channel: 'sms' }))).resolves.toMatchObject({ status: 'sending' });
    simulator.close?.();
    await database.close();
  });

  it('free text goes for 24 hours after the phone writes on WhatsApp, then not', async () => {
    const { simulator, text, clock, database } = await setup();
    await simulator.reply(PHONE, 'Hi', 'whatsapp');
    await expect(simulator.send(text())).resolves.toMatchObject({ status: 'sending' });
    clock.set(clock.now() + 24 * 3600_000);
    expect(await refusal(simulator.send(text()))).toMatchObject({ reason: 'WINDOW_CLOSED' });
    simulator.close?.();
    await database.close();
  });
});
