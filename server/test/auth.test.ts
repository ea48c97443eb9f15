/**
 * Sign-in, tokens and the slowing down of password guessing (POST /api/auth/login, GET /api/me,
 * POST /api/auth/logout).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { LoginResponseSchema, RecruiterSchema } from '../../shared/api.js';
import { verifyPassword } from '../lib/passwords.js';
import { createHarness, type Harness } from './harness.js';

/** The client's address as @hono/node-server passes it (so each test can come from its own). */
const from = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });

async function login(h: Harness, body: unknown, ip = '127.0.0.1', headers: Record<string, string> = {}) {
  const res = await h.app.request(
    '/api/auth/login',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
    from(ip),
  );
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

async function me(h: Harness, authorization?: string) {
  const res = await h.app.request('/api/me', { headers: authorization ? { authorization } : {} });
  return { status: res.status, body: await res.json() };
}

describe('POST /api/auth/login', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ start: false });
  });
  afterAll(() => h.close());
  // Failed sign-ins are forgotten after 15 minutes: each test starts with a clean slate.
  afterEach(() => h.clock.advance(16 * 60_000));

  it('answers a token, the recruiter and their organisation', async () => {
    const res = await login(h, { email: 'recruiter@acme.test', password: 'demo1234' });
    expect(res.status).toBe(200);
    const parsed = LoginResponseSchema.parse(res.body);
    expect(parsed.token.length).toBeGreaterThanOrEqual(32);
    expect(parsed.recruiter).toMatchObject({
      email: 'recruiter@acme.test',
      name: 'Jordan Avery',
      licensed: true,
      isAdmin: true,
      calendarLink: 'http://te.test/book/jordan-avery',
      organization: { name: 'Acme Staffing', smsEnabled: true, whatsappEnabled: true, assistantSubscribed: true },
    });
    expect(parsed.recruiter.organization.textingHours).toEqual({ start: '08:00', end: '21:00' });
    // 30 days by default, counted from the (fake) clock.
    expect(Date.parse(parsed.expiresAt)).toBe(h.clock.now() + 30 * 24 * 3600_000);
    // Never the password hash.
    expect(JSON.stringify(res.body)).not.toMatch(/scrypt|passwordHash/);
  });

  it('signs in each demo recruiter with their own licence and organisation', async () => {
    const noLicence = await login(h, { email: 'nolicense@acme.test', password: 'demo1234' });
    expect(noLicence.status).toBe(200);
    expect(noLicence.body.recruiter).toMatchObject({ licensed: false, isAdmin: false, organization: { name: 'Acme Staffing' } });
    const globex = await login(h, { email: 'recruiter@globex.test', password: 'demo1234' });
    expect(globex.status).toBe(200);
    expect(globex.body.recruiter).toMatchObject({
      licensed: true,
      organization: { name: 'Globex Corporation', whatsappEnabled: false, assistantSubscribed: false },
    });
    expect(globex.body.recruiter.organization.id).not.toBe(noLicence.body.recruiter.organization.id);
  });

  it('ignores the case and surrounding spaces of the email', async () => {
    const res = await login(h, { email: '  Recruiter@ACME.test ', password: 'demo1234' });
    expect(res.status).toBe(200);
    expect(res.body.recruiter.email).toBe('recruiter@acme.test');
  });

  it('refuses a wrong password and an unknown email alike: 401 UNAUTHORIZED, same message', async () => {
    const wrong = await login(h, { email: 'recruiter@acme.test', password: 'demo12345' });
    const unknown = await login(h, { email: 'nobody@acme.test', password: 'demo1234' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
    expect(unknown.body.error.code).toBe('UNAUTHORIZED');
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
    expect(wrong.body.error.message).not.toMatch(/unknown|no such|not found/i);
    expect(wrong.body).not.toHaveProperty('token');
  });

  it('refuses a malformed body with 400 VALIDATION naming the field', async () => {
    const missing = await login(h, { email: 'recruiter@acme.test' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'VALIDATION' });
    expect(missing.body.error.message).toMatch(/password/);

    const notAnEmail = await login(h, { email: 'recruiter', password: 'demo1234' });
    expect(notAnEmail.status).toBe(400);
    expect(notAnEmail.body.error.code).toBe('VALIDATION');
    expect(notAnEmail.body.error.message).toMatch(/email/);

    const empty = await login(h, { email: 'recruiter@acme.test', password: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('VALIDATION');

    const notJson = await login(h, '{"email": "recruiter@acme.test", ');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('VALIDATION');

    // None of these counted as a failed guess.
    expect((await login(h, { email: 'recruiter@acme.test', password: 'demo1234' })).status).toBe(200);
  });

  it('refuses a form-encoded body with 415', async () => {
    const res = await h.app.request('/api/auth/login', {
      method: 'POST',
      // A real client (fetch, curl) always says how long its body is.
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '45' },
      body: 'email=recruiter%40acme.test&password=demo1234',
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('slows down repeated failures: after 5, 429 TOO_MANY_ATTEMPTS with Retry-After, then allowed after the wait', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await login(h, { email: 'recruiter@acme.test', password: `guess-${i}` }, '10.0.0.1');
      expect(res.status).toBe(401);
    }
    // Even the right password waits: a guesser cannot tell.
    const blocked = await login(h, { email: 'recruiter@acme.test', password: 'demo1234' }, '10.0.0.1');
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(blocked.body.error.message).toContain(`${retryAfter} s`);

    // The account is what is slowed down: another address is held back too.
    expect((await login(h, { email: 'recruiter@acme.test', password: 'demo1234' }, '10.0.0.2')).status).toBe(429);

    // Still blocked a moment before the wait is over.
    h.clock.set(h.clock.now() + retryAfter * 1000 - 100);
    expect((await login(h, { email: 'recruiter@acme.test', password: 'demo1234' }, '10.0.0.1')).status).toBe(429);

    await h.clock.advance(100);
    const ok = await login(h, { email: 'recruiter@acme.test', password: 'demo1234' }, '10.0.0.1');
    expect(ok.status).toBe(200);
    expect(ok.body.token).toBeTruthy();
  });

  it('doubles the wait as failures go on', async () => {
    const guess = () => login(h, { email: 'recruiter@globex.test', password: 'nope' }, '10.0.1.1');
    for (let i = 0; i < 5; i++) expect((await guess()).status).toBe(401);
    const first = Number((await guess()).headers.get('retry-after'));
    await h.clock.advance(first * 1000);
    // The sixth failure: now it waits longer.
    expect((await guess()).status).toBe(401);
    const second = await guess();
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(first);
  });

  it('a parallel burst of wrong passwords gets no more tries than the same guesses one by one', async () => {
    // Each attempt is counted before its (slow) password check, so 20 at once cannot all slip
    // through while the first ones are still being hashed.
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => login(h, { email: 'admin@globex.test', password: `burst-${i}` }, `10.0.3.${i}`)));
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it('counts guesses at unknown emails from the same address too (no enumerating accounts for free)', async () => {
    for (let i = 0; i < 5; i++) expect((await login(h, { email: `nobody${i}@acme.test`, password: 'x' }, '10.0.2.1')).status).toBe(401);
    const res = await login(h, { email: 'someone-else@acme.test', password: 'x' }, '10.0.2.1');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBeTruthy();
  });
});

describe('sign-in behind a proxy (TRUST_PROXY)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ start: false, env: { TRUST_PROXY: 'X-Forwarded-For' } });
  });
  afterAll(() => h.close());

  const PROXY = '10.5.0.1';
  const guess = (i: number, forwardedFor: string) => login(h, { email: `nobody${i}@proxy.test`, password: 'x' }, PROXY, { 'x-forwarded-for': forwardedFor });

  it('counts each client the proxy reports on its own, by the entry the proxy appended', async () => {
    // Five clients behind one proxy, one guess each: none is held back by the others.
    for (let i = 0; i < 6; i++) expect((await guess(i, `203.0.113.${i}`)).status).toBe(401);
    // One client varying what it sends before the proxy's entry is still one client.
    for (let i = 0; i < 5; i++) expect((await guess(10 + i, `198.51.100.${i}, 203.0.113.200`)).status).toBe(401);
    const held = await guess(20, '192.0.2.1, 203.0.113.200');
    expect(held.status).toBe(429);
  });
});

