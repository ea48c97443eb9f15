/**
 * `npm run bench:ab`: the same SQLite benchmarks from two checkouts, interleaved, to show that
 * the asynchronous data layer (issue 14) costs SQLite at most 10% against the last synchronous
 * commit. Prints medians and the ratio per metric and writes the `ab-sqlite` section of
 * docs/BENCHMARKS.md.
 *
 *   npm run bench:ab                                   # 3 pairs of webhooks, campaign-throughput, thread-read, candidate-import
 *   npm run bench:ab -- --quick                        # a smoke run: 1 pair, small sizes (labelled as such in the docs)
 *   npm run bench:ab -- --pairs 5 webhooks thread-read
 *   npm run bench:ab -- --baseline /path/to/checkout   # a checkout instead of a commit
 *   npm run bench:ab -- --warm campaign-throughput     # each run after an unreported pass in the same process
 *
 * A is the baseline (default: commit a8d80d3, checked out once as a detached worktree under
 * .tmp/ab/ with node_modules linked from this checkout); B is this checkout. Each run is a fresh
 * process (bench/lib/run-one.ts) importing that checkout's bench/<name>.ts, so each side runs its
 * own server code under the very same benchmark. Runs go A,B then B,A then A,B… (each pair
 * swaps who goes first), so a machine that gets busier or quieter over time weighs on both
 * sides alike. Flags: --pairs N (3), --quick, --baseline <dir|commit>, --warm, --no-docs.
 *
 * --warm: each run measures the benchmark's second pass in its process (run-one.ts --warm), so
 * the code is already optimized: what the data layer costs a server that has been up a while,
 * without the one-off compilation a fresh process pays (larger for asynchronous code). Written
 * to its own section, `ab-sqlite-warm`; the gate's section, `ab-sqlite`, stays the cold runs.
 * candidate-import's server is a child process of each pass, so --warm does not warm it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../bench/lib/child.js';
import { describeMachine, machineInfo } from '../bench/lib/machine.js';
import { updateBenchmarksDoc } from '../bench/lib/report.js';
import { round } from '../bench/lib/stats.js';
import type { BenchResult } from '../bench/lib/types.js';
import { type PairedChange, pairedChange } from './lib/paired-change.js';

/** The last commit whose data layer was synchronous (better-sqlite3 called directly). */
const SYNC_BASELINE = 'a8d80d3';
const ALLOWED_REGRESSION = 0.1;
const DEFAULT_BENCHMARKS = ['webhooks', 'campaign-throughput', 'thread-read', 'candidate-import'];
/** Small sizes for a smoke run; candidate-import has no size knob, so it is left out unless named. */
const QUICK_ENV = { BENCH_SIZES: '500,2000', BENCH_DURATION_MS: '2000', BENCH_WARMUP_MS: '500', BENCH_ITERATIONS: '40' };

type Direction = 'higher' | 'lower';
interface Judged {
  pattern: RegExp;
  better: Direction;
  /** A control measures code both sides share (raw SQL, a hello-world): it shows the machine's noise, it is not judged. */
  control?: boolean;
}

/** The metrics that say whether SQLite kept its speed, per benchmark (matched against the metric names). */
const HEADLINES: Record<string, Judged[]> = {
  webhooks: [
    { pattern: /^real server req\/s$/, better: 'higher' },
    { pattern: /^ratio$/, better: 'higher' },
    { pattern: /^real p50 ms$/, better: 'lower' },
    { pattern: /^real p95 ms$/, better: 'lower' },
    { pattern: /^hello-world req\/s$/, better: 'higher', control: true },
  ],
  'campaign-throughput': [
    { pattern: /^[\d,]+: messages\/s \(Send to last hand-off\)$/, better: 'higher' },
    { pattern: /^[\d,]+: CPU ms\/message \(Send to all delivered\)$/, better: 'lower' },
    { pattern: /^[\d,]+: Send call ms$/, better: 'lower' },
    { pattern: /^[\d,]+: all delivered ms$/, better: 'lower' },
  ],
  'thread-read': [
    { pattern: /^API p50 ms$/, better: 'lower' },
    { pattern: /^API p95 ms$/, better: 'lower' },
    { pattern: /^service p50 ms$/, better: 'lower' },
    { pattern: /^service p95 ms$/, better: 'lower' },
    { pattern: /^raw SQL p95 ms$/, better: 'lower', control: true },
  ],
  'candidate-import': [
    { pattern: /^10,000 rows: seconds$/, better: 'lower' },
    { pattern: /^100,000 rows: seconds$/, better: 'lower' },
    { pattern: /^100,000 again \(all unchanged\): seconds$/, better: 'lower' },
  ],
};

