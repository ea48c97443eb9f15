/**
 * Candidate data from the ATS, over real HTTP: integration keys (what they may and may not do), the upsert
 * (normalisation, refusals, idempotency, tenancy, capture by a recruiter), consent as history,
 * the rule that nothing the ATS says overrides the candidate's own STOP, and erasure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import type { Candidate, ConsentRecord } from '../../shared/api.js';
import { first } from '../db/types.js';
import type { AppEvent } from '../lib/events.js';
import { createHarness, type Harness } from './harness.js';

const ACME_UNLICENSED = 'nolicense@acme.test';
const GLOBEX_ADMIN = 'recruiter@globex.test';

describe('candidate data from the ATS', () => {
  let h: Harness;
  let acmeKey: string;
  let globexKey: string;

  beforeAll(async () => {
    h = await createHarness({ inboundGreeting: false });
    // Every request below goes over real HTTP (the fake clock still drives time).
    await h.serveHttp();
    acmeKey = (await h.api('POST', '/api/api-keys', { name: 'Acme nightly sync' })).body.key;
    globexKey = (await h.api('POST', '/api/api-keys', { name: 'Globex sync' }, { email: GLOBEX_ADMIN })).body.key;
  });
  afterAll(() => h.close());

  /** A request with any bearer (a key, or none), and any body. */
  async function call(bearer: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await h.request(path, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  const put = (bearer: string, atsId: string, body: unknown) => call(bearer, 'PUT', `/api/candidates/${encodeURIComponent(atsId)}`, body);
  const get = async (bearer: string, atsId: string) => (await call(bearer, 'GET', `/api/candidates/${encodeURIComponent(atsId)}`)).body as Candidate;
  const consentOf = async (bearer: string, atsId: string) =>
    (await call(bearer, 'GET', `/api/candidates/${encodeURIComponent(atsId)}/consent`)).body.records as ConsentRecord[];
  const org = async (slug: string) => (await first(h.db.orm.select().from(h.db.t.organizations).where(eq(h.db.t.organizations.slug, slug))))!;
  const orgId = async (slug: string) => (await org(slug)).id;
  const row = async (slug: string, atsId: string) => {
    const { candidates } = h.db.t;
    return first(
      h.db.orm
        .select()
        .from(candidates)
        .where(and(eq(candidates.orgId, await orgId(slug)), eq(candidates.atsId, atsId))),
    );
  };
  /** How many texts there are, all organisations together. */
  const messageCount = async () => (await first(h.db.orm.select({ n: sql<number>`count(*)` }).from(h.db.t.messages)))!.n;

  describe('integration keys', () => {
    it('are created by administrators (201, shown once), listed without the secret, and refused to others', async () => {
      const created = await h.api('POST', '/api/api-keys', { name: 'Workday bridge' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'Workday bridge', createdBy: 'Jordan Avery', lastUsedAt: null });
      expect(created.body.key).toMatch(/^tek_[A-Za-z0-9_-]{40,}$/);
      expect(created.body.key.startsWith(created.body.prefix)).toBe(true);

      const list = await h.api('GET', '/api/api-keys');
      expect(list.status).toBe(200);
      const listed = list.body.keys.find((k: { id: number }) => k.id === created.body.id);
      expect(listed).toEqual({
        id: created.body.id,
        name: 'Workday bridge',
        prefix: created.body.prefix,
        createdAt: created.body.createdAt,
        createdBy: 'Jordan Avery',
        lastUsedAt: null,
      });
      expect(JSON.stringify(list.body)).not.toContain(created.body.key);
      // Stored as a hash: the secret is nowhere in the database.
      expect(JSON.stringify(await h.sql.all('select * from api_keys'))).not.toContain(created.body.key);

      expect((await h.api('POST', '/api/api-keys', { name: 'Mine' }, { email: ACME_UNLICENSED })).body.error.code).toBe('FORBIDDEN');
      expect((await h.api('GET', '/api/api-keys', undefined, { email: ACME_UNLICENSED })).status).toBe(403);
      expect((await h.api('POST', '/api/api-keys', { name: '' })).status).toBe(400);
      expect((await h.api('POST', '/api/api-keys', { name: 'x', scope: 'all' })).status).toBe(400);
      // Another organisation's administrator sees only their own keys.
      const globexList = await h.api('GET', '/api/api-keys', undefined, { email: GLOBEX_ADMIN });
      expect(globexList.body.keys.map((k: { name: string }) => k.name)).toEqual(['Globex sync']);
    });

    it('record when they were last used, and stop working the moment they are revoked', async () => {
      const created = (await h.api('POST', '/api/api-keys', { name: 'Short-lived' })).body;
      expect((await call(created.key, 'GET', '/api/candidates/10001')).status).toBe(200);
      const listed = (await h.api('GET', '/api/api-keys')).body.keys.find((k: { id: number }) => k.id === created.id);
      expect(listed.lastUsedAt).toBe(new Date(h.clock.now()).toISOString());

      expect((await h.api('DELETE', `/api/api-keys/${created.id}`)).status).toBe(204);
      const after = await call(created.key, 'GET', '/api/candidates/10001');
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('UNAUTHORIZED');
      expect((await h.api('DELETE', `/api/api-keys/${created.id}`)).status).toBe(404);
      // Globex cannot revoke Acme's key.
      expect((await h.api('DELETE', `/api/api-keys/${created.id}`, undefined, { email: GLOBEX_ADMIN })).status).toBe(404);
    });

    it('read and write candidates, and nothing else: no texts, no conversations, no settings (403 FORBIDDEN)', async () => {
      expect((await call(acmeKey, 'GET', '/api/candidates?ids=10001,10002')).body.candidates).toHaveLength(2);
      expect((await call(acmeKey, 'GET', '/api/candidates?query=Garcia')).status).toBe(200);
      const refused: [string, string, unknown?][] = [
        ['POST', '/api/candidates/10001/messages', { body: 'Hi from the sync job' }],
        ['GET', '/api/candidates/10001/messages'],
        ['POST', '/api/candidates/10001/read'],
        ['POST', '/api/candidates/10001/assistant', { active: true }],
        ['GET', '/api/candidates/10001/assistant'],
        ['GET', '/api/me'],
        ['GET', '/api/organization'],
        ['PATCH', '/api/organization', { sendRatePerSecond: 5 }],
        ['GET', '/api/campaigns'],
        ['POST', '/api/campaigns', { name: 'From a key', candidateIds: ['10001'] }],
        ['GET', '/api/templates'],
        ['GET', '/api/sequences'],
        ['GET', '/api/events'],
        ['GET', '/api/api-keys'],
        ['POST', '/api/api-keys', { name: 'A key making keys' }],
        ['POST', '/api/auth/logout'],
      ];
      const before = await messageCount();
      for (const [method, path, body] of refused) {
        const res = await call(acmeKey, method, path, body);
        expect([method, path, res.status, res.body?.error?.code]).toEqual([method, path, 403, 'FORBIDDEN']);
      }
      await h.advance(2000);
      expect(await messageCount()).toBe(before);
      expect((await h.simulator.phoneMessages('+12125550101')).filter((m) => m.body.includes('sync job'))).toEqual([]);
    });

    it('a Globex key writing atsId 10001 creates Globex’s own candidate and leaves Acme’s untouched', async () => {
      const acmeBefore = (await row('acme', '10001'))!;
      const res = await put(globexKey, '10001', {
        firstName: 'Greta',
        lastName: 'Globex',
        phone: '+13125559001',
        consent: { status: 'granted', source: 'globex-careers' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id: '10001', firstName: 'Greta', lastName: 'Globex', phone: '+13125559001', textable: true });
      expect(await row('acme', '10001')).toEqual(acmeBefore);
      expect(await row('globex', '10001')).toMatchObject({ firstName: 'Greta', orgId: await orgId('globex') });
      expect(await get(acmeKey, '10001')).toMatchObject({ firstName: 'Maria', lastName: 'Garcia' });
      // Each key reads only its own organisation.
      expect((await call(globexKey, 'GET', '/api/candidates/10002')).status).toBe(404);
      expect((await consentOf(globexKey, '10001')).map((r) => r.source)).toEqual(['globex-careers']);
    });

    it('a malformed or unknown bearer is a 401', async () => {
      expect((await call('tek_not-a-key', 'GET', '/api/candidates/10001')).status).toBe(401);
      expect((await call(null, 'PUT', '/api/candidates/1', { firstName: 'A', lastName: 'B' })).status).toBe(401);
    });
  });

  describe('PUT /api/candidates/:atsId', () => {
    it('creates (201) with the phone in E.164 and the candidate as GET returns it, then updates (200)', async () => {
      const created = await put(acmeKey, 'ATS-5001', {
        firstName: 'Nadia',
        lastName: 'Petrova',
        email: 'nadia.petrova@example.com',
        phone: '(415) 555-0171',
        channel: 'sms',
        consent: { status: 'granted', source: 'application-form', at: '2026-02-20T10:00:00Z' },
        timeZone: 'America/Los_Angeles',
        jobTitle: 'Forklift Operator',
        location: 'San Francisco, CA',
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        id: 'ATS-5001',
        phone: '+14155550171',
        email: 'nadia.petrova@example.com',
        textable: true,
        reason: null,
        consent: { status: 'granted', source: 'application-form', at: '2026-02-20T10:00:00.000Z' },
        timeZone: 'America/Los_Angeles',
        jobTitle: 'Forklift Operator',
        location: 'San Francisco, CA',
      });
      expect(created.body).toEqual(await get(acmeKey, 'ATS-5001'));

      await h.advance(1000);
      const updated = await put(acmeKey, 'ATS-5001', { firstName: 'Nadia', lastName: 'Petrova-Ivanova', jobTitle: null });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ lastName: 'Petrova-Ivanova', jobTitle: null, phone: '+14155550171', location: 'San Francisco, CA', textable: true });
      expect(Date.parse(updated.body.updatedAt)).toBeGreaterThan(Date.parse(created.body.updatedAt));
    });

    it('is idempotent: the same body twice changes nothing the second time (updatedAt unchanged, no new consent record)', async () => {
      const body = { firstName: 'Omar', lastName: 'Haddad', phone: '+1 (646) 555-0177', consent: { status: 'granted', source: 'career-site' } };
      const first = await put(acmeKey, 'ATS-5002', body);
      expect(first.status).toBe(201);
      await h.advance(60_000);
      const second = await put(acmeKey, 'ATS-5002', body);
      expect(second.status).toBe(200);
      expect(second.body.updatedAt).toBe(first.body.updatedAt);
      expect(second.body).toEqual(first.body);
      expect(await consentOf(acmeKey, 'ATS-5002')).toHaveLength(1);
      // Also with a dated consent.
      const dated = { ...body, consent: { status: 'granted', source: 'career-site', at: '2026-01-05T09:00:00Z' } };
      const third = await put(acmeKey, 'ATS-5002', dated);
      await h.advance(60_000);
      const fourth = await put(acmeKey, 'ATS-5002', dated);
      expect(fourth.body.updatedAt).toBe(third.body.updatedAt);
      expect(await consentOf(acmeKey, 'ATS-5002')).toHaveLength(2);
    });

    it('several upserts of one new ATS id at once: one creates (201), the others find it (200), never a unique violation', async () => {
      // On PostgreSQL each request runs on a connection of its own, so they really race to insert.
      const body = { firstName: 'Ines', lastName: 'Moreau', phone: '+1 (646) 555-0178', consent: { status: 'granted', source: 'career-site' } };
      const results = await Promise.all(Array.from({ length: 4 }, () => put(acmeKey, 'ATS-5003', body)));
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
      for (const r of results) expect(r.body).toEqual(results[0]!.body);
      const { candidates } = h.db.t;
      const rows = await h.db.orm
        .select()
        .from(candidates)
        .where(and(eq(candidates.orgId, await orgId('acme')), eq(candidates.atsId, 'ATS-5003')));
      expect(rows).toHaveLength(1);
      expect(await consentOf(acmeKey, 'ATS-5003')).toHaveLength(1);
    });

    it('refuses an invalid phone (400 VALIDATION naming phone), unknown fields, a bad zone, a future consent, and writes nothing', async () => {
      const cases: [unknown, string][] = [
        [{ firstName: 'A', lastName: 'B', phone: '12345' }, 'phone'],
        [{ firstName: 'A', lastName: 'B', phone: 'call me' }, 'phone'],
        [{ firstName: 'A', lastName: 'B', mobile: '+14155550100' }, 'body'],
        [{ firstName: 'A', lastName: 'B', consent: { status: 'granted', source: 'x', by: 'me' } }, 'consent'],
        [{ firstName: 'A', lastName: 'B', timeZone: 'Mars/Olympus' }, 'timeZone'],
        [{ firstName: 'A', lastName: 'B', channel: 'fax' }, 'channel'],
        [{ firstName: 'A', lastName: 'B', consent: { status: 'maybe', source: 'x' } }, 'consent.status'],
        [{ firstName: 'A', lastName: 'B', consent: { status: 'granted' } }, 'consent.source'],
        [{ firstName: 'A', lastName: 'B', consent: { status: 'granted', source: 'x', at: '2030-01-01T00:00:00Z' } }, 'consent.at'],
        [{ firstName: 'A', lastName: 'B', email: 'not-an-email' }, 'email'],
        [{ lastName: 'B' }, 'firstName'],
        [{ firstName: '  ', lastName: 'B' }, 'firstName'],
      ];
      for (const [body, field] of cases) {
        const res = await put(acmeKey, 'ATS-REFUSED', body);
        expect([JSON.stringify(body), res.status, res.body.error.code]).toEqual([JSON.stringify(body), 400, 'VALIDATION']);
        expect(
          res.body.error.message.startsWith(field === 'body' ? 'body' : field) || res.body.error.details?.field === field,
          `${res.body.error.message} names ${field}`,
        ).toBe(true);
      }
      expect((await put(acmeKey, 'phone:+14155550100', { firstName: 'A', lastName: 'B' })).status).toBe(400);
      expect(
        (
          await call(acmeKey, 'PUT', '/api/candidates/ATS-REFUSED', 'firstName=A', {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': '11',
          })
        ).status,
      ).toBe(415);
      expect(await row('acme', 'ATS-REFUSED')).toBeUndefined();
    });

    it('reads national numbers in the organisation’s default country, and stores a landline as no mobile', async () => {
      const us = await put(acmeKey, 'ATS-5003', { firstName: 'Rosa', lastName: 'Lima', phone: '212.555.0166', consent: { status: 'granted', source: 'x' } });
      expect(us.body.phone).toBe('+12125550166');
      expect((await h.api('PATCH', '/api/organization', { defaultCountry: 'XX' })).status).toBe(400);
      expect((await h.api('PATCH', '/api/organization', { defaultCountry: 'gb' })).status).toBe(400);
      expect((await h.api('PATCH', '/api/organization', { defaultCountry: 'GB' }, { email: ACME_UNLICENSED })).status).toBe(403);
      const patched = await h.api('PATCH', '/api/organization', { defaultCountry: 'GB' });
      expect([patched.status, patched.body.defaultCountry]).toEqual([200, 'GB']);
      try {
        const uk = await put(acmeKey, 'ATS-5004', { firstName: 'Ian', lastName: 'Hale', phone: '07911 123456', consent: { status: 'granted', source: 'x' } });
        expect(uk.body).toMatchObject({ phone: '+447911123456', textable: true });
        const landline = await put(acmeKey, 'ATS-5005', {
          firstName: 'Ann',
          lastName: 'Reed',
          phone: '020 7946 0321',
          consent: { status: 'granted', source: 'x' },
        });
        expect(landline.body).toMatchObject({ phone: null, textable: false, reason: 'NO_MOBILE' });
      } finally {
        await h.api('PATCH', '/api/organization', { defaultCountry: 'US' });
      }
    });

    it('administrators may write; a licensed recruiter may only add someone new (capture); others get 403', async () => {
      const admin = await h.api('PUT', '/api/candidates/ATS-5006', { firstName: 'Tomas', lastName: 'Berg', phone: '+13035550150' });
      expect(admin.status).toBe(201);
      expect(admin.body).toMatchObject({ textable: false, reason: 'NO_CONSENT', consent: null });
      const recruiterConsent = await h.api('PUT', '/api/candidates/ATS-5006', {
        firstName: 'Tomas',
        lastName: 'Berg',
        consent: { status: 'granted', source: 'Candidate agreed on the phone' },
      });
      expect(recruiterConsent.body).toMatchObject({ textable: true, consent: { source: 'Candidate agreed on the phone' } });
      expect((await consentOf(acmeKey, 'ATS-5006'))[0]!.setBy).toEqual({ type: 'recruiter', name: 'Jordan Avery' });

      const unlicensed = await h.api('PUT', '/api/candidates/ATS-5007', { firstName: 'X', lastName: 'Y' }, { email: ACME_UNLICENSED });
      expect(unlicensed.status).toBe(403);
      expect(unlicensed.body.error.code).toBe('NOT_LICENSED');
      expect((await h.api('DELETE', '/api/candidates/ATS-5006', undefined, { email: ACME_UNLICENSED })).body.error.code).toBe('FORBIDDEN');
      expect((await h.api('POST', '/api/candidates/import', undefined, { email: ACME_UNLICENSED })).status).toBe(403);
    });
  });

  describe('POST /api/candidates/:atsId/consent', () => {
    it('a licensed recruiter records what the candidate said; the same statement twice changes nothing; an unlicensed one gets 403', async () => {
      await put(acmeKey, 'ATS-5101', { firstName: 'Hana', lastName: 'Sato', phone: '+12125550144' });
      expect(await get(acmeKey, 'ATS-5101')).toMatchObject({ textable: false, reason: 'NO_CONSENT' });
      const body = { status: 'granted', source: 'Candidate agreed on the phone' };
      const first = await h.api('POST', '/api/candidates/ATS-5101/consent', body);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ textable: true, consent: { status: 'granted', source: 'Candidate agreed on the phone' } });
      await h.advance(60_000);
      const again = await h.api('POST', '/api/candidates/ATS-5101/consent', body);
      expect(again.body.updatedAt).toBe(first.body.updatedAt);
      expect(await consentOf(acmeKey, 'ATS-5101')).toEqual([
        expect.objectContaining({ status: 'granted', source: 'Candidate agreed on the phone', setBy: { type: 'recruiter', name: 'Jordan Avery' } }),
      ]);

      const unlicensed = await h.api('POST', '/api/candidates/ATS-5101/consent', { status: 'revoked', source: 'x' }, { email: ACME_UNLICENSED });
      expect([unlicensed.status, unlicensed.body.error.code]).toEqual([403, 'NOT_LICENSED']);
      expect((await h.api('POST', '/api/candidates/NOPE/consent', body)).status).toBe(404);
      expect((await h.api('POST', '/api/candidates/ATS-5101/consent', { status: 'yes', source: 'x' })).status).toBe(400);
      expect((await h.api('POST', '/api/candidates/ATS-5101/consent', { status: 'granted' })).body.error.message).toMatch(/consent.source is required|source/);
      expect((await call(globexKey, 'POST', '/api/candidates/ATS-5101/consent', body)).status).toBe(404);

      const revoked = await call(acmeKey, 'POST', '/api/candidates/ATS-5101/consent', { status: 'revoked', source: 'Candidate asked by email' });
      expect(revoked.body).toMatchObject({ textable: false, reason: 'OPTED_OUT' });
    });
  });

  describe('the candidate’s own word', () => {
    it('STOP, then an import with consent granted: still not textable; only START re-opts in', async () => {
      await put(acmeKey, 'ATS-6001', {
        firstName: 'Kofi',
        lastName: 'Mensah',
        phone: '+14045550131',
        consent: { status: 'granted', source: 'application-form' },
      });
      expect((await h.api('POST', '/api/candidates/ATS-6001/messages', { body: 'Hi Kofi!' })).status).toBe(202);
      await h.advance(2000);
      await h.simulator.reply('+14045550131', 'STOP');
      await h.advance(2000);
      expect(await get(acmeKey, 'ATS-6001')).toMatchObject({ textable: false, reason: 'OPTED_OUT', optedOut: true });

      await h.advance(60_000);
      const later = new Date(h.clock.now()).toISOString();
      const regrant = await put(acmeKey, 'ATS-6001', {
        firstName: 'Kofi',
        lastName: 'Mensah',
        consent: { status: 'granted', source: 'nightly-sync', at: later },
      });
      expect(regrant.status).toBe(200);
      expect(regrant.body).toMatchObject({ textable: false, reason: 'OPTED_OUT', consent: { status: 'granted', source: 'nightly-sync' } });
      const send = await h.api('POST', '/api/candidates/ATS-6001/messages', { body: 'Still there?' });
      expect([send.status, send.body.error.code]).toEqual([409, 'OPTED_OUT']);
      // A new ATS record with the same phone is opted out too: the number opted out, not the row.
      const duplicate = await put(acmeKey, 'ATS-6001-DUP', {
        firstName: 'Kofi',
        lastName: 'Mensah',
        phone: '(404) 555-0131',
        consent: { status: 'granted', source: 'referral' },
      });
      expect(duplicate.body).toMatchObject({ textable: false, reason: 'OPTED_OUT' });

      const history = await consentOf(acmeKey, 'ATS-6001');
      expect(history.map((r) => [r.status, r.source, r.setBy.type])).toEqual([
        ['granted', 'nightly-sync', 'key'],
        ['revoked', 'Replied STOP', 'candidate'],
        ['granted', 'application-form', 'key'],
      ]);
      expect(history[0]!.setBy.name).toBe('Acme nightly sync');

      await h.simulator.reply('+14045550131', 'START');
      await h.advance(2000);
      expect(await get(acmeKey, 'ATS-6001')).toMatchObject({ textable: true, optedOut: false, consent: { status: 'granted', source: 'Replied START' } });
      expect(await get(acmeKey, 'ATS-6001-DUP')).toMatchObject({ textable: true });
    });

    it('a consent revoked by the ATS opts the number out at once; a later grant from the ATS lifts its own revocation', async () => {
      await put(acmeKey, 'ATS-6002', {
        firstName: 'Mei',
        lastName: 'Lin',
        phone: '+12065550144',
        consent: { status: 'granted', source: 'application-form', at: '2026-01-01T00:00:00Z' },
      });
      const events: AppEvent[] = [];
      const unsubscribe = h.deps.events.subscribe(await orgId('acme'), (e) => events.push(e));
      try {
        const revoked = await put(acmeKey, 'ATS-6002', { firstName: 'Mei', lastName: 'Lin', consent: { status: 'revoked', source: 'candidate-portal' } });
        expect(revoked.body).toMatchObject({
          textable: false,
          reason: 'OPTED_OUT',
          optedOut: true,
          consent: { status: 'revoked', source: 'candidate-portal' },
        });
        await h.advance(1000);
        expect(events.filter((e) => e.type === 'candidates.updated').flatMap((e) => (e.data as { ids: string[] }).ids)).toContain('ATS-6002');
      } finally {
        unsubscribe();
      }
      // An older grant arriving late is history: it does not undo the newer revocation.
      const stale = await put(acmeKey, 'ATS-6002', {
        firstName: 'Mei',
        lastName: 'Lin',
        consent: { status: 'granted', source: 'old-export', at: '2026-01-15T00:00:00Z' },
      });
      expect(stale.body).toMatchObject({ textable: false, consent: { status: 'revoked' } });
      await h.advance(60_000);
      const regranted = await put(acmeKey, 'ATS-6002', { firstName: 'Mei', lastName: 'Lin', consent: { status: 'granted', source: 'candidate-portal' } });
      expect(regranted.body).toMatchObject({ textable: true, optedOut: false, consent: { status: 'granted' } });
    });

    it('a carrier opt-out (21610) is the candidate’s word too: an ATS grant does not lift it', async () => {
      await put(acmeKey, 'ATS-6003', { firstName: 'Lea', lastName: 'Roux', phone: '+15125550163', consent: { status: 'granted', source: 'x' } });
      await h.services.optOuts.optOut(await org('acme'), '+15125550163', 'provider', h.clock.now());
      await h.advance(1000);
      const res = await put(acmeKey, 'ATS-6003', { firstName: 'Lea', lastName: 'Roux', consent: { status: 'granted', source: 'y' } });
      expect(res.body).toMatchObject({ textable: false, reason: 'OPTED_OUT' });
    });

    it('someone who texted before the ATS knew them: the upsert with their number takes their thread over', async () => {
      await h.simulator.reply('+17135550188', 'Hi, I saw your ad for drivers');
      const placeholder = (await call(acmeKey, 'GET', '/api/candidates?query=7135550188')).body.candidates[0] as Candidate;
      expect(placeholder).toMatchObject({ id: 'phone:+17135550188', firstName: 'Unknown' });
      const res = await put(acmeKey, 'ATS-6004', {
        firstName: 'Diego',
        lastName: 'Santos',
        phone: '(713) 555-0188',
        consent: { status: 'granted', source: 'application-form' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id: 'ATS-6004', textable: true, unreadCount: 1 });
      expect((await call(acmeKey, 'GET', '/api/candidates/phone:+17135550188')).status).toBe(404);
      const thread = (await h.api('GET', '/api/candidates/ATS-6004/messages')).body.messages;
      expect(thread.map((m: { body: string }) => m.body)).toEqual(['Hi, I saw your ad for drivers']);
    });
  });

  describe('erasure', () => {
    it('removes the personal data, messages and consent; keeps only a keyed-hash opt-out; a re-import stays not textable until START', async () => {
      const phone = '+13125550177';
      await put(acmeKey, 'ATS-7001', {
        firstName: 'Elspeth',
        lastName: 'Quennell-Voss',
        email: 'elspeth.qv@example.com',
        phone,
        consent: { status: 'granted', source: 'application-form' },
      });
      await h.api('POST', '/api/candidates/ATS-7001/messages', { body: 'Hi Elspeth, are you free on the Wednesday after next?' });
      await h.advance(2000);
      await h.simulator.reply(phone, 'Yes, that Wednesday works');
      await h.advance(1000);

      expect((await h.api('DELETE', '/api/candidates/ATS-7001', undefined, { email: ACME_UNLICENSED })).status).toBe(403);
      expect((await call(acmeKey, 'DELETE', '/api/candidates/ATS-7001')).status).toBe(204);
      expect((await call(acmeKey, 'GET', '/api/candidates/ATS-7001')).status).toBe(404);
      expect((await call(acmeKey, 'DELETE', '/api/candidates/ATS-7001')).status).toBe(404);

      // Nothing left in the clear: not the name, the email, the phone or the words.
      const tables = [
        'candidates',
        'messages',
        'consent_records',
        'conversations',
        'webhook_events',
        'phone_opt_outs',
        'campaign_recipients',
        'candidate_answers',
      ];
      const everything = JSON.stringify(await Promise.all(tables.map((t) => h.sql.all(`select * from ${t}`))));
      for (const trace of ['Elspeth', 'Quennell-Voss', 'elspeth.qv@example.com', phone, '3125550177', 'Wednesday'])
        expect(everything, trace).not.toContain(trace);
      const { phoneOptOuts, webhookEvents } = h.db.t;
      expect(await h.db.orm.select().from(phoneOptOuts).where(eq(phoneOptOuts.method, 'erased'))).toHaveLength(1);
      expect(
        (
          await h.db.orm
            .select()
            .from(webhookEvents)
            .where(
              h.db.engine === 'pg'
                ? sql`${webhookEvents.payload}->>'redacted' = 'erased'`
                : sql`json_extract(${webhookEvents.payload}, '$.redacted') = 'erased'`,
            )
        ).length,
      ).toBeGreaterThan(0);

      const reimported = await put(acmeKey, 'ATS-7001', {
        firstName: 'Elspeth',
        lastName: 'Quennell-Voss',
        phone,
        consent: { status: 'granted', source: 'application-form' },
      });
      expect(reimported.status).toBe(201);
      expect(reimported.body).toMatchObject({ textable: false, reason: 'OPTED_OUT' });
      expect((await h.api('GET', '/api/candidates/ATS-7001/messages')).body.messages).toEqual([]);

      await h.simulator.reply(phone, 'START');
      await h.advance(2000);
      expect(await get(acmeKey, 'ATS-7001')).toMatchObject({ textable: true });
    });

    it('of a campaign recipient takes them out of the campaign', async () => {
      await put(acmeKey, 'ATS-7002', { firstName: 'Jon', lastName: 'Park', phone: '+16175550122', consent: { status: 'granted', source: 'x' } });
      const campaign = (await h.api('POST', '/api/campaigns', { name: 'Erasure', candidateIds: ['ATS-7002', '10001'] })).body.campaign;
      expect(campaign.recipients).toBe(2);
      expect((await call(acmeKey, 'DELETE', '/api/candidates/ATS-7002')).status).toBe(204);
      expect((await h.api('GET', `/api/campaigns/${campaign.id}`)).body.recipients).toBe(1);
      const { consentRecords } = h.db.t;
      expect(
        await h.db.orm
          .select()
          .from(consentRecords)
          .where(sql`${consentRecords.source} = 'x' and ${consentRecords.candidateId} not in (select id from candidates)`),
      ).toEqual([]);
    });
  });
});
