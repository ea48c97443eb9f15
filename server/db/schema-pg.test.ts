import { readFileSync } from 'node:fs';
import { getTableColumns, is, type Table } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { PG_SCHEMA_PATH, renderPgSchema } from '../../scripts/db-pg-schema.js';
import * as pg from './schema.pg.js';
import * as sqlite from './schema.js';

/** Each exported table's row type, by export name (what `db.t` callers see). */
type Rows<M> = { [K in keyof M as M[K] extends Table ? K : never]: M[K] extends Table ? M[K]['$inferSelect'] : never };
type Inserts<M> = { [K in keyof M as M[K] extends Table ? K : never]: M[K] extends Table ? M[K]['$inferInsert'] : never };

describe('schema.pg.ts, generated from schema.ts', () => {
  it('is up to date (run `npx tsx scripts/db-pg-schema.ts` after changing schema.ts)', async () => {
    expect(readFileSync(PG_SCHEMA_PATH, 'utf-8')).toBe(await renderPgSchema());
  });

  it('has the same row and insert types, table by table (checked by tsc)', () => {
    expectTypeOf<Rows<typeof pg>>().toEqualTypeOf<Rows<typeof sqlite>>();
    expectTypeOf<Inserts<typeof pg>>().toEqualTypeOf<Inserts<typeof sqlite>>();
    expectTypeOf<keyof typeof pg>().toEqualTypeOf<keyof typeof sqlite>();
  });

  it('has the same exports, and per table the same columns, nullability and defaults', () => {
    expect(Object.keys(pg).sort()).toEqual(Object.keys(sqlite).sort());
    for (const [name, table] of Object.entries(sqlite)) {
      const twin = (pg as Record<string, unknown>)[name];
      if (!is(table, SQLiteTable)) {
        expect(twin, name).toBe(table);
        continue;
      }
      expect(is(twin, PgTable), name).toBe(true);
      const describeColumns = (t: Table) =>
        Object.entries(getTableColumns(t)).map(([key, c]) => ({
          key,
          name: c.name,
          notNull: c.notNull,
          hasDefault: c.hasDefault,
          primary: c.primary,
          enumValues: c.enumValues,
        }));
      expect(describeColumns(twin as PgTable), name).toEqual(describeColumns(table));
    }
  });
});
