/**
 * Bulk import of candidates over real HTTP: CSV files of 10,000 and 100,000 rows streamed from
 * disk to POST /api/candidates/import with an integration key, then the same 100,000 again.
 *
 *   npm run bench -- candidate-import       (or: npx tsx bench/candidate-import.ts)
 *
 * The server runs in its own process (bench/lib/import-server.ts: the demo seed, then
 * startServer() as `npm run server` runs it) on a fresh database file. The CSV files are written
 * to a temp folder first (every column filled: email, a US phone as the ATS shows it, consent
 * with its source and time, zone, job, location). Each import is timed from the first byte sent
 * to the import's status reading `done` (polled every 50 ms), and the server's memory is sampled
 * every 50 ms meanwhile: the peak above what it used just before that import. Then two more files
 * of 100,000 rows, one with over 3× the bytes, with the server's live heap sampled after a forced
 * collection. Targets: 100,000 rows in ≤ 10 s; the same file again ≤ 5 s with every row
 * unchanged; memory flat with file size (the fat file adds ≤ 25% of its extra bytes to the live heap).
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { freePort, startChild } from './lib/child.js';
import { demoRecruiterToken } from './lib/sign-in.js';
import { formatBytes, formatCount, round } from './lib/stats.js';
import type { BenchOptions, BenchResult } from './lib/types.js';

export const description = 'CSV import of 10,000 and 100,000 candidates over HTTP, then the 100,000 again: seconds, server memory';

const TARGET_SECONDS = 10;
const TARGET_REIMPORT_SECONDS = 5;
/**
 * The fatter file may add at most this share of its extra bytes to the live heap. Holding the
 * file would add all of it (twice, as JavaScript strings); streaming adds about one batch of
 * rows, within the few MiB the samples vary by from run to run.
 */
const FLAT_MEMORY_SHARE = 0.25;
const HEADER = 'atsId,firstName,lastName,email,phone,channel,consent,consentSource,consentAt,timeZone,jobTitle,location';
const FIRST = ['Maria', 'James', 'Aisha', 'Liam', 'Noah', 'Zoe', 'Wei', 'Camila', 'Dmitri', 'Priya'];
const LAST = ['Garcia', 'Wilson', 'Khan', "O'Connor", 'Thompson', 'Fischer', 'Wang', 'Rodriguez', 'Ivanov', 'Patel'];
const CITIES = [
  ['Chicago, IL', 'America/Chicago', '312'],
  ['New York, NY', 'America/New_York', '212'],
  ['Denver, CO', 'America/Denver', '303'],
  ['Los Angeles, CA', 'America/Los_Angeles', '213'],
] as const;

