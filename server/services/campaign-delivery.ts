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
import type { Db } from '../db/client.js';
import type { campaignMessages, campaigns } from '../db/schema.js';
import { first } from '../db/types.js';
import { sqlColumns } from '../lib/sql-rows.js';
import type { Deps } from '../deps.js';
import { CAMPAIGN_MAX_REARMS, CAMPAIGN_PROMOTE_BATCH, CAMPAIGN_PROMOTE_RETRY_MS, CAMPAIGN_PUBLISH_INTERVAL_MS, CAMPAIGN_QUEUE_TARGET } from '../tuning.js';
import { nextAllowed } from '../lib/zoned-time.js';
import { timeZoneOf } from './candidates.js';
import { bodyRenderer, mergeValuesFor, renderContentVariables } from './message-body.js';
import { messageJson, type MessageRow } from './message-json.js';
import type { Assistant } from '../assistant/engine.js';
import type { InboundHooks } from './inbound.js';
import { PRIORITY, type EnqueueInput, type Outbox, type OutboxHooks } from './outbox.js';
import { notTextableReason, whatsappWindowOpen, type Candidate, type Organization } from './textability.js';

type CampaignRow = typeof campaigns.$inferSelect;
type CampaignMessageRow = typeof campaignMessages.$inferSelect;
type DueDelivery = { id: number; candidateId: number; campaignMessageId: number; orgId: number; attempt: number };
type PromotedMessage = CampaignMessageRow & {
  campaign: CampaignRow;
  recruiter: { id: number; name: string; bookingSlug: string };
  template: { body: string; contentSid: string | null; contentVariables: Record<string, string> | null } | undefined;
  /** The body's renderer, made at its first recipient of the round (bodyRenderer). */
  renderText?: ReturnType<typeof bodyRenderer>;
};
/** What a due delivery comes to (see plan()). */
type DeliveryPlan =
  | { kind: 'skip'; delivery: DueDelivery; reason: string }
  | { kind: 'hold'; delivery: DueDelivery; at: number }
  | { kind: 'text'; delivery: DueDelivery; input: EnqueueInput; cm: PromotedMessage; ariStarted: boolean };
/** A text a promotion queued, for the live events sent once its transaction has committed. */
type CreatedText = { message: MessageRow; atsId: string; recruiterName: string; ariStarted: boolean };
/** One promotion: its transaction and instant, what it read once for all its deliveries, and what it did. */
interface PromotionRound {
  tx: Db;
  now: number;
  candidates: Map<number, Candidate>;
  orgs: Map<number, Organization>;
  messages: Map<number, PromotedMessage>;
  windows: Map<string, ReturnType<typeof nextAllowed>>;
  /** Campaign message id -> org id, of every message a delivery of which was promoted. */
  touched: Map<number, number>;
  created: CreatedText[];
}

/**
 * A promotion's writes, a statement each for all its deliveries: `[delivery id, message id]` pairs
 * queued, the skipped of one reason, the held whose window opens at one time. SQLite: `+status`
 * keeps the planner on the id (a look-up per listed delivery), off the pending index (which would
 * read every pending delivery, each against the whole list: 60 ms for a 500-recipient campaign).
 */
export const PROMOTION_WRITES = {
  queued: {
    sqlite: `update campaign_deliveries as d set status = 'queued', message_id = j.value->>1, updated_at = ?
       from json_each(?) as j where d.id = j.value->>0 and +d.status = 'pending'`,
    pg: `update campaign_deliveries as d set status = 'queued', message_id = (j->>1)::bigint, updated_at = ?
       from json_array_elements(?::json) as j where d.id = (j->>0)::bigint and d.status = 'pending'`,
  },
  skipped: {
    sqlite: `update campaign_deliveries set status = 'skipped', skip_reason = ?, updated_at = ? where +status = 'pending' and id in (select value from json_each(?))`,
    pg: `update campaign_deliveries set status = 'skipped', skip_reason = ?, updated_at = ? where status = 'pending' and id in (select json_array_elements_text(?::json)::bigint)`,
  },
  due: {
    sqlite: `update campaign_deliveries set due_at = ?, updated_at = ? where +status = 'pending' and id in (select value from json_each(?))`,
    pg: `update campaign_deliveries set due_at = ?, updated_at = ? where status = 'pending' and id in (select json_array_elements_text(?::json)::bigint)`,
  },
};

