/**
 * The campaign stage of the delivery engine. When a campaign message is scheduled, one
 * `campaign_deliveries` row per recipient is written (unique per message and candidate). Each
 * dispatcher round, due rows are turned into outbox messages in one immediate transaction:
 * re-checked for textability (an opt-out after scheduling means skipped), held for the
 * candidate's texting window in their own time zone, rendered, and queued with an idempotency
 * key derived from (message, candidate), so no crash or second process can queue one twice.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { CampaignDetail } from '../../shared/api.js';
import { whatsappSendForm } from '../../shared/whatsapp.js';
import { campaignMessages, campaigns, candidates, organizations, recruiters, templates } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { CAMPAIGN_MAX_REARMS, CAMPAIGN_PROMOTE_BATCH, CAMPAIGN_PUBLISH_INTERVAL_MS, CAMPAIGN_QUEUE_TARGET } from '../tuning.js';
import { nextAllowed } from '../lib/zoned-time.js';
import { timeZoneOf } from './candidates.js';
import { mergeValuesFor, renderBody, renderContentVariables } from './message-body.js';
import { messageJson, type MessageRow } from './message-json.js';
import type { Assistant } from '../assistant/engine.js';
import type { InboundHooks } from './inbound.js';
import { PRIORITY, type Outbox, type OutboxHooks } from './outbox.js';
import { notTextableReason, whatsappWindowOpen, type Candidate, type Organization } from './textability.js';

type CampaignRow = typeof campaigns.$inferSelect;
type CampaignMessageRow = typeof campaignMessages.$inferSelect;

export function textingWindow(org: Organization) {
  return { startMinute: org.textingStartMinute, endMinute: org.textingEndMinute };
}

/**
 * The stage and its hooks: `outboxHooks` (promote due deliveries each round, complete messages as
 * their texts settle), `onStatusChange` and `inboundHooks` (delivery reports and replies move a
 * campaign's numbers). createServices registers them.
 */
