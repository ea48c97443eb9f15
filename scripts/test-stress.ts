/**
 * `npm run test:stress`: runs `npm test` several times in a row while busy loops keep every core
 * of the machine busy, and stops at the first failure. A test that waits on time instead of on a
 * condition fails here long before it fails in CI or on a recruiter's slow laptop.
 *
 *   npm run test:stress                  5 runs, one busy loop per core
 *   npm run test:stress -- --runs 3 --busy 4
 *
 * To check a clean clone (what CI runs):
 *   git clone <repo> /tmp/te && cd /tmp/te && npm ci && npm run test:stress
 *
 * Each run's output goes to a log file (printed); a failing run's tail is printed too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
/** Colour codes in vitest's output, removed before reading its summary line. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    busy: { type: 'string', default: String(availableParallelism()) },
  },
});
const runs = Number(values.runs);
const busy = Number(values.busy);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(busy) || busy < 0) {
  console.error('Usage: npm run test:stress -- [--runs N (at least 1)] [--busy N (busy loops, 0 or more)]');
  process.exit(2);
}

const loops: ChildProcess[] = [];
function stopLoops() {
  for (const loop of loops) loop.kill('SIGKILL');
  loops.length = 0;
}
process.on('exit', stopLoops);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopLoops();
    process.exit(130);
  });
}
for (let i = 0; i < busy; i++) loops.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));

const logDir = mkdtempSync(join(tmpdir(), 'te-stress-'));
console.log(`npm test × ${runs}, with ${busy} busy loop${busy === 1 ? '' : 's'} on ${availableParallelism()} core(s); logs in ${logDir}`);

function npmTest(log: string): Promise<number | null> {
  return new Promise((done) => {
    const out = createWriteStream(log);
    const child = spawn('npm', ['test'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    child.on('close', (code) => out.end(() => done(code)));
  });
}

for (let run = 1; run <= runs; run++) {
  const log = join(logDir, `run-${run}.log`);
  const started = Date.now();
  const code = await npmTest(log);
  const seconds = Math.round((Date.now() - started) / 1000);
  const summary = /Tests\s+.*$/m.exec(readFileSync(log, 'utf8').replace(ANSI_COLOUR, ''))?.[0] ?? '';
  if (code !== 0) {
    console.error(`run ${run}/${runs}: FAILED (exit ${code}) after ${seconds} s. ${summary}\n--- ${log} (last lines) ---`);
    console.error(readFileSync(log, 'utf8').split('\n').slice(-60).join('\n'));
    process.exit(1);
  }
  console.log(`run ${run}/${runs}: passed in ${seconds} s. ${summary}`);
}
console.log(`All ${runs} runs passed under load.`);
