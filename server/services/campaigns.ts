/**
 * Campaigns: a recruiter's bulk texts for an open role. This service is the campaign itself
 * (create, read, rename, Enable ARI, delete) and the one face of its parts: membership
 * (campaign-membership.ts), messages from draft to scheduled (campaign-messages.ts, whose Review
 * is campaign-review.ts) and the read model (campaign-read-model.ts). Sending is the delivery
 * stage's (campaign-delivery.ts), which createServices builds and hands in.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Campaign, CampaignDetail } from '../../shared/api.js';
import { first } from '../db/types.js';
import type { Deps } from '../deps.js';
import { ApiError, notFound, validation } from '../lib/errors.js';
import type { Caller } from './auth.js';
import { loadCampaign, requireLicence, requireUnsent } from './campaign-access.js';
import type { CampaignDelivery } from './campaign-delivery.js';
import { createCampaignMembership } from './campaign-membership.js';
import { createCampaignMessages } from './campaign-messages.js';
import type { CampaignReadModel, CampaignRow } from './campaign-read-model.js';
import type { CandidateService } from './candidates.js';
import type { Outbox } from './outbox.js';

export function createCampaignService(
  deps: Deps,
  services: { candidates: CandidateService; outbox: Outbox; reads: CampaignReadModel; delivery: CampaignDelivery },
) {
  const { db, clock, config } = deps;
  const { campaignDeliveries, campaignMessages, campaignRecipients, campaigns, sequences } = db.t;
  const { reads, delivery } = services;
  // Anything of the campaign the provider has, or may have: a claim, a hand-over, a try, a status.
  const startedSending = db.stmt(
    `select 1 as started from messages where campaign_id = ? and (claim_token is not null or handed_off_at is not null or attempts > 0 or status <> 'queued') limit 1`,
  );
  const deleteUntouchedTexts = db.stmt(
    `delete from messages where campaign_id = ? and claim_token is null and handed_off_at is null and attempts = 0 and status = 'queued'`,
  );
  const membership = createCampaignMembership(deps, { candidates: services.candidates, reads, delivery });
  const messages = createCampaignMessages(deps, { outbox: services.outbox, reads, delivery });

  return {
    async list(caller: Caller, status?: CampaignRow['status'], mine?: boolean): Promise<Campaign[]> {
      const rows = await db.orm
        .select()
        .from(campaigns)
        .where(
          and(
            eq(campaigns.orgId, caller.org.id),
            status ? eq(campaigns.status, status) : undefined,
            mine ? eq(campaigns.createdBy, caller.recruiter.id) : undefined,
          ),
        )
        .orderBy(desc(campaigns.updatedAt), desc(campaigns.id));
      const list: Campaign[] = [];
      for (const c of rows) list.push(await reads.summary(c, caller.org));
      return list;
    },

    async get(caller: Caller, id: number): Promise<CampaignDetail> {
      return reads.detail(await loadCampaign(db, caller, id), caller.org);
    },

    async create(caller: Caller, input: { name: string; jobTitle?: string | null; description?: string | null; candidateIds?: string[] }) {
      requireLicence(caller);
      const now = clock.now();
      if ((input.candidateIds?.length ?? 0) > config.campaignMaxRecipients) {
        throw new ApiError(400, 'CAMPAIGN_TOO_LARGE', `A campaign can have at most ${config.campaignMaxRecipients.toLocaleString('en-US')} candidates.`, {
          max: config.campaignMaxRecipients,
        });
      }
      const [campaign] = await db.orm
        .insert(campaigns)
        .values({
          orgId: caller.org.id,
          createdBy: caller.recruiter.id,
          name: input.name,
          jobTitle: input.jobTitle || null,
          description: input.description || null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      const added = input.candidateIds?.length ? await membership.addTo(caller, campaign!, input.candidateIds) : null;
      return { campaign: await reads.detail(await loadCampaign(db, caller, campaign!.id), caller.org), candidates: added };
    },

    async update(
      caller: Caller,
      id: number,
      patch: { name?: string; jobTitle?: string | null; description?: string | null; assistant?: { enabled: boolean; sequenceId?: number | null } },
    ) {
      requireLicence(caller);
      const campaign = await loadCampaign(db, caller, id);
      requireUnsent(campaign);
      const changes: Partial<CampaignRow> = { updatedAt: clock.now() };
      if (patch.name !== undefined) changes.name = patch.name;
      if (patch.jobTitle !== undefined) changes.jobTitle = patch.jobTitle || null;
      if (patch.description !== undefined) changes.description = patch.description || null;
      if (patch.assistant) {
        if (!caller.org.assistantSubscribed) {
          throw new ApiError(403, 'ASSISTANT_NOT_SUBSCRIBED', 'Your organization does not subscribe to the digital assistant.');
        }
        if (patch.assistant.enabled) {
          const sequenceId = patch.assistant.sequenceId ?? campaign.assistantSequenceId;
          if (sequenceId == null) throw validation('assistant.sequenceId: choose an outbound sequence for Ari.');
          const sequence = await first(
            db.orm
              .select()
              .from(sequences)
              .where(and(eq(sequences.id, sequenceId), eq(sequences.orgId, caller.org.id))),
          );
          if (!sequence) throw notFound('Sequence');
          if (sequence.kind !== 'outbound') throw validation('assistant.sequenceId: campaigns use outbound sequences, not the primary inbound one.');
          changes.assistantEnabled = true;
          changes.assistantSequenceId = sequenceId;
        } else {
          changes.assistantEnabled = false;
        }
      }
      await db.orm.update(campaigns).set(changes).where(eq(campaigns.id, id));
      await delivery.publishSoon(caller.org.id, id);
      return reads.detail(await loadCampaign(db, caller, id), caller.org);
    },

    async remove(caller: Caller, id: number): Promise<void> {
      requireLicence(caller);
      const campaign = await loadCampaign(db, caller, id);
      requireUnsent(campaign);
      await db.tx(
        async (tx) => {
          // Checked again inside the write: the dispatcher may have started it meanwhile. A text
          // the provider has (or may have) can't be taken back, so its campaign stays on record;
          // texts still waiting in the outbox are withdrawn with the campaign.
          const refuse = () => new ApiError(409, 'CAMPAIGN_SENT', 'This campaign has started sending; it can no longer be deleted.');
          if (await tx.get(startedSending, id)) throw refuse();
          // Only texts nobody has touched: the dispatcher claims without the campaign's lock, so a
          // text it took since the check stays, and the removal is refused after all.
          await tx.run(deleteUntouchedTexts, id);
          if (await tx.get(startedSending, id)) throw refuse();
          const messageIds = (await tx.orm.select({ id: campaignMessages.id }).from(campaignMessages).where(eq(campaignMessages.campaignId, id))).map(
            (r) => r.id,
          );
          if (messageIds.length) await tx.orm.delete(campaignDeliveries).where(inArray(campaignDeliveries.campaignMessageId, messageIds));
          await tx.orm.delete(campaignMessages).where(eq(campaignMessages.campaignId, id));
          await tx.orm.delete(campaignRecipients).where(eq(campaignRecipients.campaignId, id));
          await tx.orm.delete(campaigns).where(eq(campaigns.id, id));
        },
        // Race: removing a campaign the dispatcher is starting (it promotes under the campaign's lock).
        { write: true, locks: [['campaign', id]] },
      );
    },

    /** The Candidates tab: a page of recipients, read by SQL a page at a time. */
    async recipients(caller: Caller, id: number, limit: number, offset: number) {
      return reads.page((await loadCampaign(db, caller, id)).id, caller.org, limit, offset);
    },

    addCandidates: membership.addCandidates,
    removeCandidate: membership.removeCandidate,
    createMessage: messages.createMessage,
    previewMessage: messages.previewMessage,
    getMessage: messages.getMessage,
    updateMessage: messages.updateMessage,
    deleteMessage: messages.deleteMessage,
    schedule: messages.schedule,
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
