/**
 * docs/BENCHMARKS.md: a hand-written introduction, then one section per benchmark between
 * `<!-- bench:NAME:begin -->` and `<!-- bench:NAME:end -->`. A run rewrites only the sections
 * of the benchmarks it ran; a new benchmark's section is appended.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeMachine, type MachineInfo } from './machine.js';
import type { BenchResult } from './types.js';

export interface RunContext {
  machine: MachineInfo;
  /** ISO date-time the benchmark started. */
  startedAt: string;
  /** 1-minute load average when it started (other work on the machine skews results). */
  loadAverage: number;
  seconds: number;
}

export const DEFAULT_INTRO = `# Benchmarks

Performance targets live here, not in the test suite: tests check behaviour and stay fast and
deterministic; the benchmarks below measure speed on a real machine and say whether each target
is met. Every section is rewritten by the run that measured it.

Run them all with \`npm run bench\`, or one with \`npm run bench -- <name>\` (the file name in
\`bench/\`, e.g. \`npm run bench -- webhooks\`). \`npm run bench -- --list\` lists them,
\`--no-docs\` skips updating this file, and \`--strict\` makes a missed target exit non-zero.
Numbers depend on the machine and on what else it is doing: each section names the machine and
the load average when it started.

To add a benchmark, add \`bench/<name>.ts\` exporting \`run(): Promise<BenchResult>\` (see
\`bench/lib/types.ts\`); \`bench/run.ts\` finds it by its file name and adds its section here.
`;

export const beginMarker = (name: string) => `<!-- bench:${name}:begin -->`;
export const endMarker = (name: string) => `<!-- bench:${name}:end -->`;

const cell = (v: number | string) => String(typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 3 }) : v).replace(/\|/g, '\\|');

export function renderSection(result: BenchResult, context: RunContext): string {
  const lines = [
    beginMarker(result.name),
    `## ${result.title}`,
    '',
    `- Command: \`${result.command}\``,
    `- Target: ${result.target} — **${result.pass ? 'PASS' : 'FAIL'}**`,
    `- Measured: ${context.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${Math.round(context.seconds)} s, load average ${context.loadAverage.toFixed(2)} at start`,
    `- Machine: ${describeMachine(context.machine)}`,
    ...(context.loadAverage > context.machine.cores * 0.5
      ? [
          `- **Measured on a loaded machine** (load average ${context.loadAverage.toFixed(2)} on ${context.machine.cores} cores when it started: other work was running, or had just ended), so these are not quiet-machine numbers.`,
        ]
      : []),
    '',
    '| Metric | Value |',
    '| --- | --- |',
    ...Object.entries(result.metrics).map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`),
    '',
    ...(result.notes ?? []).map((n) => `- ${n}`),
    endMarker(result.name),
  ];
  return lines.join('\n');
}

/** Replaces (or appends) each result's section in the file at `path`, creating it if needed. */
export function updateBenchmarksDoc(path: string, sections: { result: BenchResult; context: RunContext }[]): void {
  let doc = existsSync(path) ? readFileSync(path, 'utf8') : DEFAULT_INTRO;
  for (const { result, context } of sections) {
    const section = renderSection(result, context);
    const begin = doc.indexOf(beginMarker(result.name));
    const end = doc.indexOf(endMarker(result.name));
    if (begin >= 0 && end > begin) {
      doc = doc.slice(0, begin) + section + doc.slice(end + endMarker(result.name).length);
    } else {
      doc = doc.replace(/\s*$/, '\n\n') + section + '\n';
    }
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, doc.replace(/\s*$/, '\n'));
}
