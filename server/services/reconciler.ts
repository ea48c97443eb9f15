/**
 * Texts the provider has (they carry its id) but whose final status never came: a status report
 * lost on the way, a webhook URL that was wrong for a while. Once a text has been `sending` for
 * RECONCILE_AFTER_MS, the dispatcher's round asks the provider for it by id (`fetchStatus`) and
 * applies the answer through the inbound service's compare-and-set, exactly like a report; a
 * status that is still not final is asked again later, doubling up to RECONCILE_MOST_MS.
 *
 * Handed-off texts the provider's look-up has not found yet (no id) are the outbox's own
 * rechecks (outbox.ts, `recheck`), since finding them decides whether they are sent again.
 */
import type { Deps } from '../deps.js';
import { ProviderError } from '../providers/types.js';
import { RECONCILE_AFTER_MS, RECONCILE_BATCH, RECONCILE_MOST_MS } from '../tuning.js';
import type { InboundService } from './inbound.js';
import type { OutboxHooks } from './outbox.js';

interface StuckRow {
  id: number;
  sid: string;
  checkAt: number;
  sentAt: number | null;
  updatedAt: number;
}

export function createReconciler(deps: Deps, services: { inbound: Pick<InboundService, 'applyReport'> }) {
  const { db, provider, log } = deps;
  const stmt = {
    due: db.stmt(
      `select id, provider_sid as sid, check_at as "checkAt", sent_at as "sentAt", updated_at as "updatedAt" from messages
       where check_at is not null and check_at <= ? and claim_token is null and status = 'sending' and provider_sid is not null
       order by check_at limit ?`,
    ),
    // Moving check_at on takes the row: another process that read the same row finds it moved and skips it.
    take: db.stmt(`update messages set check_at = ? where id = ? and check_at = ? and status = 'sending'`),
    next: db.stmt(
      `select min(check_at) as at from messages where check_at is not null and claim_token is null and status = 'sending' and provider_sid is not null`,
    ),
  };

  /** Twice as long as the text has waited so far (since it went), within the bounds. */
  function nextDelay(row: StuckRow, now: number): number {
    const waited = now - (row.sentAt ?? row.updatedAt);
    return Math.min(RECONCILE_MOST_MS, Math.max(RECONCILE_AFTER_MS, waited));
  }

  async function reconcile(now: number): Promise<void> {
    if (!provider.fetchStatus) return;
    const rows = await db.all<StuckRow>(stmt.due, now, RECONCILE_BATCH);
    for (const row of rows) {
      if ((await db.run(stmt.take, now + nextDelay(row, now), row.id, row.checkAt)).changes !== 1) continue;
      let answer: Awaited<ReturnType<NonNullable<typeof provider.fetchStatus>>>;
      try {
        answer = await provider.fetchStatus(row.sid);
      } catch (err) {
        // Credentials refused: the next send pauses sending; this one is asked again later.
        if (!(err instanceof ProviderError)) log.warn('fetching a status failed', { messageId: row.id, error: String(err) });
        continue;
      }
      if (answer === 'unknown') continue;
      const moved = await services.inbound.applyReport(row.sid, answer);
      log.info('reconciled a text whose status report never came', { messageId: row.id, status: answer.status, moved });
    }
  }

  const outboxHooks: OutboxHooks = {
    reconcile,
    async nextWakeAt() {
      return provider.fetchStatus ? (await db.get<{ at: number | null }>(stmt.next))!.at : null;
    },
  };

  return { reconcile, outboxHooks };
}
