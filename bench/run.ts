/**
 * `npm run bench` runs every benchmark in bench/; `npm run bench -- webhooks thread-read` runs
 * the ones named. Prints a table and rewrites their sections of docs/BENCHMARKS.md.
 *
 * A benchmark is any bench/<name>.ts (other than this file and *.test.ts) exporting
 * `run(): Promise<BenchResult>`; see bench/lib/types.ts. Flags: --list, --no-docs, --strict
 * (exit 1 when a target is missed; a benchmark that crashes always exits 1), --quick (sets
 * BENCH_QUICK=1: benchmarks that read it run a small smoke version, labelled so in the docs).
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machineInfo, describeMachine } from './lib/machine.js';
import { updateBenchmarksDoc, type RunContext } from './lib/report.js';
import type { BenchModule, BenchResult } from './lib/types.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const DOC = join(BENCH_DIR, '..', 'docs', 'BENCHMARKS.md');

export function discoverBenchmarks(): { name: string; file: string }[] {
  return readdirSync(BENCH_DIR, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && e.name !== 'run.ts' && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => ({ name: basename(e.name, '.ts'), file: join(BENCH_DIR, e.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function printTable(rows: { result: BenchResult; seconds: number }[]) {
  const table = rows.map(({ result, seconds }) => ({
    benchmark: result.name,
    result: result.pass ? 'PASS' : 'FAIL',
    target: result.target,
    headline: Object.entries(result.metrics)
      .slice(0, 3)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
    seconds: Math.round(seconds),
  }));
  const columns = ['benchmark', 'result', 'target', 'headline', 'seconds'] as const;
  const width = (c: (typeof columns)[number]) => Math.max(c.length, ...table.map((r) => String(r[c]).length));
  const line = (r: Record<string, unknown>) => columns.map((c) => String(r[c]).padEnd(width(c))).join('  ');
  console.log('\n' + line(Object.fromEntries(columns.map((c) => [c, c]))));
  console.log(columns.map((c) => '-'.repeat(width(c))).join('  '));
  for (const r of table) console.log(line(r));
  for (const { result } of rows) {
    console.log(`\n${result.name}: ${result.title} (${result.pass ? 'PASS' : 'FAIL'}; target ${result.target})`);
    for (const [k, v] of Object.entries(result.metrics)) console.log(`  ${k.padEnd(42)} ${v}`);
  }
}

async function main(argv: string[]) {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const names = argv.filter((a) => !a.startsWith('--'));
  const available = discoverBenchmarks();
  if (flags.has('--list')) {
    for (const b of available) {
      const mod = (await import(pathToFileURL(b.file).href)) as Partial<BenchModule>;
      console.log(`${b.name.padEnd(16)} ${mod.description ?? ''}`);
    }
    return 0;
  }
  const unknown = names.filter((n) => !available.some((b) => b.name === n));
  if (unknown.length) {
    console.error(`Unknown benchmark${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Available: ${available.map((b) => b.name).join(', ')}.`);
    return 1;
  }
  if (flags.has('--quick')) process.env.BENCH_QUICK = '1';
  const selected = names.length ? available.filter((b) => names.includes(b.name)) : available;
  const machine = machineInfo();
  console.log(`Benchmarks: ${selected.map((b) => b.name).join(', ')}\nMachine: ${describeMachine(machine)}`);

  const done: { result: BenchResult; context: RunContext; seconds: number }[] = [];
  let crashed = 0;
  for (const b of selected) {
    const loadAverage = os.loadavg()[0] ?? 0;
    if (loadAverage > machine.cores * 0.5) {
      console.warn(`(load average ${loadAverage.toFixed(2)} on ${machine.cores} cores: other work on this machine will skew ${b.name})`);
    }
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    try {
      const mod = (await import(pathToFileURL(b.file).href)) as Partial<BenchModule>;
      if (typeof mod.run !== 'function') throw new Error(`${b.file} does not export run()`);
      const result = await mod.run();
      const seconds = (performance.now() - t0) / 1000;
      done.push({ result, seconds, context: { machine, startedAt, loadAverage, seconds } });
    } catch (err) {
      crashed++;
      console.error(`\n${b.name} failed to run (its section in docs/BENCHMARKS.md is left as it was):\n${err instanceof Error ? err.stack : String(err)}`);
    }
  }
  if (done.length) printTable(done);
  if (done.length && !flags.has('--no-docs')) {
    updateBenchmarksDoc(DOC, done);
    console.log(`\nUpdated ${DOC} (${done.map((d) => d.result.name).join(', ')}).`);
  }
  const missed = done.filter((d) => !d.result.pass).length;
  if (missed) console.log(`\n${missed} target${missed > 1 ? 's' : ''} missed.`);
  return crashed || (flags.has('--strict') && missed) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
