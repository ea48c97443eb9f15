/**
 * Campaigns: a recruiter's bulk texts for an open role, following the seed's
 * Schedule Message -> Review -> Send/Save. Drafts and scheduled messages can change; once a
 * message starts sending it cannot, and a campaign that has sent takes no new candidates.
 */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Campaign, CampaignDetail, CampaignMessage, Review } from '../../shared/api.js';
import { RECOMMENDED_MAX_RECIPIENTS } from '../../shared/campaign-size.js';
import { unknownMergeFields } from '../../shared/merge-fields.js';
import { countSegments, MAX_BODY_CHARACTERS, characterCount, type SmsEncoding } from '../../shared/segments.js';
import { isApprovedTemplateText } from '../../shared/whatsapp.js';
import {
  candidateAnswers,
  campaignDeliveries,
  campaignMessages,
  campaignRecipients,
  campaigns,
  candidates,
  conversations,
  messages,
  recruiters,
  sequences,
  templates,
} from '../db/schema.js';
import type { Deps } from '../deps.js';
import { ApiError, notFound, validation } from '../lib/errors.js';
import { sqlColumns } from '../lib/sql-rows.js';
import { clockOfMinute, nextAllowed } from '../lib/zoned-time.js';
import type { Caller } from './auth.js';
import { timeZoneOf, type CandidateService } from './candidates.js';
import { createCampaignDelivery, textingWindow } from './campaign-delivery.js';
import { mergeValuesFor, renderBody } from './message-body.js';
import type { Assistant } from '../assistant/engine.js';
import type { InboundService } from './inbound.js';
import type { Outbox } from './outbox.js';
import { notTextableReason, whatsappWindowOpen, type Candidate } from './textability.js';

const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 3600_000;
/** A send time this far in the past is taken as "now" (the form was filled a moment ago). */
const PAST_GRACE_MS = 5 * 60_000;

type CampaignRow = typeof campaigns.$inferSelect;
type CampaignMessageRow = typeof campaignMessages.$inferSelect;

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

