/**
 * A stand-in for api.twilio.com on 127.0.0.1 that fails on purpose: per destination number, a
 * script of what the next POSTs get (429, 503, a Twilio error code, a created message, a
 * created message whose answer never comes, or no answer at all). It keeps the messages it
 * "created" and answers the Messages list (GET, filtered by To and From) from them, the way
 * the engine's look-up after an ambiguous send expects.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export const FAKE_ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
export const FAKE_AUTH_TOKEN = 'fake-twilio-auth-token';

export type Step =
  /** 201 with a queued message. */
  | 'create'
  /** Twilio keeps the message, but the answer never arrives (the client times out). */
  | 'create-then-hang'
  /** The request is swallowed: no message, no answer. */
  | 'hang'
  | { status: number; code?: number; message?: string; retryAfter?: string };

export interface FakeTwilioRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  form: Record<string, string>;
  authorized: boolean;
  /** The test's clock when the request arrived. */
  at: number;
}

export interface FakeTwilioMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
  status: string;
  createdAt: number;
  validityPeriod: string | undefined;
}

/** Twilio's RFC 2822 dates. */
const rfc2822 = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');

export async function startFakeTwilio(options: { now: () => number }) {
  const requests: FakeTwilioRequest[] = [];
  const created: FakeTwilioMessage[] = [];
  const scripts = new Map<string, Step[]>();
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let fallback: Step = 'create';
  const extraRoutes: ((req: FakeTwilioRequest, res: ServerResponse) => boolean)[] = [];
  let seq = 0;
  const messagesPath = `/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/Messages.json`;
  const expectedAuth = `Basic ${Buffer.from(`${FAKE_ACCOUNT_SID}:${FAKE_AUTH_TOKEN}`).toString('base64')}`;

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  function resource(m: FakeTwilioMessage) {
    return {
      sid: m.sid,
      account_sid: FAKE_ACCOUNT_SID,
      to: m.to,
      from: m.from,
      body: m.body,
      status: m.status,
      direction: 'outbound-api',
      num_segments: '1',
      date_created: rfc2822(m.createdAt),
      date_updated: rfc2822(m.createdAt),
      date_sent: null,
      error_code: null,
      error_message: null,
      uri: `${messagesPath.replace('.json', '')}/${m.sid}.json`,
    };
  }

  function handle(req: FakeTwilioRequest, res: ServerResponse) {
    if (!req.authorized) return json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    if (extraRoutes.some((route) => route(req, res))) return; // modules: fake-twilio-media.ts, fake-twilio-numbers.ts
    if (req.path !== messagesPath) return json(res, 404, { code: 20404, message: 'Not found', status: 404 });
    if (req.method === 'GET') {
      const to = req.query.get('To');
      const from = req.query.get('From');
      const matching = created.filter((m) => (!to || m.to === to) && (!from || m.from === from)).sort((a, b) => b.createdAt - a.createdAt);
      return json(res, 200, { messages: matching.map(resource), next_page_uri: null, page: 0, page_size: 50 });
    }
    if (req.method !== 'POST') return json(res, 405, { code: 20004, message: 'Method not allowed', status: 405 });
    const to = req.form.To ?? '';
    const script = scripts.get(to);
    const step = script?.length ? script.shift()! : fallback;
    if (step === 'hang') {
      hanging.add(res);
      return;
    }
    if (step === 'create' || step === 'create-then-hang') {
      const m: FakeTwilioMessage = {
        sid: `SM${String(++seq).padStart(32, '0')}`,
        to,
        from: req.form.From ?? '',
        body: req.form.Body ?? '',
        status: 'queued',
        createdAt: req.at,
        validityPeriod: req.form.ValidityPeriod,
      };
      created.push(m);
      if (step === 'create-then-hang') {
        hanging.add(res);
        return;
      }
      return json(res, 201, resource(m));
    }
    const headers: Record<string, string> = step.retryAfter ? { 'retry-after': step.retryAfter } : {};
    return json(
      res,
      step.status,
      {
        code: step.code,
        message: step.message ?? `HTTP ${step.status}`,
        more_info: step.code ? `https://www.twilio.com/docs/errors/${step.code}` : undefined,
        status: step.status,
      },
      headers,
    );
  }

  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const rec: FakeTwilioRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        form: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf-8'))),
        authorized: req.headers.authorization === expectedAuth,
        at: options.now(),
      };
      requests.push(rec);
      handle(rec, res);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    requests,
    created,
    /** What the next POSTs to `to` get, in order; after the script, the fallback. */
    script(to: string, steps: Step[]) {
      scripts.set(to, [...steps]);
    },
    /** Another module's endpoints (true: it answered), tried before the Messages endpoint. */
    addRoutes(route: (req: FakeTwilioRequest, res: ServerResponse) => boolean) {
      extraRoutes.push(route);
    },
    setFallback(step: Step) {
      fallback = step;
    },
    posts(to?: string) {
      return requests.filter((r) => r.method === 'POST' && (!to || r.form.To === to));
    },
    lists(to?: string) {
      return requests.filter((r) => r.method === 'GET' && (!to || r.query.get('To') === to));
    },
    async close() {
      for (const res of hanging) res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeTwilio = Awaited<ReturnType<typeof startFakeTwilio>>;