interface Side {
  label: 'A' | 'B';
  dir: string;
  commit: string;
}

interface RunRecord {
  side: 'A' | 'B';
  benchmark: string;
  pair: number;
  loadAverage: number;
  seconds: number;
  result: BenchResult;
}

function parseArgs(argv: string[]) {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--pairs' || a === '--baseline') values.set(a, argv[++i] ?? '');
    else if (a.startsWith('--')) flags.add(a);
    else names.push(a);
  }
  return { flags, values, names };
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
}

/** A directory is used as it is; anything else is a commit, checked out (once) under .tmp/ab/. */
function baselineCheckout(spec: string): string {
  if (existsSync(spec)) return resolve(spec);
  const sha = git(REPO_ROOT, 'rev-parse', '--verify', `${spec}^{commit}`);
  const dir = join(REPO_ROOT, '.tmp', 'ab', sha.slice(0, 12));
  if (!existsSync(join(dir, 'package.json'))) {
    mkdirSync(join(REPO_ROOT, '.tmp', 'ab'), { recursive: true });
    console.log(`Checking out ${sha.slice(0, 12)} in ${dir}…`);
    git(REPO_ROOT, 'worktree', 'add', '--detach', dir, sha);
  }
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function describeCommit(dir: string): string {
  const head = git(dir, 'log', '-1', '--format=%h %s');
  const dirty = git(dir, 'status', '--porcelain', '--untracked-files=no') !== '';
  return `${head.length > 90 ? head.slice(0, 87) + '…' : head}${dirty ? ' (with uncommitted changes)' : ''}`;
}

/** Runs `benchmark` from `side`'s checkout in a fresh process; resolves with its result. */
async function runOnce(
  side: Side,
  benchmark: string,
  env: Record<string, string>,
  tag: string,
  warm = false,
): Promise<{ result: BenchResult; seconds: number }> {
  const tmp = mkdtempSync(join(os.tmpdir(), 'te-bench-ab-'));
  const out = join(tmp, 'result.json');
  const started = performance.now();
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'bench', 'lib', 'run-one.ts'), join(side.dir, 'bench', `${benchmark}.ts`), out, ...(warm ? ['--warm'] : [])],
      {
        cwd: side.dir,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let tail = '';
    const relay = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-6000);
      for (const line of text.split('\n')) if (line.trim()) console.log(`  [${tag}] ${line}`);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    if (code !== 0 || !existsSync(out)) throw new Error(`${benchmark} from ${side.dir} exited with ${code}:\n${tail}`);
    return { result: JSON.parse(readFileSync(out, 'utf8')) as BenchResult, seconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A metric as a number: numbers as they are, "12,345" parsed, anything else NaN. */
function numeric(value: number | string | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?[\d,]+(\.\d+)?$/.test(value.trim())) return Number(value.replace(/,/g, ''));
  return Number.NaN;
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Comparison {
  benchmark: string;
  metric: string;
  better: Direction;
  control: boolean;
  a: number[];
  b: number[];
  medianA: number;
  medianB: number;
  /** B's median over A's. */
  ratio: number;
  /** How much worse B is than A (negative: better), as a share of A. */
  worse: number;
  /** The same from the pairs' own ratios, with its 90% interval: how much the verdict can be trusted. */
  paired: PairedChange;
}

function compare(runs: RunRecord[], benchmarks: string[]): Comparison[] {
  const rows: Comparison[] = [];
  for (const benchmark of benchmarks) {
    const mine = runs.filter((r) => r.benchmark === benchmark);
    const keys = Object.keys(mine[0]?.result.metrics ?? {});
    for (const judged of HEADLINES[benchmark] ?? []) {
      for (const metric of keys.filter((k) => judged.pattern.test(k))) {
        const a = mine.filter((r) => r.side === 'A').map((r) => numeric(r.result.metrics[metric]));
        const b = mine.filter((r) => r.side === 'B').map((r) => numeric(r.result.metrics[metric]));
        const medianA = median(a);
        const medianB = median(b);
        const ratio = medianB / medianA;
        const worse = judged.better === 'higher' ? medianA / medianB - 1 : ratio - 1;
        rows.push({
          benchmark,
          metric,
          better: judged.better,
          control: judged.control ?? false,
          a,
          b,
          medianA,
          medianB,
          ratio,
          worse,
          paired: pairedChange(a, b, judged.better),
        });
      }
    }
  }
  return rows;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: v >= 100 ? 0 : 2 }) : 'n/a');
