/**
 * DELETE /api/candidates/:atsId: the candidate's right to be forgotten. Their data, conversation,
 * consent history, Ari's answers, bookings and campaign membership go, and the raw provider
 * payloads that carried their number are blanked. What stays is the phone's opt-out, as a keyed
 * hash (phone-opt-outs.ts), so no later import makes the number textable again without the
 * candidate's own START.
 */
import { and, eq, inArray } from 'drizzle-orm';
import {
  bookings,
  campaignDeliveries,
  campaignRecipients,
  candidateAnswers,
  candidates,
  consentRecords,
  conversations,
  messageMedia,
  messages,
  webhookEvents,
} from '../db/schema.js';
import type { Deps } from '../deps.js';
import { notFound } from '../lib/errors.js';
import type { PhoneOptOuts } from './phone-opt-outs.js';
import type { Organization } from './textability.js';

export function createErasure({ db, clock }: Pick<Deps, 'db' | 'clock'>, optOuts: PhoneOptOuts) {
  function otherCandidateHasPhone(orgId: number, phone: string): boolean {
    return !!db
      .select({ id: candidates.id })
      .from(candidates)
      .where(and(eq(candidates.orgId, orgId), eq(candidates.phone, phone)))
      .limit(1)
      .get();
  }

  /**
   * The raw provider payloads that carry the number (as the provider's module noted when they were
   * logged) keep their place, so a duplicate delivery is still recognised, but lose their content.
   */
  function redactWebhooks(orgId: number, phone: string) {
    db.update(webhookEvents)
      .set({ payload: { redacted: 'erased' }, phone: null })
      .where(and(eq(webhookEvents.orgId, orgId), eq(webhookEvents.phone, phone)))
      .run();
  }

  return {
    erase(org: Organization, atsId: string): void {
      const candidate = db
        .select()
        .from(candidates)
        .where(and(eq(candidates.orgId, org.id), eq(candidates.atsId, atsId)))
        .get();
      if (!candidate) throw notFound('Candidate');
      const now = clock.now();
      db.transaction(() => {
        if (candidate.phone) optOuts.optOut(org, candidate.phone, 'erased', now);
        const id = candidate.id;
        db.delete(campaignDeliveries).where(eq(campaignDeliveries.candidateId, id)).run();
        db.delete(campaignRecipients).where(eq(campaignRecipients.candidateId, id)).run();
        db.delete(candidateAnswers).where(eq(candidateAnswers.candidateId, id)).run();
        db.delete(bookings).where(eq(bookings.candidateId, id)).run();
        db.delete(consentRecords).where(eq(consentRecords.candidateId, id)).run();
        // The candidate's pictures and files go with their texts (bytes and the provider's URLs).
        db.delete(messageMedia)
          .where(inArray(messageMedia.messageId, db.select({ id: messages.id }).from(messages).where(eq(messages.candidateId, id))))
          .run();
        db.delete(messages).where(eq(messages.candidateId, id)).run();
        db.delete(conversations).where(eq(conversations.candidateId, id)).run();
        db.delete(candidates).where(eq(candidates.id, id)).run();
        // Another row with the same number (a duplicate in the ATS) still owns those payloads.
        if (candidate.phone && !otherCandidateHasPhone(org.id, candidate.phone)) redactWebhooks(org.id, candidate.phone);
      });
    },
  };
}

export type Erasure = ReturnType<typeof createErasure>;
