/**
 * What every benchmark module in bench/ exports, and what it reports.
 *
 * A benchmark is a file directly under bench/ (not run.ts, not lib/) that exports
 * `run(options?): Promise<BenchResult>` and, optionally, `description`. `bench/run.ts` finds
 * them by file name, so adding a benchmark is adding a file.
 */
export interface BenchResult {
  /** Short id, the file's base name: `npm run bench -- <name>` runs only this one. */
  name: string;
  /** One-line title for the table and docs/BENCHMARKS.md. */
  title: string;
  /** The command that reproduces it. */
  command: string;
  /** The target in words, e.g. "p95 under 20 ms". */
  target: string;
  pass: boolean;
  /** The numbers, in display order; numbers are printed as they are, so round them first. */
  metrics: Record<string, number | string>;
  /** Extra lines for the docs (method, caveats, what was measured). Markdown. */
  notes?: string[];
}

export interface BenchOptions {
  /** Print progress lines (on by default). */
  log?: (line: string) => void;
}

export interface BenchModule {
  run(options?: BenchOptions): Promise<BenchResult>;
  description?: string;
}
