import { describe, expect, it } from 'vitest';
import { planSlots, segmentInterval } from './pacer.js';

const base = { now: 1000, rate: 20, headroom: 1, lookaheadMs: 250 };

describe('planSlots', () => {
  it('spaces one-segment texts one interval apart, only as far as the look-ahead', () => {
    const plan = planSlots({ ...base, nextAt: null, segments: [1, 1, 1, 1, 1, 1, 1, 1] });
    // 50 ms apart: 1000, 1050 … 1250 (the sixth is exactly at the edge of the look-ahead).
    expect(plan.slots).toEqual([1000, 1050, 1100, 1150, 1200, 1250]);
    expect(plan.nextAt).toBe(1300);
  });

  it('counts segments: a three-segment text occupies three intervals', () => {
    const plan = planSlots({ ...base, nextAt: null, segments: [3, 1, 2] });
    expect(plan.slots).toEqual([1000, 1150, 1200]);
    expect(plan.nextAt).toBe(1300);
  });

  it('continues an earlier schedule that is still ahead of now', () => {
    const plan = planSlots({ ...base, nextAt: 1200, segments: [1, 1, 1, 1] });
    expect(plan.slots).toEqual([1200, 1250]);
    expect(plan.nextAt).toBe(1300);
  });

  it('hands out nothing while the next slot is beyond the look-ahead', () => {
    expect(planSlots({ ...base, nextAt: 1400, segments: [1] })).toEqual({ slots: [], nextAt: 1400 });
  });

  it('after a stall starts again at now: no catch-up burst for the time nobody sent', () => {
    const plan = planSlots({ ...base, now: 60_000, nextAt: 1300, segments: [1, 1, 1] });
    expect(plan.slots).toEqual([60_000, 60_050, 60_100]);
  });

  it('headroom stretches the interval: 20 a second at 0.955 is one every 52.4 ms', () => {
    expect(segmentInterval(20, 0.955)).toBeCloseTo(52.356, 2);
    const plan = planSlots({ ...base, headroom: 0.955, lookaheadMs: 10_000, nextAt: null, segments: Array(40).fill(1) });
    // Any 1,000 ms holds at most 20 slots, even shifted by 47 ms of jitter between neighbours.
    for (let i = 0; i + 20 < plan.slots.length; i++) expect(plan.slots[i + 20]! - plan.slots[i]!).toBeGreaterThanOrEqual(1047);
    // And the rate used is 0.955 of the configured one.
    expect(39_000 / (plan.slots[39]! - plan.slots[0]!)).toBeGreaterThanOrEqual(0.95 * 20);
  });

  it('a text longer than a second of budget still goes, and the next waits for it', () => {
    const plan = planSlots({ ...base, rate: 2, segments: [5, 1], nextAt: null });
    expect(plan.slots).toEqual([1000]);
    expect(plan.nextAt).toBe(3500);
  });

  it('an unlimited rate sends everything now', () => {
    expect(planSlots({ ...base, rate: Number.POSITIVE_INFINITY, nextAt: 5000, segments: [1, 9, 1] })).toEqual({ slots: [1000, 1000, 1000], nextAt: 1000 });
  });

  it('slots are whole milliseconds', () => {
    const plan = planSlots({ ...base, rate: 3, nextAt: null, lookaheadMs: 2000, segments: [1, 1, 1, 1] });
    expect(plan.slots).toEqual([1000, 1334, 1667, 2000]);
  });
});
