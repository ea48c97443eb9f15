/**
 * The checks every campaign action starts with, shared by the campaign service's parts (the
 * campaign itself, its membership, its messages): who may act, which campaign and message the
 * caller may see, what can no longer change once texts have started to go, and how a change is
 * announced.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { first } from '../db/types.js';
import type { Deps } from '../deps.js';
import { ApiError, notFound } from '../lib/errors.js';
import type { Caller } from './auth.js';
import type { CampaignDelivery } from './campaign-delivery.js';
import type { CampaignMessageRow, CampaignRow } from './campaign-read-model.js';

export function requireLicence(caller: Caller): void {
  if (!caller.recruiter.licensed) {
    throw new ApiError(403, 'NOT_LICENSED', 'You need a Text Engagement licence to create and send campaigns. Ask your administrator.');
  }
}

/** The caller's organisation's campaign; 404 for anyone else's. */
export async function loadCampaign(db: Db, caller: Caller, id: number): Promise<CampaignRow> {
  const { campaigns } = db.t;
  const row = await first(
    db.orm
      .select()
      .from(campaigns)
      .where(and(eq(campaigns.id, id), eq(campaigns.orgId, caller.org.id))),
  );
  if (!row) throw notFound('Campaign');
  return row;
}

/** A campaign that has sent takes no new candidates and no new messages. */
export function requireUnsent(campaign: CampaignRow): void {
  if (campaign.status === 'sending' || campaign.status === 'sent') {
    throw new ApiError(409, 'CAMPAIGN_SENT', 'This campaign has already sent; it can no longer be changed.');
  }
}

export async function loadMessage(db: Db, campaign: CampaignRow, messageId: number): Promise<CampaignMessageRow> {
  const { campaignMessages } = db.t;
  const row = await first(
    db.orm
      .select()
      .from(campaignMessages)
      .where(and(eq(campaignMessages.id, messageId), eq(campaignMessages.campaignId, campaign.id))),
  );
  if (!row) throw notFound('Campaign message');
  return row;
}

/** Drafts and scheduled messages can change; once a message starts sending it cannot. */
export function requireUnstarted(message: CampaignMessageRow): void {
  if (message.status === 'sending' || message.status === 'sent') {
    throw new ApiError(409, 'MESSAGE_SENT', 'This message has started sending; it can no longer be edited or deleted.');
  }
}

/** A change a recruiter made: stamped, and announced to every open view of the campaign. */
export async function touchCampaign({ db, clock }: Pick<Deps, 'db' | 'clock'>, delivery: Pick<CampaignDelivery, 'publishSoon'>, id: number): Promise<void> {
  const { campaigns } = db.t;
  const [row] = await db.orm.update(campaigns).set({ updatedAt: clock.now() }).where(eq(campaigns.id, id)).returning({ orgId: campaigns.orgId });
  if (row) await delivery.publishSoon(row.orgId, id);
}
