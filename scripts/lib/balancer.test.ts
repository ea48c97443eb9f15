import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startBalancer, type Balancer } from './balancer.js';

/** A stand-in instance: /readyz as told, /who names it, /stream sends events until closed, /echo returns the body. */
async function instance(name: string) {
  let ready = true;
  const streams = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    if (req.url === '/readyz') {
      res.writeHead(ready ? 200 : 503).end(JSON.stringify({ ok: ready }));
    } else if (req.url === '/who') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name, forwardedFor: req.headers['x-forwarded-for'] ?? null }));
    } else if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: hello from ${name}\n\n`);
      const send = () => res.write(`data: later from ${name}\n\n`);
      streams.add(send);
      res.on('close', () => streams.delete(send));
    } else if (req.url === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.writeHead(200).end(`${name}:${Buffer.concat(chunks).toString()}`));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    name,
    url,
    setReady: (value: boolean) => (ready = value),
    push: () => streams.forEach((send) => send()),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(n: number) {
  const instances = await Promise.all(Array.from({ length: n }, (_, i) => instance(`i${i + 1}`)));
  for (const i of instances) cleanups.push(i.close);
  const balancer: Balancer = await startBalancer({ upstreams: instances.map((i) => ({ url: i.url })), port: 0, checkEveryMs: 60_000 });
  cleanups.push(balancer.close);
  return { instances, balancer };
}

const who = async (b: Balancer) => ((await (await fetch(b.url + '/who')).json()) as { name: string; forwardedFor: string }).name;

describe('the built-in balancer', () => {
  it('spreads requests round-robin over the ready instances and names the client in X-Forwarded-For', async () => {
    const { balancer } = await cluster(3);
    const names = [];
    for (let i = 0; i < 6; i++) names.push(await who(balancer));
    expect(new Set(names)).toEqual(new Set(['i1', 'i2', 'i3']));
    expect(names.filter((n) => n === 'i1')).toHaveLength(2);
    const body = (await (await fetch(balancer.url + '/who', { headers: { 'x-forwarded-for': '203.0.113.9' } })).json()) as { forwardedFor: string };
    expect(body.forwardedFor).toBe('203.0.113.9, 127.0.0.1');
  });

  it('sends nothing to an instance that is not ready (draining), and takes it back when it is', async () => {
    const { instances, balancer } = await cluster(2);
    instances[0]!.setReady(false);
    await balancer.check();
    expect(balancer.healthy()).toEqual([instances[1]!.url]);
    for (let i = 0; i < 4; i++) expect(await who(balancer)).toBe('i2');
    instances[0]!.setReady(true);
    await balancer.check();
    expect(balancer.healthy()).toHaveLength(2);
  });

  it('retries a GET on another instance when the chosen one refuses the connection', async () => {
    const { instances, balancer } = await cluster(2);
    await instances[0]!.close();
    // The balancer has not noticed yet (no check since): every GET still succeeds.
    for (let i = 0; i < 4; i++) expect(await who(balancer)).toBe('i2');
    expect(balancer.healthy()).toEqual([instances[1]!.url]);
  });

  it('streams an event stream through without buffering, and passes request bodies', async () => {
    const { instances, balancer } = await cluster(1);
    const res = await fetch(balancer.url + '/stream');
    const reader = res.body!.getReader();
    const text = async () => new TextDecoder().decode((await reader.read()).value);
    expect(await text()).toContain('hello from i1');
    instances[0]!.push();
    expect(await text()).toContain('later from i1');
    await reader.cancel();
    const echoed = await fetch(balancer.url + '/echo', { method: 'POST', body: 'x'.repeat(200_000) });
    expect(await echoed.text()).toBe('i1:' + 'x'.repeat(200_000));
  });

  it('answers 503 NO_INSTANCE as JSON when no instance is ready', async () => {
    const { instances, balancer } = await cluster(1);
    instances[0]!.setReady(false);
    await balancer.check();
    const res = await fetch(balancer.url + '/who');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ error: { code: 'NO_INSTANCE' } });
  });
});