/** Adds `value` to the list under `key`. */
function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

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
  services: {
    outbox: Pick<Outbox, 'enqueueMany' | 'messagesByIds'>;
    assistant: Pick<Assistant, 'start' | 'publish'>;
    serializeCampaign(id: number): Promise<CampaignDetail | null>;
  },
) {
  const { db, clock, config, events, log } = deps;
  const { campaignMessages, campaigns, candidates, organizations, recruiters, templates } = db.t;
  const lastPublished = new Map<number, number>();
  const trailing = new Set<number>();
  /** The latest publish started per campaign: an earlier one that finishes after it is dropped (its numbers are older). */
  const latestPublish = new Map<number, number>();
  let publishes = 0;

  const stmt = {
    // The campaigns of the first due deliveries, whose locks a promotion takes before it locks any
    // delivery (every holder of a campaign's lock may write its deliveries: the other order deadlocks).
    dueCampaigns: db.stmt(
      `select distinct cm.campaign_id as id from (select campaign_message_id from campaign_deliveries
         where status = 'pending' and due_at <= ? order by due_at, id limit ?) as d
       join campaign_messages cm on cm.id = d.campaign_message_id`,
    ),
    // Two instances never promote the same delivery: PostgreSQL locks the rows taken, and skips those another has.
    due: db.stmt(
      `select d.id, d.candidate_id as "candidateId", d.campaign_message_id as "campaignMessageId", d.org_id as "orgId", d.attempt
       from campaign_deliveries d join campaign_messages cm on cm.id = d.campaign_message_id
       where d.status = 'pending' and d.due_at <= ? and cm.campaign_id in (select value from json_each(?)) order by d.due_at, d.id limit ?`,
      `select d.id, d.candidate_id as "candidateId", d.campaign_message_id as "campaignMessageId", d.org_id as "orgId", d.attempt
       from campaign_deliveries d join campaign_messages cm on cm.id = d.campaign_message_id
       where d.status = 'pending' and d.due_at <= ? and cm.campaign_id in (select json_array_elements_text(?::json)::bigint)
       order by d.due_at, d.id limit ? for update of d skip locked`,
    ),
    candidatesByIds: db.stmt(
      `select ${sqlColumns(candidates)} from candidates where id in (select value from json_each(?))`,
      `select ${sqlColumns(candidates)} from candidates where id in (select json_array_elements_text(?::json)::bigint)`,
    ),
    campaignsOf: db.stmt(
      `select distinct campaign_id as id from campaign_messages where id in (select value from json_each(?))`,
      `select distinct campaign_id as id from campaign_messages where id in (select json_array_elements_text(?::json)::bigint)`,
    ),
    queuedCampaignTexts: db.stmt(`select count(*) as n from messages where status = 'queued' and campaign_message_id is not null`),
    nextDue: db.stmt(`select min(due_at) as at from campaign_deliveries where status = 'pending'`),
    campaignsTexted: db.stmt(
      `select distinct cm.campaign_id as id from campaign_deliveries d join campaign_messages cm on cm.id = d.campaign_message_id
       where d.candidate_id = ? and d.message_id is not null`,
    ),
    // A scheduled start fires once: PostgreSQL locks the campaign message, and another instance skips it.
    dueWithoutDeliveries: db.stmt(
      `select cm.id, cm.org_id as "orgId" from campaign_messages cm
       where cm.status = 'scheduled' and coalesce(cm.send_at, cm.scheduled_at) <= ?
         and not exists (select 1 from campaign_deliveries d where d.campaign_message_id = cm.id)`,
      `select cm.id, cm.org_id as "orgId" from campaign_messages cm
       where cm.status = 'scheduled' and coalesce(cm.send_at, cm.scheduled_at) <= ?
         and not exists (select 1 from campaign_deliveries d where d.campaign_message_id = cm.id)
       for update of cm skip locked`,
    ),
    setDeliveriesQueued: db.stmt(PROMOTION_WRITES.queued.sqlite, PROMOTION_WRITES.queued.pg),
    setDeliveriesSkipped: db.stmt(PROMOTION_WRITES.skipped.sqlite, PROMOTION_WRITES.skipped.pg),
    setDeliveriesDue: db.stmt(PROMOTION_WRITES.due.sqlite, PROMOTION_WRITES.due.pg),
    // The delivery of a text that expired unsent, if it may be tried again: still a recipient, under the cap.
    expiredDelivery: db.stmt(
      `select d.id, d.attempt from campaign_deliveries d
       join campaign_messages cm on cm.id = d.campaign_message_id and cm.status in ('sending', 'sent')
       join campaign_recipients r on r.campaign_id = cm.campaign_id and r.candidate_id = d.candidate_id
       where d.message_id = ? and d.status = 'queued' and d.attempt < ?`,
    ),
    rearm: db.stmt(
      `update campaign_deliveries set status = 'pending', attempt = attempt + 1, message_id = null, due_at = ?, updated_at = ?
       where id = ? and message_id = ? and status = 'queued'`,
    ),
    reopen: db.stmt(`update campaign_messages set status = 'sending', completed_at = null, updated_at = ? where id = ? and status = 'sent'`),
    // Anything left to do for one campaign message: a queued or mid-hand-over text, one handed over
    // that the provider's look-up has not found yet (the outbox asks again: it may be re-sent), or a
    // pending delivery. Asked every round, so each test stops at the first row and reads the small partial
    // indexes (queued texts, live claims, pending deliveries; `+` keeps the planner off the
    // per-message indexes, which would walk every text the message already sent).
    // pg: unary `+` is valid there too, but check that the planner still picks the partial indexes.
    openWork: db.stmt(
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

  /**
   * Re-derives a campaign's status from its messages (after any change to them), in the write
   * transaction `tx` that changed them, which holds the campaign's lock: two changes at once would
   * each read the other's messages as they were.
   */
  async function refreshCampaignStatus(campaignId: number, tx: Db): Promise<void> {
    const now = clock.now();
    const statuses = (await tx.orm.select({ status: campaignMessages.status }).from(campaignMessages).where(eq(campaignMessages.campaignId, campaignId))).map(
      (r) => r.status,
    );
    const status = campaignStatusFrom(statuses);
    await tx.orm
      .update(campaigns)
      .set({ status, updatedAt: now, ...(status === 'sent' ? { sentAt: sql`coalesce(${campaigns.sentAt}, ${now})` } : {}) })
      .where(and(eq(campaigns.id, campaignId), sql`${campaigns.status} <> ${status}`));
  }

  /**
   * A campaign message is sent once nothing of it is pending, queued or mid-hand-over. Checked and
   * marked in one write transaction: a delivery written for a newcomer in between would be lost.
   */
  async function completeIfDone(campaignMessageIds: Iterable<number>): Promise<void> {
    // Asked after every settled batch: most messages still have work, and are known so without a lock.
    const ids = new Set<number>();
    for (const id of new Set(campaignMessageIds)) if ((await db.get<{ n: number }>(stmt.openWork, { id }))!.n === 0) ids.add(id);
    if (!ids.size) return;
    const now = clock.now();
    const completed = await db.tx(
      async (tx) => {
        // Race: work added to the message (a newcomer's delivery, a re-armed text) between the check and the mark.
        await lockCampaigns(
          tx,
          (await tx.all<{ id: number }>(stmt.campaignsOf, JSON.stringify([...ids]))).map((r) => r.id),
        );
        const done: { orgId: number; campaignId: number }[] = [];
        for (const id of ids) {
          const open = (await tx.get<{ n: number }>(stmt.openWork, { id }))!.n;
          if (open > 0) continue;
          const [row] = await tx.orm
            .update(campaignMessages)
            .set({ status: 'sent', completedAt: now, updatedAt: now, startedAt: sql`coalesce(${campaignMessages.startedAt}, ${now})` })
            .where(and(eq(campaignMessages.id, id), inArray(campaignMessages.status, ['scheduled', 'sending'])))
            .returning();
          if (row) {
            await refreshCampaignStatus(row.campaignId, tx);
            done.push(row);
          }
        }
        return done;
      },
      { write: true, locks: [] },
    );
    for (const row of completed) await publishSoon(row.orgId, row.campaignId);
  }

  /** Takes the campaigns' locks (sorted by locks.ts), before reading what they protect. */
  const lockCampaigns = (tx: Db, campaignIds: number[]) => tx.lock(...campaignIds.map((id) => ['campaign', id] as const));

  /** Until when a promotion found its campaigns busy (another instance promoting them): not tried again before. */
  let promoteBusyUntil = 0;

  /** Turns due deliveries into outbox texts (or skips, or holds them), in one write transaction. */
  function promote(now: number) {
    return db.tx(
      async (tx) => {
        const touched = new Map<number, number>(); // campaign message id -> org id
        const created: CreatedText[] = [];
        // The outbox window is a soft bound: two instances promoting at once may each fill the room they saw.
        const room = CAMPAIGN_QUEUE_TARGET - (await tx.get<{ n: number }>(stmt.queuedCampaignTexts))!.n;
        if (room <= 0) return { touched, created };
        const limit = Math.min(CAMPAIGN_PROMOTE_BATCH, room);
        const campaignIds = (await tx.all<{ id: number }>(stmt.dueCampaigns, now, limit)).map((r) => r.id);
        if (!campaignIds.length) return { touched, created };
        // Race: a message edited, deleted or completed while it is being promoted (its campaign's
        // lock). Not waited for: the holder is another instance promoting the same campaign (whose
        // work this would only repeat, while none of the waiting instances sends a text) or an
        // edit; this instance sends what is queued and promotes again shortly.
        if (!(await tx.tryLock(...campaignIds.map((id) => ['campaign', id] as const)))) {
          promoteBusyUntil = now + CAMPAIGN_PROMOTE_RETRY_MS;
          return { touched, created };
        }
        const due = await tx.all<DueDelivery>(stmt.due, now, JSON.stringify(campaignIds), limit);
        if (!due.length) return { touched, created };

        const round: PromotionRound = {
          tx,
          now,
          candidates: await candidatesOf(tx, due),
          orgs: await orgsOf(tx, due),
          messages: await messagesOf(tx, due),
          windows: new Map(),
          touched,
          created,
        };
        await write(
          round,
          due.map((delivery) => plan(round, delivery)),
        );
        for (const cm of round.messages.values()) {
          const [started] = await tx.orm
            .update(campaignMessages)
            .set({ status: 'sending', startedAt: now, updatedAt: now })
            .where(and(eq(campaignMessages.id, cm.id), eq(campaignMessages.status, 'scheduled')))
            .returning();
          if (started) await refreshCampaignStatus(cm.campaignId, tx);
        }
        return { touched, created };
      },
      // The campaigns' locks are taken above, once the due deliveries say which; the deliveries themselves are row-locked.
      { write: true, locks: [] },
    );
  }

  /**
   * The candidates of a batch of due deliveries, in one prepared read (a batch is up to
   * CAMPAIGN_PROMOTE_BATCH). candidates has no JSON or boolean column: its raw rows are drizzle's rows.
   */
  async function candidatesOf(tx: Db, due: DueDelivery[]): Promise<Map<number, Candidate>> {
    const rows = await tx.all<Candidate>(stmt.candidatesByIds, JSON.stringify([...new Set(due.map((d) => d.candidateId))]));
    return new Map(rows.map((c) => [c.id, c]));
  }

  /** The organisations of a batch of due deliveries (a handful: one read each). */
  async function orgsOf(tx: Db, due: DueDelivery[]): Promise<Map<number, Organization>> {
    const orgs = new Map<number, Organization>();
    for (const id of new Set(due.map((d) => d.orgId))) orgs.set(id, (await first(tx.orm.select().from(organizations).where(eq(organizations.id, id))))!);
    return orgs;
  }

  /** The campaign messages of a batch of due deliveries, each with what its texts are written from. */
  async function messagesOf(tx: Db, due: DueDelivery[]): Promise<Map<number, PromotedMessage>> {
    const messages = new Map<number, PromotedMessage>();
    for (const id of new Set(due.map((d) => d.campaignMessageId))) messages.set(id, await messageOf(tx, id));
    return messages;
  }

  /** A campaign message with what its texts are written from: its campaign, its sender, its template. */
  async function messageOf(tx: Db, id: number): Promise<PromotedMessage> {
    const row = (await first(tx.orm.select().from(campaignMessages).where(eq(campaignMessages.id, id))))!;
    const campaign = (await first(tx.orm.select().from(campaigns).where(eq(campaigns.id, row.campaignId))))!;
    const recruiter = (await first(
      tx.orm
        .select({ id: recruiters.id, name: recruiters.name, bookingSlug: recruiters.bookingSlug })
        .from(recruiters)
        .where(eq(recruiters.id, campaign.createdBy)),
    ))!;
    const template = row.templateId != null ? await first(tx.orm.select().from(templates).where(eq(templates.id, row.templateId))) : undefined;
    return { ...row, campaign, recruiter, template: template && template.deletedAt == null ? template : undefined };
  }

  /** The candidate's texting window now. Everyone due in a round is checked at the same instant: one answer per zone. */
  function windowOf(round: PromotionRound, org: Organization, candidate: Candidate): ReturnType<typeof nextAllowed> {
    const zone = timeZoneOf(candidate, org);
    const key = `${org.id} ${zone}`;
    let slot = round.windows.get(key);
    if (!slot) round.windows.set(key, (slot = nextAllowed(round.now, zone, textingWindow(org))));
    return slot;
  }

  /** The text for this candidate: its body (and WhatsApp content), or null when a merge field has no value. */
  function render(cm: PromotedMessage, candidate: Candidate, org: Organization, form: 'text' | 'content', now: number) {
    try {
      const values = mergeValuesFor({
        candidate,
        recruiter: cm.recruiter,
        org,
        publicUrl: config.publicUrl,
        linkExpiresAt: now + config.bookingLinkTtlMs,
        jobTitle: cm.campaign.jobTitle,
      });
      const body = (cm.renderText ??= bodyRenderer(cm.body))(values);
      const content =
        form === 'content' ? { sid: cm.template!.contentSid!, variables: renderContentVariables(cm.template!.contentVariables ?? {}, values) } : null;
      return { body, content };
    } catch {
      return null;
    }
  }

  /**
   * What one due delivery comes to: skipped (and why), held until the candidate's texting window,
   * or a text to queue. Decided from what the round read; written by write(), for all at once.
   */
  function plan(round: PromotionRound, d: DueDelivery): DeliveryPlan {
    const { now } = round;
    const org = round.orgs.get(d.orgId)!;
    const cm = round.messages.get(d.campaignMessageId)!;
    round.touched.set(cm.id, cm.orgId);
    const skip = (reason: string): DeliveryPlan => ({ kind: 'skip', delivery: d, reason });
    const candidate = round.candidates.get(d.candidateId);
    if (!candidate) return skip('NOT_FOUND');
    const reason = notTextableReason(candidate, org);
    if (reason) return skip(reason);
    // WhatsApp outside the window: the template's approved content, unedited, or nothing.
    const form = whatsappSendForm({ channel: candidate.channel, windowOpen: whatsappWindowOpen(candidate, now), template: cm.template, body: cm.body });
    if (typeof form === 'object') return skip('WHATSAPP_WINDOW_CLOSED');
    const text = render(cm, candidate, org, form, now);
    if (!text) return skip('MISSING_MERGE_FIELD');
    const slot = windowOf(round, org, candidate);
    if (slot.waited) return { kind: 'hold', delivery: d, at: slot.at };
    const input: EnqueueInput = {
      org,
      candidate,
      body: text.body,
      sender: 'recruiter',
      recruiterId: cm.campaign.createdBy,
      templateId: text.content ? cm.templateId : null,
      content: text.content,
      campaignId: cm.campaignId,
      campaignMessageId: cm.id,
      // A delivery re-armed after its text expired at the provider is a new text (attempt 0 keeps the original key).
      idempotencyKey: d.attempt ? `campaign:${cm.id}:${candidate.id}:${d.attempt}` : `campaign:${cm.id}:${candidate.id}`,
      priority: PRIORITY.campaign,
      dueAt: now,
      validUntil: slot.until,
    };
    // With Enable ARI, the candidate's reply to this text is Ari's to answer.
    const ariStarted = cm.campaign.assistantEnabled && cm.campaign.assistantSequenceId != null && org.assistantSubscribed;
    return { kind: 'text', delivery: d, input, cm, ariStarted };
  }

  /**
   * A round's plans written: the skipped and the held a statement per reason and per time, the
   * texts queued together and their deliveries marked in one statement, then Ari started where the
   * campaign enables it; the texts' rows kept for the live events when someone is watching.
   */
  async function write(round: PromotionRound, plans: DeliveryPlan[]): Promise<void> {
    const { tx, now } = round;
    const skipped = new Map<string, number[]>();
    const held = new Map<number, number[]>();
    const texts: Extract<DeliveryPlan, { kind: 'text' }>[] = [];
    for (const p of plans) {
      if (p.kind === 'skip') push(skipped, p.reason, p.delivery.id);
      else if (p.kind === 'hold') push(held, p.at, p.delivery.id);
      else texts.push(p);
    }
    for (const [reason, ids] of skipped) await tx.run(stmt.setDeliveriesSkipped, reason, now, JSON.stringify(ids));
    for (const [at, ids] of held) await tx.run(stmt.setDeliveriesDue, at, now, JSON.stringify(ids));
    if (!texts.length) return;
    const ids = await services.outbox.enqueueMany(
      texts.map((t) => t.input),
      tx,
    );
    await tx.run(stmt.setDeliveriesQueued, now, JSON.stringify(texts.map((t, i) => [t.delivery.id, ids[i]])));
    for (const t of texts) {
      if (t.ariStarted)
        await services.assistant.start(t.input.org, t.input.candidate, t.cm.campaign.assistantSequenceId!, { ask: false, campaignId: t.cm.campaignId }, tx);
    }
    const watched = texts.flatMap((t, i) => (events.subscriberCount(t.input.org.id) ? [{ t, id: ids[i]! }] : []));
    if (!watched.length) return;
    const rows = await services.outbox.messagesByIds(
      watched.map((w) => w.id),
      tx,
    );
    const byId = new Map(rows.map((m) => [m.id, m]));
    for (const { t, id } of watched) {
      round.created.push({ message: byId.get(id)!, atsId: t.input.candidate.atsId, recruiterName: t.cm.recruiter.name, ariStarted: t.ariStarted });
    }
  }

  async function publish(orgId: number, campaignId: number) {
    lastPublished.set(campaignId, clock.now());
    const turn = ++publishes;
    latestPublish.set(campaignId, turn);
    const data = await services.serializeCampaign(campaignId);
    if (latestPublish.get(campaignId) !== turn) return;
    latestPublish.delete(campaignId);
    if (data) events.publish(orgId, { type: 'campaign.updated', data });
  }

  /** campaign.updated at most every 500 ms per campaign, always with the latest numbers. */
  async function publishSoon(orgId: number, campaignId: number): Promise<void> {
    if (!events.subscriberCount(orgId)) return;
    const since = clock.now() - (lastPublished.get(campaignId) ?? 0);
    if (since >= CAMPAIGN_PUBLISH_INTERVAL_MS) return publish(orgId, campaignId);
    if (trailing.has(campaignId)) return;
    trailing.add(campaignId);
    clock.setTimeout(() => {
      trailing.delete(campaignId);
      // A timer has nobody to answer to: a failure is only logged (the next change publishes again).
      void publish(orgId, campaignId).catch((err: unknown) =>
        log.error('campaign.updated failed', { campaignId, error: err instanceof Error ? err.stack : String(err) }),
      );
    }, CAMPAIGN_PUBLISH_INTERVAL_MS - since);
  }

  const outboxHooks: OutboxHooks = {
    async beforeRound(now) {
      const { touched, created } = await promote(now);
      // Open conversations see the campaign's text (and Ari taking over the replies) at once.
      for (const { message, atsId, recruiterName, ariStarted } of created) {
        events.publish(message.orgId, { type: 'message.created', data: messageJson(message, atsId, recruiterName) });
        if (ariStarted) await services.assistant.publish(message.orgId, message.candidateId, []);
      }
      // Due messages with nobody left to send to (every recipient removed) are done too.
      const emptyDue = await db.all<{ id: number; orgId: number }>(stmt.dueWithoutDeliveries, now);
      for (const m of emptyDue) touched.set(m.id, m.orgId);
      await completeIfDone(touched.keys());
      for (const [cmId, orgId] of touched) await publishSoon(orgId, await campaignIdOf(cmId));
    },
    async nextWakeAt() {
      // With the outbox window full, due deliveries wait for the dispatcher's own next round (when
      // the rate frees a slot): answering "due now" here would spin rounds that can promote nothing.
      if ((await db.get<{ n: number }>(stmt.queuedCampaignTexts))!.n >= CAMPAIGN_QUEUE_TARGET) return null;
      const due = (await db.get<{ at: number | null }>(stmt.nextDue))!.at;
      return due == null ? null : Math.max(due, promoteBusyUntil);
    },
    async afterSettle(rows: MessageRow[]) {
      const cmIds = rows.filter((r) => r.campaignMessageId != null).map((r) => r.campaignMessageId!);
      if (!cmIds.length) return;
      await completeIfDone(cmIds);
      const seen = new Set<number>();
      for (const r of rows) {
        if (r.campaignId != null && !seen.has(r.campaignId)) {
          seen.add(r.campaignId);
          await publishSoon(r.orgId, r.campaignId);
        }
      }
    },
    async reschedule(row, now) {
      if (row.campaignMessageId == null) return null;
      const candidate = await first(db.orm.select().from(candidates).where(eq(candidates.id, row.candidateId)));
      const org = await first(db.orm.select().from(organizations).where(eq(organizations.id, row.orgId)));
      if (!candidate || !org) return null;
      const slot = nextAllowed(now, timeZoneOf(candidate, org), textingWindow(org));
      return { dueAt: slot.at, validUntil: slot.until };
    },
  };

  // Delivery reports, replies and opt-outs move a campaign's numbers too.
  async function onStatusChange(row: MessageRow): Promise<void> {
    if (row.campaignId == null) return;
    await rearmExpired(row);
    await publishSoon(row.orgId, row.campaignId);
  }

  /**
   * A campaign text the provider held until its validity ended (the texting window closed while
   * it was queued there: Twilio's 30036) goes again in the candidate's next window, as a new text,
   * if they are still a recipient and textable, at most CAMPAIGN_MAX_REARMS times.
   */
  async function rearmExpired(row: MessageRow): Promise<void> {
    if (row.campaignMessageId == null || row.failureReason !== 'EXPIRED' || (row.status !== 'failed' && row.status !== 'undelivered')) return;
    const delivery = await db.get<{ id: number; attempt: number }>(stmt.expiredDelivery, row.id, CAMPAIGN_MAX_REARMS);
    if (!delivery) return;
    const candidate = await first(db.orm.select().from(candidates).where(eq(candidates.id, row.candidateId)));
    const org = await first(db.orm.select().from(organizations).where(eq(organizations.id, row.orgId)));
    if (!candidate || !org || notTextableReason(candidate, org)) return;
    const now = clock.now();
    const slot = nextAllowed(now, timeZoneOf(candidate, org), textingWindow(org));
    // The re-arm is a compare-and-set on the delivery still holding this text: a second report of
    // the same expiry (or another process) finds it re-armed already and does nothing.
    await db.tx(
      async (tx) => {
        if ((await tx.run(stmt.rearm, slot.at, now, delivery.id, row.id)).changes !== 1) return;
        if ((await tx.run(stmt.reopen, now, row.campaignMessageId)).changes) await refreshCampaignStatus(row.campaignId!, tx);
      },
      // Race: the re-arm and the message's completion (completeIfDone) crossing: the campaign's lock.
      { write: true, locks: [['campaign', row.campaignId!]] },
    );
  }
  const inboundHooks: InboundHooks = {
    async afterInbound({ org, candidate }) {
      if (!events.subscriberCount(org.id)) return;
      const ids = await db.all<{ id: number }>(stmt.campaignsTexted, candidate.id);
      for (const { id } of ids) await publishSoon(org.id, id);
    },
  };

  async function campaignIdOf(campaignMessageId: number): Promise<number> {
    return (await first(db.orm.select({ id: campaignMessages.campaignId }).from(campaignMessages).where(eq(campaignMessages.id, campaignMessageId))))?.id ?? 0;
  }

  return { refreshCampaignStatus, completeIfDone, publishSoon, campaignStatusFrom, outboxHooks, onStatusChange, inboundHooks };
}

export type CampaignDelivery = ReturnType<typeof createCampaignDelivery>;
