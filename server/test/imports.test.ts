/**
 * POST /api/candidates/import and GET /api/imports/:id: CSV and NDJSON files through the same
 * upsert as PUT, exact counts and row numbers for bad rows, refusals of malformed files before
 * anything is written, idempotent re-imports, the STOP rule, batched change events, an import cut
 * off by a restart, and the whole thing over real HTTP with an integration key.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import type { ImportStatus } from '../../shared/api.js';
import { createApp } from '../app.js';
import { openDatabase } from '../db/client.js';
import { first, type Db } from '../db/types.js';
import { silentLogger } from '../deps.js';
import type { AppEvent } from '../lib/events.js';
import { startServer } from '../main.js';
import { seedDemo } from '../seed/demo.js';
import { INTERRUPTED } from '../services/imports.js';
import { IMPORT_BATCH_ROWS, IMPORT_LEASE_MS } from '../tuning.js';
import { createHarness, type Harness } from './harness.js';
import { freePort } from './support/child-server.js';
import { openTestDatabase } from './support/test-db.js';

const HEADER = 'atsId,firstName,lastName,email,phone,channel,consent,consentSource,consentAt,timeZone,jobTitle,location';

/** A well-formed CSV row for candidate n (phone numbers 555-01xx style, unique per n). */
function goodRow(n: number, prefix = 'IMP'): string {
  const phone = `(312) 7${String(n).padStart(6, '0').slice(0, 2)}-${String(n).padStart(6, '0').slice(2)}`;
  return `${prefix}-${n},First${n},"Last, ${n}",p${n}@example.com,${phone},sms,granted,career-site,2026-01-0${(n % 9) + 1}T10:00:00Z,America/Chicago,Picker,"Chicago, IL"`;
}

