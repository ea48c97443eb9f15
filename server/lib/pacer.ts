/**
 * Even pacing per sender. Carriers and providers count per second per sender and queue (or
 * refuse) the excess, so a sender's texts are spaced one segment every 1 / rate seconds rather
 * than a whole second's budget at once: no one-second window at the provider exceeds the rate,
 * even with network jitter of up to `1000 / headroom - 1000` ms on the way.
 *
 * The schedule is a single "next free slot" per sender. A text of s segments takes slot
 * max(next, now) and moves next on by s intervals; after a stall (next long past) the schedule
 * restarts at now rather than catching up with a burst. The slot is kept in the database
 * (`sender_pacing`) so several processes sending for one sender share one schedule.
 */

export interface PacingInput {
  /** The sender's next free slot (ms), or null when it has never sent. */
  nextAt: number | null;
  now: number;
  /** Segments per second; Infinity = unpaced. */
  rate: number;
  /** Fraction of the rate actually used (< 1), leaving room for jitter between us and the provider. */
  headroom: number;
  /** Slots up to this far ahead are handed out now (their texts wait for their slot). */
  lookaheadMs: number;
  /** Segments of each waiting text, in sending order. */
  segments: number[];
}

export interface PacingPlan {
  /** Slot of each of the first `slots.length` texts (a prefix of `segments`). */
  slots: number[];
  /** The sender's next free slot after them. */
  nextAt: number;
}

/** Milliseconds one segment occupies at `rate` with `headroom`. */
export function segmentInterval(rate: number, headroom: number): number {
  return Number.isFinite(rate) ? 1000 / (rate * headroom) : 0;
}

export function planSlots(input: PacingInput): PacingPlan {
  const { now, segments } = input;
  const interval = segmentInterval(input.rate, input.headroom);
  if (interval === 0) return { slots: segments.map(() => now), nextAt: now };
  let next = Math.max(input.nextAt ?? now, now);
  const slots: number[] = [];
  for (const s of segments) {
    if (next > now + input.lookaheadMs) break;
    // Whole milliseconds, like every other time here; rounding up never brings two closer than planned.
    slots.push(Math.ceil(next));
    // A text longer than a second's budget still goes; it occupies s / rate seconds.
    next += Math.max(1, s) * interval;
  }
  return { slots, nextAt: next };
}
