/**
 * The real server over real HTTP (startServer from server/main.ts on a database of its own, a
 * temp-file SQLite one or, in the pg project, a PostgreSQL one; the system clock, the simulator): sign in, text, watch /api/events, health, 404s, the OpenAPI
 * document against the routes the app registers, and configuration refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../config.js';
import { openTestDatabase, testEngine, type TestDatabase } from './support/test-db.js';
import { startServer } from '../main.js';
import { createApp } from '../app.js';
import { readEventStream as readEvents } from '../../shared/sse.js';
import { seedDemo } from '../seed/demo.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** PORT must be 1-65535 (0 is refused by the config), so ask the OS for a free one first. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('the server over HTTP', () => {
  let dir: string;
  let database: TestDatabase;
  let base: string;
  let te: Awaited<ReturnType<typeof startServer>>;
  let token: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'te-http-'));
    database = await openTestDatabase(join(dir, 'test.db'));
    await seedDemo(database.db);
    const port = await freePort();
    te = await startServer({ PORT: String(port), HOST: '127.0.0.1', ...database.env, PROVIDER: 'simulator' });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await te?.close();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const json = async (res: Response) => (await res.json()) as Record<string, any>;
  const authed = (path: string, init: RequestInit = {}) =>
    fetch(base + path, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });

  it('signs in', async () => {
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'recruiter@acme.test', password: 'demo1234' }),
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.recruiter.email).toBe('recruiter@acme.test');
    token = body.token;
    const me = await authed('/api/me');
    expect(me.status).toBe(200);
    expect((await json(me)).name).toBe('Jordan Avery');
  });

  it('streams message.created and message.updated (through delivered) for a text, on the real clock', async () => {
    const controller = new AbortController();
    const events = await authed('/api/events', { signal: controller.signal });
    expect(events.status).toBe(200);
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const seen: { event: string; data: any }[] = [];
    let messageId: number | null = null;
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const done = readEvents(events.body!, (e) => {
      if (e.event === 'ready') {
        ready();
        return;
      }
      const data = JSON.parse(e.data);
      seen.push({ event: e.event, data });
      return messageId !== null && e.event === 'message.updated' && data.id === messageId && data.status === 'delivered';
    }).catch((err) => {
      if (!controller.signal.aborted) throw err;
    });
    await isReady;

    const sent = await authed('/api/candidates/10001/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'http-test-1' },
      body: JSON.stringify({ body: 'Hello over HTTP, {{firstName}}' }),
    });
    expect(sent.status).toBe(202);
    const message = await json(sent);
    messageId = message.id;
    expect(message).toMatchObject({ body: 'Hello over HTTP, Maria', status: 'queued' });

    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 8000));
    const outcome = await Promise.race([done.then(() => 'done' as const), timeout]);
    controller.abort();
    expect(outcome).toBe('done');

    const mine = seen.filter((e) => e.data?.id === messageId);
    expect(mine[0]).toMatchObject({ event: 'message.created', data: { id: messageId, candidateId: '10001', status: 'queued' } });
    const statuses = mine.filter((e) => e.event === 'message.updated').map((e) => e.data.status);
    expect(statuses.at(-1)).toBe('delivered');
    expect(statuses).toContain('sent');

    // The thread says the same, and the simulated phone got it once.
    const thread = await json(await authed('/api/candidates/10001/messages'));
    expect(thread.messages.map((m: { id: number; status: string }) => [m.id, m.status])).toEqual([[messageId, 'delivered']]);
    const phone = await json(await fetch(`${base}/simulator/api/phones/${encodeURIComponent('+12125550101')}/messages`));
    expect(phone.messages.map((m: { body: string }) => m.body)).toEqual(['Hello over HTTP, Maria']);
  });

  it('refuses /api/events without a token', async () => {
    const res = await fetch(`${base}/api/events`);
    expect(res.status).toBe(401);
    expect((await json(res)).error.code).toBe('UNAUTHORIZED');
  });

  it('replies through the simulator JSON API land in the thread', async () => {
    const res = await fetch(`${base}/simulator/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '(212) 555-0101', body: 'Got it, thanks!' }),
    });
    expect(res.status).toBe(201);
    const thread = await json(await authed('/api/candidates/10001/messages'));
    expect(thread.messages.at(-1)).toMatchObject({ direction: 'inbound', body: 'Got it, thanks!' });
    // A bodiless action POST over real HTTP is fine (no Content-Type needed).
    const read = await authed('/api/candidates/10001/read', { method: 'POST' });
    expect(read.status).toBe(200);
    expect(await json(read)).toEqual({ unreadCount: 0 });
  });

  it('refuses a non-JSON body with 415', async () => {
    const res = await authed('/api/candidates/10001/messages', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'Hello' });
    expect(res.status).toBe(415);
    expect((await json(res)).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  /**
   * A POST that states its full length but sends only its first kilobyte, then waits: the server
   * must answer from the stated length alone, without waiting for (or reading) the rest.
   */
  function postStatingLength(path: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(base + path, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode!, body: JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.write(body.slice(0, 1024));
    });
  }

  it('refuses an oversized body with 413 before reading it: 1 MB for the API, 64 KB for webhooks and the booking page', async () => {
    const huge = JSON.stringify({ body: 'x'.repeat(1_100_000) });
    const api = await postStatingLength('/api/candidates/10001/messages', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, huge);
    expect(api.status).toBe(413);
    expect(api.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('1024 KB') });
    // Unsigned: a small one is refused for its signature (403); a big one never gets that far.
    const form = new URLSearchParams({ MessageSid: 'SM1', From: '+12125550101', Body: 'y'.repeat(70_000) }).toString();
    for (const path of ['/webhooks/twilio/inbound', '/book/not-a-token']) {
      const res = await postStatingLength(path, { 'content-type': 'application/x-www-form-urlencoded' }, form);
      expect(res.status, path).toBe(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    }
    const small = await fetch(base + '/webhooks/twilio/inbound', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'MessageSid=SM1',
    });
    expect(small.status).toBe(403);
  });

  it('GET /healthz', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true, provider: 'simulator' });
  });

  it('GET /readyz: ready with every migration applied; 503 DRAINING once the server is stopping', async () => {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await json(ready)) as { ok: boolean; migrations: { applied: number; expected: number } };
    expect(body.ok).toBe(true);
    expect(body.migrations.applied).toBe(body.migrations.expected);
    // Every migration counted, not none: SQLite's history has 5 and more; PostgreSQL's started as one.
    expect(body.migrations.expected).toBeGreaterThanOrEqual(testEngine === 'pg' ? 1 : 5);
    // A second app on its own database, stopping: not ready, and says why (the shared one stays up).
    const otherDatabase = await openTestDatabase();
    const db = otherDatabase.db;
    const other = await createApp({ db, config: loadConfig(otherDatabase.env) });
    // drizzle's record of applied migrations: PostgreSQL keeps it in a schema of its own.
    const migrations = testEngine === 'pg' ? 'drizzle.__drizzle_migrations' : '__drizzle_migrations';
    try {
      // A database whose last migration this release expects is not there (another instance is still migrating it).
      const kept = (await db.get<Record<string, unknown>>(db.stmt(`select hash, created_at from ${migrations} order by created_at desc limit 1`)))!;
      await db.run(db.stmt(`delete from ${migrations} where created_at = @created_at`), kept);
      const pending = await other.app.request('/readyz');
      expect(pending.status).toBe(503);
      expect(await pending.json()).toMatchObject({ ok: false, reason: 'MIGRATIONS_PENDING' });
      await db.run(db.stmt(`insert into ${migrations} (hash, created_at) values (@hash, @created_at)`), kept);
      expect((await other.app.request('/readyz')).status).toBe(200);

      await other.stop();
      const res = await other.app.request('/readyz');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ok: false, reason: 'DRAINING' });
    } finally {
      await otherDatabase.close();
    }
  });

  it('answers unknown routes with a 404 JSON error', async () => {
    for (const [path, withToken] of [
      ['/no-such-page', false],
      ['/api/no-such-thing', true],
    ] as const) {
      const res = withToken ? await authed(path) : await fetch(base + path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect((await json(res)).error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(path) });
    }
  });

  it('GET /api/openapi.json is OpenAPI 3.1 and documents every route the app registers', async () => {
    const res = await fetch(`${base}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>>; info: { title: string } };
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info.title).toBeTruthy();

    const registered = new Set(
      te.server.app.routes
        .filter((r) => r.method !== 'ALL' && !r.path.startsWith('/simulator'))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`)));
    const undocumented = [...registered].filter((r) => !documented.has(r));
    expect(undocumented, 'routes missing from /api/openapi.json').toEqual([]);
    // And nothing is documented that the app does not serve.
    const phantom = [...documented].filter((d) => !registered.has(d));
    expect(phantom, 'documented routes the app does not serve').toEqual([]);

    // The send route carries its body schema and the Idempotency-Key header.
    const send = doc.paths['/api/candidates/{id}/messages']!.post as {
      parameters: { name: string; in: string }[];
      requestBody: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } };
    };
    expect(send.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['path:id', 'header:Idempotency-Key']));
    expect(Object.keys(send.requestBody.content['application/json'].schema.properties)).toEqual(expect.arrayContaining(['body', 'templateId']));
  });
});

