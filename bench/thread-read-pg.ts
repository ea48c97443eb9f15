/**
 * Reading a 1,000-message thread from a database of 1,000,000 messages, on PostgreSQL: the same
 * data as bench/thread-read.ts (same generator, same seeded random sequence) and the same reads
 * (API, service, raw SQL), with the same target.
 *
 *   npm run bench -- thread-read-pg       (or: npx tsx bench/thread-read-pg.ts)
 *
 * PostgreSQL is BENCH_DATABASE_URL's server, or a private cluster kept in .tmp/bench/pg (started
 * for the run and stopped after; its data stays, so the database is built once). The database,
 * thread_read_<key> (keyed by the data's version and the PostgreSQL migrations), is built under
 * another name and renamed when complete, so an interrupted build is never used. Rows go in as
 * one `insert … select * from unnest($1::int4[], $2::text[], …)` per 50,000 (one array per
 * column: PostgreSQL parses arrays far faster than it plans 50,000-row VALUES lists).
 * Env: BENCH_ITERATIONS (300), BENCH_REBUILD=1, BENCH_DATABASE_URL.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { reachableClusterDir } from '../scripts/lib/pg-local.js';
import { loadConfig } from '../server/config.js';
import { connectDatabase } from '../server/db/client.js';
import { benchPostgres, query } from './lib/bench-pg.js';
import { REPO_ROOT } from './lib/child.js';
import { formatCount, round } from './lib/stats.js';
import type { BenchOptions, BenchResult } from './lib/types.js';
import {
  CANDIDATES,
  cacheKey,
  END,
  generateThreadData,
  measureThreadRead,
  MESSAGE_COLUMNS,
  PG_MIGRATIONS,
  START,
  TARGET_P95_MS,
  THREAD_ATS_ID,
  THREAD_MESSAGES,
  TOTAL_MESSAGES,
} from './thread-read.js';

export const description = 'p50/p95/p99 of reading a 1,000-message thread from 1,000,000 messages, on PostgreSQL';

/** `insert into <table> (<columns>) select * from unnest($1::<type>[], …)`, typed from the table's own columns. */
async function unnestInsert(client: pg.Client, table: string, columns: readonly string[], returning = ''): Promise<string> {
  const types = new Map(
    (
      await client.query<{ column_name: string; udt_name: string }>(`select column_name, udt_name from information_schema.columns where table_name = $1`, [
        table,
      ])
    ).rows.map((r) => [r.column_name, r.udt_name]),
  );
  const casts = columns.map((c, i) => {
    const type = types.get(c);
    if (!type) throw new Error(`${table} has no column ${c}`);
    return `$${i + 1}::${type}[]`;
  });
  return `insert into ${table} (${columns.join(', ')}) select * from unnest(${casts.join(', ')})${returning ? ` returning ${returning}` : ''}`;
}

/** Rows (arrays of values) as one array per column, for unnest(). */
const byColumn = (rows: unknown[][], width: number) => Array.from({ length: width }, (_, c) => rows.map((r) => r[c] ?? null));

async function buildDatabase(url: string, log: (l: string) => void): Promise<{ seconds: number }> {
  const started = performance.now();
  const db = await connectDatabase({ databaseUrl: url, databasePath: '', databasePoolSize: 2, instanceId: 'bench-build' });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const candidateColumns = [
      'org_id',
      'ats_id',
      'first_name',
      'last_name',
      'email',
      'phone',
      'consent_at',
      'consent_source',
      'channel',
      'job_title',
      'created_at',
      'updated_at',
    ];
    const insertCandidates = await unnestInsert(client, 'candidates', candidateColumns, 'id, ats_id');
    const conversationColumns = ['org_id', 'candidate_id', 'unread_count', 'last_message_at', 'created_at'];
    const insertConversations = await unnestInsert(client, 'conversations', conversationColumns);
    const insertMessages = await unnestInsert(client, 'messages', MESSAGE_COLUMNS);
    await generateThreadData(
      db,
      {
        async candidates(orgId, rows) {
          const values = rows.map((c) => [orgId, c.atsId, c.first, c.last, c.email, c.phone, START, 'application-form', c.channel, c.job, START, START]);
          const inserted = await client.query<{ id: number; ats_id: string }>(insertCandidates, byColumn(values, candidateColumns.length));
          const ids = new Map(inserted.rows.map((r) => [r.ats_id, Number(r.id)]));
          const ordered = rows.map((c) => ids.get(c.atsId)!);
          await client.query(
            insertConversations,
            byColumn(
              ordered.map((id) => [orgId, id, 0, END, START]),
              conversationColumns.length,
            ),
          );
          return ordered;
        },
        async messages(rows) {
          await client.query(insertMessages, byColumn(rows, MESSAGE_COLUMNS.length));
        },
      },
      log,
    );
    log(`  thread-read-pg: loaded in ${round((performance.now() - started) / 1000, 1)} s; analyze…`);
    await client.query('analyze');
  } finally {
    await client.end();
    await db.close();
  }
  return { seconds: (performance.now() - started) / 1000 };
}

