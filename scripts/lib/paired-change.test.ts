import { describe, expect, it } from 'vitest';
import { pairedChange } from './paired-change.js';

describe('pairedChange', () => {
  it('is the geometric mean of the pairs’ ratios, worse in the direction that matters', () => {
    // Times: B takes 1.1× as long in both pairs → 10% worse, no spread.
    const times = pairedChange([10, 20], [11, 22], 'lower');
    expect(times.estimate).toBeCloseTo(0.1, 10);
    expect(times.low).toBeCloseTo(0.1, 10);
    expect(times.high).toBeCloseTo(0.1, 10);
    // Rates: B does 2,000/s where A did 1,000/s → B takes half the time: 50% better.
    expect(pairedChange([1000], [2000], 'higher').estimate).toBeCloseTo(-0.5, 10);
  });

  it('pairs runs by position, so a machine that got slower between pairs does not count against B', () => {
    // Pair 2 ran on a machine twice as slow: both sides doubled. Medians per side would say
    // nothing useful; the pairs say B is 5% faster every time.
    const change = pairedChange([100, 200, 100, 200], [95, 190, 95, 190], 'lower');
    expect(change.estimate).toBeCloseTo(-0.05, 10);
    expect(change.pairs).toBe(4);
  });

  it('gives a 90% t interval on the logs that widens with the spread and narrows with more pairs', () => {
    const few = pairedChange([1, 1, 1], [1.2, 1.0, 1.1], 'lower');
    // logs: ln 1.2, 0, ln 1.1 → mean 0.0925, sd 0.0912, t(2) = 2.92 → ±0.1537
    expect(few.estimate).toBeCloseTo(Math.exp(0.09255) - 1, 3);
    expect(few.low).toBeCloseTo(Math.exp(0.09255 - 0.15374) - 1, 3);
    expect(few.high).toBeCloseTo(Math.exp(0.09255 + 0.15374) - 1, 3);
    const many = pairedChange(Array(9).fill(1), [1.2, 1.0, 1.1, 1.2, 1.0, 1.1, 1.2, 1.0, 1.1], 'lower');
    expect(many.estimate).toBeCloseTo(few.estimate, 10);
    expect(many.high - many.low).toBeLessThan((few.high - few.low) / 2);
  });

  it('has no interval from one pair, and leaves out a pair with a missing or zero value', () => {
    const one = pairedChange([10], [12], 'lower');
    expect(one.estimate).toBeCloseTo(0.2, 10);
    expect(Number.isNaN(one.low) && Number.isNaN(one.high)).toBe(true);
    const gaps = pairedChange([10, Number.NaN, 0, 10], [11, 12, 5, 11], 'lower');
    expect(gaps.pairs).toBe(2);
    expect(gaps.estimate).toBeCloseTo(0.1, 10);
    expect(pairedChange([], [], 'lower').pairs).toBe(0);
  });
});
