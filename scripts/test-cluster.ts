/**
 * `npm run test:cluster`: runs the cluster test (server/test/cluster.test.ts: three instances on
 * one PostgreSQL database, a campaign through Twilio's faults, a kill and a drain) several times
 * in a row, and stops at the first failure. Issue 14 asks for 5 passes in a row.
 *
 *   npm run test:cluster                 5 runs
 *   npm run test:cluster -- --runs 3
 *
 * PostgreSQL is the tests' own (support/pg-global.ts): TEST_DATABASE_URL if it answers, else a
 * private one started for each run. Each run's output goes to a log file (printed); a failing
 * run's tail is printed too.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const TEST_FILE = 'server/test/cluster.test.ts';
/** Colour codes in vitest's output, removed before reading it. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('Usage: npm run test:cluster -- [--runs N (at least 1)]');
  process.exit(2);
}

const logDir = mkdtempSync(join(tmpdir(), 'te-cluster-'));
console.log(`${TEST_FILE} × ${runs} in a row; logs in ${logDir}`);

function runOnce(log: string): Promise<number | null> {
  return new Promise((done) => {
    const out = createWriteStream(log);
    const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--project', 'pg', TEST_FILE], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    child.on('close', (code) => out.end(() => done(code)));
  });
}

const times: number[] = [];
for (let run = 1; run <= runs; run++) {
  const log = join(logDir, `run-${run}.log`);
  const started = Date.now();
  const code = await runOnce(log);
  const seconds = Math.round((Date.now() - started) / 1000);
  const text = readFileSync(log, 'utf8').replace(ANSI_COLOUR, '');
  if (code !== 0) {
    console.error(`run ${run}/${runs}: FAILED (exit ${code}) after ${seconds} s\n--- ${log} (last lines) ---`);
    console.error(text.split('\n').slice(-80).join('\n'));
    process.exit(1);
  }
  times.push(seconds);
  // The test's own summary (its console.info): texts, kills, the rate, the replies.
  const summary = text.split('\n').filter((line) => /^(cluster test|killed|rate|\d+ replies)/.test(line.trim()));
  console.log(`run ${run}/${runs}: passed in ${seconds} s\n  ${summary.map((l) => l.trim()).join('\n  ')}`);
}
console.log(`All ${runs} runs passed in a row (${times.map((s) => `${s} s`).join(', ')}).`);