export function createCampaignService(deps: Deps, services: { candidates: CandidateService; outbox: Outbox; inbound: InboundService; assistant: Assistant }) {
  const { db, clock, config } = deps;
  const sqlite = db.$client;
  // A campaign can have tens of thousands of recipients: these two run as single prepared statements.
  const stmt = {
    recipients: sqlite.prepare(
      `select ${sqlColumns(candidates, 'c')} from campaign_recipients r join candidates c on c.id = r.candidate_id where r.campaign_id = ?
       order by c.last_name, c.first_name, c.id`,
    ),
    deliveriesForAll: sqlite.prepare(
      `insert into campaign_deliveries (org_id, campaign_message_id, candidate_id, due_at, updated_at)
       select ?, ?, candidate_id, ?, ? from campaign_recipients where campaign_id = ? order by candidate_id
       on conflict do nothing`,
    ),
  };
  const delivery = createCampaignDelivery(deps, {
    outbox: services.outbox,
    inbound: services.inbound,
    assistant: services.assistant,
    serializeCampaign: (id) => serializeById(id),
  });

  function requireLicence(caller: Caller) {
    if (!caller.recruiter.licensed) {
      throw new ApiError(403, 'NOT_LICENSED', 'You need a Text Engagement licence to create and send campaigns. Ask your administrator.');
    }
  }

  function load(caller: Caller, id: number): CampaignRow {
    const row = db
      .select()
      .from(campaigns)
      .where(and(eq(campaigns.id, id), eq(campaigns.orgId, caller.org.id)))
      .get();
    if (!row) throw notFound('Campaign');
    return row;
  }

  function requireUnsent(campaign: CampaignRow) {
    if (campaign.status === 'sending' || campaign.status === 'sent') {
      throw new ApiError(409, 'CAMPAIGN_SENT', 'This campaign has already sent; it can no longer be changed.');
    }
  }

  function loadMessage(campaign: CampaignRow, messageId: number): CampaignMessageRow {
    const row = db
      .select()
      .from(campaignMessages)
      .where(and(eq(campaignMessages.id, messageId), eq(campaignMessages.campaignId, campaign.id)))
      .get();
    if (!row) throw notFound('Campaign message');
    return row;
  }

  function requireUnstarted(message: CampaignMessageRow) {
    if (message.status === 'sending' || message.status === 'sent') {
      throw new ApiError(409, 'MESSAGE_SENT', 'This message has started sending; it can no longer be edited or deleted.');
    }
  }

  function recipientsOf(campaignId: number): Candidate[] {
    return stmt.recipients.all(campaignId) as Candidate[];
  }

  function eligibility(caller: Caller, recipients: Candidate[], at: number, approvedTemplate = false) {
    const excluded: Record<string, number> = {};
    const excludedCandidates: { id: string; firstName: string; lastName: string; reason: string }[] = [];
    const eligible: Candidate[] = [];
    for (const c of recipients) {
      const reason = notTextableReason(c, caller.org) ?? (approvedTemplate || whatsappWindowOpen(c, at) ? null : 'WHATSAPP_WINDOW_CLOSED');
      if (reason) {
        excluded[reason] = (excluded[reason] ?? 0) + 1;
        if (excludedCandidates.length < 100) excludedCandidates.push({ id: c.atsId, firstName: c.firstName, lastName: c.lastName, reason });
      } else eligible.push(c);
    }
    return { eligible, excluded, excludedCandidates };
  }

  function messageJson(row: CampaignMessageRow): CampaignMessage {
    return {
      id: row.id,
      campaignId: row.campaignId,
      body: row.body,
      templateId: row.templateId,
      sendAt: iso(row.sendAt),
      status: row.status,
      editable: row.status === 'draft' || row.status === 'scheduled',
      createdAt: new Date(row.createdAt).toISOString(),
      scheduledAt: iso(row.scheduledAt),
      startedAt: iso(row.startedAt),
      completedAt: iso(row.completedAt),
    };
  }

  function summary(campaign: CampaignRow, caller: Pick<Caller, 'org'>): Campaign {
    const creator = db.select({ id: recruiters.id, name: recruiters.name }).from(recruiters).where(eq(recruiters.id, campaign.createdBy)).get()!;
    const recipients = recipientsOf(campaign.id);
    const { eligible, excluded } = eligibility(caller as Caller, recipients, clock.now());
    const next = db
      .select({ at: sql<number | null>`min(coalesce(${campaignMessages.sendAt}, ${campaignMessages.scheduledAt}))` })
      .from(campaignMessages)
      .where(and(eq(campaignMessages.campaignId, campaign.id), eq(campaignMessages.status, 'scheduled')))
      .get();
    return {
      id: campaign.id,
      name: campaign.name,
      jobTitle: campaign.jobTitle,
      description: campaign.description,
      status: campaign.status,
      assistant: { enabled: campaign.assistantEnabled, sequenceId: campaign.assistantSequenceId },
      createdBy: creator,
      createdAt: new Date(campaign.createdAt).toISOString(),
      updatedAt: new Date(campaign.updatedAt).toISOString(),
      sentAt: iso(campaign.sentAt),
      recipients: recipients.length,
      eligible: eligible.length,
      excluded,
      stats: delivery.stats(campaign.id),
      nextSendAt: iso(next?.at ?? null),
    };
  }

  function detail(campaign: CampaignRow, caller: Pick<Caller, 'org'>): CampaignDetail {
    const rows = db.select().from(campaignMessages).where(eq(campaignMessages.campaignId, campaign.id)).orderBy(asc(campaignMessages.id)).all();
    return { ...summary(campaign, caller), messages: rows.map(messageJson) };
  }

  function serializeById(id: number): CampaignDetail | null {
    const campaign = db.select().from(campaigns).where(eq(campaigns.id, id)).get();
    if (!campaign) return null;
    const org = services.candidates.orgOf(campaign.orgId);
    return detail(campaign, { org });
  }

  /** Adds candidates by ATS id, reporting the unknown and the not textable (who stay listed, never texted). */
  function addCandidates(caller: Caller, campaign: CampaignRow, atsIds: string[]) {
    requireUnsent(campaign);
    const found = atsIds.length
      ? db
          .select()
          .from(candidates)
          .where(and(eq(candidates.orgId, caller.org.id), inArray(candidates.atsId, atsIds)))
          .all()
      : [];
    const byAts = new Map(found.map((c) => [c.atsId, c]));
    const notFound = atsIds.filter((id) => !byAts.has(id));
    const existing = new Set(
      db
        .select({ id: campaignRecipients.candidateId })
        .from(campaignRecipients)
        .where(eq(campaignRecipients.campaignId, campaign.id))
        .all()
        .map((r) => r.id),
    );
    const fresh = found.filter((c) => !existing.has(c.id));
    const total = existing.size + fresh.length;
    if (total > config.campaignMaxRecipients) {
      throw new ApiError(
        400,
        'CAMPAIGN_TOO_LARGE',
        `A campaign can have at most ${config.campaignMaxRecipients.toLocaleString('en-US')} candidates; this would make ${total.toLocaleString('en-US')}.`,
        { max: config.campaignMaxRecipients, wouldHave: total },
      );
    }
    const now = clock.now();
    db.transaction(() => {
      if (fresh.length) {
        for (let i = 0; i < fresh.length; i += 500) {
          db.insert(campaignRecipients)
            .values(fresh.slice(i, i + 500).map((c) => ({ campaignId: campaign.id, candidateId: c.id, addedAt: now })))
            .onConflictDoNothing()
            .run();
        }
        // Scheduled, not yet started messages go to the newcomers too.
        for (const m of db
          .select()
          .from(campaignMessages)
          .where(and(eq(campaignMessages.campaignId, campaign.id), eq(campaignMessages.status, 'scheduled')))
          .all()) {
          insertDeliveries(
            m,
            fresh.map((c) => c.id),
            now,
          );
        }
      }
      db.update(campaigns).set({ updatedAt: now }).where(eq(campaigns.id, campaign.id)).run();
    });
    delivery.publishSoon(caller.org.id, campaign.id);
    const excluded = [...byAts.values()].flatMap((c) => {
      const reason = notTextableReason(c, caller.org) ?? (whatsappWindowOpen(c, now) ? null : 'WHATSAPP_WINDOW_CLOSED');
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

  function insertDeliveries(message: CampaignMessageRow, candidateIds: number[], now: number) {
    const dueAt = message.sendAt ?? now;
    for (let i = 0; i < candidateIds.length; i += 500) {
      db.insert(campaignDeliveries)
        .values(
          candidateIds.slice(i, i + 500).map((candidateId) => ({ orgId: message.orgId, campaignMessageId: message.id, candidateId, dueAt, updatedAt: now })),
        )
        .onConflictDoNothing()
        .run();
    }
  }

  function resolveBody(caller: Caller, body: string | undefined, templateId: number | null | undefined, current?: CampaignMessageRow) {
    let template: typeof templates.$inferSelect | undefined;
    const id = templateId === undefined ? current?.templateId : templateId;
    if (id != null) {
      template = db
        .select()
        .from(templates)
        .where(and(eq(templates.id, id), eq(templates.orgId, caller.org.id)))
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

  /** What will happen if this message is sent: who gets it, what it looks like, when it lands. */
  function review(caller: Caller, campaign: CampaignRow, message: CampaignMessageRow): Review {
    const now = clock.now();
    const startsAt = Math.max(now, message.sendAt ?? now);
    const recipients = recipientsOf(campaign.id);
    // The engine's rule at send time: an approved template, unedited, may open a WhatsApp conversation.
    const template = message.templateId != null ? db.select().from(templates).where(eq(templates.id, message.templateId)).get() : undefined;
    const approvedTemplate = isApprovedTemplateText(template, message.body);
    const { eligible, excluded, excludedCandidates } = eligibility(caller, recipients, startsAt, approvedTemplate);
    const creator = db.select().from(recruiters).where(eq(recruiters.id, campaign.createdBy)).get()!;
    const window = textingWindow(caller.org);
    const rate = caller.org.sendRatePerSecond ?? config.sendRatePerSecond;

    let encoding: SmsEncoding = 'GSM-7';
    let characters = 0;
    const segments = { min: Number.POSITIVE_INFINITY, max: 0, total: 0 };
    const previews: Review['previews'] = [];
    const zones = new Map<string, { count: number; sendsAt: number }>();
    const slots: { at: number; segments: number }[] = [];
    let quietCount = 0;
    const willSend: Candidate[] = [];
    // Every recipient is checked at the same instant: one texting-window answer per time zone.
    const slotByZone = new Map<string, ReturnType<typeof nextAllowed>>();

    for (const c of eligible) {
      let rendered: string;
      try {
        rendered = renderBody(
          message.body,
          mergeValuesFor({ candidate: c, recruiter: creator, org: caller.org, publicUrl: config.publicUrl, jobTitle: campaign.jobTitle }),
        );
      } catch (err) {
        if (err instanceof ApiError && err.details?.missingFields) {
          excluded.MISSING_MERGE_FIELD = (excluded.MISSING_MERGE_FIELD ?? 0) + 1;
          if (excludedCandidates.length < 100)
            excludedCandidates.push({ id: c.atsId, firstName: c.firstName, lastName: c.lastName, reason: 'MISSING_MERGE_FIELD' });
          continue;
        }
        throw err;
      }
      willSend.push(c);
      const info = countSegments(rendered);
      if (info.encoding === 'UCS-2') encoding = 'UCS-2';
      characters = Math.max(characters, info.characters);
      segments.min = Math.min(segments.min, info.segments);
      segments.max = Math.max(segments.max, info.segments);
      segments.total += info.segments;
      if (previews.length < 3) previews.push({ candidateId: c.atsId, name: `${c.firstName} ${c.lastName}`, body: rendered, segments: info.segments });
      const tz = timeZoneOf(c, caller.org);
      let slot = slotByZone.get(tz);
      if (!slot) slotByZone.set(tz, (slot = nextAllowed(startsAt, tz, window)));
      if (slot.waited) {
        quietCount++;
        const zone = zones.get(tz) ?? { count: 0, sendsAt: slot.at };
        zone.count++;
        zones.set(tz, zone);
      }
      slots.push({ at: slot.at, segments: info.segments });
    }
    if (!willSend.length) segments.min = 0;

    // Completion: texts go in order of their earliest allowed time, one rate-limited stream.
    slots.sort((a, b) => a.at - b.at);
    let t = startsAt;
    for (const s of slots) t = Math.max(t, s.at) + (Number.isFinite(rate) ? (s.segments / rate) * 1000 : 0);

    const warnings: Review['warnings'] = [];
    if (recipients.length > RECOMMENDED_MAX_RECIPIENTS) {
      warnings.push({
        code: 'OVER_RECOMMENDED_SIZE',
        message: `${recipients.length.toLocaleString('en-US')} recipients: we recommend ${RECOMMENDED_MAX_RECIPIENTS} or fewer per campaign.`,
      });
    }
    if (quietCount) {
      warnings.push({
        code: 'QUIET_HOURS',
        message: `${quietCount} recipient${quietCount > 1 ? 's are' : ' is'} outside texting hours (${clockOfMinute(window.startMinute)}–${clockOfMinute(window.endMinute)} their time) and will get it when their window opens.`,
      });
    }
    if (segments.max > 1) warnings.push({ code: 'MULTIPART', message: `Each text is up to ${segments.max} segments (billed per segment).` });
    if (encoding === 'UCS-2') {
      warnings.push({
        code: 'UNICODE',
        message: 'Some characters (emoji, curly quotes, non-Latin letters) switch texts to Unicode: 70 characters per segment instead of 160.',
      });
    }
    if (!willSend.length) warnings.push({ code: 'NO_ELIGIBLE_RECIPIENTS', message: 'No recipient can be texted: add textable candidates first.' });

    return {
      recipients: recipients.length,
      eligible: willSend.length,
      excluded,
      excludedCandidates,
      encoding,
      characters,
      segments,
      previews,
      quietHours: {
        count: quietCount,
        window: { start: clockOfMinute(window.startMinute), end: clockOfMinute(window.endMinute) },
        byTimeZone: [...zones].map(([timeZone, z]) => ({ timeZone, count: z.count, sendsAt: new Date(z.sendsAt).toISOString() })),
      },
      startsAt: new Date(startsAt).toISOString(),
      estimatedCompletionAt: willSend.length ? new Date(t).toISOString() : null,
      ratePerSecond: Number.isFinite(rate) ? rate : null,
      warnings,
    };
  }

  function checkRenderedLength(review: Review) {
    const longest = review.previews.reduce((m, p) => Math.max(m, characterCount(p.body)), review.characters);
    if (longest > MAX_BODY_CHARACTERS) throw validation(`The message is ${longest} characters for some recipients; the limit is ${MAX_BODY_CHARACTERS}.`);
  }

  /** A change a recruiter made: stamped, and announced to every open view of the campaign. */
  function touchCampaign(id: number) {
    const row = db.update(campaigns).set({ updatedAt: clock.now() }).where(eq(campaigns.id, id)).returning({ orgId: campaigns.orgId }).get();
    if (row) delivery.publishSoon(row.orgId, id);
  }

  return {
    stats: delivery.stats,
    summary,

    list(caller: Caller, status?: CampaignRow['status'], mine?: boolean): Campaign[] {
      return db
        .select()
        .from(campaigns)
        .where(
          and(
            eq(campaigns.orgId, caller.org.id),
            status ? eq(campaigns.status, status) : undefined,
            mine ? eq(campaigns.createdBy, caller.recruiter.id) : undefined,
          ),
        )
        .orderBy(desc(campaigns.updatedAt), desc(campaigns.id))
        .all()
        .map((c) => summary(c, caller));
    },

    get(caller: Caller, id: number): CampaignDetail {
      return detail(load(caller, id), caller);
    },

    create(caller: Caller, input: { name: string; jobTitle?: string | null; description?: string | null; candidateIds?: string[] }) {
      requireLicence(caller);
      const now = clock.now();
      if ((input.candidateIds?.length ?? 0) > config.campaignMaxRecipients) {
        throw new ApiError(400, 'CAMPAIGN_TOO_LARGE', `A campaign can have at most ${config.campaignMaxRecipients.toLocaleString('en-US')} candidates.`, {
          max: config.campaignMaxRecipients,
        });
      }
      const campaign = db
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
        .returning()
        .get();
      const added = input.candidateIds?.length ? addCandidates(caller, campaign, input.candidateIds) : null;
      return { campaign: detail(load(caller, campaign.id), caller), candidates: added };
    },

    update(
      caller: Caller,
      id: number,
      patch: { name?: string; jobTitle?: string | null; description?: string | null; assistant?: { enabled: boolean; sequenceId?: number | null } },
    ) {
      requireLicence(caller);
      const campaign = load(caller, id);
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
          const sequence = db
            .select()
            .from(sequences)
            .where(and(eq(sequences.id, sequenceId), eq(sequences.orgId, caller.org.id)))
            .get();
          if (!sequence) throw notFound('Sequence');
          if (sequence.kind !== 'outbound') throw validation('assistant.sequenceId: campaigns use outbound sequences, not the primary inbound one.');
          changes.assistantEnabled = true;
          changes.assistantSequenceId = sequenceId;
        } else {
          changes.assistantEnabled = false;
        }
      }
      db.update(campaigns).set(changes).where(eq(campaigns.id, id)).run();
      delivery.publishSoon(caller.org.id, id);
      return detail(load(caller, id), caller);
    },

    remove(caller: Caller, id: number) {
      requireLicence(caller);
      const campaign = load(caller, id);
      requireUnsent(campaign);
      db.transaction(() => {
        const messageIds = db
          .select({ id: campaignMessages.id })
          .from(campaignMessages)
          .where(eq(campaignMessages.campaignId, id))
          .all()
          .map((r) => r.id);
        if (messageIds.length) db.delete(campaignDeliveries).where(inArray(campaignDeliveries.campaignMessageId, messageIds)).run();
        db.delete(campaignMessages).where(eq(campaignMessages.campaignId, id)).run();
        db.delete(campaignRecipients).where(eq(campaignRecipients.campaignId, id)).run();
        db.delete(campaigns).where(eq(campaigns.id, id)).run();
      });
    },

    addCandidates(caller: Caller, id: number, atsIds: string[]) {
      requireLicence(caller);
      return addCandidates(caller, load(caller, id), atsIds);
    },

    removeCandidate(caller: Caller, id: number, atsId: string) {
      requireLicence(caller);
      const campaign = load(caller, id);
      requireUnsent(campaign);
      const candidate = services.candidates.get(caller.org, atsId);
      const removed = db.transaction(() => {
        const gone = db
          .delete(campaignRecipients)
          .where(and(eq(campaignRecipients.campaignId, id), eq(campaignRecipients.candidateId, candidate.id)))
          .returning()
          .get();
        const pendingIds = db
          .select({ id: campaignMessages.id })
          .from(campaignMessages)
          .where(eq(campaignMessages.campaignId, id))
          .all()
          .map((r) => r.id);
        if (pendingIds.length) {
          db.delete(campaignDeliveries)
            .where(
              and(
                inArray(campaignDeliveries.campaignMessageId, pendingIds),
                eq(campaignDeliveries.candidateId, candidate.id),
                eq(campaignDeliveries.status, 'pending'),
              ),
            )
            .run();
        }
        return gone;
      });
      if (!removed) throw notFound('Candidate in this campaign');
      touchCampaign(id);
      return { recipients: recipientsOf(id).length };
    },

    /** The Candidates tab: everyone in the campaign, with textability and what happened to their text. */
    recipients(caller: Caller, id: number, limit: number, offset: number) {
      const campaign = load(caller, id);
      const all = recipientsOf(campaign.id);
      const page = all.slice(offset, offset + limit);
      const ids = page.map((c) => c.id);
      const deliveries = ids.length
        ? db
            .select({
              candidateId: campaignDeliveries.candidateId,
              status: campaignDeliveries.status,
              reason: campaignDeliveries.skipReason,
              messageStatus: messages.status,
              errorCode: messages.errorCode,
              messageId: messages.id,
            })
            .from(campaignDeliveries)
            .innerJoin(campaignMessages, eq(campaignMessages.id, campaignDeliveries.campaignMessageId))
            .leftJoin(messages, eq(messages.id, campaignDeliveries.messageId))
            .where(and(eq(campaignMessages.campaignId, id), inArray(campaignDeliveries.candidateId, ids)))
            .orderBy(asc(campaignDeliveries.id))
            .all()
        : [];
      const latest = new Map(deliveries.map((d) => [d.candidateId, d]));
      const convs = new Map(
        ids.length
          ? db
              .select()
              .from(conversations)
              .where(inArray(conversations.candidateId, ids))
              .all()
              .map((c) => [c.candidateId, c])
          : [],
      );
      // Replied: an inbound text after the campaign's first text to them (one query for the page).
      const firstTextId = new Map<number, number>();
      for (const d of deliveries) if (d.messageId != null && !firstTextId.has(d.candidateId)) firstTextId.set(d.candidateId, d.messageId);
      const repliedIds = new Set(
        firstTextId.size
          ? db
              .select({ candidateId: messages.candidateId, lastInbound: sql<number>`max(${messages.id})` })
              .from(messages)
              .where(and(inArray(messages.candidateId, [...firstTextId.keys()]), eq(messages.direction, 'inbound')))
              .groupBy(messages.candidateId)
              .all()
              .filter((r) => r.lastInbound > firstTextId.get(r.candidateId)!)
              .map((r) => r.candidateId)
          : [],
      );
      const answers = new Map<number, { key: string; label: string; value: string }[]>();
      if (ids.length) {
        for (const a of db
          .select()
          .from(candidateAnswers)
          .where(and(inArray(candidateAnswers.candidateId, ids), eq(candidateAnswers.campaignId, id)))
          .orderBy(asc(candidateAnswers.id))
          .all()) {
          if (!answers.has(a.candidateId)) answers.set(a.candidateId, []);
          answers.get(a.candidateId)!.push({ key: a.key, label: a.label, value: a.value });
        }
      }
      return {
        recipients: page.map((c) => {
          const d = latest.get(c.id);
          return {
            ...services.candidates.serialize(c, caller.org, convs.get(c.id)),
            delivery: d
              ? {
                  status: d.status,
                  reason: d.reason ?? (d.messageStatus === 'failed' ? d.errorCode : null),
                  messageStatus: d.messageStatus ?? null,
                  errorCode: d.errorCode ?? null,
                }
              : null,
            replied: repliedIds.has(c.id),
            answers: answers.get(c.id) ?? [],
          };
        }),
        total: all.length,
        nextOffset: offset + limit < all.length ? offset + limit : null,
      };
    },

    createMessage(caller: Caller, id: number, input: { body: string; sendAt: string | null; templateId?: number | null }) {
      requireLicence(caller);
      const campaign = load(caller, id);
      requireUnsent(campaign);
      const { body, templateId } = resolveBody(caller, input.body, input.templateId);
      const sendAt = resolveSendAt(input.sendAt);
      const now = clock.now();
      const row = db
        .insert(campaignMessages)
        .values({ orgId: caller.org.id, campaignId: id, createdBy: caller.recruiter.id, body, templateId, sendAt, createdAt: now, updatedAt: now })
        .returning()
        .get();
      const r = review(caller, campaign, row);
      try {
        checkRenderedLength(r);
      } catch (err) {
        db.delete(campaignMessages).where(eq(campaignMessages.id, row.id)).run();
        throw err;
      }
      touchCampaign(id);
      return { message: messageJson(row), review: r };
    },

    getMessage(caller: Caller, id: number, messageId: number) {
      const campaign = load(caller, id);
      const row = loadMessage(campaign, messageId);
      return { message: messageJson(row), review: review(caller, campaign, row) };
    },

    updateMessage(caller: Caller, id: number, messageId: number, patch: { body?: string; sendAt?: string | null; templateId?: number | null }) {
      requireLicence(caller);
      const campaign = load(caller, id);
      const current = loadMessage(campaign, messageId);
      requireUnstarted(current);
      const { body, templateId } = resolveBody(caller, patch.body, patch.templateId, current);
      const sendAt = patch.sendAt === undefined ? current.sendAt : resolveSendAt(patch.sendAt);
      const candidate = { ...current, body, templateId, sendAt };
      const r = review(caller, campaign, candidate);
      checkRenderedLength(r);
      const now = clock.now();
      const updated = db.transaction(() => {
        // Re-read inside the transaction: the dispatcher may have started it a moment ago.
        const fresh = loadMessage(campaign, messageId);
        requireUnstarted(fresh);
        const row = db.update(campaignMessages).set({ body, templateId, sendAt, updatedAt: now }).where(eq(campaignMessages.id, messageId)).returning().get();
        if (row.status === 'scheduled') {
          db.update(campaignDeliveries)
            .set({ dueAt: sendAt ?? now, updatedAt: now })
            .where(and(eq(campaignDeliveries.campaignMessageId, messageId), eq(campaignDeliveries.status, 'pending')))
            .run();
        }
        return row;
      });
      touchCampaign(id);
      if (updated.status === 'scheduled') services.outbox.kick();
      return { message: messageJson(updated), review: r };
    },

    deleteMessage(caller: Caller, id: number, messageId: number) {
      requireLicence(caller);
      const campaign = load(caller, id);
      loadMessage(campaign, messageId);
      db.transaction(() => {
        requireUnstarted(loadMessage(campaign, messageId));
        db.delete(campaignDeliveries).where(eq(campaignDeliveries.campaignMessageId, messageId)).run();
        db.delete(campaignMessages).where(eq(campaignMessages.id, messageId)).run();
        delivery.refreshCampaignStatus(id);
      });
      touchCampaign(id);
    },

    /** Send (a message for now) or Save (for later): commits it and queues one delivery per recipient. */
    schedule(caller: Caller, id: number, messageId: number) {
      requireLicence(caller);
      const campaign = load(caller, id);
      const current = loadMessage(campaign, messageId);
      if (current.status !== 'draft') {
        // Pressed twice (even after the dispatcher has started on it): the first press already did it.
        return { message: messageJson(current), review: review(caller, campaign, current), confirmation: confirmationFor(current) };
      }
      requireUnstarted(current);
      requireUnsent(campaign);
      if (current.sendAt != null && current.sendAt < clock.now() - PAST_GRACE_MS) {
        throw validation('The scheduled time has passed: edit the message and pick a new time, or send it now.');
      }
      const r = review(caller, campaign, current);
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
        // One delivery per recipient (the same rows insertDeliveries writes), in one statement.
        stmt.deliveriesForAll.run(row.orgId, row.id, row.sendAt ?? now, now, id);
        delivery.refreshCampaignStatus(id);
        return row;
      });
      services.outbox.kick();
      delivery.publishSoon(caller.org.id, id);
      return { message: messageJson(scheduled), review: r, confirmation: confirmationFor(scheduled) };
    },
  };

  function confirmationFor(row: CampaignMessageRow): string {
    return row.sendAt == null ? 'Your message is on its way.' : `Your message is scheduled for ${new Date(row.sendAt).toISOString()}.`;
  }
}

export type CampaignService = ReturnType<typeof createCampaignService>;
