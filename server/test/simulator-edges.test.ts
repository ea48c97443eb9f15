/**
 * The simulator's phone pages show every candidate's texts and answer as them: they are served
 * only under this server's own names (no DNS rebinding), and only on a loopback bind unless
 * SIMULATOR_PUBLIC=1. SIMULATOR_SEND_DELAY_MS makes it a slow provider, and a text handed to it
 * twice is logged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { createSimulatorProvider } from '../providers/simulator.js';
import type { OutboundText, SendReceipt } from '../providers/types.js';
import { createHarness, type Harness } from './harness.js';

/** A GET with a Host header of our choosing (fetch will not send one). */
function getWithHost(base: string, path: string, host: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { headers: { host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text.startsWith('{') ? JSON.parse(text) : text }));
    });
    req.on('error', reject);
    req.end();
  });
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the simulator’s edges', () => {
  it('answers to this machine’s names and PUBLIC_URL’s, and refuses any other Host (403 HOST_NOT_ALLOWED)', async () => {
    h = await createHarness({ start: false });
    const base = await h.serveHttp();
    const port = new URL(base).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'te.test']) {
      expect((await getWithHost(base, '/simulator/api/phones', host)).status, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`, 'a b']) {
      const res = await getWithHost(base, '/simulator/api/phones', host);
      expect(res.status, host).toBe(host === 'a b' ? 400 : 403);
      if (res.status === 403) expect(res.body.error.code).toBe('HOST_NOT_ALLOWED');
    }
    // The page itself, not only its API.
    expect((await getWithHost(base, '/simulator/', `evil.example:${port}`)).status).toBe(403);
  });

  it('is not served at all on a bind beyond this machine, unless SIMULATOR_PUBLIC=1', async () => {
    h = await createHarness({ start: false, env: { HOST: '0.0.0.0' } });
    expect((await h.request('/simulator/api/phones')).status).toBe(404);
    await h.close();
    h = await createHarness({ start: false, env: { HOST: '0.0.0.0', SIMULATOR_PUBLIC: '1' } });
    expect((await h.request('/simulator/api/phones')).status).toBe(200);
  });
});

describe('a slow simulator (SIMULATOR_SEND_DELAY_MS)', () => {
  it('has a text only once its send has taken that long; the same text handed over again is logged, never sent twice', async () => {
    h = await createHarness({ start: false, env: { SIMULATOR_SEND_DELAY_MS: '2500' } });
    expect(h.config.simulator.sendDelayMs).toBe(2500);
    const warnings: string[] = [];
    const simulator = createSimulatorProvider(h.db, h.clock, { ...h.config.simulator, log: { info() {}, warn: (m) => warnings.push(m), error() {} } });
    const text: OutboundText = {
      to: '+16465550100',
      from: undefined,
      channel: 'sms',
      body: 'Hello',
      idempotencyKey: 'te-msg-99999',
      handedOffAt: h.clock.now(),
    };

    let first: SendReceipt | undefined;
    void simulator.send(text).then((r) => (first = r));
    await h.advance(2000);
    expect(first).toBeUndefined();
    expect(await simulator.findSent(text)).toBeNull();
    // Handed over again meanwhile (say by a process that thought the first had died).
    const again = simulator.send(text);
    await h.advance(500);
    expect(first).toMatchObject({ providerMessageId: expect.stringMatching(/^SM/) });
    expect(await simulator.findSent(text)).toEqual(first);
    expect(warnings).toEqual([]);
    await h.advance(2500);
    expect(await again).toEqual(first);
    expect((await simulator.received()).filter((m) => m.body === 'Hello')).toHaveLength(1);
    expect(warnings).toEqual([expect.stringMatching(/^simulator: a text handed over again/)]);
  });
});
