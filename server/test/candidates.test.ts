/**
 * GET /api/candidates: the batched look-up behind the phone badges (?ids=) and search
 * (?query=&limit=&cursor=), with every "not textable" reason and tenancy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { CandidateListSchema, CandidateSchema } from '../../shared/api.js';
import { demoCandidates } from '../../fixtures/demo/index.js';
import { first } from '../db/types.js';
import { createHarness, type Harness } from './harness.js';

type CandidateJson = ReturnType<typeof CandidateSchema.parse>;

const ACME = 'recruiter@acme.test';
const GLOBEX = 'recruiter@globex.test';

describe('GET /api/candidates', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ start: false });
  });
  afterAll(() => h.close());

  const lookup = (ids: string, email = ACME) => h.api('GET', `/api/candidates?ids=${encodeURIComponent(ids)}`, undefined, { email });
  const search = (params: Record<string, string | number>, email = ACME) =>
    h.api('GET', `/api/candidates?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`, undefined, { email });

  describe('look-up by ATS ids', () => {
    it('answers every demo reason and the textable ones, in the order asked', async () => {
      const res = await lookup('10001,10002,10003,10004,10005');
      expect(res.status).toBe(200);
      const list = CandidateListSchema.parse(res.body);
      expect(list.unknownIds).toEqual([]);
      expect(list.candidates.map((c) => [c.id, c.textable, c.reason])).toEqual([
        ['10001', true, null],
        ['10002', true, null],
        ['10003', false, 'NO_CONSENT'],
        ['10004', false, 'OPTED_OUT'],
        ['10005', false, 'NO_MOBILE'],
      ]);
      const [maria, james, , liam, noah] = list.candidates as CandidateJson[];
      expect(maria).toMatchObject({ firstName: 'Maria', lastName: 'Garcia', phone: '+12125550101', channel: 'sms', optedOut: false });
      expect(james).toMatchObject({ firstName: 'James', lastName: 'Wilson', channel: 'whatsapp', whatsappWindowOpen: false });
      expect(liam).toMatchObject({ firstName: 'Liam', lastName: "O'Connor", optedOut: true });
      expect(noah).toMatchObject({ firstName: 'Noah', lastName: 'Thompson', phone: null });
    });

    it('treats a landline as no mobile', async () => {
      const landline = demoCandidates.find((c) => c.org === 'acme' && c.phoneType === 'landline')!;
      const res = await lookup(landline.atsId);
      expect(res.body.candidates[0]).toMatchObject({ id: landline.atsId, textable: false, reason: 'NO_MOBILE', phone: null });
    });

    it('says CHANNEL_DISABLED for a WhatsApp candidate of an organisation without WhatsApp', async () => {
      const { candidates, organizations } = h.db.t;
      const globex = (await first(h.db.orm.select().from(organizations).where(eq(organizations.slug, 'globex'))))!;
      expect(globex.whatsappEnabled).toBe(false);
      const where = and(eq(candidates.orgId, globex.id), eq(candidates.atsId, '20001'));
      await h.db.orm.update(candidates).set({ channel: 'whatsapp' }).where(where);
      try {
        const res = await lookup('20001,20002', GLOBEX);
        expect(res.status).toBe(200);
        expect(res.body.candidates.map((c: CandidateJson) => [c.id, c.channel, c.textable, c.reason])).toEqual([
          ['20001', 'whatsapp', false, 'CHANNEL_DISABLED'],
          ['20002', 'sms', true, null],
        ]);
      } finally {
        await h.db.orm.update(candidates).set({ channel: 'sms' }).where(where);
      }
    });

    it('lists ids it does not know in unknownIds, and collapses duplicates', async () => {
      const res = await lookup('10001, 99999 ,10001,10002,abc,10002');
      expect(res.status).toBe(200);
      expect(res.body.candidates.map((c: CandidateJson) => c.id)).toEqual(['10001', '10002']);
      expect(res.body.unknownIds).toEqual(['99999', 'abc']);
    });

    it('takes up to 200 ids, refuses 201 with 400 VALIDATION', async () => {
      const ids = Array.from({ length: 200 }, (_, i) => String(10001 + i));
      const ok = await lookup(ids.join(','));
      expect(ok.status).toBe(200);
      expect(ok.body.candidates).toHaveLength(150);
      expect(ok.body.unknownIds).toHaveLength(50);

      const tooMany = await lookup([...ids, '10201'].join(','));
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error.code).toBe('VALIDATION');
      expect(tooMany.body.error.message).toMatch(/200/);

      // 201 entries but only 200 distinct ids is fine.
      const dupes = await lookup([...ids, '10001'].join(','));
      expect(dupes.status).toBe(200);
    });

    it('refuses an empty id list with 400 VALIDATION', async () => {
      for (const ids of ['', ',', ' , ,']) {
        const res = await lookup(ids);
        expect(res.status, JSON.stringify(ids)).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION');
      }
    });

    it('refuses an overlong id', async () => {
      const res = await lookup('1'.repeat(101));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
    });
  });

  describe('search', () => {
    it('finds by first or last name, case-insensitively', async () => {
      const res = await search({ query: 'garcia' });
      expect(res.status).toBe(200);
      const ids = res.body.candidates.map((c: CandidateJson) => c.id);
      expect(ids).toContain('10001');
      for (const c of res.body.candidates as CandidateJson[]) expect(`${c.firstName} ${c.lastName}`.toLowerCase()).toContain('garcia');

      const both = await search({ query: 'Maria Garcia' });
      expect(both.body.candidates.map((c: CandidateJson) => c.id)).toEqual(['10001']);
    });

    it('finds names in non-Latin scripts', async () => {
      const res = await search({ query: 'Иванов' });
      expect(res.body.candidates.map((c: CandidateJson) => [c.id, c.firstName])).toEqual([['10015', 'Дмитрий']]);
    });

    it('finds by email', async () => {
      const res = await search({ query: 'james.wilson@example.com' });
      expect(res.body.candidates.map((c: CandidateJson) => c.id)).toEqual(['10002']);
    });

    it('finds by phone digits, however they are written', async () => {
      // As the ATS displays it, as E.164, bare digits, dashed.
      for (const query of ['(212) 555-0101', '+1 212 555 0101', '+12125550101', '2125550101', '212-555-0101', '212.555.0101']) {
        const res = await search({ query });
        expect(
          res.body.candidates.map((c: CandidateJson) => c.id),
          query,
        ).toEqual(['10001']);
      }
      // A partial number finds every candidate whose number contains it.
      const partial = await search({ query: '555-0101', limit: 100 });
      expect(partial.body.candidates.map((c: CandidateJson) => c.id)).toContain('10001');
      for (const c of partial.body.candidates as CandidateJson[]) expect(c.phone).toContain('5550101');
    });

    it('finds by ATS id', async () => {
      const res = await search({ query: '10004' });
      expect(res.body.candidates.map((c: CandidateJson) => c.id)).toEqual(['10004']);
    });

    it('treats % and _ literally', async () => {
      expect((await search({ query: '%' })).body.candidates).toEqual([]);
      expect((await search({ query: '_' })).body.candidates).toEqual([]);
    });

    it('pages through all 150 Acme candidates with limit and cursor, each exactly once, in name order', async () => {
      const seen: CandidateJson[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await search({ limit: 40, ...(cursor ? { cursor } : {}) });
        expect(res.status).toBe(200);
        const list = CandidateListSchema.parse(res.body);
        expect(list.candidates.length).toBeLessThanOrEqual(40);
        seen.push(...(list.candidates as CandidateJson[]));
        cursor = list.nextCursor ?? null;
        pages++;
      } while (cursor && pages < 20);
      expect(pages).toBe(4);
      const ids = seen.map((c) => c.id);
      expect(new Set(ids).size).toBe(150);
      expect(ids).toHaveLength(150);
      const acmeIds = demoCandidates.filter((c) => c.org === 'acme').map((c) => c.atsId);
      expect([...ids].sort()).toEqual([...acmeIds].sort());
      // Ordered by last name, then first name.
      const keys = seen.map((c) => [c.lastName, c.firstName] as const);
      for (let i = 1; i < keys.length; i++) {
        const [a, b] = [keys[i - 1]!, keys[i]!];
        expect(a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]), `${a} before ${b}`).toBe(true);
      }
    });

    it('the last page has no nextCursor; a page that fits exactly has none either', async () => {
      const all = await search({ limit: 100, query: 'Novak' });
      expect(all.body.nextCursor).toBeNull();
      const n = all.body.candidates.length;
      expect(n).toBeGreaterThan(1);
      const exact = await search({ limit: n, query: 'Novak' });
      expect(exact.body.nextCursor).toBeNull();
      const short = await search({ limit: n - 1, query: 'Novak' });
      expect(short.body.nextCursor).toEqual(expect.any(String));
      const rest = await search({ limit: n, query: 'Novak', cursor: short.body.nextCursor });
      expect(rest.body.candidates.map((c: CandidateJson) => c.id)).toEqual([all.body.candidates[n - 1].id]);
    });

    it('uses a default limit of 25 and refuses limits out of range', async () => {
      const res = await search({});
      expect(res.body.candidates).toHaveLength(25);
      for (const limit of [0, 101, -1]) {
        const bad = await search({ limit });
        expect(bad.status).toBe(400);
        expect(bad.body.error.code).toBe('VALIDATION');
      }
    });

    it('refuses a cursor it did not hand out with 400 VALIDATION', async () => {
      const forged = Buffer.from(JSON.stringify({ lastName: 'x' })).toString('base64url');
      for (const cursor of ['garbage', '!!!', forged, Buffer.from('[1,2,3]').toString('base64url')]) {
        const res = await search({ cursor });
        expect(res.status, cursor).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION');
        expect(res.body.error.message).toMatch(/cursor/);
      }
    });
  });

  describe('tenancy', () => {
    it("Globex's recruiter gets unknownIds for Acme ids, and 404 for an Acme candidate", async () => {
      const res = await lookup('10001,10002,20001', GLOBEX);
      expect(res.status).toBe(200);
      expect(res.body.candidates.map((c: CandidateJson) => c.id)).toEqual(['20001']);
      expect(res.body.unknownIds).toEqual(['10001', '10002']);

      const one = await h.api('GET', '/api/candidates/10001', undefined, { email: GLOBEX });
      expect(one.status).toBe(404);
      expect(one.body.error.code).toBe('NOT_FOUND');
      const thread = await h.api('GET', '/api/candidates/10001/messages', undefined, { email: GLOBEX });
      expect(thread.status).toBe(404);

      // And the other way round.
      const acme = await lookup('20001', ACME);
      expect(acme.body).toMatchObject({ candidates: [], unknownIds: ['20001'] });
      expect((await h.api('GET', '/api/candidates/20001')).status).toBe(404);
    });

    it("Globex's recruiter never sees Acme candidates in search", async () => {
      const all: CandidateJson[] = [];
      let cursor: string | null = null;
      do {
        const res = await search({ limit: 100, ...(cursor ? { cursor } : {}) }, GLOBEX);
        all.push(...res.body.candidates);
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(all).toHaveLength(demoCandidates.filter((c) => c.org === 'globex').length);
      for (const c of all) expect(c.id).toMatch(/^2\d{4}$/);

      for (const query of ['Garcia', '10001', 'maria.garcia@example.com', '2125550101']) {
        const res = await search({ query }, GLOBEX);
        expect(res.body.candidates, query).toEqual([]);
      }
    });

    it('requires a token', async () => {
      const res = await h.app.request('/api/candidates?ids=10001');
      expect(res.status).toBe(401);
    });
  });
});
