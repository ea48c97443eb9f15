/**
 * The carrier's word that a candidate unsubscribed — a text failed with the reason
 * OPTED_OUT_AT_CARRIER, whether the provider refused it at hand-over (the outbox) or reported it
 * later (inbound) — opts their number out, as their own STOP would. The one place that reason is
 * acted on; createServices hooks it onto both.
 */
import type { Deps } from '../deps.js';
import type { CandidateService } from './candidates.js';
import type { MessageRow } from './message-json.js';
import type { PhoneOptOuts } from './phone-opt-outs.js';

export function createCarrierOptOuts(deps: Pick<Deps, 'clock' | 'events'>, services: { optOuts: PhoneOptOuts; candidates: CandidateService }) {
  const { clock, events } = deps;

  return {
    /** Texts that just settled or moved: those the carrier failed as unsubscribed opt their number out. */
    apply(rows: MessageRow[]): void {
      for (const row of rows) {
        if (row.failureReason !== 'OPTED_OUT_AT_CARRIER' || (row.status !== 'failed' && row.status !== 'undelivered')) continue;
        services.optOuts.optOutCandidatePhone(row.orgId, row.candidateId, 'provider', clock.now());
        if (!events.subscriberCount(row.orgId)) continue;
        const candidate = services.candidates.getById(row.orgId, row.candidateId);
        if (!candidate) continue;
        const org = services.candidates.orgOf(row.orgId);
        events.publish(row.orgId, {
          type: 'candidate.updated',
          data: services.candidates.serialize(candidate, org, services.candidates.conversationOf(candidate.id)),
        });
      }
    },
  };
}

export type CarrierOptOuts = ReturnType<typeof createCarrierOptOuts>;
