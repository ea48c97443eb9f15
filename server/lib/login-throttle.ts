import type { Db } from '../db/types.js';
import type { Clock } from './clock.js';

/**
 * Slows down password guessing: after a few failures for one account (or from one address)
 * every further attempt must wait, the wait doubling each time, up to 15 minutes. An attempt is
 * reserved (counted as a failure) before the password is checked, so a parallel burst gets no
 * more tries than the same guesses one after another; a success gives it back and clears the
 * account's record.
 *
 * The counts live in the database (`login_failures`), so guesses spread over several server
 * instances are counted together; each reserve locks the rows of its keys (on PostgreSQL,
 * `for update`; on SQLite the write transaction does) so concurrent ones wait their turn.
 */
export class LoginThrottle {
  private lastPruned = 0;
  private readonly touch;
  private readonly read;
  private readonly failed;
  private readonly forget;
  private readonly giveBack;
  private readonly prune;

  constructor(
    private db: Db,
    private clock: Clock,
    private freeAttempts = 5,
    private forgetAfterMs = 15 * 60_000,
  ) {
    // A row per key before reading it, so there is a row to lock (count 0 waits for nothing).
    this.touch = db.stmt('insert into login_failures (key, count, last_at) values (?, 0, ?) on conflict (key) do nothing');
    this.read = db.stmt(
      'select count, last_at as "lastAt" from login_failures where key = ?',
      'select count, last_at as "lastAt" from login_failures where key = $1 for update',
    );
    // A record older than the throttle's memory starts again at one.
    this.failed = db.stmt('update login_failures set count = case when ? - last_at > ? then 1 else count + 1 end, last_at = ? where key = ?');
    this.forget = db.stmt('delete from login_failures where key = ?');
    this.giveBack = db.stmt('update login_failures set count = count - 1 where key = ? and count > 0');
    this.prune = db.stmt('delete from login_failures where last_at < ?');
  }

  /** 0 and the attempt counted as a failure until `succeed` says otherwise; else the milliseconds to wait. */
  async reserve(keys: string[]): Promise<number> {
    const now = this.clock.now();
    const wait = await this.db.tx(
      async (tx) => {
        let wait = 0;
        // Sorted: two sign-ins locking the same keys take them in the same order (no deadlock).
        for (const key of [...keys].sort()) {
          await tx.run(this.touch, key, now);
          const entry = (await tx.get<{ count: number; lastAt: number }>(this.read, key))!;
          if (now - entry.lastAt > this.forgetAfterMs) continue;
          const over = entry.count - this.freeAttempts;
          if (over < 0) continue;
          const delay = Math.min(this.forgetAfterMs, 1000 * 2 ** over);
          wait = Math.max(wait, entry.lastAt + delay - now);
        }
        if (wait === 0) for (const key of keys) await tx.run(this.failed, now, this.forgetAfterMs, now, key);
        return Math.max(0, wait);
      },
      // Race: two instances both letting through the attempt over the limit (each key's row is locked for update above).
      { write: true, locks: [] },
    );
    if (now - this.lastPruned > this.forgetAfterMs) {
      this.lastPruned = now;
      await this.db.run(this.prune, now - this.forgetAfterMs);
    }
    return wait;
  }

  /** The reserved attempt was right: the account's record is cleared, the other keys get it back. */
  async succeed(accountKey: string, otherKeys: string[]): Promise<void> {
    await this.db.tx(async (tx) => {
      await tx.run(this.forget, accountKey);
      for (const key of otherKeys) await tx.run(this.giveBack, key);
    });
  }
}