const pct = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${round(v * 100, 1)}%` : 'n/a');
/** "+4.1% (90%: −2.0% to +10.6%)", or the estimate alone from one pair. */
const pairedText = (p: PairedChange) => `${pct(p.estimate)}${Number.isFinite(p.low) ? ` (90%: ${pct(p.low)} to ${pct(p.high)})` : ''}`;

async function main(argv: string[]): Promise<number> {
  const { flags, values, names } = parseArgs(argv);
  const quick = flags.has('--quick');
  const warm = flags.has('--warm');
  const pairs = Number(values.get('--pairs') ?? (quick ? 1 : 3));
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error('--pairs must be a whole number ≥ 1');
  const benchmarks = names.length ? names : quick ? DEFAULT_BENCHMARKS.filter((n) => n !== 'candidate-import') : DEFAULT_BENCHMARKS;
  const unknown = benchmarks.filter((n) => !HEADLINES[n]);
  if (unknown.length) throw new Error(`No A/B headline metrics for ${unknown.join(', ')}; known: ${Object.keys(HEADLINES).join(', ')}`);
  if (warm && benchmarks.includes('candidate-import'))
    throw new Error(
      '--warm does not apply to candidate-import: its server is a child process of each pass, so nothing would be warm. Name the other benchmarks.',
    );

  const baselineDir = baselineCheckout(values.get('--baseline') ?? SYNC_BASELINE);
  const sides: Record<'A' | 'B', Side> = {
    A: { label: 'A', dir: baselineDir, commit: describeCommit(baselineDir) },
    B: { label: 'B', dir: REPO_ROOT, commit: describeCommit(REPO_ROOT) },
  };
  for (const side of Object.values(sides)) {
    for (const b of benchmarks) if (!existsSync(join(side.dir, 'bench', `${b}.ts`))) throw new Error(`${side.dir} has no bench/${b}.ts`);
  }
  const env: Record<string, string> = quick ? { ...QUICK_ENV } : {};
  const machine = machineInfo();
  const startedAt = new Date().toISOString();
  const loadAtStart = os.loadavg()[0] ?? 0;
  console.log(`A/B on ${describeMachine(machine)}\n  A = ${sides.A.commit} (${sides.A.dir})\n  B = ${sides.B.commit} (${sides.B.dir})`);
  console.log(
    `  ${benchmarks.join(', ')}; ${pairs} pair${pairs > 1 ? 's' : ''}${quick ? ' (quick: ' + JSON.stringify(env) + ')' : ''}; load average ${loadAtStart.toFixed(2)}`,
  );

  const t0 = performance.now();
  // thread-read builds its 1,000,000-message database on first use (per checkout): do that
  // before the measured runs, so no measured run follows a build with a hot page cache.
  if (benchmarks.includes('thread-read')) {
    for (const side of Object.values(sides)) await runOnce(side, 'thread-read', { ...env, BENCH_ITERATIONS: '3' }, `${side.label} prepare thread-read`);
  }
  const runs: RunRecord[] = [];
  for (let pair = 1; pair <= pairs; pair++) {
    const order: ('A' | 'B')[] = pair % 2 ? ['A', 'B'] : ['B', 'A'];
    for (const benchmark of benchmarks) {
      for (const label of order) {
        const loadAverage = os.loadavg()[0] ?? 0;
        console.log(`\n${label} ${benchmark} (pair ${pair}/${pairs}, load average ${loadAverage.toFixed(2)})`);
        const { result, seconds } = await runOnce(sides[label], benchmark, env, `${label}${pair} ${benchmark}`, warm);
        runs.push({ side: label, benchmark, pair, loadAverage, seconds, result });
      }
    }
  }
  const seconds = (performance.now() - t0) / 1000;

  const rows = compare(runs, benchmarks);
  const judged = rows.filter((r) => !r.control);
  const regressions = judged.filter((r) => !(r.worse <= ALLOWED_REGRESSION));
  const loads = runs.map((r) => r.loadAverage);
  // Judged by the load before the first run: a run's own processes (and those of the runs before
  // it, still decaying in the 1-minute average) keep both cores busy, so the later runs' start
  // loads say little about other work on the machine.
  const loaded = loadAtStart > machine.cores * 0.5;

  console.log(
    `\n${'benchmark'.padEnd(20)} ${'metric'.padEnd(48)} ${'A median'.padStart(10)} ${'B median'.padStart(10)}  B/A     B worse by  paired (90% interval)`,
  );
  for (const r of rows) {
    console.log(
      `${r.benchmark.padEnd(20)} ${(r.metric + (r.control ? ' (control)' : '')).padEnd(48)} ${fmt(r.medianA).padStart(10)} ${fmt(r.medianB).padStart(10)}  ${round(r.ratio, 3).toFixed(3)}  ${pct(r.worse).padEnd(10)}  ${pairedText(r.paired)}${!r.control && !(r.worse <= ALLOWED_REGRESSION) ? '  ← over 10%' : ''}`,
    );
  }
  console.log(
    `\nLoad average (1 min) at the runs' starts: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} on ${machine.cores} cores; ${Math.round(seconds)} s.`,
  );
  console.log(regressions.length ? `${regressions.length} metric(s) more than 10% worse on B.` : 'No judged metric is more than 10% worse on B.');

  const metrics: Record<string, string> = {};
  for (const r of rows) {
    metrics[`${r.benchmark}: ${r.metric}${r.control ? ' (control)' : ''}`] =
      `A ${fmt(r.medianA)} · B ${fmt(r.medianB)} · B/A ${round(r.ratio, 3)} · B ${r.worse > 0 ? 'worse' : 'better'} by ${pct(Math.abs(r.worse)).replace('+', '')} · paired ${pairedText(r.paired)}`;
  }
  const label = quick ? 'SMOKE RUN (--quick, small sizes): shows the script works, not the measurement. ' : loaded ? 'LOADED MACHINE: ' : '';
  const notes = [
    ...(label
      ? [
          `**${label}**${loaded ? `the 1-minute load average was ${loadAtStart.toFixed(2)} on ${machine.cores} cores when the A/B started (other work was running, or had just ended: the average decays over minutes), so these numbers are noisier than a quiet machine's; interleaving spreads that noise over both sides but does not remove it.` : ''}`,
        ]
      : []),
    `A = \`${sides.A.commit}\` (the last commit with the synchronous data layer: services called better-sqlite3 directly); B = \`${sides.B.commit}\` (the asynchronous \`Db\` shared with PostgreSQL). ` +
      `Both run the same benchmark files (they differ only where the data layer's API changed: \`await\`s) on the same machine, each run a fresh process.`,
    `${pairs} pair${pairs > 1 ? 's' : ''} per benchmark, interleaved: pair 1 runs A then B, pair 2 B then A, and so on, so drifting machine load weighs on both sides alike. ` +
      `Each cell is the median of the ${pairs} runs of that side; "B worse by" is B's median against A's in the direction that matters (time up, rate down). ` +
      `The target: no judged metric more than ${ALLOWED_REGRESSION * 100}% worse. ` +
      `"paired" is the same question asked of each pair's own two runs (the geometric mean of the pairs' B/A, worse-direction, with a 90% Student's t interval on their logs): it is not the verdict, it says how far the verdict can be trusted — an interval that spans 10% means the runs cannot tell. Controls (raw SQL, the bare Hono hello-world) run code both sides share: how far they move shows the machine's noise.` +
      (quick ? ` Quick settings: ${JSON.stringify(env)}.` : ''),
    ...(warm
      ? [
          `**Warm processes** (\`--warm\`): each run is the benchmark's second pass in its process, after one unreported pass, so V8 has already optimized the code; it measures what the data layer costs a server that has been up a while, not the one-off compilation a fresh process pays. The gate's own section is \`ab-sqlite\` (fresh processes).`,
        ]
      : []),
    `Load average (1 min) at the start of each run: ${runs.map((r) => `${r.side}${r.pair} ${r.benchmark} ${r.loadAverage.toFixed(2)}`).join('; ')}.`,
    `Every run: ${runs.map((r) => `${r.side}${r.pair} ${r.benchmark} ${Math.round(r.seconds)} s`).join('; ')}. Per-run values: ` +
      rows.map((r) => `${r.benchmark} ${r.metric}: A [${r.a.map(fmt).join(', ')}], B [${r.b.map(fmt).join(', ')}]`).join('; ') +
      '.',
  ];
  const result: BenchResult = {
    name: warm ? 'ab-sqlite-warm' : 'ab-sqlite',
    title: `SQLite before and after the asynchronous data layer (A/B${warm ? ', warm processes' : ''})`,
    command: `npm run bench:ab${argv.length ? ' -- ' + argv.join(' ') : ''}`,
    target: `no judged metric more than ${ALLOWED_REGRESSION * 100}% worse than the synchronous baseline (medians of interleaved runs)`,
    pass: regressions.length === 0,
    metrics,
    notes,
  };
  if (!flags.has('--no-docs')) {
    const doc = join(REPO_ROOT, 'docs', 'BENCHMARKS.md');
    updateBenchmarksDoc(doc, [{ result, context: { machine, startedAt, loadAverage: loadAtStart, seconds } }]);
    console.log(`Updated ${doc} (${result.name}).`);
  }
  return regressions.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  },
);
