/**
 * A stand-in for api.twilio.com on 127.0.0.1 that fails the way Twilio does, on purpose.
 *
 * Core (this file): per destination number, a script of what the next POSTs get (429, 503, a
 * Twilio error code, a created message, one created whose answer is a 5xx, a reset or never
 * comes, or no answer at all); the Messages list (GET, filtered by To and From, newest first,
 * optionally lagging behind creation: `listLagMs`), a message by SID, the Account resource (the
 * app's probe); a rotated auth token (`rotateToken`: the old one gets 401 20003); outages
 * (`goDown`/`comeBack`: nothing listens on the port, ECONNREFUSED; `unavailable`: 503 without
 * creating anything). Status callbacks are signed POSTs to each message's StatusCallback
 * (`report`, or `autoReport` for every message created), see fake-twilio-callbacks.ts.
 *
 * Features of other parts of Twilio (opt-outs, content, media, numbers) go in their own modules.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { createTwilioRules } from './fake-twilio-rules.js';
import { postSigned, type CallbackTransport, type SignedPost } from './fake-twilio-callbacks.js';

export const FAKE_ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
export const FAKE_AUTH_TOKEN = 'fake-twilio-auth-token';

export type Step =
  /** 201 with a queued message. */
  | 'create'
  /** Twilio keeps the message, but the answer never arrives (the client times out). */
  | 'create-then-hang'
  /** The request is swallowed: no message, no answer. */
  | 'hang'
  /** Twilio creates the message, then answers 502 (or 504 with `{ gateway: 504 }`): the client cannot tell. */
  | 'create-then-5xx'
  /** Twilio creates the message, then the connection is reset before any answer. */
  | 'create-then-reset'
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
  /** Twilio's status now (what a fetch by SID answers); `report` moves it. */
  status: string;
  errorCode: number | null;
  /** The test's clock when it was created. */
  createdAt: number;
  /** Real time when it was created (for rates measured at the receiving side). */
  arrivedAt: number;
  validityPeriod: string | undefined;
  statusCallback: string | undefined;
  /** Every field of the create request. */
  form: Record<string, string>;
}

export interface FakeTwilioOptions {
  now: () => number;
  /** Where status callbacks go: real HTTP (global fetch) unless given (e.g. an app's `app.request`). */
  transport?: CallbackTransport;
}

/** Twilio's RFC 2822 dates. */
const rfc2822 = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');

