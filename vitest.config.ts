import { defineConfig } from 'vitest/config';

/** Tests of PostgreSQL itself (the engine, the cross-instance events, the local cluster): the `pg` project only. */
const PG_ONLY = [
  'server/db/postgres.test.ts',
  'server/test/pg-concurrency.test.ts',
  'server/lib/cluster-bus.test.ts',
  'server/test/cluster-events.test.ts',
  'server/test/cluster.test.ts',
  'scripts/lib/pg-local.test.ts',
];

/** SQLite's own query plans (PostgreSQL plans by its statistics): the `sqlite` project only. */
const SQLITE_ONLY = ['server/test/sqlite-plans.test.ts'];

export default defineConfig({
  test: {
    // better-sqlite3 is a native addon: separate processes keep each test file's database apart.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['{server,shared,extension,fixtures,bench,scripts}/**/*.test.{ts,tsx}', '*.test.ts'],
          exclude: ['**/node_modules/**', ...PG_ONLY],
        },
      },
      {
        // The server's tests again on PostgreSQL (a private cluster started by the set-up unless
        // TEST_DATABASE_URL answers): every harness gets a fresh database copied from a migrated template.
        extends: true,
        test: {
          name: 'pg',
          include: ['server/**/*.test.ts', ...PG_ONLY],
          exclude: ['**/node_modules/**', ...SQLITE_ONLY],
          env: { TEST_DB: 'pg' },
          globalSetup: ['server/test/support/pg-global.ts'],
        },
      },
    ],
  },
});
