/**
 * The simulator's phone pages show every candidate's texts and answer as them: they are served
 * only under this server's own names (no DNS rebinding), and only on a loopback bind unless
 * SIMULATOR_PUBLIC=1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
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

describe('the simulator’s edges', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

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
