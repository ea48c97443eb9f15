import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { startLocalPg, stopLocalPg } from './pg-local.js';

const parent = mkdtempSync(join(tmpdir(), 'te-pglocal-'));
chmodSync(parent, 0o755); // as root, the cluster runs as the postgres user
const dir = join(parent, 'cluster');

afterAll(async () => {
  await stopLocalPg(dir);
  rmSync(parent, { recursive: true, force: true });
});

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

it('creates a cluster with test settings, reuses it while it runs, and keeps its data across restarts', async () => {
  const first = await startLocalPg(dir, { database: 'app' });
  expect(first).toMatchObject({ started: true, url: `postgres://te@127.0.0.1:${first.port}/app` });
  expect(await query(first.url, "select current_setting('fsync') as fsync, current_setting('max_connections') as max, current_user as who")).toEqual([
    { fsync: 'off', max: '200', who: 'te' },
  ]);
  // Its socket is in its own directory, not the system's.
  expect(existsSync(join(dir, `.s.PGSQL.${first.port}`))).toBe(true);
  await query(first.url, 'create table kept (x int); insert into kept values (42)');

  const again = await startLocalPg(dir, { database: 'app' });
  expect(again).toMatchObject({ started: false, port: first.port });

  await stopLocalPg(dir);
  await expect(query(first.url, 'select 1')).rejects.toThrow();
  await stopLocalPg(dir); // stopping a stopped cluster is a no-op

  const durable = await startLocalPg(dir, { durable: true, database: 'app' });
  expect(durable.started).toBe(true);
  expect(await query(durable.url, "select current_setting('fsync') as fsync, (select x from kept) as x")).toEqual([{ fsync: 'on', x: 42 }]);
});
