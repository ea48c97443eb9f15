import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../scripts/lib/pg-local.js';
import { createTestDatabase, startTestPostgres, type PgTestServer } from '../test/support/pg-global.js';
import { journalLength } from './migrations-dir.js';
import { compileStatement } from './pg-statements.js';
import { MIGRATIONS_PG, openPostgres } from './postgres.js';
import type { LockKey } from './locks.js';
import type { Db } from './types.js';

// The run's server when the pg globalSetup is wired; else a private cluster for this file alone.
let server: PgTestServer;
let stopServer = async () => {};
let clusterDir: string | null = null;
let db: Db;

beforeAll(async () => {
  const provided = inject('pgTest') as PgTestServer | undefined;
  if (provided) server = provided;
  else {
    clusterDir = mkdtempSync(join(tmpdir(), 'te-pg-'));
    chmodSync(clusterDir, 0o755); // as root, the cluster runs as the postgres user
    const started = await startTestPostgres(join(clusterDir, 'cluster'));
    server = started.server;
    stopServer = started.stop;
  }
  db = await openPostgres(await createTestDatabase(server), { poolSize: 4 });
});

afterAll(async () => {
  await db?.close();
  await stopServer();
  if (clusterDir) rmSync(clusterDir, { recursive: true, force: true });
});

let seq = 0;
/** An organisation row of its own for each test (the database is shared by the file). */
async function newOrg(on: Db = db, fields: { smsEnabled?: boolean } = {}): Promise<{ id: number; slug: string }> {
  const slug = `org-${++seq}-${process.pid}`;
  const [row] = await on.orm
    .insert(on.t.organizations)
    .values({ slug, name: `Org ${seq}`, bookingSecret: 'b', createdAt: Date.now(), ...fields })
    .returning({ id: on.t.organizations.id, slug: on.t.organizations.slug });
  return row!;
}

describe('parameter rewriting', () => {
  it('numbers ? in order and leaves literals, identifiers and comments alone', () => {
    const s = compileStatement(`select '?', "a?b", ? -- what?\n, /* @x ? */ ?, E'it\\'s ?', $$ ? $$ from t where x = ?`);
    expect(s.text).toBe(`select '?', "a?b", $1 -- what?\n, /* @x ? */ $2, E'it\\'s ?', $$ ? $$ from t where x = $3`);
    expect(s).toMatchObject({ names: null, count: 3 });
  });

  it('turns @name into one $n per name, keeping casts and operators', () => {
    const s = compileStatement(`select @a::bigint, @b, @a, data @> '{}' as has, 'x@y.z' from t`);
    expect(s.text).toBe(`select $1::bigint, $2, $1, data @> '{}' as has, 'x@y.z' from t`);
    expect(s.names).toEqual(['a', 'b']);
  });

  it('keeps a text already written with $n, and refuses mixed kinds', () => {
    expect(compileStatement('select $1, $2, $1').count).toBe(2);
    expect(() => compileStatement('select ?, @a')).toThrow(/mixes/);
    expect(() => compileStatement('select $1, ?')).toThrow(/mixes/);
  });
});

