/**
 * Sending paused for the whole provider account: the provider refused its credentials (a rotated
 * or deleted auth token, a suspended account). Nothing is wrong with the texts, so none fails:
 * the dispatcher claims nothing while paused, and probes the account (5 s, doubling up to 5 min)
 * until it answers; then sending resumes by itself.
 *
 * The state is a `sending_state` row per provider, so every process on the database and a
 * restart honour it (a restart with a new token resumes at its first probe).
 */
import type { SendingState } from '../../shared/api.js';
import type { Deps } from '../deps.js';
import { SENDING_PROBE_FIRST_MS, SENDING_PROBE_MOST_MS } from '../tuning.js';

interface StateRow {
  pausedAt: number | null;
  reason: string | null;
  nextProbeAt: number | null;
  probeFailures: number;
}

export function createSendingState(deps: Deps) {
  const { db, clock, provider, events, log } = deps;
  const name = provider.name;
  const stmt = {
    get: db.stmt(
      `select paused_at as "pausedAt", reason, next_probe_at as "nextProbeAt", probe_failures as "probeFailures" from sending_state where provider = ?`,
    ),
    // The first refusal pauses; later ones (texts of the same batch, another process) keep its time and reason.
    pause: db.stmt(
      `insert into sending_state (provider, paused_at, reason, next_probe_at, probe_failures) values (?, ?, ?, ?, 0)
       on conflict (provider) do update set paused_at = excluded.paused_at, reason = excluded.reason,
         next_probe_at = excluded.next_probe_at, probe_failures = 0
       where sending_state.paused_at is null`,
    ),
    // One process probes at a time: the one that moves the next probe time on.
    takeProbe: db.stmt(`update sending_state set next_probe_at = ? where provider = ? and paused_at is not null and next_probe_at <= ?`),
    probeFailed: db.stmt(`update sending_state set probe_failures = probe_failures + 1, next_probe_at = ? where provider = ? and paused_at is not null`),
    resume: db.stmt(
      `update sending_state set paused_at = null, reason = null, next_probe_at = null, probe_failures = 0 where provider = ? and paused_at is not null`,
    ),
    orgIds: db.stmt(`select id from organizations`),
  };

  const row = () => db.get<StateRow>(stmt.get, name);

  async function current(): Promise<SendingState> {
    const r = await row();
    if (!r?.pausedAt) return { paused: false };
    return { paused: true, reason: r.reason ?? undefined, since: new Date(r.pausedAt).toISOString() };
  }

  async function publish() {
    const data = await current();
    for (const { id } of await db.all<{ id: number }>(stmt.orgIds)) {
      if (events.subscriberCount(id)) events.publish(id, { type: 'organization.sending', data });
    }
  }

  function probeDelay(failures: number): number {
    return Math.min(SENDING_PROBE_MOST_MS, SENDING_PROBE_FIRST_MS * 2 ** failures);
  }

  return {
    /** What GET /api/organization and the `organization.sending` event say. */
    current,
    async isPaused(): Promise<boolean> {
      return !!(await row())?.pausedAt;
    },
    /** The provider refused the account: pause (once), and say so. */
    async pause(reason: string): Promise<void> {
      const now = clock.now();
      if ((await db.run(stmt.pause, name, now, reason, now + SENDING_PROBE_FIRST_MS)).changes !== 1) return;
      log.warn('sending paused: the provider refused the account', { provider: name, reason });
      await publish();
    },
    /** When the next probe is due, if paused (the dispatcher wakes for it). */
    async nextProbeAt(): Promise<number | null> {
      const r = await row();
      return r?.pausedAt ? (r.nextProbeAt ?? clock.now()) : null;
    },
    /** Probes the account if a probe is due (and no other process took it); true when sending resumed. */
    async probeIfDue(): Promise<boolean> {
      const r = await row();
      if (!r?.pausedAt) return false;
      const now = clock.now();
      // Taking the probe is the compare-and-set (next_probe_at <= now): a second caller that read
      // the same row meanwhile finds it moved on and does not probe too.
      if ((await db.run(stmt.takeProbe, now + probeDelay(r.probeFailures), name, now)).changes !== 1) return false;
      const answer = provider.probe ? await provider.probe().catch(() => 'unreachable' as const) : 'ok';
      if (answer !== 'ok') {
        const failures = ((await row())?.probeFailures ?? 0) + 1;
        await db.run(stmt.probeFailed, clock.now() + probeDelay(failures), name);
        return false;
      }
      if ((await db.run(stmt.resume, name)).changes !== 1) return false;
      log.info('sending resumed: the provider accepted the account again', { provider: name });
      await publish();
      return true;
    },
  };
}

export type SendingStateService = ReturnType<typeof createSendingState>;
