/**
 * Db.insertEach on the engine under test: one call for many one-row inserts, the new ids in
 * order, inside and outside a transaction, and rolled back with the transaction that made them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../test/support/test-db.js';

let test: TestDatabase;
beforeAll(async () => {
  test = await openTestDatabase();
});
afterAll(() => test.close());

const INSERT = `insert into organizations (slug, name, booking_secret, created_at) values (@slug, @name, 's', 0)`;
const slugsOf = (ids: number[]) =>
  test.db.all<{ id: number; slug: string }>(
    test.db.stmt(`select id, slug from organizations where id in (${ids.map(() => '?').join(', ')}) order by id`),
    ...ids,
  );

describe('insertEach', () => {
  it('inserts one row per parameter set and returns their ids in the sets’ order', async () => {
    const insert = test.db.stmt(INSERT, `${INSERT} returning id`);
    const sets = ['ie-a', 'ie-b', 'ie-c'].map((slug) => [{ slug, name: slug.toUpperCase() }]);
    const ids = await test.db.insertEach(insert, sets);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    const rows = await slugsOf(ids);
    expect(ids.map((id) => rows.find((r) => r.id === id)?.slug)).toEqual(['ie-a', 'ie-b', 'ie-c']);
    expect(await test.db.insertEach(insert, [])).toEqual([]);
  });

  it('runs inside a transaction, and its rows go when the transaction is rolled back', async () => {
    const insert = test.db.stmt(INSERT, `${INSERT} returning id`);
    let ids: number[] = [];
    await expect(
      test.db.tx(
        async (tx) => {
          ids = await tx.insertEach(insert, [[{ slug: 'ie-tx-1', name: 'One' }], [{ slug: 'ie-tx-2', name: 'Two' }]]);
          expect(await tx.get(tx.stmt('select count(*) as n from organizations where slug like ?'), 'ie-tx-%')).toEqual({ n: 2 });
          throw new Error('undo');
        },
        { write: true, locks: [] },
      ),
    ).rejects.toThrow('undo');
    expect(ids).toHaveLength(2);
    expect(await slugsOf(ids)).toEqual([]);
  });

  it('stops at the first set that fails, with the database’s error', async () => {
    const insert = test.db.stmt(INSERT, `${INSERT} returning id`);
    await expect(
      test.db.tx((tx) => tx.insertEach(insert, [[{ slug: 'ie-dup', name: 'A' }], [{ slug: 'ie-dup', name: 'B' }]]), { write: true, locks: [] }),
    ).rejects.toSatisfy((error: unknown) => test.db.isUniqueViolation(error));
    expect(await test.db.get(test.db.stmt('select count(*) as n from organizations where slug = ?'), 'ie-dup')).toEqual({ n: 0 });
  });
});
