/**
 * A campaign message's life, following Schedule Message -> Review -> Send/Save: written as a
 * draft (or only previewed, which saves nothing), edited, scheduled (one delivery per
 * recipient, for the delivery stage to send), deleted. Drafts and scheduled messages can change,
 * each change in one transaction; once a message starts sending it cannot.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Review } from '../../shared/api.js';
import { unknownMergeFields } from '../../shared/merge-fields.js';
import { whatsappSendForm } from '../../shared/whatsapp.js';
import type { Db } from '../db/client.js';
import { first } from '../db/types.js';
import type { Deps } from '../deps.js';
import { ApiError, notFound, validation } from '../lib/errors.js';
import type { Caller } from './auth.js';
import { loadCampaign, loadMessage, requireLicence, requireUnsent, requireUnstarted, touchCampaign } from './campaign-access.js';
import type { CampaignDelivery } from './campaign-delivery.js';
import { campaignMessageJson, type CampaignMessageRow, type CampaignReadModel, type CampaignRow } from './campaign-read-model.js';
import { refuseOverlongTexts, reviewCampaignMessage } from './campaign-review.js';
import type { Outbox } from './outbox.js';
import type { Organization } from './textability.js';

const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 3600_000;
/** A send time this far in the past is taken as "now" (the form was filled a moment ago). */
const PAST_GRACE_MS = 5 * 60_000;

/** What Schedule Message sends: the body (or a template's), and when (null: now). */
export interface MessageInput {
  body: string;
  sendAt: string | null;
  templateId?: number | null;
}

/** A message as it would be saved, once its body and send time are checked. */
interface Draft {
  body: string;
  templateId: number | null;
  sendAt: number | null;
}