describe('openPostgres', () => {
  it('runs hand-written statements with positional and named values', async () => {
    const a = await newOrg();
    const b = await newOrg();
    const byId = db.stmt("select slug, ? as mark, 'what?' as q from organizations where id = ?");
    expect(await db.get(byId, 'm', a.id)).toEqual({ slug: a.slug, mark: 'm', q: 'what?' });
    const both = db.stmt('select slug from organizations where id in (@first, @second) and @first > 0 order by id');
    expect(await db.all(both, { first: a.id, second: b.id })).toEqual([{ slug: a.slug }, { slug: b.slug }]);
    expect(await db.get(byId, 'm', -1)).toBeUndefined();
    await expect(db.all(both, { first: a.id })).rejects.toThrow(/Missing named parameter "second"/);
    await expect(db.get(byId, 'only one')).rejects.toThrow(/takes 2 values/);
  });

  it('gives a dialect-specific text when one is passed', async () => {
    const s = db.stmt('select json_array(?) as v', 'select jsonb_build_array(?::int)::text as v');
    expect(await db.get(s, 7)).toEqual({ v: '[7]' });
  });

  it('reports changed rows from run() and from awaited builders', async () => {
    const a = await newOrg();
    const b = await newOrg();
    const rename = db.stmt('update organizations set name = ? where id in (?, ?)');
    expect(await db.run(rename, 'Renamed', a.id, b.id)).toEqual({ changes: 2 });
    expect(await db.run(rename, 'Renamed', -1, -2)).toEqual({ changes: 0 });
    const updated = await db.orm.update(db.t.organizations).set({ name: 'Again' }).where(eq(db.t.organizations.id, a.id));
    expect(db.changes(updated)).toBe(1);
  });

  it('returns counts, sums and epoch-millisecond times as numbers', async () => {
    const now = Date.now();
    const org = await newOrg();
    await db.orm.update(db.t.organizations).set({ createdAt: now }).where(eq(db.t.organizations.id, org.id));
    const row = await db.get<{ createdAt: number; n: number; total: number; ids: number[] }>(
      db.stmt(
        'select created_at as "createdAt", (select count(*) from organizations) as n, (select sum(created_at) from organizations where id = ?) as total, array[id, id] as ids from organizations where id = ?',
      ),
      org.id,
      org.id,
    );
    expect(row).toEqual({ createdAt: now, n: expect.any(Number), total: now, ids: [org.id, org.id] });
    const [viaOrm] = await db.orm.select().from(db.t.organizations).where(eq(db.t.organizations.id, org.id));
    expect(viaOrm?.createdAt).toBe(now);
    // Only this pool parses them: pg's global parsers are left as they were.
    expect(pg.types.getTypeParser(20, 'text')('5')).toBe('5');
  });

  it('round-trips booleans, jsonb and bytes through the orm', async () => {
    const org = await newOrg(db, { smsEnabled: false });
    const hours = { days: [1, 2, 3], startMinute: 540, endMinute: 1020, slotMinutes: 30 };
    const [recruiter] = await db.orm
      .insert(db.t.recruiters)
      .values({
        orgId: org.id,
        email: `${org.slug}@x.test`,
        name: 'R',
        passwordHash: 'h',
        bookingSlug: org.slug,
        workingHours: hours,
        isAdmin: true,
        createdAt: 1,
      })
      .returning();
    expect(recruiter).toMatchObject({ licensed: false, isAdmin: true, workingHours: hours });
    const [orgRow] = await db.orm
      .select({ sms: db.t.organizations.smsEnabled, wa: db.t.organizations.whatsappEnabled })
      .from(db.t.organizations)
      .where(eq(db.t.organizations.id, org.id));
    expect(orgRow).toEqual({ sms: false, wa: false });

    const [candidate] = await db.orm
      .insert(db.t.candidates)
      .values({ orgId: org.id, atsId: 'c1', firstName: 'A', lastName: 'B', createdAt: 1, updatedAt: 1 })
      .returning();
    const [message] = await db.orm
      .insert(db.t.messages)
      .values({
        orgId: org.id,
        candidateId: candidate!.id,
        direction: 'inbound',
        channel: 'sms',
        body: 'pic',
        encoding: 'GSM-7',
        segments: 1,
        status: 'received',
        sender: 'candidate',
        createdAt: 1,
        updatedAt: 1,
      })
      .returning();
    const bytes = Buffer.from([0, 1, 2, 254, 255]);
    await db.orm.insert(db.t.messageMedia).values({ orgId: org.id, messageId: message!.id, idx: 0, contentType: 'image/png', bytes, createdAt: 1 });
    const [media] = await db.orm.select().from(db.t.messageMedia).where(eq(db.t.messageMedia.messageId, message!.id));
    expect(Buffer.isBuffer(media?.bytes)).toBe(true);
    expect(media?.bytes?.equals(bytes)).toBe(true);
    expect(media?.status).toBe('pending');
  });

  it('detects unique violations from statements and from the orm', async () => {
    const org = await newOrg();
    const insert = db.stmt("insert into organizations (slug, name, booking_secret, created_at) values (?, 'dup', 'b', 0)");
    const fromStatement = await db.run(insert, org.slug).catch((error: unknown) => error);
    expect(db.isUniqueViolation(fromStatement)).toBe(true);
    const fromOrm = await db.orm
      .insert(db.t.organizations)
      .values({ slug: org.slug, name: 'dup', bookingSecret: 'b', createdAt: 0 })
      .catch((error: unknown) => error);
    expect(db.isUniqueViolation(fromOrm)).toBe(true);
    expect(db.isUniqueViolation(new Error('other'))).toBe(false);
  });
});

