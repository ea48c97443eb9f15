/**
 * A campaign message's life, following Schedule Message -> Review -> Send/Save: written as a
 * draft (or only previewed, which saves nothing), edited, scheduled (one delivery per
 * recipient, for the delivery stage to send), deleted. Drafts and scheduled messages can change,
 * each change in one transaction; once a message starts sending it cannot.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Review } from '../../shared/api.js';
import { unknownMergeFields } from '../../shared/merge-fields.js';
import { campaignDeliveries, campaignMessages, recruiters, templates } from '../db/schema.js';
import { whatsappSendForm } from '../../shared/whatsapp.js';
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
  const sqlite = db.$client;
  const stmt = {
    // One delivery per recipient, in one statement: a campaign can have tens of thousands.
    deliveriesForAll: sqlite.prepare(
      `insert into campaign_deliveries (org_id, campaign_message_id, candidate_id, due_at, updated_at)
       select ?, ?, candidate_id, ?, ? from campaign_recipients where campaign_id = ? order by candidate_id
       on conflict do nothing`,
    ),
  };

  function resolveBody(caller: Caller, body: string | undefined, templateId: number | null | undefined, current?: CampaignMessageRow) {
    let template: typeof templates.$inferSelect | undefined;
    const id = templateId === undefined ? current?.templateId : templateId;
    if (id != null) {
      template = db
        .select()
        .from(templates)
        .where(and(eq(templates.id, id), eq(templates.orgId, caller.org.id), isNull(templates.deletedAt)))
        .get();
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
  function review(org: Organization, campaign: CampaignRow, draft: Draft): Review {
    // The delivery stage's rule at send time: an approved template, unedited, may open a WhatsApp conversation.
    const template = draft.templateId != null ? db.select().from(templates).where(eq(templates.id, draft.templateId)).get() : undefined;
    const sender = db.select().from(recruiters).where(eq(recruiters.id, campaign.createdBy)).get()!;
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
        recipients: services.reads.all(campaign.id),
        now: clock.now(),
        serverRatePerSecond: config.sendRatePerSecond,
        bookingLinkTtlMs: config.bookingLinkTtlMs,
        publicUrl: config.publicUrl,
      },
    );
  }

  /** A new message checked and reviewed as Save would: refused (400) if any recipient's text would be too long. */
  function checkedDraft(caller: Caller, campaign: CampaignRow, input: MessageInput) {
    const { body, templateId } = resolveBody(caller, input.body, input.templateId);
    const draft: Draft = { body, templateId, sendAt: resolveSendAt(input.sendAt) };
    const r = review(caller.org, campaign, draft);
    refuseOverlongTexts(r);
    return { draft, review: r };
  }

  function confirmationFor(row: CampaignMessageRow): string {
    return row.sendAt == null ? 'Your message is on its way.' : `Your message is scheduled for ${new Date(row.sendAt).toISOString()}.`;
  }

  return {
    createMessage(caller: Caller, id: number, input: MessageInput) {
      requireLicence(caller);
      const campaign = loadCampaign(db, caller, id);
      requireUnsent(campaign);
      const { draft, review: r } = checkedDraft(caller, campaign, input);
      const now = clock.now();
      const row = db
        .insert(campaignMessages)
        .values({ orgId: caller.org.id, campaignId: id, createdBy: caller.recruiter.id, ...draft, createdAt: now, updatedAt: now })
        .returning()
        .get();
      touchCampaign(deps, services.delivery, id);
      return { message: campaignMessageJson(row), review: r };
    },

    /**
     * The Review of a message not saved (a new one, or an edit of a scheduled one before Save):
     * the same answer createMessage would give, with nothing written and nobody told.
     */
    previewMessage(caller: Caller, id: number, input: MessageInput) {
      requireLicence(caller);
      const campaign = loadCampaign(db, caller, id);
      const { draft, review: r } = checkedDraft(caller, campaign, input);
      return {
        message: { body: draft.body, templateId: draft.templateId, sendAt: draft.sendAt == null ? null : new Date(draft.sendAt).toISOString() },
        review: r,
      };
    },

    getMessage(caller: Caller, id: number, messageId: number) {
      const campaign = loadCampaign(db, caller, id);
      const row = loadMessage(db, campaign, messageId);
      return { message: campaignMessageJson(row), review: review(caller.org, campaign, row) };
    },

    /**
     * Changes a draft or a scheduled message (body, template, send time) in one transaction:
     * checked, reviewed and written together, so a refusal changes nothing and other viewers see
     * only the message before and after. A scheduled message's deliveries move to the new time.
     */
    updateMessage(caller: Caller, id: number, messageId: number, patch: { body?: string; sendAt?: string | null; templateId?: number | null }) {
      requireLicence(caller);
      const campaign = loadCampaign(db, caller, id);
      const { row, review: r } = db.transaction(
        () => {
          // The dispatcher may have started it a moment ago: the write lock is taken before reading it.
          const current = loadMessage(db, campaign, messageId);
          requireUnstarted(current);
          const { body, templateId } = resolveBody(caller, patch.body, patch.templateId, current);
          const sendAt = patch.sendAt === undefined ? current.sendAt : resolveSendAt(patch.sendAt);
          const checked = review(caller.org, campaign, { body, templateId, sendAt });
          refuseOverlongTexts(checked);
          const now = clock.now();
          const updated = db
            .update(campaignMessages)
            .set({ body, templateId, sendAt, updatedAt: now })
            .where(eq(campaignMessages.id, messageId))
            .returning()
            .get();
          if (updated.status === 'scheduled') {
            db.update(campaignDeliveries)
              .set({ dueAt: sendAt ?? now, updatedAt: now })
              .where(and(eq(campaignDeliveries.campaignMessageId, messageId), eq(campaignDeliveries.status, 'pending')))
              .run();
          }
          return { row: updated, review: checked };
        },
        { behavior: 'immediate' },
      );
      touchCampaign(deps, services.delivery, id);
      if (row.status === 'scheduled') services.outbox.kick();
      return { message: campaignMessageJson(row), review: r };
    },

    deleteMessage(caller: Caller, id: number, messageId: number) {
      requireLicence(caller);
      const campaign = loadCampaign(db, caller, id);
      loadMessage(db, campaign, messageId);
      db.transaction(() => {
        requireUnstarted(loadMessage(db, campaign, messageId));
        db.delete(campaignDeliveries).where(eq(campaignDeliveries.campaignMessageId, messageId)).run();
        db.delete(campaignMessages).where(eq(campaignMessages.id, messageId)).run();
        services.delivery.refreshCampaignStatus(id);
      });
      touchCampaign(deps, services.delivery, id);
    },

    /** Send (a message for now) or Save (for later): commits it and queues one delivery per recipient. */
    schedule(caller: Caller, id: number, messageId: number) {
      requireLicence(caller);
      const campaign = loadCampaign(db, caller, id);
      const current = loadMessage(db, campaign, messageId);
      if (current.status !== 'draft') {
        // Pressed twice (even after the dispatcher has started on it): the first press already did it.
        return { message: campaignMessageJson(current), review: review(caller.org, campaign, current), confirmation: confirmationFor(current) };
      }
      requireUnstarted(current);
      requireUnsent(campaign);
      if (current.sendAt != null && current.sendAt < clock.now() - PAST_GRACE_MS) {
        throw validation('The scheduled time has passed: edit the message and pick a new time, or send it now.');
      }
      const r = review(caller.org, campaign, current);
      if (r.eligible === 0) throw new ApiError(409, 'NO_ELIGIBLE_RECIPIENTS', 'No recipient of this campaign can be texted.');
      const now = clock.now();
      const scheduled = db.transaction(() => {
        const row = db
          .update(campaignMessages)
          .set({ status: 'scheduled', scheduledAt: now, updatedAt: now, sendAt: current.sendAt != null && current.sendAt <= now ? null : current.sendAt })
          .where(and(eq(campaignMessages.id, messageId), eq(campaignMessages.status, 'draft')))
          .returning()
          .get();
        if (!row) throw new ApiError(409, 'MESSAGE_SENT', 'This message was changed meanwhile; reload it.');
        // One delivery per recipient (the same rows membership writes for newcomers), in one statement.
        stmt.deliveriesForAll.run(row.orgId, row.id, row.sendAt ?? now, now, id);
        services.delivery.refreshCampaignStatus(id);
        return row;
      });
      services.outbox.kick();
      services.delivery.publishSoon(caller.org.id, id);
      return { message: campaignMessageJson(scheduled), review: r, confirmation: confirmationFor(scheduled) };
    },
  };
}