export function createCampaignMessages(
  deps: Deps,
  services: { outbox: Pick<Outbox, 'kick'>; reads: CampaignReadModel; delivery: Pick<CampaignDelivery, 'publishSoon' | 'refreshCampaignStatus'> },
) {
  const { db, clock, config } = deps;
  const { campaignDeliveries, campaignMessages, recruiters, templates } = db.t;
  const stmt = {
    // One delivery per recipient, in one statement: a campaign can have tens of thousands.
    deliveriesForAll: db.stmt(
      `insert into campaign_deliveries (org_id, campaign_message_id, candidate_id, due_at, updated_at)
       select ?, ?, candidate_id, ?, ? from campaign_recipients where campaign_id = ? order by candidate_id
       on conflict do nothing`,
    ),
  };

  /** `on`: the transaction asking, if any (here and below). */
  async function resolveBody(caller: Caller, body: string | undefined, templateId: number | null | undefined, current?: CampaignMessageRow, on: Db = db) {
    let template: typeof templates.$inferSelect | undefined;
    const id = templateId === undefined ? current?.templateId : templateId;
    if (id != null) {
      template = await first(
        on.orm
          .select()
          .from(templates)
          .where(and(eq(templates.id, id), eq(templates.orgId, caller.org.id), isNull(templates.deletedAt))),
      );
      if (!template) throw notFound('Template');
    }
    const text = body !== undefined && body.trim() ? body : body === undefined && current ? current.body : (template?.body ?? body ?? '');
    if (!text.trim()) throw validation('Write a message first: the body is empty.');
    const unknown = unknownMergeFields(text);
    if (unknown.length) {
      throw validation(`Unknown merge field${unknown.length > 1 ? 's' : ''}: ${unknown.map((f) => `{{${f}}}`).join(', ')}.`, { unknownFields: unknown });
    }
    return { body: text, templateId: template?.id ?? null };
  }

  function resolveSendAt(sendAt: string | null): number | null {
    if (sendAt == null) return null;
    const at = Date.parse(sendAt);
    const now = clock.now();
    if (at < now - PAST_GRACE_MS) throw validation('sendAt is in the past: pick a later time, or send now.');
    if (at > now + MAX_SCHEDULE_AHEAD_MS) throw validation('sendAt is more than a year ahead.');
    return at <= now ? null : at;
  }

  /** Reads what the Review depends on and asks it; writes nothing. */
  async function review(org: Organization, campaign: CampaignRow, draft: Draft, on: Db = db): Promise<Review> {
    // The delivery stage's rule at send time: an approved template, unedited, may open a WhatsApp conversation.
    const template = draft.templateId != null ? await first(on.orm.select().from(templates).where(eq(templates.id, draft.templateId))) : undefined;
    const sender = (await first(on.orm.select().from(recruiters).where(eq(recruiters.id, campaign.createdBy))))!;
    const recipients = await services.reads.all(campaign.id, on);
    return reviewCampaignMessage(
      {
        body: draft.body,
        sendAt: draft.sendAt,
        // Whether it could open a WhatsApp conversation: sent as the template's approved content.
        approvedTemplate:
          whatsappSendForm({ channel: 'whatsapp', windowOpen: false, template: template?.deletedAt == null ? template : undefined, body: draft.body }) ===
          'content',
      },
      {
        org,
        sender,
        jobTitle: campaign.jobTitle,
        recipients,
        now: clock.now(),
        serverRatePerSecond: config.sendRatePerSecond,
        bookingLinkTtlMs: config.bookingLinkTtlMs,
        publicUrl: config.publicUrl,
      },
    );
  }

  /** A new message checked and reviewed as Save would: refused (400) if any recipient's text would be too long. */
  async function checkedDraft(caller: Caller, campaign: CampaignRow, input: MessageInput) {
    const { body, templateId } = await resolveBody(caller, input.body, input.templateId);
    const draft: Draft = { body, templateId, sendAt: resolveSendAt(input.sendAt) };
    const r = await review(caller.org, campaign, draft);
    refuseOverlongTexts(r);
    return { draft, review: r };
  }

  function confirmationFor(row: CampaignMessageRow): string {
    return row.sendAt == null ? 'Your message is on its way.' : `Your message is scheduled for ${new Date(row.sendAt).toISOString()}.`;
  }

  return {
    async createMessage(caller: Caller, id: number, input: MessageInput) {
      requireLicence(caller);
      const campaign = await loadCampaign(db, caller, id);
      requireUnsent(campaign);
      const { draft, review: r } = await checkedDraft(caller, campaign, input);
      const now = clock.now();
      const row = await db.tx(
        async (tx) => {
          // Checked again under the campaign's lock: another message of the campaign may have started meanwhile.
          requireUnsent(await loadCampaign(tx, caller, id));
          const [inserted] = await tx.orm
            .insert(campaignMessages)
            .values({ orgId: caller.org.id, campaignId: id, createdBy: caller.recruiter.id, ...draft, createdAt: now, updatedAt: now })
            .returning();
          return inserted!;
        },
        // Race: a message added to a campaign that has started sending meanwhile (the campaign's lock, as the dispatcher takes it).
        { write: true, locks: [['campaign', id]] },
      );
      await touchCampaign(deps, services.delivery, id);
      return { message: campaignMessageJson(row), review: r };
    },

    /**
     * The Review of a message not saved (a new one, or an edit of a scheduled one before Save):
     * the same answer createMessage would give, with nothing written and nobody told.
     */
    async previewMessage(caller: Caller, id: number, input: MessageInput) {
      requireLicence(caller);
      const campaign = await loadCampaign(db, caller, id);
      const { draft, review: r } = await checkedDraft(caller, campaign, input);
      return {
        message: { body: draft.body, templateId: draft.templateId, sendAt: draft.sendAt == null ? null : new Date(draft.sendAt).toISOString() },
        review: r,
      };
    },

    async getMessage(caller: Caller, id: number, messageId: number) {
      const campaign = await loadCampaign(db, caller, id);
      const row = await loadMessage(db, campaign, messageId);
      return { message: campaignMessageJson(row), review: await review(caller.org, campaign, row) };
    },

    /**
     * Changes a draft or a scheduled message (body, template, send time) in one transaction:
     * checked, reviewed and written together, so a refusal changes nothing and other viewers see
     * only the message before and after. A scheduled message's deliveries move to the new time.
     */
    async updateMessage(caller: Caller, id: number, messageId: number, patch: { body?: string; sendAt?: string | null; templateId?: number | null }) {
      requireLicence(caller);
      const campaign = await loadCampaign(db, caller, id);
      const { row, review: r } = await db.tx(
        async (tx) => {
          // The dispatcher may have started it a moment ago: the campaign's lock is taken before reading it.
          const current = await loadMessage(tx, campaign, messageId);
          requireUnstarted(current);
          const { body, templateId } = await resolveBody(caller, patch.body, patch.templateId, current, tx);
          const sendAt = patch.sendAt === undefined ? current.sendAt : resolveSendAt(patch.sendAt);
          const checked = await review(caller.org, campaign, { body, templateId, sendAt }, tx);
          refuseOverlongTexts(checked);
          const now = clock.now();
          const [updated] = await tx.orm
            .update(campaignMessages)
            .set({ body, templateId, sendAt, updatedAt: now })
            .where(eq(campaignMessages.id, messageId))
            .returning();
          if (updated!.status === 'scheduled') {
            await tx.orm
              .update(campaignDeliveries)
              .set({ dueAt: sendAt ?? now, updatedAt: now })
              .where(and(eq(campaignDeliveries.campaignMessageId, messageId), eq(campaignDeliveries.status, 'pending')));
          }
          return { row: updated!, review: checked };
        },
        // Race: editing a message the dispatcher is starting (it promotes under the campaign's lock).
        { write: true, locks: [['campaign', id]] },
      );
      await touchCampaign(deps, services.delivery, id);
      if (row.status === 'scheduled') services.outbox.kick();
      return { message: campaignMessageJson(row), review: r };
    },

    async deleteMessage(caller: Caller, id: number, messageId: number): Promise<void> {
      requireLicence(caller);
      const campaign = await loadCampaign(db, caller, id);
      await loadMessage(db, campaign, messageId);
      // The campaign's lock is taken before the check: the dispatcher may be about to start it.
      await db.tx(
        async (tx) => {
          requireUnstarted(await loadMessage(tx, campaign, messageId));
          await tx.orm.delete(campaignDeliveries).where(eq(campaignDeliveries.campaignMessageId, messageId));
          await tx.orm.delete(campaignMessages).where(eq(campaignMessages.id, messageId));
          await services.delivery.refreshCampaignStatus(id, tx);
        },
        // Race: deleting a message the dispatcher is starting (it promotes under the campaign's lock).
        { write: true, locks: [['campaign', id]] },
      );
      await touchCampaign(deps, services.delivery, id);
    },

    /** Send (a message for now) or Save (for later): commits it and queues one delivery per recipient. */
    async schedule(caller: Caller, id: number, messageId: number) {
      requireLicence(caller);
      const campaign = await loadCampaign(db, caller, id);
      const current = await loadMessage(db, campaign, messageId);
      if (current.status !== 'draft') {
        // Pressed twice (even after the dispatcher has started on it): the first press already did it.
        return { message: campaignMessageJson(current), review: await review(caller.org, campaign, current), confirmation: confirmationFor(current) };
      }
      requireUnstarted(current);
      requireUnsent(campaign);
      if (current.sendAt != null && current.sendAt < clock.now() - PAST_GRACE_MS) {
        throw validation('The scheduled time has passed: edit the message and pick a new time, or send it now.');
      }
      const r = await review(caller.org, campaign, current);
      if (r.eligible === 0) throw new ApiError(409, 'NO_ELIGIBLE_RECIPIENTS', 'No recipient of this campaign can be texted.');
      const now = clock.now();
      const scheduled = await db.tx(
        async (tx) => {
          // Checked again under the campaign's lock: another message of the campaign may have started meanwhile.
          requireUnsent(await loadCampaign(tx, caller, id));
          // Only the draft as reviewed above: not one edited (or scheduled by a second press) since.
          const [row] = await tx.orm
            .update(campaignMessages)
            .set({ status: 'scheduled', scheduledAt: now, updatedAt: now, sendAt: current.sendAt != null && current.sendAt <= now ? null : current.sendAt })
            .where(
              and(
                eq(campaignMessages.id, messageId),
                eq(campaignMessages.status, 'draft'),
                eq(campaignMessages.body, current.body),
                current.templateId == null ? isNull(campaignMessages.templateId) : eq(campaignMessages.templateId, current.templateId),
                current.sendAt == null ? isNull(campaignMessages.sendAt) : eq(campaignMessages.sendAt, current.sendAt),
              ),
            )
            .returning();
          if (!row) return null;
          // One delivery per recipient (the same rows membership writes for newcomers), in one statement.
          await tx.run(stmt.deliveriesForAll, row.orgId, row.id, row.sendAt ?? now, now, id);
          await services.delivery.refreshCampaignStatus(id, tx);
          return row;
        },
        // Race: two messages of one campaign scheduled at once, or one as the campaign starts sending.
        { write: true, locks: [['campaign', id]] },
      );
      if (!scheduled) {
        const latest = await loadMessage(db, campaign, messageId);
        if (latest.status === 'draft') throw new ApiError(409, 'MESSAGE_SENT', 'This message was changed meanwhile; reload it.');
        // Pressed twice at once: the other press scheduled it first.
        return { message: campaignMessageJson(latest), review: await review(caller.org, campaign, latest), confirmation: confirmationFor(latest) };
      }
      services.outbox.kick();
      await services.delivery.publishSoon(caller.org.id, id);
      return { message: campaignMessageJson(scheduled), review: r, confirmation: confirmationFor(scheduled) };
    },
  };
}
