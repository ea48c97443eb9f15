/**
 * Time, injectable. Services read `now()` and schedule with `setTimeout`, so tests can drive
 * hours of scheduling (quiet hours, DST, retries) in milliseconds with a FakeClock.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void | Promise<void>, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(() => void fn(), Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};

interface Timer {
  at: number;
  seq: number;
  fn: () => void | Promise<void>;
}

export class FakeClock implements Clock {
  private timers: Timer[] = [];
  private seq = 0;
  /** What else `advance()` waits for between timers (a database's queries in flight). */
  private quiet: () => Promise<void> = async () => {};

  constructor(private current: number = Date.parse('2026-03-02T15:00:00Z')) {}

  now(): number {
    return this.current;
  }

  set(iso: string | number): void {
    this.current = typeof iso === 'number' ? iso : Date.parse(iso);
  }

  setTimeout(fn: () => void | Promise<void>, ms: number): () => void {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /**
   * Makes `advance()` also wait for `quiet` before each timer and at the end. On PostgreSQL a
   * query is a network round trip, longer than the few event-loop turns `advance()` otherwise
   * gives the work a timer started: the database's `idle()` goes here.
   */
  settleOn(quiet: () => Promise<void>): void {
    this.quiet = quiet;
  }

  /** Moves time forward, running every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await this.settle();
      const next = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      await next.fn();
    }
    this.current = target;
    await this.settle();
  }

  private async settle(): Promise<void> {
    await settle();
    await this.quiet();
    await settle();
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
