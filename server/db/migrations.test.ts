/**
 * Migrating a database that holds data keeps the data. SQLite cannot change a column's type, so
 * drizzle-kit rebuilds the table (copy, drop, rename) — with rows elsewhere referencing it, that
 * only works with foreign keys off (server/db/sqlite.ts). Runs on the project's engine: SQLite
 * through 0005 then 0006, PostgreSQL through 0000 then 0001 (both: send_rate_per_second → real).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createDatabase, dropDatabase } from '../../scripts/lib/pg-local.js';
import { testEngine } from '../test/support/test-db.js';
import { openDatabase } from './client.js';
import { MIGRATIONS_SQLITE } from './migrations-dir.js';
import { MIGRATIONS_PG, openPostgres } from './postgres.js';
import type { Db } from './types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of `folder` whose journal lists only its first `count` migrations: the schema of an older release. */
function migrationsUpTo(folder: string, count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'te-migrations-'));
  dirs.push(dir);
  cpSync(folder, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf-8')) as { entries: unknown[] };
  expect(journal.entries.length).toBeGreaterThan(count);
  journal.entries = journal.entries.slice(0, count);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

// An organisation as the older schema held it (a whole rate: the column was an integer), and rows
// that reference it, so dropping the old table would trip (or cascade through) their foreign keys.
const OLD_ROWS = [
  "insert into organizations (id, slug, name, send_rate_per_second, booking_secret, created_at) values (7, 'kept', 'Kept Inc', 3, 'secret', 1700000000000)",
  "insert into recruiters (id, org_id, email, name, password_hash, booking_slug, created_at) values (11, 7, 'r@kept.test', 'Rita', 'hash', 'rita', 1700000000000)",
  "insert into templates (id, org_id, name, body, created_at) values (13, 7, 'Hello', 'Hi {{first_name}}', 1700000000000)",
];

/** The database migrated to the current schema, opened the way the server opens it. */
async function migratedWithOldRows(): Promise<{ db: Db; drop: () => Promise<void> }> {
  if (testEngine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'te-migrate-'));
    dirs.push(dir);
    const path = join(dir, 'te.db');
    const old = new Database(path);
    old.pragma('foreign_keys = ON');
    migrateSqlite(drizzleSqlite(old), { migrationsFolder: migrationsUpTo(MIGRATIONS_SQLITE, 6) });
    for (const statement of OLD_ROWS) old.exec(statement);
    old.close();
    return { db: openDatabase(path), drop: async () => {} };
  }
  const { serverUrl, prefix } = inject('pgTest');
  const name = `${prefix}${process.pid}_migrate`;
  const url = await createDatabase(serverUrl, name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migratePg(drizzlePg({ client }), { migrationsFolder: migrationsUpTo(MIGRATIONS_PG, 1) });
    for (const statement of OLD_ROWS) await client.query(statement);
  } finally {
    await client.end();
  }
  return { db: await openPostgres(url, { poolSize: 1 }), drop: () => dropDatabase(serverUrl, name) };
}

describe(`migrations on ${testEngine}`, () => {
  it('turn send_rate_per_second into a real column, keeping the organisation and the rows that reference it', async () => {
    const { db, drop } = await migratedWithOldRows();
    try {
      const { organizations, recruiters, templates } = db.t;
      expect(await db.orm.select({ id: organizations.id, slug: organizations.slug, rate: organizations.sendRatePerSecond }).from(organizations)).toEqual([
        { id: 7, slug: 'kept', rate: 3 },
      ]);
      expect(await db.orm.select({ id: recruiters.id, orgId: recruiters.orgId }).from(recruiters)).toEqual([{ id: 11, orgId: 7 }]);
      expect(await db.orm.select({ id: templates.id, orgId: templates.orgId }).from(templates)).toEqual([{ id: 13, orgId: 7 }]);

      // The point of the change: half a segment per second is stored as it is.
      await db.run(db.stmt('update organizations set send_rate_per_second = ? where id = 7'), 0.5);
      expect(await db.get(db.stmt('select send_rate_per_second as rate from organizations where id = 7'))).toEqual({ rate: 0.5 });

      // Foreign keys are enforced again once migrated.
      await expect(db.run(db.stmt("insert into templates (org_id, name, body, created_at) values (999, 'x', 'y', 1)"))).rejects.toThrow(/foreign key/i);
    } finally {
      await db.close();
      await drop();
    }
  });
});