export async function run(options: BenchOptions = {}): Promise<BenchResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 300);
  const postgres = await benchPostgres(reachableClusterDir(join(REPO_ROOT, '.tmp', 'bench', 'pg')), log);
  const name = `thread_read_${cacheKey(PG_MIGRATIONS)}`;
  let built: { seconds: number } | null = null;
  try {
    const exists = (await query(postgres.serverUrl, 'select 1 from pg_database where datname = $1', [name])).length > 0;
    if (process.env.BENCH_REBUILD === '1' || !exists) {
      log(`thread-read-pg: building database ${name} (${formatCount(TOTAL_MESSAGES)} messages, ${formatCount(CANDIDATES)} candidates)…`);
      if (exists) await postgres.drop(name);
      // Old versions of the data go; the one being built is renamed once it is complete.
      const stale = await query<{ datname: string }>(postgres.serverUrl, `select datname from pg_database where datname like 'thread\\_read\\_%'`);
      for (const { datname } of stale) await postgres.drop(datname);
      built = await buildDatabase(await postgres.database(`${name}_building`, { fresh: true }), log);
      await query(postgres.serverUrl, `alter database ${name}_building rename to ${name}`);
      log(`  thread-read-pg: built in ${round(built.seconds, 1)} s`);
    } else {
      log(`thread-read-pg: using the database ${name} built before`);
    }

    const url = await postgres.database(name);
    const db = await connectDatabase({ databaseUrl: url, databasePath: '', databasePoolSize: 10, instanceId: 'bench' });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const measured = await measureThreadRead(
        {
          label: 'PostgreSQL',
          db,
          config: loadConfig({ DATABASE_URL: url, PUBLIC_URL: 'http://bench.test' }),
          // A named statement: parsed and planned once per connection, as a prepared statement is on SQLite.
          rawRead: (candidateId, limit, columns) =>
            client.query({
              name: columns ? 'thread-narrow' : 'thread-all',
              text: `select ${columns ? columns.join(', ') : '*'} from messages where candidate_id = $1 order by id limit $2`,
              values: [candidateId, limit],
            }),
          plan: async (candidateId) =>
            (await client.query<{ 'QUERY PLAN': string }>(`explain select * from messages where candidate_id = ${candidateId} order by id limit 1001`)).rows
              .map((r) => r['QUERY PLAN'].trim())
              .join('; '),
          bytes: async () => Number((await client.query<{ n: string }>('select pg_database_size(current_database()) as n')).rows[0]!.n),
        },
        log,
        iterations,
      );
      const settings = await postgres.settings();
      return {
        name: 'thread-read-pg',
        title: 'Reading a 1,000-message thread from 1,000,000 messages, on PostgreSQL',
        command: 'npm run bench -- thread-read-pg',
        target: `API p95 under ${TARGET_P95_MS} ms (the same as on SQLite)`,
        pass: measured.pass,
        metrics: { ...measured.metrics, 'DB build (load + analyze)': built ? `${round(built.seconds, 1)} s` : 'built before', iterations },
        notes: [
          `The same data as the SQLite benchmark above (bench/thread-read.ts's generator and seeded random sequence): ${formatCount(TOTAL_MESSAGES)} messages over ${formatCount(CANDIDATES)} Acme candidates, ` +
            `the thread's candidate (${THREAD_ATS_ID}) with exactly ${formatCount(THREAD_MESSAGES)} of them, every 1,000th row. Its database was migrated by the server's own \`connectDatabase()\` and seeded with \`seedDemo()\`, ` +
            `then loaded with one \`insert … select * from unnest(…)\` per 50,000 rows (an array per column) and \`analyze\`d` +
            (built
              ? `: ${round(built.seconds, 1)} s in all on this machine.`
              : ' (built by an earlier run; `BENCH_REBUILD=1` rebuilds it and reports the time).'),
          `PostgreSQL: ${postgres.describe} (${Object.entries(settings)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}); the server's pool as configured by default, on loopback TCP. "Raw SQL" is a named (prepared) statement on its own connection.`,
          ...measured.readNotes,
        ],
      };
    } finally {
      await client.end();
      await db.close();
    }
  } finally {
    await postgres.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run();
  console.log(JSON.stringify(result, null, 2));
}
