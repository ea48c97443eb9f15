import type { Clock } from './clock.js';

/**
 * Slows down password guessing: after a few failures for one account (or from one address)
 * every further attempt must wait, the wait doubling each time, up to 15 minutes. An attempt is
 * reserved (counted as a failure) before the password is checked, so a parallel burst gets no
 * more tries than the same guesses one after another; a success gives it back and clears the
 * account's record.
 */
export class LoginThrottle {
  private failures = new Map<string, { count: number; lastAt: number }>();

  constructor(
    private clock: Clock,
    private freeAttempts = 5,
    private forgetAfterMs = 15 * 60_000,
  ) {}

  /** Milliseconds the caller must still wait before trying this key again (0 = go ahead). */
  waitFor(keys: string[]): number {
    const now = this.clock.now();
    let wait = 0;
    for (const key of keys) {
      const entry = this.failures.get(key);
      if (!entry) continue;
      if (now - entry.lastAt > this.forgetAfterMs) {
        this.failures.delete(key);
        continue;
      }
      const over = entry.count - this.freeAttempts;
      if (over < 0) continue;
      const delay = Math.min(this.forgetAfterMs, 1000 * 2 ** over);
      wait = Math.max(wait, entry.lastAt + delay - now);
    }
    return Math.max(0, wait);
  }

  /** 0 and the attempt counted as a failure until `succeed` says otherwise; else the milliseconds to wait. */
  reserve(keys: string[]): number {
    const wait = this.waitFor(keys);
    if (wait === 0) this.fail(keys);
    return wait;
  }

  private fail(keys: string[]): void {
    const now = this.clock.now();
    for (const key of keys) {
      const entry = this.failures.get(key);
      this.failures.set(key, { count: (entry?.count ?? 0) + 1, lastAt: now });
    }
    if (this.failures.size > 10_000) this.prune(now);
  }

  /** The reserved attempt was right: the account's record is cleared, the other keys get it back. */
  succeed(accountKey: string, otherKeys: string[]): void {
    this.failures.delete(accountKey);
    for (const key of otherKeys) {
      const entry = this.failures.get(key);
      if (entry && entry.count > 1) entry.count--;
      else this.failures.delete(key);
    }
  }

  private prune(now: number): void {
    for (const [key, entry] of this.failures) {
      if (now - entry.lastAt > this.forgetAfterMs) this.failures.delete(key);
    }
  }
}
