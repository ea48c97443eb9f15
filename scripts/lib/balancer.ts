/**
 * A small HTTP load balancer for trying a cluster on one machine (`npm run cluster`): round-robin
 * over the instances whose /readyz answers 200, checked every `checkEveryMs`. Bodies stream
 * through untouched in both directions (the event stream stays open, a large import is not
 * buffered), the client's address is appended to X-Forwarded-For, and a request that could not
 * reach an instance at all (refused: it just stopped) is tried once on another, if it is a GET
 * or HEAD (a POST might have been half received). Production puts nginx or a cloud balancer
 * here (README, Run on PostgreSQL); this one has no TLS and no connection limits.
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Upstream {
  /** Base URL of an instance, e.g. http://127.0.0.1:8788 */
  url: string;
}

export interface BalancerOptions {
  upstreams: Upstream[];
  port: number;
  host?: string;
  checkEveryMs?: number;
  log?: (line: string) => void;
}

export interface Balancer {
  url: string;
  server: Server;
  /** Which upstreams are currently taking requests. */
  healthy(): string[];
  /** Replaces the upstream list (a rolling restart adds and removes instances). */
  setUpstreams(upstreams: Upstream[]): void;
  /** Checks every upstream now (instead of waiting for the next round). */
  check(): Promise<void>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

export async function startBalancer(options: BalancerOptions): Promise<Balancer> {
  const log = options.log ?? (() => {});
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let upstreams = options.upstreams.map((u) => u.url.replace(/\/$/, ''));
  const ready = new Set<string>();
  let next = 0;

  async function checkOne(url: string): Promise<void> {
    const ok = await fetch(url + '/readyz', { signal: AbortSignal.timeout(1000) })
      .then((res) => res.status === 200)
      .catch(() => false);
    if (ok && !ready.has(url) && upstreams.includes(url)) {
      ready.add(url);
      log(`balancer: ${url} is ready`);
    } else if (!ok && ready.delete(url)) {
      log(`balancer: ${url} is not ready; no new requests go to it`);
    }
  }
  const check = async () => {
    for (const url of [...ready]) if (!upstreams.includes(url)) ready.delete(url);
    await Promise.all(upstreams.map(checkOne));
  };
  await check();
  const timer = setInterval(() => void check(), options.checkEveryMs ?? 500);

  function pick(excluding?: string): string | undefined {
    const candidates = upstreams.filter((u) => ready.has(u) && u !== excluding);
    if (candidates.length === 0) return undefined;
    next = (next + 1) % candidates.length;
    return candidates[next];
  }

  function forward(req: IncomingMessage, res: ServerResponse, target: string, retried: boolean): void {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    const client = req.socket.remoteAddress ?? '';
    headers['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${String(req.headers['x-forwarded-for'])}, ${client}` : client;
    headers['x-forwarded-host'] = req.headers.host ?? '';
    if (req.headers['transfer-encoding']) headers['transfer-encoding'] = req.headers['transfer-encoding'];
    const upstream = new URL(target);
    const outgoing = httpRequest({ agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
      res.writeHead(answer.statusCode ?? 502, out);
      // Flush headers at once: an event stream's first bytes may come much later.
      res.flushHeaders();
      answer.pipe(res);
      res.on('close', () => answer.destroy());
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (res.headersSent) return res.destroy();
      const refused = error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET';
      if (refused) ready.delete(target);
      const alternative = refused && !retried && (req.method === 'GET' || req.method === 'HEAD') ? pick(target) : undefined;
      if (alternative) return forward(req, res, alternative, true);
      unavailable(res, `The instance behind the balancer did not answer (${error.code ?? error.message}). Try again.`);
    });
    req.on('aborted', () => outgoing.destroy());
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    if (req.method === 'GET' || req.method === 'HEAD') outgoing.end();
    else req.pipe(outgoing);
  }

  const server = createServer((req, res) => {
    const target = pick();
    if (!target) return unavailable(res, 'No server instance is ready yet. Try again in a moment.');
    forward(req, res, target, false);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    server,
    healthy: () => upstreams.filter((u) => ready.has(u)),
    setUpstreams(list) {
      upstreams = list.map((u) => u.url.replace(/\/$/, ''));
    },
    check,
    async close() {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

function unavailable(res: ServerResponse, message: string): void {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
  res.end(JSON.stringify({ error: { code: 'NO_INSTANCE', message } }));
}
