/**
 * Runs one benchmark module, given by its path, and writes its BenchResult as JSON to a file:
 *
 *   node --import tsx bench/lib/run-one.ts <path/to/bench/name.ts> <out.json> [--warm]
 *
 * --warm runs the benchmark once first, unreported, in the same process: the measured run then
 * finds the code already optimized by V8, as a server that has been up a while does, instead of
 * paying the one-off compilation of a fresh process.
 *
 * For scripts/bench-ab.ts, which runs the same benchmark from two checkouts: the module is
 * imported from the other checkout (with that checkout's server code underneath), while this
 * runner, which imports nothing of the project, comes from ours. A crash exits non-zero.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, out, ...flags] = process.argv.slice(2);
if (!file || !out || flags.some((f) => f !== '--warm')) {
  console.error('Usage: run-one.ts <benchmark.ts> <out.json> [--warm]');
  process.exit(2);
}
const mod = (await import(pathToFileURL(resolve(file)).href)) as { run?: (options?: { log?: (line: string) => void }) => Promise<unknown> };
if (typeof mod.run !== 'function') throw new Error(`${file} does not export run()`);
if (flags.includes('--warm')) {
  console.log('warm-up pass (not reported)…');
  await mod.run({ log: () => {} });
}
const result = await mod.run();
writeFileSync(out, JSON.stringify(result, null, 2));
// Timers or sockets a benchmark left behind must not keep the process (and the A/B) waiting.
process.exit(0);