/** `padding` more characters in each row's job title and location (up to their 200-character limit): a bigger file with the same rows. */
async function writeCsv(path: string, rows: number, prefix: string, padding = 0): Promise<number> {
  const pad = padding ? ' — ' + 'Building 7, loading dock B, ask at the gatehouse. '.repeat(Math.ceil(padding / 50)).slice(0, padding) : '';
  const out = createWriteStream(path);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write(HEADER + '\n');
  for (let n = 0; n < rows; n++) {
    const [location, zone, area] = CITIES[n % CITIES.length]!;
    const first = FIRST[n % FIRST.length]!;
    const last = LAST[Math.floor(n / FIRST.length) % LAST.length]!;
    const exchange = 200 + Math.floor(n / 10_000);
    const line = `${prefix}${n},${first},"${last}",${first.toLowerCase()}.${n}@example.com,(${area}) ${exchange}-${String(n % 10_000).padStart(4, '0')},sms,granted,application-form,2026-09-${String((n % 28) + 1).padStart(2, '0')}T12:00:00Z,${zone},"Warehouse Associate${pad}","${location}${pad}"\n`;
    await write(line);
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return statSync(path).size;
}

interface ImportRun {
  seconds: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  peakRssGrowth: number;
  peakHeapGrowth: number;
}

export async function run(options: BenchOptions = {}): Promise<BenchResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const dir = mkdtempSync(join(tmpdir(), 'te-bench-import-'));
  const port = await freePort();
  const server = await startChild(
    'import-server.ts',
    { DATABASE_PATH: join(dir, 'db.sqlite'), PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}` },
    { execArgv: ['--expose-gc'] },
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    const small = join(dir, 'candidates-10k.csv');
    const large = join(dir, 'candidates-100k.csv');
    const fat = join(dir, 'candidates-100k-fat.csv');
    const plain = join(dir, 'candidates-100k-plain.csv');
    const smallBytes = await writeCsv(small, 10_000, 'S-');
    const largeBytes = await writeCsv(large, 100_000, 'L-');
    const plainBytes = await writeCsv(plain, 100_000, 'M-');
    const fatBytes = await writeCsv(fat, 100_000, 'F-', 170);
    log(`CSV files: 10,000 rows ${formatBytes(smallBytes)}, 100,000 rows ${formatBytes(largeBytes)}, 100,000 fat rows ${formatBytes(fatBytes)}`);

    const token = await demoRecruiterToken((path, init) => fetch(`${base}${path}`, init));
    const created = await fetch(`${base}/api/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Benchmark' }),
    });
    const { key } = (await created.json()) as { key: string };

    const memory = (gc = false) => server.call<{ rss: number; heapUsed: number }>('memory', { gc });

    /** Imports a file, timed; `live` samples memory after a forced collection (slower: for the memory runs only). */
    async function importFile(path: string, label: string, live = false): Promise<ImportRun> {
      // Settle first, so the baseline is the server at rest.
      for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 100));
      const before = await memory(live);
      let peak = { ...before };
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const m = await memory(live);
          peak = { rss: Math.max(peak.rss, m.rss), heapUsed: Math.max(peak.heapUsed, m.heapUsed) };
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const started = performance.now();
      const res = await fetch(`${base}/api/candidates/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
        body: Readable.toWeb(createReadStream(path)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      if (res.status !== 202) throw new Error(`${label}: import refused ${res.status} ${await res.text()}`);
      const { importId } = (await res.json()) as { importId: string };
      let status: { status: string; created: number; updated: number; unchanged: number; failed: number; processed: number };
      for (;;) {
        status = (await (await fetch(`${base}/api/imports/${importId}`, { headers: { authorization: `Bearer ${key}` } })).json()) as typeof status;
        if (status.status !== 'running') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const seconds = (performance.now() - started) / 1000;
      sampling = false;
      await sampler;
      if (status.status !== 'done') throw new Error(`${label}: import ${status.status}`);
      const run = {
        seconds,
        created: status.created,
        updated: status.updated,
        unchanged: status.unchanged,
        failed: status.failed,
        peakRssGrowth: peak.rss - before.rss,
        peakHeapGrowth: peak.heapUsed - before.heapUsed,
      };
      log(
        `${label}: ${round(seconds, 2)} s, created ${run.created}, unchanged ${run.unchanged}, failed ${run.failed}, peak RSS +${formatBytes(run.peakRssGrowth)}, heap +${formatBytes(run.peakHeapGrowth)}`,
      );
      return run;
    }

    const tenK = await importFile(small, '10,000 rows');
    const hundredK = await importFile(large, '100,000 rows');
    const again = await importFile(large, '100,000 rows again');
    // Memory against file size: the same number of rows, one file over 3× the other's bytes.
    const livePlain = await importFile(plain, '100,000 rows (live memory)', true);
    const liveFat = await importFile(fat, '100,000 fat rows (live memory)', true);

    const extraBytes = fatBytes - plainBytes;
    const extraHeap = liveFat.peakHeapGrowth - livePlain.peakHeapGrowth;
    const pass =
      liveFat.created === 100_000 &&
      hundredK.seconds <= TARGET_SECONDS &&
      hundredK.created === 100_000 &&
      again.seconds <= TARGET_REIMPORT_SECONDS &&
      again.unchanged === 100_000 &&
      again.created + again.updated + again.failed === 0 &&
      livePlain.failed + liveFat.failed === 0 &&
      extraHeap <= FLAT_MEMORY_SHARE * extraBytes;
    return {
      name: 'candidate-import',
      title: 'Candidate import: 10,000 and 100,000 CSV rows over HTTP, then the 100,000 again',
      command: 'npm run bench -- candidate-import',
      target: `100,000 rows ≤ ${TARGET_SECONDS} s; same file again ≤ ${TARGET_REIMPORT_SECONDS} s, all unchanged; memory flat with file size (a file of the same rows with 3× the bytes adds ≤ ${FLAT_MEMORY_SHARE * 100}% of its extra bytes to the live heap)`,
      pass,
      metrics: {
        '100,000 rows: seconds': round(hundredK.seconds, 2),
        '100,000 again (all unchanged): seconds': round(again.seconds, 2),
        '10,000 rows: seconds': round(tenK.seconds, 2),
        'rows per second (100,000)': formatCount(Math.round(100_000 / hundredK.seconds)),
        'rows per second (again)': formatCount(Math.round(100_000 / again.seconds)),
        'file size 10,000 / 100,000': `${formatBytes(smallBytes)} / ${formatBytes(largeBytes)}`,
        [`live heap growth, 100,000 rows (${formatBytes(plainBytes)} file)`]: formatBytes(livePlain.peakHeapGrowth),
        [`live heap growth, 100,000 rows (${formatBytes(fatBytes)} file)`]: formatBytes(liveFat.peakHeapGrowth),
        'fat file: extra bytes / extra live heap': `${formatBytes(extraBytes)} / ${formatBytes(Math.max(0, extraHeap))} (${round((100 * Math.max(0, extraHeap)) / extraBytes, 1)}%)`,
        'server peak RSS growth, 10,000 / 100,000 / again': `${formatBytes(tenK.peakRssGrowth)} / ${formatBytes(hundredK.peakRssGrowth)} / ${formatBytes(again.peakRssGrowth)}`,
        'server peak heap (not collected) growth, 10,000 / 100,000': `${formatBytes(tenK.peakHeapGrowth)} / ${formatBytes(hundredK.peakHeapGrowth)}`,
        'outcome 100,000 (created / updated / unchanged / failed)': `${hundredK.created} / ${hundredK.updated} / ${hundredK.unchanged} / ${hundredK.failed}`,
        'outcome again (created / updated / unchanged / failed)': `${again.created} / ${again.updated} / ${again.unchanged} / ${again.failed}`,
      },
      notes: [
        'Timed from the first byte of the upload to the import reading `done`: the upload is parsed as it streams and spooled to a temp file (one parsed row per line), then written in transactions of 1,000 rows, yielding to the event loop between them.',
        'Every row goes through the same upsert as PUT /api/candidates/:atsId: zod validation, the phone through libphonenumber-js (full metadata), consent recorded as history, the phone’s opt-out looked up by its keyed hash.',
        'Memory is the server process’s, sampled every 50 ms over IPC; growth is the peak above its memory just before that import. "Live heap" is sampled after a forced full collection (the server runs with --expose-gc; those two runs are not timed): it shows what the import holds, while peak RSS and uncollected heap also show garbage not yet collected.',
        'Flat with file size: two files of 100,000 rows, one with ~350 more characters per row (over 3× the bytes), hold the same live memory: the file is never in memory. What does grow with the row count is the set of ATS ids seen (to refuse a duplicate in one file), about 60 bytes a row, bounded by the 100,000-row limit.',
      ],
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await run();
  console.log(JSON.stringify(result, null, 2));
}