describe('tokens: GET /api/me and POST /api/auth/logout', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ start: false });
  });
  afterAll(() => h.close());

  it('GET /api/me answers the signed-in recruiter with the token, 401 without', async () => {
    const token = await h.login();
    const ok = await me(h, `Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(RecruiterSchema.parse(ok.body).email).toBe('recruiter@acme.test');
    expect(ok.body.unreadCount).toBe(0);

    const none = await me(h);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    expect(none.body.error.message).toMatch(/Bearer/);

    const notBearer = await me(h, `Basic ${Buffer.from('recruiter@acme.test:demo1234').toString('base64')}`);
    expect(notBearer.status).toBe(401);
    expect(notBearer.body.error.code).toBe('UNAUTHORIZED');
  });

  it('refuses a made-up token and a token with a character changed', async () => {
    const token = await h.login();
    expect((await me(h, 'Bearer not-a-real-token')).status).toBe(401);
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const res = await me(h, `Bearer ${flipped}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('each sign-in gets its own token; logout revokes only that one', async () => {
    const a = (await login(h, { email: 'recruiter@acme.test', password: 'demo1234' })).body.token as string;
    const b = (await login(h, { email: 'recruiter@acme.test', password: 'demo1234' })).body.token as string;
    expect(a).not.toBe(b);

    const out = await h.app.request('/api/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${a}` } });
    expect(out.status).toBe(204);

    const revoked = await me(h, `Bearer ${a}`);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('UNAUTHORIZED');
    expect((await me(h, `Bearer ${b}`)).status).toBe(200);

    // Logging out again with the revoked token is itself refused.
    const again = await h.app.request('/api/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${a}` } });
    expect(again.status).toBe(401);
  });

  it('a revoked token cannot send texts either', async () => {
    const token = (await login(h, { email: 'recruiter@acme.test', password: 'demo1234' })).body.token as string;
    await h.app.request('/api/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const res = await h.app.request('/api/candidates/10001/messages', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'Hello' }),
    });
    expect(res.status).toBe(401);
    expect(await h.sql.get('select count(*) as n from messages')).toEqual({ n: 0 });
  });

  it('stores password hashes with scrypt, never the password', async () => {
    const { recruiters } = h.db.t;
    const rows = await h.db.orm.select({ email: recruiters.email, hash: recruiters.passwordHash }).from(recruiters);
    expect(rows.length).toBe(3);
    for (const row of rows) {
      expect(row.hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
      expect(row.hash).not.toContain('demo1234');
    }
    // And they are real hashes of the demo password.
    await Promise.all(rows.map(async (r) => expect(await verifyPassword('demo1234', r.hash)).toBe(true)));
  });

  it('stores tokens hashed: the plain token is nowhere in api_tokens', async () => {
    const token = (await login(h, { email: 'recruiter@acme.test', password: 'demo1234' })).body.token as string;
    const rows = await h.db.orm.select().from(h.db.t.apiTokens);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    const dump = JSON.stringify(await h.sql.all('select * from api_tokens'));
    expect(dump).not.toContain(token);
    for (const row of rows) expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    const mine = rows.filter((r) => r.tokenHash === createHash('sha256').update(token).digest('hex'));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.expiresAt).toBeGreaterThan(h.clock.now());
  });
});

describe('token expiry (TOKEN_TTL_HOURS)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { TOKEN_TTL_HOURS: '1' }, start: false });
  });
  afterAll(() => h.close());

  it('a token lasts the configured hours, then 401 UNAUTHORIZED', async () => {
    const res = await login(h, { email: 'recruiter@acme.test', password: 'demo1234' });
    expect(Date.parse(res.body.expiresAt)).toBe(h.clock.now() + 3600_000);
    const token = res.body.token as string;

    await h.clock.advance(59 * 60_000);
    expect((await me(h, `Bearer ${token}`)).status).toBe(200);

    await h.clock.advance(60_000 + 1);
    const expired = await me(h, `Bearer ${token}`);
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('UNAUTHORIZED');
    expect(expired.body.error.message).toMatch(/expired|sign in/i);

    // Signing in again works.
    const fresh = await login(h, { email: 'recruiter@acme.test', password: 'demo1234' });
    expect((await me(h, `Bearer ${fresh.body.token}`)).status).toBe(200);
  });
});
