/**
 * Runs one benchmark module, given by its path, and writes its BenchResult as JSON to a file:
 *
 *   node --import tsx bench/lib/run-one.ts <path/to/bench/name.ts> <out.json>
 *
 * For scripts/bench-ab.ts, which runs the same benchmark from two checkouts: the module is
 * imported from the other checkout (with that checkout's server code underneath), while this
 * runner, which imports nothing of the project, comes from ours. A crash exits non-zero.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, out] = process.argv.slice(2);
if (!file || !out) {
  console.error('Usage: run-one.ts <benchmark.ts> <out.json>');
  process.exit(2);
}
const mod = (await import(pathToFileURL(resolve(file)).href)) as { run?: () => Promise<unknown> };
if (typeof mod.run !== 'function') throw new Error(`${file} does not export run()`);
const result = await mod.run();
writeFileSync(out, JSON.stringify(result, null, 2));
// Timers or sockets a benchmark left behind must not keep the process (and the A/B) waiting.
process.exit(0);
