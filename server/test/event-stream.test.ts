/**
 * GET /api/events ends when its sign-in does (a revoked or expired token, checked at each
 * heartbeat), and when a client reads so slowly that its queue would grow without bound.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';

/** Reads a stream's text until it ends; resolves with everything read. */
async function readToEnd(body: ReadableStream<Uint8Array>): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
}

/** Reads until `marker` has arrived, leaving the stream open. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, marker: string): Promise<void> {
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${marker}`);
    text += decoder.decode(value, { stream: true });
  }
}

describe('the event stream’s end', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function openStream(token: string) {
    const res = await h!.request('/api/events', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return res.body!;
  }

  it('closes at the next heartbeat once its token is revoked (signed out elsewhere)', async () => {
    h = await createHarness({ start: false });
    await h.serveHttp();
    const token = await h.login();
    const reader = (await openStream(token)).getReader();
    await readUntil(reader, 'event: ready');
    await h.advance(15_000);
    await readUntil(reader, ': keep-alive');
    const out = await h.request('/api/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(out.status).toBeLessThan(300);
    await h.advance(15_000);
    for (;;) if ((await reader.read()).done) break;
  });

  it('closes once its token expires', async () => {
    h = await createHarness({ start: false, env: { TOKEN_TTL_HOURS: '1' } });
    await h.serveHttp();
    const body = await openStream(await h.login());
    const ended = readToEnd(body);
    await h.advance(3600_000 + 15_000);
    expect(await ended).toContain('event: ready');
  });

  it('closes rather than queue without bound for a client that does not read', async () => {
    h = await createHarness({ start: false });
    const body = await openStream(await h.login());
    const orgId = (await h.db.orm.select().from(h.db.t.organizations)).find((o) => o.name.startsWith('Acme'))!.id;
    for (let i = 0; i < 1500; i++) h.deps.events.publish(orgId, { type: 'candidates.updated', data: { ids: [String(i)] } });
    const text = await readToEnd(body);
    const delivered = text.split('event: candidates.updated').length - 1;
    expect(delivered).toBeLessThan(1500);
  });
});
