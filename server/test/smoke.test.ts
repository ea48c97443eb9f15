import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';

describe('one-to-one texting through the simulator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(() => h.close());

  it('sends, delivers, receives a reply and honours STOP', async () => {
    const sent = await h.api('POST', '/api/candidates/10001/messages', { body: 'Hi {{firstName}}!' });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ body: 'Hi Maria!', status: 'queued', sender: 'recruiter', senderName: 'Jordan Avery' });

    await h.advance(2000);
    const phone = await h.simulator.phoneMessages('+12125550101');
    expect(phone.map((m) => m.body)).toEqual(['Hi Maria!']);
    let thread = await h.api('GET', '/api/candidates/10001/messages');
    expect(thread.body.messages[0].status).toBe('delivered');

    await h.simulator.reply('+12125550101', 'Sounds good');
    await h.simulator.reply('+12125550101', 'STOP');
    await h.advance(2000);
    thread = await h.api('GET', '/api/candidates/10001/messages');
    expect(thread.body.messages.map((m: { sender: string; body: string }) => [m.sender, m.body])).toEqual([
      ['recruiter', 'Hi Maria!'],
      ['candidate', 'Sounds good'],
      ['candidate', 'STOP'],
      ['system', expect.stringContaining('unsubscribed')],
    ]);
    const refused = await h.api('POST', '/api/candidates/10001/messages', { body: 'Still there?' });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'OPTED_OUT' } } });
  });
});
