/**
 * Changes to candidates' data from the ATS (upserts, imports, erasure), announced on the event
 * stream as `candidates.updated` with the changed ATS ids, gathered over a short window: an import
 * of 100,000 rows becomes a few dozen events, not 100,000, and an open page re-reads only the
 * candidates it shows.
 */
import type { Clock } from './clock.js';
import { CANDIDATE_CHANGES_IDS_PER_EVENT, CANDIDATE_CHANGES_WINDOW_MS } from '../tuning.js';
import type { EventBus } from './events.js';

export function createCandidateChanges({ events, clock }: { events: EventBus; clock: Clock }) {
  const pending = new Map<number, Set<string>>();
  let cancel: (() => void) | null = null;

  function flush() {
    cancel = null;
    for (const [orgId, ids] of pending) {
      const all = [...ids];
      for (let i = 0; i < all.length; i += CANDIDATE_CHANGES_IDS_PER_EVENT) {
        events.publish(orgId, { type: 'candidates.updated', data: { ids: all.slice(i, i + CANDIDATE_CHANGES_IDS_PER_EVENT) } });
      }
    }
    pending.clear();
  }

  return {
    /** Candidates of `orgId` changed; nobody listening means nothing to gather. */
    changed(orgId: number, atsIds: Iterable<string>) {
      if (!events.subscriberCount(orgId)) return;
      let set = pending.get(orgId);
      if (!set) pending.set(orgId, (set = new Set()));
      for (const id of atsIds) set.add(id);
      if (set.size && !cancel) cancel = clock.setTimeout(flush, CANDIDATE_CHANGES_WINDOW_MS);
    },
    /** Announces what is gathered now (on shutdown). */
    flush() {
      cancel?.();
      flush();
    },
  };
}

export type CandidateChanges = ReturnType<typeof createCandidateChanges>;
