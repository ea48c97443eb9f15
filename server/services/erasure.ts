/**
 * DELETE /api/candidates/:atsId: the candidate's right to be forgotten. Their data, conversation,
 * consent history, Ari's answers, bookings and campaign membership go, and the raw provider
 * payloads that carried their number are blanked. What stays is the phone's opt-out, as a keyed
 * hash (phone-opt-outs.ts), so no later import makes the number textable again without the
 * candidate's own START.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { first, type Db } from '../db/types.js';
import type { Deps } from '../deps.js';
import { notFound } from '../lib/errors.js';
import type { PhoneOptOuts } from './phone-opt-outs.js';
import type { Organization } from './textability.js';

export function createErasure({ db, clock }: Pick<Deps, 'db' | 'clock'>, optOuts: PhoneOptOuts) {
  const {
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
  } = db.t;

  async function otherCandidateHasPhone(tx: Db, orgId: number, phone: string): Promise<boolean> {
    return !!(await first(
      tx.orm
        .select({ id: candidates.id })
        .from(candidates)
        .where(and(eq(candidates.orgId, orgId), eq(candidates.phone, phone))),
    ));
  }

  /**
   * The raw provider payloads that carry the number (as the provider's module noted when they were
   * logged) keep their place, so a duplicate delivery is still recognised, but lose their content.
   */
  async function redactWebhooks(tx: Db, orgId: number, phone: string) {
    await tx.orm
      .update(webhookEvents)
      .set({ payload: { redacted: 'erased' }, phone: null })
      .where(and(eq(webhookEvents.orgId, orgId), eq(webhookEvents.phone, phone)));
  }

  return {
    async erase(org: Organization, atsId: string): Promise<void> {
      const now = clock.now();
      // The candidate is read in the transaction that deletes them (a write one, as it reads first),
      // so two erasures at once, or one racing an upsert, see and delete one consistent row.
      await db.tx(
        async (tx) => {
          const candidate = await first(
            tx.orm
              .select()
              .from(candidates)
              .where(and(eq(candidates.orgId, org.id), eq(candidates.atsId, atsId))),
          );
          if (!candidate) throw notFound('Candidate');
          if (candidate.phone) await tx.lock(['phone', candidate.phone]);
          if (candidate.phone) await optOuts.optOut(org, candidate.phone, 'erased', now, tx);
          const id = candidate.id;
          await tx.orm.delete(campaignDeliveries).where(eq(campaignDeliveries.candidateId, id));
          await tx.orm.delete(campaignRecipients).where(eq(campaignRecipients.candidateId, id));
          await tx.orm.delete(candidateAnswers).where(eq(candidateAnswers.candidateId, id));
          await tx.orm.delete(bookings).where(eq(bookings.candidateId, id));
          await tx.orm.delete(consentRecords).where(eq(consentRecords.candidateId, id));
          // The candidate's pictures and files go with their texts (bytes and the provider's URLs).
          await tx.orm
            .delete(messageMedia)
            .where(inArray(messageMedia.messageId, tx.orm.select({ id: messages.id }).from(messages).where(eq(messages.candidateId, id))));
          await tx.orm.delete(messages).where(eq(messages.candidateId, id));
          await tx.orm.delete(conversations).where(eq(conversations.candidateId, id));
          await tx.orm.delete(candidates).where(eq(candidates.id, id));
          // Another row with the same number (a duplicate in the ATS) still owns those payloads.
          if (candidate.phone && !(await otherCandidateHasPhone(tx, org.id, candidate.phone))) await redactWebhooks(tx, org.id, candidate.phone);
        },
        // Race: two erasures, or an erasure and an upsert of the same candidate or phone (their locks, as sync takes them).
        { write: true, locks: [['candidate', `${org.id}:${atsId}`]] },
      );
    },
  };
}

export type Erasure = ReturnType<typeof createErasure>;
