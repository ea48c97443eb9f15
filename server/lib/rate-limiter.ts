/**
 * Exact sliding-window limit per sender: the segments handed over in any 1,000 ms never exceed
 * the rate. Used fully: as soon as the oldest send leaves the window, its budget is free again.
 */
export interface LimiterEntry {
  at: number;
  segments: number;
}

export class SlidingWindowLimiter {
  private windows = new Map<string, LimiterEntry[]>();

  constructor(private readonly windowMs = 1000) {}

  /** Segments `key` may still send at `now` under `rate` segments per window. */
  available(key: string, rate: number, now: number): number {
    if (!Number.isFinite(rate)) return Number.POSITIVE_INFINITY;
    return rate - this.used(key, now);
  }

  /**
   * Records a send; null when it does not fit. A message longer than the whole budget is let
   * through only into an empty window (it could never fit otherwise). The entry's `at` may be
   * moved later (never earlier) to the moment the text is actually handed over.
   */
  tryTake(key: string, rate: number, segments: number, now: number): LimiterEntry | null {
    if (!Number.isFinite(rate)) return { at: now, segments };
    const used = this.used(key, now);
    if (used + segments > rate && !(used === 0 && segments > rate)) return null;
    const entry = { at: now, segments };
    this.windows.get(key)!.push(entry);
    return entry;
  }

  /** When the next segment may go for `key` (now if there is budget). */
  nextFreeAt(key: string, rate: number, now: number): number {
    if (!Number.isFinite(rate) || this.used(key, now) < rate) return now;
    return this.windows.get(key)![0]!.at + this.windowMs;
  }

  private used(key: string, now: number): number {
    let log = this.windows.get(key);
    if (!log) this.windows.set(key, (log = []));
    while (log.length && log[0]!.at <= now - this.windowMs) log.shift();
    let sum = 0;
    for (const entry of log) sum += entry.segments;
    return sum;
  }
}