/** Waits (on the real event loop) until the import is no longer running. */
async function settled(read: () => Promise<ImportStatus>, timeoutMs = 20_000): Promise<ImportStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await read();
    if (status.status !== 'running') return status;
    if (Date.now() > deadline) throw new Error(`import still running: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const acmeOf = async (db: Db) => {
  const { organizations } = db.t;
  return (await first(db.orm.select().from(organizations).where(eq(organizations.slug, 'acme'))))!;
};

describe('bulk import', () => {
  let h: Harness;
  let key: string;

  beforeAll(async () => {
    h = await createHarness({ inboundGreeting: false });
    await h.serveHttp();
    key = (await h.api('POST', '/api/api-keys', { name: 'Bulk loader' })).body.key;
  });
  afterAll(() => h.close());

  async function upload(body: string, contentType = 'text/csv', bearer = key) {
    const res = await h.request('/api/candidates/import', {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': contentType },
      body,
    });
    return { status: res.status, body: (await res.json()) as ImportStatus & { error?: { code: string; message: string } } };
  }
  const status = async (id: string, bearer = key) => {
    const res = await h.request(`/api/imports/${id}`, { headers: { authorization: `Bearer ${bearer}` } });
    return (await res.json()) as ImportStatus;
  };
  const run = async (body: string, contentType = 'text/csv') => {
    const started = await upload(body, contentType);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    return settled(() => status(started.body.importId));
  };
  const acme = () => acmeOf(h.db);
  const count = async (table: 'candidates' | 'candidate_imports' | 'consent_records') =>
    (await h.sql.get<{ n: number }>(`select count(*) as n from ${table}`))!.n;
  const candidate = async (atsId: string) => {
    const { candidates } = h.db.t;
    const orgId = (await acme()).id;
    return first(
      h.db.orm
        .select()
        .from(candidates)
        .where(and(eq(candidates.orgId, orgId), eq(candidates.atsId, atsId))),
    );
  };

  it('a 2,000-row CSV with bad rows: exact counts, row numbers (as a spreadsheet numbers them) and reasons', async () => {
    const rows: string[] = [HEADER];
    const bad = new Map<number, { field: string; atsId?: string; message: RegExp }>();
    for (let n = 1; n <= 2000; n++) {
      const fileRow = rows.length + 1;
      if (n === 10) {
        rows.push(`IMP-10,Ten,Bad,,12345,sms,granted,career-site,,,,`);
        bad.set(fileRow, { field: 'phone', atsId: 'IMP-10', message: /not a valid phone number/ });
      } else if (n === 20) {
        rows.push(`IMP-20,,Nameless,,,,,,,,,`);
        bad.set(fileRow, { field: 'firstName', atsId: 'IMP-20', message: /firstName is required/ });
      } else if (n === 30) {
        rows.push(goodRow(5).replace('First5', 'Again'));
        bad.set(fileRow, { field: 'atsId', atsId: 'IMP-5', message: /more than once in this file \(first on row 6\)/ });
      } else if (n === 40) {
        rows.push(`IMP-40,Forty,Bad,,(312) 555-0140,sms,maybe,career-site,,,,`);
        bad.set(fileRow, { field: 'consent', atsId: 'IMP-40', message: /granted or revoked/ });
      } else if (n === 50) {
        rows.push(`IMP-50,Fifty,Bad,,(312) 555-0150,sms,granted,,,,,`);
        bad.set(fileRow, { field: 'consentSource', atsId: 'IMP-50', message: /consentSource is required/ });
      } else if (n === 60) {
        rows.push(`IMP-60,Sixty,Bad,,,fax,,,,,,`);
        bad.set(fileRow, { field: 'channel', atsId: 'IMP-60', message: /sms or whatsapp/ });
      } else if (n === 70) {
        rows.push(`IMP-70,Seventy,Bad,,,,,,,Mars/Base,,`);
        bad.set(fileRow, { field: 'timeZone', atsId: 'IMP-70', message: /IANA/ });
      } else if (n === 80) {
        rows.push(`IMP-80,Eighty,Bad,,,,,,,,,,extra`);
        bad.set(fileRow, { field: 'row', atsId: 'IMP-80', message: /13 cells, the header 12/ });
      } else if (n === 90) {
        rows.push(`IMP-90,Ninety,Bad,not-an-email,,,,,,,,`);
        bad.set(fileRow, { field: 'email', atsId: 'IMP-90', message: /email/ });
      } else if (n === 1999) {
        rows.push(`IMP-1999,Late,Bad,,,,,career-site,,,,`);
        bad.set(fileRow, { field: 'consent', atsId: 'IMP-1999', message: /consent is empty/ });
      } else {
        rows.push(goodRow(n));
      }
      // A blank line is skipped, and still counts as a row of the file.
      if (n === 1000) rows.push('');
    }
    const before = await count('candidates');
    const result = await run(rows.join('\r\n') + '\r\n');
    expect(result).toMatchObject({ status: 'done', format: 'csv', total: 2000, processed: 2000, created: 1990, updated: 0, unchanged: 0, failed: 10 });
    expect(await count('candidates')).toBe(before + 1990);
    expect(result.errors).toHaveLength(10);
    for (const error of result.errors) {
      const expected = bad.get(error.row);
      expect(expected, `row ${error.row}: ${JSON.stringify(error)}`).toBeDefined();
      expect({ field: error.field, atsId: error.atsId }).toEqual({ field: expected!.field, atsId: expected!.atsId });
      expect(error.message).toMatch(expected!.message);
    }
    expect(result.errors.map((e) => e.row)).toEqual([...bad.keys()]);
    // Rows after the blank line are one further down the file.
    expect(bad.has(2001)).toBe(true);

    // No bad row was half written; the first of a duplicate pair was written once.
    for (const id of ['IMP-10', 'IMP-20', 'IMP-40', 'IMP-50', 'IMP-60', 'IMP-70', 'IMP-80', 'IMP-90', 'IMP-1999'])
      expect(await candidate(id), id).toBeUndefined();
    expect(await candidate('IMP-5')).toMatchObject({
      firstName: 'First5',
      lastName: 'Last, 5',
      phone: '+13127000005',
      consentStatus: 'granted',
      consentSource: 'career-site',
      location: 'Chicago, IL',
    });

    // Each created row has its own consent statement, on its own id (rows are written many to a statement).
    const matched = await h.sql.get<{ n: number }>(
      `select count(*) as n from candidates c join consent_records r on r.candidate_id = c.id
       where c.ats_id like 'IMP-%' and r.status = c.consent_status and r.source = c.consent_source and r.at = c.consent_changed_at`,
    );
    expect(matched!.n).toBe(1990);
    expect(
      await h.sql.get<{ n: number }>(`select count(*) as n from consent_records r join candidates c on c.id = r.candidate_id where c.ats_id like 'IMP-%'`),
    ).toEqual({
      n: 1990,
    });

    // The same file again: nothing changes.
    const again = await run(rows.join('\r\n') + '\r\n');
    expect(again).toMatchObject({ status: 'done', total: 2000, created: 0, updated: 0, unchanged: 1990, failed: 10 });
    expect(await count('candidates')).toBe(before + 1990);
  });

  it('a repeated import writes only what changed: a field, a new consent statement, an older one kept as history once', async () => {
    const file = (rows: string[]) => [HEADER, ...rows].join('\n') + '\n';
    const original = [1, 2, 3, 4].map((n) => goodRow(n, 'REP'));
    expect(await run(file(original))).toMatchObject({ status: 'done', created: 4, updated: 0, unchanged: 0, failed: 0 });
    const records = await count('consent_records');

    // REP-1 as it was; REP-2 another job; REP-3 revoked now; REP-4 an older grant than the one on record.
    const edited = [
      original[0]!,
      original[1]!.replace(',Picker,', ',Forklift Driver,'),
      original[2]!.replace('granted,career-site,2026-01-04T10:00:00Z', 'revoked,career-site,2026-02-01T10:00:00Z'),
      original[3]!.replace('2026-01-05T10:00:00Z', '2025-12-01T10:00:00Z'),
    ];
    expect(await run(file(edited))).toMatchObject({ status: 'done', created: 0, updated: 3, unchanged: 1, failed: 0 });
    expect(await candidate('REP-2')).toMatchObject({ jobTitle: 'Forklift Driver' });
    expect(await candidate('REP-3')).toMatchObject({ consentStatus: 'revoked' });
    // The older statement is history: REP-4's current consent is still the later one.
    expect(await candidate('REP-4')).toMatchObject({ consentStatus: 'granted', consentChangedAt: Date.parse('2026-01-05T10:00:00Z') });
    expect(await count('consent_records')).toBe(records + 2);

    // The edited file again: every row is as stored, and the older statement is not recorded twice.
    expect(await run(file(edited))).toMatchObject({ status: 'done', created: 0, updated: 0, unchanged: 4, failed: 0 });
    expect(await count('consent_records')).toBe(records + 2);
  });

  it('keeps every character of a field: quotes, commas, newlines, backslashes, separators, a BOM before the header', async () => {
    const quoted = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const location = 'Suite 5\\B, "North" wing\nLine two\r\n\u001f end \\n \\u';
    const csv = `\ufeff${HEADER}\nODD-1,${quoted('Zoë "Z"')},O\\Brien,,,,,,,,${quoted('Job, \\u')},${quoted(location)}\n`;
    const result = await run(csv);
    expect(result).toMatchObject({ status: 'done', created: 1, failed: 0 });
    expect(await candidate('ODD-1')).toMatchObject({ firstName: 'Zoë "Z"', lastName: 'O\\Brien', jobTitle: 'Job, \\u', location: location.trim() });
  });

  it('NDJSON: one upsert body per line; unknown fields and non-JSON lines are row errors', async () => {
    const lines = [
      JSON.stringify({ atsId: 'ND-1', firstName: 'Ada', lastName: 'Obi', phone: '+14155550191', consent: { status: 'granted', source: 'import' } }),
      JSON.stringify({ atsId: 'ND-2', firstName: 'Bo', lastName: 'Li', nickname: 'B' }),
      'this is not json',
      '',
      JSON.stringify({ atsId: 'ND-3', firstName: 'Cy', lastName: 'Dee', consent: { status: 'revoked', source: 'portal' }, phone: '+14155550192' }),
      JSON.stringify({ firstName: 'No', lastName: 'Id' }),
    ];
    const result = await run(lines.join('\n'), 'application/x-ndjson');
    expect(result).toMatchObject({ status: 'done', format: 'ndjson', total: 5, processed: 5, created: 2, failed: 3 });
    expect(result.errors).toEqual([
      { row: 2, atsId: 'ND-2', field: 'nickname', message: expect.stringMatching(/"nickname" is not a field we know/) },
      { row: 3, field: 'row', message: 'This line is not JSON.' },
      { row: 6, field: 'atsId', message: 'atsId is required.' },
    ]);
    expect(await candidate('ND-3')).toMatchObject({ optedOutAt: expect.any(Number), optOutMethod: 'ats' });
  });

  it('a malformed file is a 400 (or 413) before anything is written', async () => {
    const candidatesBefore = await count('candidates');
    const importsBefore = await count('candidate_imports');
    const refused: [string, string, number, RegExp][] = [
      ['{"atsId":"1","firstName":"A","lastName":"B"}', 'application/json', 400, /text\/csv .* application\/x-ndjson/],
      [HEADER + '\n' + goodRow(1), 'text/plain', 400, /not text\/plain/],
      ['', 'text/csv', 400, /empty/],
      ['10001,Maria,Garcia,maria@example.com', 'text/csv', 400, /column we don't know: "10001"/],
      ['atsId,firstName,lastName,shoeSize\nX,A,B,42', 'text/csv', 400, /"shoeSize"/],
      ['atsId,firstName\nX,A', 'text/csv', 400, /no lastName column/],
      ['atsId,firstName,lastName,firstName\nX,A,B,C', 'text/csv', 400, /firstName twice/],
      [HEADER + '\nX,"unclosed,B\n', 'text/csv', 400, /not a CSV file we can read/],
      ['\u0000\u0001\u0002PNG\r\n\u001a', 'text/csv', 400, /column we don't know/],
      ['atsId,firstName\n', 'application/x-ndjson', 400, /not NDJSON/],
      ['[1,2,3]\n', 'application/x-ndjson', 400, /not NDJSON/],
    ];
    for (const [body, type, code, message] of refused) {
      const res = await upload(body, type);
      expect([type, body.slice(0, 30), res.status]).toEqual([type, body.slice(0, 30), code]);
      expect(res.body.error!.code).toBe('INVALID_FILE');
      expect(res.body.error!.message).toMatch(message);
    }
    const tooMany = [HEADER, ...Array.from({ length: 100_001 }, (_, i) => `T-${i},A,B,,,,,,,,,`)].join('\n');
    const big = await upload(tooMany);
    expect([big.status, big.body.error!.code]).toEqual([413, 'IMPORT_TOO_LARGE']);
    expect(big.body.error!.message).toMatch(/more than 100,000 rows/);
    expect(await count('candidates')).toBe(candidatesBefore);
    expect(await count('candidate_imports')).toBe(importsBefore);
  });

  it('is for administrators and keys; an import is read only by its own organisation', async () => {
    const recruiterToken = await h.login('nolicense@acme.test');
    const refused = await upload(HEADER + '\n' + goodRow(9001), 'text/csv', recruiterToken);
    expect([refused.status, refused.body.error!.code]).toEqual([403, 'FORBIDDEN']);
    const adminToken = await h.login('recruiter@acme.test');
    const byAdmin = await upload(HEADER + '\n' + goodRow(9002), 'text/csv', adminToken);
    expect(byAdmin.status).toBe(202);
    const done = await settled(() => status(byAdmin.body.importId, adminToken));
    expect(done).toMatchObject({ status: 'done', created: 1 });
    expect(
      await h.sql.get(`select set_by_type as type, set_by_name as name from consent_records where candidate_id = ?`, (await candidate('IMP-9002'))!.id),
    ).toEqual({
      type: 'recruiter',
      name: 'Jordan Avery',
    });
    const globexToken = await h.login('recruiter@globex.test');
    const res = await h.request(`/api/imports/${byAdmin.body.importId}`, { headers: { authorization: `Bearer ${globexToken}` } });
    expect(res.status).toBe(404);
  });

  it('in one batch, each row sees what the rows before it wrote: an opt-out, a placeholder taken over, a row before it', async () => {
    await h.simulator.reply('+13125550182', 'Is the forklift job still open?');
    const mixed = [
      `MIX-1,Ann,One,,(312) 555-0181,sms,granted,career-site,2026-01-02T10:00:00Z,,,`,
      // Revoked: the number is opted out from here on, for every row with it.
      `MIX-2,Ben,Two,,(312) 555-0183,sms,revoked,recruiter-call,2026-01-02T10:00:00Z,,,`,
      `MIX-3,Cal,Three,,(312) 555-0183,sms,,,,,,`,
      // The texter's number: this row takes their placeholder (and thread) over.
      `MIX-4,Dee,Four,,(312) 555-0182,sms,granted,career-site,2026-01-02T10:00:00Z,,,`,
      `MIX-5,Eve,Five,,(312) 555-0184,sms,granted,career-site,2026-01-03T10:00:00Z,,,`,
    ];
    const result = await run(`${HEADER}\n${mixed.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'done', created: 5, failed: 0 });
    const lookup = (await h.api('GET', '/api/candidates?ids=MIX-1,MIX-2,MIX-3,MIX-4,MIX-5')).body.candidates;
    expect(lookup.map((c: { id: string; textable: boolean; reason?: string }) => [c.id, c.textable, c.reason ?? null])).toEqual([
      ['MIX-1', true, null],
      ['MIX-2', false, 'OPTED_OUT'],
      ['MIX-3', false, 'OPTED_OUT'],
      ['MIX-4', true, null],
      ['MIX-5', true, null],
    ]);
    expect(lookup[3]).toMatchObject({ unreadCount: 1 });
    expect((await h.api('GET', '/api/candidates/phone:+13125550182')).status).toBe(404);
    for (const [atsId, at] of [
      ['MIX-1', '2026-01-02T10:00:00.000Z'],
      ['MIX-5', '2026-01-03T10:00:00.000Z'],
    ]) {
      const history = (await h.api('GET', `/api/candidates/${atsId}/consent`)).body;
      expect(history, atsId).toMatchObject({ records: [{ status: 'granted', source: 'career-site', at }] });
      expect(history.records, atsId).toHaveLength(1);
    }
  });

  it('STOP then an import with consent granted: still not textable', async () => {
    const stopRow = `STOP-1,Sam,Stone,,(312) 555-0171,sms,granted,career-site,2026-01-01T00:00:00Z,,,`;
    await run(`${HEADER}\n${stopRow}\n`);
    expect(await h.api('POST', '/api/candidates/STOP-1/messages', { body: 'Hello Sam' }).then((r) => r.status)).toBe(202);
    await h.advance(2000);
    await h.simulator.reply('+13125550171', 'stop');
    await h.advance(2000);
    await h.advance(60_000);
    const regrant = `STOP-1,Sam,Stone,,(312) 555-0171,sms,granted,weekly-sync,${new Date(h.clock.now()).toISOString()},,,`;
    const result = await run(`${HEADER}\n${regrant}\n`);
    expect(result).toMatchObject({ updated: 1, failed: 0 });
    const lookup = await h.api('GET', '/api/candidates?ids=STOP-1');
    expect(lookup.body.candidates[0]).toMatchObject({ textable: false, reason: 'OPTED_OUT', consent: { status: 'granted', source: 'weekly-sync' } });
  });

  it('announces its changes as a few candidates.updated events, not one per row', async () => {
    const events: AppEvent[] = [];
    const unsubscribe = h.deps.events.subscribe((await acme()).id, (e) => events.push(e));
    try {
      const rows = [HEADER, ...Array.from({ length: 1500 }, (_, i) => goodRow(20_000 + i, 'EVT'))];
      const result = await run(rows.join('\n'));
      expect(result.created).toBe(1500);
      await h.advance(1000);
      const batches = events.filter((e) => e.type === 'candidates.updated').map((e) => (e.data as { ids: string[] }).ids);
      expect(batches.length).toBeGreaterThan(0);
      expect(batches.length).toBeLessThanOrEqual(4);
      expect(new Set(batches.flat())).toEqual(new Set(Array.from({ length: 1500 }, (_, i) => `EVT-${20_000 + i}`)));
      expect(events.filter((e) => e.type === 'candidate.updated')).toEqual([]);
    } finally {
      unsubscribe();
    }
  });
});