export async function startFakeTwilio(options: FakeTwilioOptions) {
  const requests: FakeTwilioRequest[] = [];
  const created: FakeTwilioMessage[] = [];
  const callbacks: SignedPost[] = [];
  const scripts = new Map<string, Step[]>();
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const pendingCallbacks = new Set<Promise<unknown>>();
  const transport: CallbackTransport = options.transport ?? ((url, init) => fetch(url, init));
  let fallback: Step = 'create';
  const extraRoutes: ((req: FakeTwilioRequest, res: ServerResponse) => boolean)[] = [];
  let seq = 0;
  let listLagMs = 0;
  let unavailable = false;
  let autoReport: string[] = [];
  let authToken = FAKE_AUTH_TOKEN;
  /** The Account resource (the probe's and twilio:check's): a test may make it a trial account. */
  const account: { status: string; type: 'Full' | 'Trial'; friendly_name: string } = { status: 'active', type: 'Full', friendly_name: 'Fake account' };
  const accountPath = `/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}.json`;
  const messagesPath = `/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/Messages.json`;
  const rules = createTwilioRules({ now: options.now, accountSid: FAKE_ACCOUNT_SID, authToken: FAKE_AUTH_TOKEN });
  const messagePath = new RegExp(`^/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/Messages/(SM[0-9a-f]{32})\\.json$`);
  const basicAuth = (token: string) => `Basic ${Buffer.from(`${FAKE_ACCOUNT_SID}:${token}`).toString('base64')}`;

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
      error_code: m.errorCode,
      error_message: null,
      uri: `${messagesPath.replace('.json', '')}/${m.sid}.json`,
    };
  }

  const notFound = (res: ServerResponse) => json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });

  function handle(req: FakeTwilioRequest, res: ServerResponse) {
    if (!req.authorized) return json(res, 401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
    if (rules.serve(req, res, json)) return;
    if (extraRoutes.some((route) => route(req, res))) return; // modules: fake-twilio-media.ts, fake-twilio-numbers.ts
    if (req.method === 'GET' && req.path === accountPath) return json(res, 200, { sid: FAKE_ACCOUNT_SID, ...account });
    const bySid = messagePath.exec(req.path);
    if (bySid && req.method === 'GET') {
      // A fetch by SID does not lag behind creation.
      const m = created.find((c) => c.sid === bySid[1]);
      return m ? json(res, 200, resource(m)) : notFound(res);
    }
    if (req.path !== messagesPath) return notFound(res);
    if (req.method === 'GET') {
      const to = req.query.get('To');
      const from = req.query.get('From');
      const matching = created
        .filter((m) => (!to || m.to === to) && (!from || m.from === from) && m.createdAt <= req.at - listLagMs)
        .sort((a, b) => b.createdAt - a.createdAt);
      return json(res, 200, { messages: matching.map(resource), next_page_uri: null, page: 0, page_size: 50 });
    }
    if (req.method !== 'POST') return json(res, 405, { code: 20004, message: 'Method not allowed', status: 405 });
    if (unavailable) return json(res, 503, { code: 20503, message: 'Service Unavailable', status: 503 });
    if (rules.beforeCreate(req, res, json)) return;
    const to = req.form.To ?? '';
    const script = scripts.get(to);
    const step = script?.length ? script.shift()! : fallback;
    if (step === 'hang') {
      hanging.add(res);
      return;
    }
    if (typeof step === 'string') {
      const m = createMessage(req);
      if (step === 'create-then-hang') {
        hanging.add(res);
        return;
      }
      if (step === 'create-then-5xx')
        return seq % 2 ? json(res, 502, { message: 'Bad Gateway', status: 502 }) : json(res, 504, { message: 'Gateway Timeout', status: 504 });
      if (step === 'create-then-reset') return res.socket?.destroy();
      json(res, 201, resource(m));
      // Twilio does not retry a callback the app did not take (a server that is down loses it).
      for (const status of autoReport) void report(m.sid, status).catch(() => {});
      return;
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

  function createMessage(req: FakeTwilioRequest): FakeTwilioMessage {
    const m: FakeTwilioMessage = {
      sid: `SM${(++seq).toString(16).padStart(32, '0')}`,
      to: req.form.To ?? '',
      from: req.form.From ?? '',
      body: req.form.Body ?? '',
      status: 'queued',
      errorCode: null,
      createdAt: req.at,
      arrivedAt: Date.now(),
      validityPeriod: req.form.ValidityPeriod,
      statusCallback: req.form.StatusCallback,
      form: req.form,
    };
    created.push(m);
    return m;
  }

  /**
   * Moves a message to `status` (with Twilio's error code for a failure) and, if it asked for
   * callbacks, posts the signed report to its StatusCallback as Twilio does. Resolves once the
   * app answered (null when the message asked for none).
   */
  function report(sid: string, status: string, errorCode?: number): Promise<SignedPost | null> {
    const m = created.find((c) => c.sid === sid);
    if (!m) throw new Error(`the fake created no message ${sid}`);
    m.status = status;
    m.errorCode = errorCode ?? null;
    if (!m.statusCallback) return Promise.resolve(null);
    const form: Record<string, string> = {
      AccountSid: FAKE_ACCOUNT_SID,
      ApiVersion: '2010-04-01',
      From: m.from,
      MessageSid: m.sid,
      MessageStatus: status,
      SmsSid: m.sid,
      SmsStatus: status,
      To: m.to,
      ...(errorCode != null ? { ErrorCode: String(errorCode) } : {}),
    };
    const posted = postSigned(transport, m.statusCallback, authToken, form).then((p) => {
      callbacks.push(p);
      return p;
    });
    pendingCallbacks.add(posted);
    void posted.finally(() => pendingCallbacks.delete(posted)).catch(() => {});
    return posted;
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
        authorized: req.headers.authorization === basicAuth(authToken),
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
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  let down = false;

  function dropConnections() {
    for (const res of hanging) res.destroy();
    hanging.clear();
    for (const s of sockets) s.destroy();
  }

  return {
    baseUrl,
    requests,
    created,
    /** A real account's rules: opt-out handling, WhatsApp content, the Content API (fake-twilio-rules.ts). */
    rules,
    account,
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
      return requests.filter((r) => r.method === 'GET' && r.path === messagesPath && (!to || r.query.get('To') === to));
    },
    /** Fetches by SID (the app's reconciliation). */
    fetches(sid?: string) {
      return requests.filter((r) => r.method === 'GET' && messagePath.test(r.path) && (!sid || r.path.includes(sid)));
    },
    /** Probes of the Account resource. */
    probes() {
      return requests.filter((r) => r.method === 'GET' && r.path === accountPath);
    },
    /** The list omits messages created in the last `ms` (by the test's clock); fetch by SID does not lag. */
    setListLag(ms: number) {
      listLagMs = ms;
    },
    /** Every create answers 503 without creating anything (an outage behind Twilio's edge). */
    setUnavailable(on: boolean) {
      unavailable = on;
    },
    /** The account's auth token is rotated: requests with the old one get 401 20003, callbacks are signed with the new one. */
    rotateToken(token: string) {
      authToken = token;
    },
    get authToken() {
      return authToken;
    },
    /** Statuses reported (signed callbacks) right after each message is created from now on, e.g. ['sent', 'delivered']. */
    setAutoReport(statuses: string[]) {
      autoReport = [...statuses];
    },
    report,
    /** Moves a message's status with no callback (a report lost on the way): only a fetch by SID sees it. */
    setStatus(sid: string, status: string, errorCode?: number) {
      const m = created.find((c) => c.sid === sid);
      if (!m) throw new Error(`the fake created no message ${sid}`);
      m.status = status;
      m.errorCode = errorCode ?? null;
    },
    /** The status callbacks posted so far, with the app's answers. */
    callbacks,
    /** Resolves once every callback posted so far has been answered. */
    async settled() {
      while (pendingCallbacks.size) await Promise.allSettled([...pendingCallbacks]);
    },
    /** An outage: nothing listens on the port any more (connections are refused), open connections drop. */
    async goDown() {
      if (down) return;
      down = true;
      dropConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    /** Back, on the same port. */
    async comeBack() {
      if (!down) return;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      down = false;
    },
    /** goDown, then comeBack after `ms` of real time (resolves when it is back). */
    async outage(ms: number) {
      await this.goDown();
      await new Promise((r) => setTimeout(r, ms));
      await this.comeBack();
    },
    async close() {
      await Promise.allSettled([...pendingCallbacks]);
      dropConnections();
      if (!down) await new Promise<void>((resolve) => server.close(() => resolve()));
      down = true;
    },
  };
}

export type FakeTwilio = Awaited<ReturnType<typeof startFakeTwilio>>;