describe('transactions', () => {
  const slugOf = (id: number) => db.get<{ name: string }>(db.stmt('select name from organizations where id = ?'), id);

  it('commits what the body did, and rolls all of it back when it throws', async () => {
    const org = await newOrg();
    await db.tx(async (tx) => {
      await tx.run(tx.stmt('update organizations set name = ? where id = ?'), 'committed', org.id);
    });
    expect(await slugOf(org.id)).toEqual({ name: 'committed' });

    let inside = 0;
    await expect(
      db.tx(async (tx) => {
        const other = await newOrg(tx);
        inside = other.id;
        await tx.orm.update(tx.t.organizations).set({ name: 'lost' }).where(eq(tx.t.organizations.id, org.id));
        throw new Error('body failed');
      }),
    ).rejects.toThrow('body failed');
    expect(inside).toBeGreaterThan(0);
    expect(await slugOf(inside)).toBeUndefined();
    expect(await slugOf(org.id)).toEqual({ name: 'committed' });
  });

  it('makes a nested tx a savepoint: its failure undoes only its own work', async () => {
    const org = await newOrg();
    const setName = db.stmt('update organizations set name = ? where id = ?');
    await db.tx(async (tx) => {
      await tx.run(setName, 'outer', org.id);
      await expect(
        tx.tx(async (inner) => {
          await inner.run(setName, 'inner', org.id);
          await inner.run(db.stmt('select 1/0'));
        }),
      ).rejects.toThrow(/division by zero/);
      expect(await tx.get(db.stmt('select name from organizations where id = ?'), org.id)).toEqual({ name: 'outer' });
      await tx.tx(async (inner) => inner.run(setName, 'inner kept', org.id));
    });
    expect(await slugOf(org.id)).toEqual({ name: 'inner kept' });
  });

  it('refuses a tx handle used after its transaction ended', async () => {
    let kept: Db | undefined;
    await db.tx(async (tx) => {
      kept = tx;
    });
    await expect(kept!.get(db.stmt('select 1'))).rejects.toThrow(/has ended/);
    // drizzle wraps the error (DrizzleQueryError), with ours as its cause
    const fromOrm = await kept!.orm
      .select()
      .from(db.t.organizations)
      .catch((error: Error) => error);
    expect((fromOrm as Error).cause).toEqual(new Error('This transaction has ended: its tx handle was used after tx() returned.'));
  });

  it("refuses drizzle's own transactions, which would not hold one connection", async () => {
    await expect(db.orm.transaction(async () => {})).rejects.toThrow(/Use db.tx\(\)/);
    await db.tx(async (tx) => {
      await expect(tx.orm.transaction(async () => {})).rejects.toThrow(/Use db.tx\(\)/);
    });
  });

  it('runs a transaction again once after a deadlock', async () => {
    const a = await newOrg();
    const b = await newOrg();
    const touch = db.stmt('update organizations set name = name where id = ?');
    // Each transaction locks one row, waits for the other to lock its row, then wants the other's row.
    const locked = [deferred(), deferred()];
    let runs = 0;
    const crosswise = (first: number, second: number, mine: number) =>
      db.tx(async (tx) => {
        runs++;
        await tx.run(touch, first);
        locked[mine]!.resolve();
        await locked[1 - mine]!.promise;
        await tx.run(touch, second);
        return mine;
      });
    expect(await Promise.all([crosswise(a.id, b.id, 0), crosswise(b.id, a.id, 1)])).toEqual([0, 1]);
    expect(runs).toBe(3); // PostgreSQL broke the deadlock by failing one, which ran again
  });

  /** Advisory locks waited for in this database right now (a transaction blocked on another's key). */
  const waitingForLocks = async () =>
    (await db.get<{ n: number }>(
      db.stmt(
        "select count(*) as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())",
      ),
    ))!.n;

  /** A write transaction on `locks` that stays open until `release` resolves. */
  function holding(locks: LockKey[], release: Promise<void>, order: string[], name: string) {
    return db.tx(
      async () => {
        order.push(`${name} holds`);
        await release;
        order.push(`${name} ends`);
      },
      { write: true, locks },
    );
  }

  it('runs write transactions on different keys side by side', async () => {
    const firstHolds = deferred();
    const order: string[] = [];
    const first = holding(
      [
        ['campaign', 1],
        ['conversation', 7],
      ],
      firstHolds.promise,
      order,
      'first',
    );
    await waitFor(() => order.length === 1);
    // Another campaign and another conversation: it commits while the first is still open.
    await db.tx(async () => void order.push('second runs'), {
      write: true,
      locks: [
        ['campaign', 2],
        ['conversation', 8],
      ],
    });
    expect(order).toEqual(['first holds', 'second runs']);
    expect(await waitingForLocks()).toBe(0);
    firstHolds.resolve();
    await first;
  });

  it('runs write transactions on the same key one at a time', async () => {
    const firstHolds = deferred();
    const order: string[] = [];
    const first = holding([['campaign', 3]], firstHolds.promise, order, 'first');
    await waitFor(() => order.length === 1);
    const second = db.tx(async () => void order.push('second runs'), {
      write: true,
      locks: [
        ['conversation', 9],
        ['campaign', 3],
      ],
    });
    // The second is blocked on the key the first holds, not merely slower.
    await waitFor(async () => (await waitingForLocks()) === 1);
    expect(order).toEqual(['first holds']);
    firstHolds.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['first holds', 'first ends', 'second runs']);
  });

  it("takes one call's keys in one order, so keys named in opposite orders never deadlock", async () => {
    const firstHolds = deferred();
    const order: string[] = [];
    // Sorted, the first takes campaign 4 then 5: the second waits on 4 before it holds 5.
    const first = holding(
      [
        ['campaign', 5],
        ['campaign', 4],
      ],
      firstHolds.promise,
      order,
      'first',
    );
    await waitFor(() => order.length === 1);
    const second = holding(
      [
        ['campaign', 4],
        ['campaign', 5],
      ],
      Promise.resolve(),
      order,
      'second',
    );
    await waitFor(async () => (await waitingForLocks()) === 1);
    firstHolds.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['first holds', 'first ends', 'second holds', 'second ends']);
  });

  it('takes keys inside a write transaction with tx.lock(), and refuses them outside one', async () => {
    const firstHolds = deferred();
    const order: string[] = [];
    const first = db.tx(
      async (tx) => {
        await tx.lock(['phone', '+15550100']);
        order.push('first holds');
        await firstHolds.promise;
      },
      { write: true, locks: [] },
    );
    await waitFor(() => order.length === 1);
    const second = holding([['phone', '+15550100']], Promise.resolve(), order, 'second');
    await waitFor(async () => (await waitingForLocks()) === 1);
    firstHolds.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['first holds', 'second holds', 'second ends']);
    await expect(db.tx((tx) => tx.lock(['phone', '+15550100']))).rejects.toThrow(/write transaction/);
    await expect(db.lock(['phone', '+15550100'])).rejects.toThrow(/tx handle/);
  });

  it('tryLock() takes free keys at once and answers false, without waiting, for a held one', async () => {
    const firstHolds = deferred();
    const taken = deferred();
    const first = db.tx(
      async (tx) => {
        expect(await tx.tryLock(['campaign', 7])).toBe(true);
        taken.resolve();
        await firstHolds.promise;
      },
      { write: true, locks: [] },
    );
    await taken.promise;
    // Held by the first: false at once (this test would time out if it waited); a free key: true.
    const answers = await db.tx(async (tx) => [await tx.tryLock(['campaign', 8], ['campaign', 7]), await tx.tryLock(['campaign', 9])], {
      write: true,
      locks: [],
    });
    expect(answers).toEqual([false, true]);
    firstHolds.resolve();
    await first;
    expect(await db.tx((tx) => tx.tryLock(['campaign', 7]), { write: true, locks: [] })).toBe(true);
    await expect(db.tx((tx) => tx.tryLock(['campaign', 7]))).rejects.toThrow(/write transaction/);
  });

  it('is idle only once no query or transaction is in flight', async () => {
    const release = deferred();
    let txDone = false;
    const open = db
      .tx(async (tx) => {
        await tx.get(db.stmt('select 1'));
        await release.promise;
      })
      .then(() => (txDone = true));
    let idle = false;
    const idleWait = db.idle().then(() => (idle = true));
    await db.get(db.stmt('select pg_sleep(0.05)'));
    expect(idle).toBe(false);
    release.resolve();
    await idleWait;
    expect(txDone).toBe(true);
    await open;
  });
});

describe('migrations', () => {
  it('are applied once when three instances open a fresh database at the same time', async () => {
    const url = await createDatabase(server.serverUrl, `${server.prefix}fresh_${process.pid}`);
    const instances = await Promise.all([1, 2, 3].map(() => openPostgres(url, { poolSize: 2 })));
    try {
      const expected = journalLength(MIGRATIONS_PG);
      for (const instance of instances) expect(await instance.migrationsApplied()).toEqual({ applied: expected, expected });
      const rows = await instances[0]!.all<{ hash: string }>(instances[0]!.stmt('select hash from drizzle.__drizzle_migrations'));
      expect(rows).toHaveLength(expected);
      await instances[0]!.ping();
    } finally {
      await Promise.all(instances.map((instance) => instance.close()));
    }
  });

  it('reports none applied on a database never migrated', async () => {
    const url = await createDatabase(server.serverUrl, `${server.prefix}bare_${process.pid}`);
    const bare = await openPostgres(url, { migrate: false, poolSize: 1 });
    try {
      expect(await bare.migrationsApplied()).toEqual({ applied: 0, expected: journalLength(MIGRATIONS_PG) });
    } finally {
      await bare.close();
    }
  });
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('Timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
