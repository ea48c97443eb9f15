/**
 * Exact sliding-window limit per sender: the segments handed over in any 1,000 ms never exceed
 * the rate. Used fully: as soon as the oldest send leaves the window, its budget is free again.
 */
export class SlidingWindowLimiter {
  private windows = new Map<string, { at: number; segments: number }[]>();

  constructor(private readonly windowMs = 1000) {}

  /** Segments `key` may still send at `now` under `rate` segments per window. */
  available(key: string, rate: number, now: number): number {
    if (!Number.isFinite(rate)) return Number.POSITIVE_INFINITY;
    return rate - this.used(key, now);
  }

  /**
   * Records a send. A message longer than the whole budget is let through only into an empty
   * window (it could never fit otherwise).
   */
  tryTake(key: string, rate: number, segments: number, now: number): boolean {
    if (!Number.isFinite(rate)) return true;
    const used = this.used(key, now);
    if (used + segments > rate && !(used === 0 && segments > rate)) return false;
    this.windows.get(key)!.push({ at: now, segments });
    return true;
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
