/**
 * Who is in a campaign: candidates added by ATS id (the unknown and the not textable reported;
 * the not textable stay listed and are never texted) and removed one at a time. A scheduled
 * message not yet started goes to newcomers too, and no longer to whoever was removed. A campaign
 * that has sent takes no new candidates.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { Deps } from '../deps.js';
import { CAMPAIGN_INSERT_CHUNK } from '../tuning.js';
import { ApiError, notFound } from '../lib/errors.js';
import type { Caller } from './auth.js';
import { loadCampaign, requireLicence, requireUnsent, touchCampaign } from './campaign-access.js';
import type { CampaignDelivery } from './campaign-delivery.js';
import { exclusionReason } from './campaign-exclusion.js';
import type { CampaignMessageRow, CampaignReadModel, CampaignRow } from './campaign-read-model.js';
import { RECOMMENDED_MAX_RECIPIENTS } from '../../shared/campaign-size.js';
import type { CandidateService } from './candidates.js';

export function createCampaignMembership(
  deps: Deps,
  services: { candidates: CandidateService; reads: CampaignReadModel; delivery: Pick<CampaignDelivery, 'publishSoon'> },
) {
  const { db, clock, config } = deps;
  const { campaignDeliveries, campaignMessages, campaignRecipients, campaigns, candidates } = db.t;

  async function insertDeliveries(tx: Db, message: CampaignMessageRow, candidateIds: number[], now: number) {
    const dueAt = message.sendAt ?? now;
    for (let i = 0; i < candidateIds.length; i += CAMPAIGN_INSERT_CHUNK) {
      await tx.orm
        .insert(campaignDeliveries)
        .values(
          candidateIds
            .slice(i, i + CAMPAIGN_INSERT_CHUNK)
            .map((candidateId) => ({ orgId: message.orgId, campaignMessageId: message.id, candidateId, dueAt, updatedAt: now })),
        )
        .onConflictDoNothing();
    }
  }

  /** Adds candidates by ATS id, reporting the unknown and the not textable (who stay listed, never texted). */
  async function addTo(caller: Caller, campaign: CampaignRow, atsIds: string[]) {
    requireUnsent(campaign);
    const found = atsIds.length
      ? await db.orm
          .select()
          .from(candidates)
          .where(and(eq(candidates.orgId, caller.org.id), inArray(candidates.atsId, atsIds)))
      : [];
    const byAts = new Map(found.map((c) => [c.atsId, c]));
    const notFound = atsIds.filter((id) => !byAts.has(id));
    const now = clock.now();
    // One write transaction from the checks to the writes: a concurrent add can't take the campaign
    // past its cap, and the dispatcher can't start it (or its scheduled messages) in between.
    const { fresh, total } = await db.tx(
      async (tx) => {
        requireUnsent(await loadCampaign(tx, caller, campaign.id));
        // Only the named candidates are looked up among the recipients, not the whole campaign.
        const alreadyIn = new Set(
          found.length
            ? (
                await tx.orm
                  .select({ id: campaignRecipients.candidateId })
                  .from(campaignRecipients)
                  .where(
                    and(
                      eq(campaignRecipients.campaignId, campaign.id),
                      inArray(
                        campaignRecipients.candidateId,
                        found.map((c) => c.id),
                      ),
                    ),
                  )
              ).map((r) => r.id)
            : [],
        );
        const fresh = found.filter((c) => !alreadyIn.has(c.id));
        const total = (await services.reads.count(campaign.id, tx)) + fresh.length;
        if (total > config.campaignMaxRecipients) {
          throw new ApiError(
            400,
            'CAMPAIGN_TOO_LARGE',
            `A campaign can have at most ${config.campaignMaxRecipients.toLocaleString('en-US')} candidates; this would make ${total.toLocaleString('en-US')}.`,
            { max: config.campaignMaxRecipients, wouldHave: total },
          );
        }
        if (fresh.length) {
          for (let i = 0; i < fresh.length; i += CAMPAIGN_INSERT_CHUNK) {
            await tx.orm
              .insert(campaignRecipients)
              .values(fresh.slice(i, i + CAMPAIGN_INSERT_CHUNK).map((c) => ({ campaignId: campaign.id, candidateId: c.id, addedAt: now })))
              .onConflictDoNothing();
          }
          // Scheduled, not yet started messages go to the newcomers too.
          for (const m of await tx.orm
            .select()
            .from(campaignMessages)
            .where(and(eq(campaignMessages.campaignId, campaign.id), eq(campaignMessages.status, 'scheduled')))) {
            await insertDeliveries(
              tx,
              m,
              fresh.map((c) => c.id),
              now,
            );
          }
        }
        await tx.orm.update(campaigns).set({ updatedAt: now }).where(eq(campaigns.id, campaign.id));
        return { fresh, total };
      },
      // Race: newcomers added as a scheduled message starts or completes (their deliveries would be missed).
      { write: true, locks: [['campaign', campaign.id]] },
    );
    await services.delivery.publishSoon(caller.org.id, campaign.id);
    const excluded = [...byAts.values()].flatMap((c) => {
      const reason = exclusionReason(c, caller.org, now);
      return reason ? [{ id: c.atsId, firstName: c.firstName, lastName: c.lastName, reason }] : [];
    });
    return {
      added: fresh.length,
      alreadyIn: found.length - fresh.length,
      notFound,
      excluded,
      recipients: total,
      warning:
        total > RECOMMENDED_MAX_RECIPIENTS
          ? {
              code: 'OVER_RECOMMENDED_SIZE',
              message: `This campaign has ${total.toLocaleString('en-US')} candidates; we recommend ${RECOMMENDED_MAX_RECIPIENTS} or fewer.`,
            }
          : null,
    };
  }

  return {
    /** For creating a campaign with its candidates in one request (the caller is checked already). */
    addTo,

    async addCandidates(caller: Caller, id: number, atsIds: string[]) {
      requireLicence(caller);
      return addTo(caller, await loadCampaign(db, caller, id), atsIds);
    },

    async removeCandidate(caller: Caller, id: number, atsId: string) {
      requireLicence(caller);
      requireUnsent(await loadCampaign(db, caller, id));
      const candidate = await services.candidates.get(caller.org, atsId);
      // Checked again inside the write: the dispatcher may have started the campaign meanwhile.
      const removed = await db.tx(
        async (tx) => {
          requireUnsent(await loadCampaign(tx, caller, id));
          const [gone] = await tx.orm
            .delete(campaignRecipients)
            .where(and(eq(campaignRecipients.campaignId, id), eq(campaignRecipients.candidateId, candidate.id)))
            .returning();
          const pendingIds = (await tx.orm.select({ id: campaignMessages.id }).from(campaignMessages).where(eq(campaignMessages.campaignId, id))).map(
            (r) => r.id,
          );
          if (pendingIds.length) {
            await tx.orm
              .delete(campaignDeliveries)
              .where(
                and(
                  inArray(campaignDeliveries.campaignMessageId, pendingIds),
                  eq(campaignDeliveries.candidateId, candidate.id),
                  eq(campaignDeliveries.status, 'pending'),
                ),
              );
          }
          return gone;
        },
        // Race: a recipient removed as the dispatcher starts the campaign.
        { write: true, locks: [['campaign', id]] },
      );
      if (!removed) throw notFound('Candidate in this campaign');
      await touchCampaign(deps, services.delivery, id);
      return { recipients: await services.reads.count(id) };
    },
  };
}