export function createCampaignDelivery(
  deps: Deps,
  services: { outbox: Pick<Outbox, 'enqueue'>; assistant: Pick<Assistant, 'start' | 'publish'>; serializeCampaign(id: number): CampaignDetail | null },
) {
  const { db, clock, config, events } = deps;
  const sqlite = db.$client;
  const lastPublished = new Map<number, number>();
  const trailing = new Set<number>();

  const stmt = {
    due: sqlite.prepare(
      `select d.id, d.candidate_id as candidateId, d.campaign_message_id as campaignMessageId, d.org_id as orgId, d.attempt
       from campaign_deliveries d where d.status = 'pending' and d.due_at <= ? order by d.due_at, d.id limit ?`,
    ),
    queuedCampaignTexts: sqlite.prepare(`select count(*) as n from messages where status = 'queued' and campaign_message_id is not null`),
    nextDue: sqlite.prepare(`select min(due_at) as at from campaign_deliveries where status = 'pending'`),
    campaignsTexted: sqlite.prepare(
      `select distinct cm.campaign_id as id from campaign_deliveries d join campaign_messages cm on cm.id = d.campaign_message_id
       where d.candidate_id = ? and d.message_id is not null`,
    ),
    dueWithoutDeliveries: sqlite.prepare(
      `select cm.id, cm.org_id as orgId from campaign_messages cm
       where cm.status = 'scheduled' and coalesce(cm.send_at, cm.scheduled_at) <= ?
         and not exists (select 1 from campaign_deliveries d where d.campaign_message_id = cm.id)`,
    ),
    setDeliveryQueued: sqlite.prepare(`update campaign_deliveries set status = 'queued', message_id = ?, updated_at = ? where id = ? and status = 'pending'`),
    setDeliverySkipped: sqlite.prepare(
      `update campaign_deliveries set status = 'skipped', skip_reason = ?, updated_at = ? where id = ? and status = 'pending'`,
    ),
    setDeliveryDue: sqlite.prepare(`update campaign_deliveries set due_at = ?, updated_at = ? where id = ? and status = 'pending'`),
    // The delivery of a text that expired unsent, if it may be tried again: still a recipient, under the cap.
    expiredDelivery: sqlite.prepare(
      `select d.id, d.attempt from campaign_deliveries d
       join campaign_messages cm on cm.id = d.campaign_message_id and cm.status in ('sending', 'sent')
       join campaign_recipients r on r.campaign_id = cm.campaign_id and r.candidate_id = d.candidate_id
       where d.message_id = ? and d.status = 'queued' and d.attempt < ?`,
    ),
    rearm: sqlite.prepare(
      `update campaign_deliveries set status = 'pending', attempt = attempt + 1, message_id = null, due_at = ?, updated_at = ?
       where id = ? and message_id = ? and status = 'queued'`,
    ),
    reopen: sqlite.prepare(`update campaign_messages set status = 'sending', completed_at = null, updated_at = ? where id = ? and status = 'sent'`),
    // Anything left to do for one campaign message: a queued or mid-hand-over text, one handed over
    // that the provider's look-up has not found yet (the outbox asks again: it may be re-sent), or a
    // pending delivery. Asked every round, so each test stops at the first row and reads the small partial
    // indexes (queued texts, live claims, pending deliveries; `+` keeps the planner off the
    // per-message indexes, which would walk every text the message already sent).
    openWork: sqlite.prepare(
      `select case
         when exists (select 1 from messages where status = 'queued' and +campaign_message_id = @id) then 1
         when exists (select 1 from messages where status = 'sending' and claim_token is not null and +campaign_message_id = @id) then 1
         when exists (select 1 from messages where status = 'sending' and provider_sid is null and check_at is not null and +campaign_message_id = @id) then 1
         when exists (select 1 from campaign_deliveries where status = 'pending' and +campaign_message_id = @id) then 1
         else 0 end as n`,
    ),
  };

  function campaignStatusFrom(messageStatuses: string[]): CampaignRow['status'] {
    if (messageStatuses.includes('sending')) return 'sending';
    if (messageStatuses.includes('scheduled')) return 'scheduled';
    if (messageStatuses.includes('sent')) return 'sent';
    return 'draft';
  }

  /** Re-derives a campaign's status from its messages (after any change to them). */
  function refreshCampaignStatus(campaignId: number): void {
    const now = clock.now();
    const statuses = db
      .select({ status: campaignMessages.status })
      .from(campaignMessages)
      .where(eq(campaignMessages.campaignId, campaignId))
      .all()
      .map((r) => r.status);
    const status = campaignStatusFrom(statuses);
    db.update(campaigns)
      .set({ status, updatedAt: now, ...(status === 'sent' ? { sentAt: sql`coalesce(${campaigns.sentAt}, ${now})` } : {}) })
      .where(and(eq(campaigns.id, campaignId), sql`${campaigns.status} <> ${status}`))
      .run();
  }

  /** A campaign message is sent once nothing of it is pending, queued or mid-hand-over. */
  function completeIfDone(campaignMessageIds: Iterable<number>): void {
    const now = clock.now();
    for (const id of new Set(campaignMessageIds)) {
      const open = (stmt.openWork.get({ id }) as { n: number }).n;
      if (open > 0) continue;
      const done = db
        .update(campaignMessages)
        .set({ status: 'sent', completedAt: now, updatedAt: now, startedAt: sql`coalesce(${campaignMessages.startedAt}, ${now})` })
        .where(and(eq(campaignMessages.id, id), inArray(campaignMessages.status, ['scheduled', 'sending'])))
        .returning()
        .get();
      if (done) {
        refreshCampaignStatus(done.campaignId);
        publishSoon(done.orgId, done.campaignId);
      }
    }
  }

  const promote = sqlite.transaction((now: number) => {
    const room = CAMPAIGN_QUEUE_TARGET - (stmt.queuedCampaignTexts.get() as { n: number }).n;
    const created: { message: MessageRow; atsId: string; recruiterName: string; ariStarted: boolean }[] = [];
    if (room <= 0) return { touched: new Map<number, number>(), created };
    const due = stmt.due.all(now, Math.min(CAMPAIGN_PROMOTE_BATCH, room)) as {
      id: number;
      candidateId: number;
      campaignMessageId: number;
      orgId: number;
      attempt: number;
    }[];
    const touched = new Map<number, number>(); // campaign message id -> org id
    if (!due.length) return { touched, created };

    const orgs = new Map<number, Organization>();
    // Everyone due in this batch is checked at the same instant: one texting-window answer per zone.
    const slots = new Map<string, ReturnType<typeof nextAllowed>>();
    const cms = new Map<
      number,
      CampaignMessageRow & {
        campaign: CampaignRow;
        recruiter: { id: number; name: string; bookingSlug: string };
        template: { body: string; contentSid: string | null; contentVariables: Record<string, string> | null } | undefined;
      }
    >();
    const candidateRows = new Map<number, Candidate>(
      db
        .select()
        .from(candidates)
        .where(inArray(candidates.id, [...new Set(due.map((d) => d.candidateId))]))
        .all()
        .map((c) => [c.id, c]),
    );

    for (const d of due) {
      let org = orgs.get(d.orgId);
      if (!org) orgs.set(d.orgId, (org = db.select().from(organizations).where(eq(organizations.id, d.orgId)).get()!));
      let cm = cms.get(d.campaignMessageId);
      if (!cm) {
        const row = db.select().from(campaignMessages).where(eq(campaignMessages.id, d.campaignMessageId)).get()!;
        const campaign = db.select().from(campaigns).where(eq(campaigns.id, row.campaignId)).get()!;
        const recruiter = db
          .select({ id: recruiters.id, name: recruiters.name, bookingSlug: recruiters.bookingSlug })
          .from(recruiters)
          .where(eq(recruiters.id, campaign.createdBy))
          .get()!;
        const template = row.templateId != null ? db.select().from(templates).where(eq(templates.id, row.templateId)).get() : undefined;
        cm = { ...row, campaign, recruiter, template: template && template.deletedAt == null ? template : undefined };
        cms.set(d.campaignMessageId, cm);
      }
      touched.set(cm.id, cm.orgId);
      const candidate = candidateRows.get(d.candidateId);
      const skip = (reason: string) => stmt.setDeliverySkipped.run(reason, now, d.id);
      if (!candidate) {
        skip('NOT_FOUND');
        continue;
      }
      const reason = notTextableReason(candidate, org);
      if (reason) {
        skip(reason);
        continue;
      }
      // WhatsApp outside the window: the template's approved content, unedited, or nothing.
      const form = whatsappSendForm({ channel: candidate.channel, windowOpen: whatsappWindowOpen(candidate, now), template: cm.template, body: cm.body });
      if (typeof form === 'object') {
        skip('WHATSAPP_WINDOW_CLOSED');
        continue;
      }
      let body: string;
      let content: { sid: string; variables: Record<string, string> } | null = null;
      try {
        const values = mergeValuesFor({
          candidate,
          recruiter: cm.recruiter,
          org,
          publicUrl: config.publicUrl,
          linkExpiresAt: now + config.bookingLinkTtlMs,
          jobTitle: cm.campaign.jobTitle,
        });
        body = renderBody(cm.body, values);
        if (form === 'content') content = { sid: cm.template!.contentSid!, variables: renderContentVariables(cm.template!.contentVariables ?? {}, values) };
      } catch {
        skip('MISSING_MERGE_FIELD');
        continue;
      }
      const zone = timeZoneOf(candidate, org);
      let slot = slots.get(`${org.id} ${zone}`);
      if (!slot) slots.set(`${org.id} ${zone}`, (slot = nextAllowed(now, zone, textingWindow(org))));
      if (slot.waited) {
        stmt.setDeliveryDue.run(slot.at, now, d.id);
        continue;
      }
      const message = services.outbox.enqueue({
        org,
        candidate,
        body,
        sender: 'recruiter',
        recruiterId: cm.campaign.createdBy,
        templateId: content ? cm.templateId : null,
        content,
        campaignId: cm.campaignId,
        campaignMessageId: cm.id,
        // A delivery re-armed after its text expired at the provider is a new text (attempt 0 keeps the original key).
        idempotencyKey: d.attempt ? `campaign:${cm.id}:${candidate.id}:${d.attempt}` : `campaign:${cm.id}:${candidate.id}`,
        priority: PRIORITY.campaign,
        dueAt: now,
        validUntil: slot.until,
      });
      stmt.setDeliveryQueued.run(message.id, now, d.id);
      // With Enable ARI, the candidate's reply to this text is Ari's to answer.
      const ariStarted = cm.campaign.assistantEnabled && cm.campaign.assistantSequenceId != null && org.assistantSubscribed;
      if (ariStarted) services.assistant.start(org, candidate, cm.campaign.assistantSequenceId!, { ask: false, campaignId: cm.campaignId });
      if (events.subscriberCount(org.id)) created.push({ message, atsId: candidate.atsId, recruiterName: cm.recruiter.name, ariStarted });
    }
    for (const cm of cms.values()) {
      const started = db
        .update(campaignMessages)
        .set({ status: 'sending', startedAt: now, updatedAt: now })
        .where(and(eq(campaignMessages.id, cm.id), eq(campaignMessages.status, 'scheduled')))
        .returning()
        .get();
      if (started) refreshCampaignStatus(cm.campaignId);
    }
    return { touched, created };
  });

  function publish(orgId: number, campaignId: number) {
    lastPublished.set(campaignId, clock.now());
    const data = services.serializeCampaign(campaignId);
    if (data) events.publish(orgId, { type: 'campaign.updated', data });
  }

  /** campaign.updated at most every 500 ms per campaign, always with the latest numbers. */
  function publishSoon(orgId: number, campaignId: number) {
    if (!events.subscriberCount(orgId)) return;
    const since = clock.now() - (lastPublished.get(campaignId) ?? 0);
    if (since >= CAMPAIGN_PUBLISH_INTERVAL_MS) return publish(orgId, campaignId);
    if (trailing.has(campaignId)) return;
    trailing.add(campaignId);
    clock.setTimeout(() => {
      trailing.delete(campaignId);
      publish(orgId, campaignId);
    }, CAMPAIGN_PUBLISH_INTERVAL_MS - since);
  }

  const outboxHooks: OutboxHooks = {
    beforeRound(now) {
      const { touched, created } = promote.immediate(now);
      // Open conversations see the campaign's text (and Ari taking over the replies) at once.
      for (const { message, atsId, recruiterName, ariStarted } of created) {
        events.publish(message.orgId, { type: 'message.created', data: messageJson(message, atsId, recruiterName) });
        if (ariStarted) services.assistant.publish(message.orgId, message.candidateId, []);
      }
      // Due messages with nobody left to send to (every recipient removed) are done too.
      const emptyDue = stmt.dueWithoutDeliveries.all(now) as { id: number; orgId: number }[];
      for (const m of emptyDue) touched.set(m.id, m.orgId);
      completeIfDone(touched.keys());
      for (const [cmId, orgId] of touched) publishSoon(orgId, campaignIdOf(cmId));
    },
    nextWakeAt() {
      // With the outbox window full, due deliveries wait for the dispatcher's own next round (when
      // the rate frees a slot): answering "due now" here would spin rounds that can promote nothing.
      if ((stmt.queuedCampaignTexts.get() as { n: number }).n >= CAMPAIGN_QUEUE_TARGET) return null;
      return (stmt.nextDue.get() as { at: number | null }).at;
    },
    afterSettle(rows: MessageRow[]) {
      const cmIds = rows.filter((r) => r.campaignMessageId != null).map((r) => r.campaignMessageId!);
      if (!cmIds.length) return;
      completeIfDone(cmIds);
      const seen = new Set<number>();
      for (const r of rows) {
        if (r.campaignId != null && !seen.has(r.campaignId)) {
          seen.add(r.campaignId);
          publishSoon(r.orgId, r.campaignId);
        }
      }
    },
    reschedule(row, now) {
      if (row.campaignMessageId == null) return null;
      const candidate = db.select().from(candidates).where(eq(candidates.id, row.candidateId)).get();
      const org = db.select().from(organizations).where(eq(organizations.id, row.orgId)).get();
      if (!candidate || !org) return null;
      const slot = nextAllowed(now, timeZoneOf(candidate, org), textingWindow(org));
      return { dueAt: slot.at, validUntil: slot.until };
    },
  };

  // Delivery reports, replies and opt-outs move a campaign's numbers too.
  function onStatusChange(row: MessageRow): void {
    if (row.campaignId == null) return;
    rearmExpired(row);
    publishSoon(row.orgId, row.campaignId);
  }

  /**
   * A campaign text the provider held until its validity ended (the texting window closed while
   * it was queued there: Twilio's 30036) goes again in the candidate's next window, as a new text,
   * if they are still a recipient and textable, at most CAMPAIGN_MAX_REARMS times.
   */
  function rearmExpired(row: MessageRow): void {
    if (row.campaignMessageId == null || row.failureReason !== 'EXPIRED' || (row.status !== 'failed' && row.status !== 'undelivered')) return;
    const delivery = stmt.expiredDelivery.get(row.id, CAMPAIGN_MAX_REARMS) as { id: number; attempt: number } | undefined;
    if (!delivery) return;
    const candidate = db.select().from(candidates).where(eq(candidates.id, row.candidateId)).get();
    const org = db.select().from(organizations).where(eq(organizations.id, row.orgId)).get();
    if (!candidate || !org || notTextableReason(candidate, org)) return;
    const now = clock.now();
    const slot = nextAllowed(now, timeZoneOf(candidate, org), textingWindow(org));
    sqlite.transaction(() => {
      if (stmt.rearm.run(slot.at, now, delivery.id, row.id).changes !== 1) return;
      if (stmt.reopen.run(now, row.campaignMessageId).changes) refreshCampaignStatus(row.campaignId!);
    })();
  }
  const inboundHooks: InboundHooks = {
    afterInbound({ org, candidate }) {
      if (!events.subscriberCount(org.id)) return;
      const ids = stmt.campaignsTexted.all(candidate.id) as { id: number }[];
      for (const { id } of ids) publishSoon(org.id, id);
    },
  };

  function campaignIdOf(campaignMessageId: number): number {
    return db.select({ id: campaignMessages.campaignId }).from(campaignMessages).where(eq(campaignMessages.id, campaignMessageId)).get()?.id ?? 0;
  }

  return { refreshCampaignStatus, completeIfDone, publishSoon, campaignStatusFrom, outboxHooks, onStatusChange, inboundHooks };
}

export type CampaignDelivery = ReturnType<typeof createCampaignDelivery>;