describe('an import cut off by a restart', () => {
  it('is marked failed when its server stops, with how to finish it; running it again is safe', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'te-import-restart-'));
    try {
      const path = join(dir, 'db.sqlite');
      const seededDatabase = await openTestDatabase(path);
      const seeded = seededDatabase.db;
      await seedDemo(seeded);
      const org = await acmeOf(seeded);
      const firstApp = await createApp({ db: seeded, log: silentLogger });
      const csv = [HEADER, ...Array.from({ length: 5000 }, (_, i) => goodRow(30_000 + i, 'RST'))].join('\n');
      const { status } = await firstApp.services.imports.start(org, { type: 'system', name: 'test' }, 'text/csv', [new TextEncoder().encode(csv)]);
      // Stop as soon as the first batch is written: the rest never runs in this process.
      for (let i = 0; i < 10_000 && (await firstApp.services.imports.get(org, status.importId)).processed === 0; i++) await new Promise((r) => setImmediate(r));
      await firstApp.stop();
      await seededDatabase.close();

      const database = await openTestDatabase(path);
      const { db } = database;
      const second = await createApp({ db, log: silentLogger });
      const after = await second.services.imports.get(org, status.importId);
      expect(after.status).toBe('failed');
      expect(after.processed).toBeGreaterThan(0);
      expect(after.processed).toBeLessThan(5000);
      expect(after.message).toBe(INTERRUPTED.stopped);
      const { candidates } = db.t;
      const written = (await first(
        db.orm
          .select({ n: sql<number>`count(*)` })
          .from(candidates)
          .where(sql`${candidates.atsId} like 'RST-%'`),
      ))!.n;
      expect(written).toBe(after.processed);

      const rerun = await second.services.imports.start(org, { type: 'system', name: 'test' }, 'text/csv', [new TextEncoder().encode(csv)]);
      await rerun.done;
      expect(await second.services.imports.get(org, rerun.status.importId)).toMatchObject({ status: 'done', created: 5000 - written, unchanged: written });
      await second.stop();
      await database.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('imports with several server instances on one database', () => {
  const ROWS = 4 * IMPORT_BATCH_ROWS;
  let dir: string;
  const open: Harness[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'te-import-instances-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** An instance on the test's database (a file on SQLite; one PostgreSQL database standing for it). */
  async function instance(name: string, now?: number): Promise<Harness> {
    const h = await createHarness({ databasePath: join(dir, `${name}.db`), inboundGreeting: false, ...(now ? { now: new Date(now).toISOString() } : {}) });
    open.push(h);
    return h;
  }
  afterEach(async () => {
    for (const h of open.splice(0).reverse()) await h.close();
  });

  /**
   * Starts a four-batch import on `a` whose second batch waits for `release()` (in front of the real
   * writer): the import is mid-way, held by `a`, for as long as the test likes.
   */
  async function heldImport(a: Harness, prefix: string) {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const secondBatch = new Promise<void>((r) => (reached = r));
    const write = a.services.sync.writeMany.bind(a.services.sync);
    let batches = 0;
    a.services.sync.writeMany = async (...args) => {
      if (++batches === 2) {
        reached();
        await gate;
      }
      return write(...args);
    };
    const org = await acmeOf(a.db);
    const csv = [HEADER, ...Array.from({ length: ROWS }, (_, i) => goodRow(60_000 + i, prefix))].join('\n');
    const { status, done } = await a.services.imports.start(org, { type: 'system', name: 'test' }, 'text/csv', [new TextEncoder().encode(csv)]);
    await secondBatch;
    return { id: status.importId, org, done, release };
  }

  it('an import another live instance is running is left alone by one that starts, and finishes', async () => {
    const a = await instance('live');
    const held = await heldImport(a, 'LIVE');
    const b = await instance('live', a.clock.now());
    expect(await b.services.imports.failInterrupted()).toBe(0);
    // B's rounds check leases for half a lease's time: A's holds.
    await b.advance(IMPORT_LEASE_MS / 2);
    expect(await b.services.imports.get(held.org, held.id)).toMatchObject({ status: 'running', processed: IMPORT_BATCH_ROWS });
    held.release();
    await held.done;
    expect(await b.services.imports.get(held.org, held.id)).toMatchObject({ status: 'done', processed: ROWS, created: ROWS, message: null });
  });

  it('an import whose instance died is failed by another once its lease lapses, and the dead one cannot finish it', async () => {
    const a = await instance('dead');
    const held = await heldImport(a, 'DEAD');
    // A stops answering (its batch never returns, its clock and timers stand still); B runs on.
    const b = await instance('dead', a.clock.now());
    expect(await b.services.imports.get(held.org, held.id)).toMatchObject({ status: 'running' });
    let waited = 0;
    while ((await b.services.imports.get(held.org, held.id)).status === 'running') {
      expect(waited, 'the import is failed within two leases').toBeLessThan(2 * IMPORT_LEASE_MS);
      await b.advance(IMPORT_LEASE_MS / 6);
      waited += IMPORT_LEASE_MS / 6;
    }
    expect(waited).toBeGreaterThanOrEqual(IMPORT_LEASE_MS);
    const failed = await b.services.imports.get(held.org, held.id);
    expect(failed).toMatchObject({ status: 'failed', processed: IMPORT_BATCH_ROWS, message: INTERRUPTED.lapsed });
    // A wakes up: it finds the import no longer its own and stops, leaving the record as B wrote it.
    held.release();
    await held.done;
    expect(await b.services.imports.get(held.org, held.id)).toEqual(failed);
  });
});

describe('over real HTTP with an integration key', () => {
  let dir: string;
  let base: string;
  let te: Awaited<ReturnType<typeof startServer>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'te-import-http-'));
    const databasePath = join(dir, 'db.sqlite');
    const db = openDatabase(databasePath);
    await seedDemo(db);
    await db.close();
    const port = await freePort();
    te = await startServer({ PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: databasePath });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await te?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a key, streams a CSV in chunks, follows the import to done, upserts one and erases one', async () => {
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'recruiter@acme.test', password: 'demo1234' }),
    });
    const { token } = (await login.json()) as { token: string };
    const created = await fetch(`${base}/api/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'HTTP sync' }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const auth = { authorization: `Bearer ${key}` };

    // The body arrives in small chunks, split mid-row, as a slow upload would.
    const csv = [HEADER, ...Array.from({ length: 3000 }, (_, i) => goodRow(40_000 + i, 'HTTP'))].join('\n') + '\n';
    const bytes = new TextEncoder().encode(csv);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 997) controller.enqueue(bytes.slice(i, i + 997));
        controller.close();
      },
    });
    const started = await fetch(`${base}/api/candidates/import`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/csv; charset=utf-8' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(started.status).toBe(202);
    const { importId, total } = (await started.json()) as ImportStatus;
    expect(total).toBe(3000);
    const done = await settled(async () => (await (await fetch(`${base}/api/imports/${importId}`, { headers: auth })).json()) as ImportStatus);
    expect(done).toMatchObject({ status: 'done', created: 3000, failed: 0 });

    const lookup = (await (await fetch(`${base}/api/candidates?ids=HTTP-40000,HTTP-42999`, { headers: auth })).json()) as {
      candidates: { id: string; textable: boolean }[];
    };
    expect(lookup.candidates.map((c) => [c.id, c.textable])).toEqual([
      ['HTTP-40000', true],
      ['HTTP-42999', true],
    ]);

    const put = await fetch(`${base}/api/candidates/HTTP-40000`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ firstName: 'Renamed', lastName: 'Person' }),
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { firstName: string }).firstName).toBe('Renamed');
    expect((await fetch(`${base}/api/candidates/HTTP-40000`, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect((await fetch(`${base}/api/candidates/HTTP-40000`, { headers: auth })).status).toBe(404);
    const send = await fetch(`${base}/api/candidates/HTTP-40001/messages`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'hi' }),
    });
    expect(send.status).toBe(403);
  });
});