/** Everything PROVIDER=twilio needs except PUBLIC_URL. */
const TWILIO_READY = { PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32), TWILIO_AUTH_TOKEN: 'x', TWILIO_SMS_FROM: '+15005550006' };

describe('configuration refusals', () => {
  const refusals: [string, Record<string, string>, string][] = [
    ['PORT=abc', { PORT: 'abc' }, 'PORT'],
    ['PORT=0', { PORT: '0' }, 'PORT'],
    ['PORT=70000', { PORT: '70000' }, 'PORT'],
    ['PROVIDER=sms', { PROVIDER: 'sms' }, 'PROVIDER'],
    ['PUBLIC_URL=notaurl', { PUBLIC_URL: 'notaurl' }, 'PUBLIC_URL'],
    ['PUBLIC_URL=ftp://x', { PUBLIC_URL: 'ftp://example.com' }, 'PUBLIC_URL'],
    ['PROVIDER=twilio without TWILIO_ACCOUNT_SID', { PROVIDER: 'twilio', TWILIO_AUTH_TOKEN: 'x', TWILIO_SMS_FROM: '+15005550006' }, 'TWILIO_ACCOUNT_SID'],
    [
      'a malformed TWILIO_ACCOUNT_SID',
      { PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 'x', TWILIO_SMS_FROM: '+15005550006' },
      'TWILIO_ACCOUNT_SID',
    ],
    [
      'PROVIDER=twilio without TWILIO_AUTH_TOKEN',
      { PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32), TWILIO_SMS_FROM: '+15005550006' },
      'TWILIO_AUTH_TOKEN',
    ],
    ['PROVIDER=twilio without a sender', { PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32), TWILIO_AUTH_TOKEN: 'x' }, 'TWILIO_SMS_FROM'],
    [
      'a TWILIO_SMS_FROM that is not E.164',
      { PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32), TWILIO_AUTH_TOKEN: 'x', TWILIO_SMS_FROM: '555-0100' },
      'TWILIO_SMS_FROM',
    ],
    ['PROVIDER=twilio without PUBLIC_URL', { ...TWILIO_READY }, 'PUBLIC_URL'],
    ['PROVIDER=twilio with a plain-http PUBLIC_URL off this machine', { ...TWILIO_READY, PUBLIC_URL: 'http://example.com' }, 'PUBLIC_URL'],
    ['TWILIO_OPT_OUT=maybe', { ...TWILIO_READY, PUBLIC_URL: 'https://te.example.com', TWILIO_OPT_OUT: 'maybe' }, 'TWILIO_OPT_OUT'],
    ['SEND_RATE_PER_SECOND=fast', { SEND_RATE_PER_SECOND: 'fast' }, 'SEND_RATE_PER_SECOND'],
    ['SEND_RATE_PER_SECOND=-1', { SEND_RATE_PER_SECOND: '-1' }, 'SEND_RATE_PER_SECOND'],
    ['SEND_RATE_PER_SECOND=0', { SEND_RATE_PER_SECOND: '0' }, 'SEND_RATE_PER_SECOND'],
    ['TOKEN_TTL_HOURS=-5', { TOKEN_TTL_HOURS: '-5' }, 'TOKEN_TTL_HOURS'],
    ['SIMULATOR_SEND_DELAY_MS=slow', { SIMULATOR_SEND_DELAY_MS: 'slow' }, 'SIMULATOR_SEND_DELAY_MS'],
    ['SIMULATOR_SEND_DELAY_MS=-1', { SIMULATOR_SEND_DELAY_MS: '-1' }, 'SIMULATOR_SEND_DELAY_MS'],
  ];

  it.each(refusals)('%s stops with one line naming the variable', (_name, env, variable) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^Invalid configuration: ${variable}\\b`));
    expect(message).not.toContain('\n');
  });

  it('says what the value must be and what it was', () => {
    const messageFor = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      return null;
    };
    expect(messageFor({ PORT: 'abc' })).toBe('Invalid configuration: PORT must be a whole number from 1 to 65,535 (got "abc")');
    expect(messageFor({ PROVIDER: 'sms' })).toBe('Invalid configuration: PROVIDER must be simulator or twilio (got "sms")');
    expect(messageFor({ SEND_RATE_PER_SECOND: 'fast' })).toBe(
      'Invalid configuration: SEND_RATE_PER_SECOND must be a positive number or "unlimited" (got "fast")',
    );
    expect(messageFor({ PUBLIC_URL: 'ftp://example.com' })).toBe(
      'Invalid configuration: PUBLIC_URL must be an http:// or https:// URL (got "ftp://example.com")',
    );
  });

  it('the defaults run the demo', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8787, host: '127.0.0.1', provider: 'simulator', publicUrl: 'http://localhost:8787' });
    expect(config.simulator.sendDelayMs).toBe(0);
    expect(loadConfig({ SEND_RATE_PER_SECOND: 'unlimited' }).sendRatePerSecond).toBe(Number.POSITIVE_INFINITY);
    expect(loadConfig({ PORT: '9000' }).publicUrl).toBe('http://localhost:9000');
    expect(loadConfig({ PUBLIC_URL: 'https://te.example.com/' }).publicUrl).toBe('https://te.example.com');
  });

  it('PROVIDER=twilio takes an https PUBLIC_URL, or plain http on this machine only; the simulator any', () => {
    expect(loadConfig({ ...TWILIO_READY, PUBLIC_URL: 'https://te.example.com' }).twilio).toMatchObject({
      publicUrl: 'https://te.example.com',
      optOut: 'twilio',
    });
    expect(loadConfig({ ...TWILIO_READY, PUBLIC_URL: 'http://127.0.0.1:8787' }).publicUrl).toBe('http://127.0.0.1:8787');
    expect(loadConfig({ ...TWILIO_READY, PUBLIC_URL: 'http://localhost:8787' }).publicUrl).toBe('http://localhost:8787');
    expect(loadConfig({ ...TWILIO_READY, PUBLIC_URL: 'https://te.example.com', TWILIO_OPT_OUT: 'app' }).twilio.optOut).toBe('app');
    expect(loadConfig({ PUBLIC_URL: 'http://example.com' }).publicUrl).toBe('http://example.com');
    expect(() => loadConfig({ ...TWILIO_READY, PUBLIC_URL: 'http://example.com' })).toThrow(
      'Invalid configuration: PUBLIC_URL must be https:// when PROVIDER=twilio (got "http://example.com")',
    );
  });

  it('`npx tsx server/main.ts` with PORT=abc exits non-zero, printing one line that names PORT', async () => {
    const child = spawn('npx', ['tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'abc', DATABASE_PATH: ':memory:' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    // (npm's own notices, if any, are not the server's output.)
    const lines = stderr.split('\n').filter((l) => l.trim() && !/^npm (warn|notice)/i.test(l));
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: PORT\b/);
    expect(stdout.trim()).toBe('');
  }, 30_000);
});
