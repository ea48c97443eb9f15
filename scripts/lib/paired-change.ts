/**
 * How much worse B is than A, from interleaved A/B pairs (scripts/bench-ab.ts): each pair's two
 * runs ran back to back, so their ratio cancels what the machine was doing at the time, and the
 * spread of those ratios says how far the estimate can be trusted. The estimate is the geometric
 * mean of the pairs' ratios; the interval a two-sided 90% Student's t interval on their logs.
 */
export interface PairedChange {
  /** B against A in the direction that matters (time up, rate down), as a share: 0.05 = 5% worse, -0.05 = 5% better. */
  estimate: number;
  /** The 90% interval of `estimate` (NaN with fewer than two pairs). */
  low: number;
  high: number;
  pairs: number;
}

/** Two-sided 90% critical values of Student's t for 1..10 degrees of freedom (then the normal's). */
const T90 = [6.314, 2.92, 2.353, 2.132, 2.015, 1.943, 1.895, 1.86, 1.833, 1.812];

/** `a[i]` and `b[i]` are pair i's runs; a pair missing either value is left out. */
export function pairedChange(a: number[], b: number[], better: 'higher' | 'lower'): PairedChange {
  const logs: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (!(x > 0 && y > 0)) continue;
    logs.push(Math.log(better === 'lower' ? y / x : x / y));
  }
  const n = logs.length;
  if (!n) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN, pairs: 0 };
  const mean = logs.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { estimate: Math.exp(mean) - 1, low: Number.NaN, high: Number.NaN, pairs: n };
  const sd = Math.sqrt(logs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (T90[n - 2] ?? 1.645) * (sd / Math.sqrt(n));
  return { estimate: Math.exp(mean) - 1, low: Math.exp(mean - half) - 1, high: Math.exp(mean + half) - 1, pairs: n };
}
