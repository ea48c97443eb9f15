/**
 * How campaigns read: a campaign's JSON (its counts and live numbers aggregated in SQL) and its
 * recipients a page at a time (the Candidates tab). A campaign can have tens of thousands of
 * recipients, so nothing here loads them all except `all()`, which the Review needs (it renders
 * the text for each). Both the campaign service and the delivery stage's campaign.updated events
 * read through this, which is why it is built before either.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Campaign, CampaignDetail, CampaignMessage } from '../../shared/api.js';
import type { campaignMessages, campaigns } from '../db/schema.js';
import { first, type Db } from '../db/types.js';
import type { Deps } from '../deps.js';
import { sqlColumns } from '../lib/sql-rows.js';
import type { CandidateService } from './candidates.js';
import { EXCLUSION_REASON_SQL, exclusionParams } from './campaign-exclusion.js';
import { createCampaignStats } from './campaign-stats.js';
import type { Candidate, Organization } from './textability.js';

export type CampaignRow = typeof campaigns.$inferSelect;
export type CampaignMessageRow = typeof campaignMessages.$inferSelect;

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

export function campaignMessageJson(row: CampaignMessageRow): CampaignMessage {
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

export function createCampaignReadModel(deps: Deps, services: { candidates: CandidateService }) {
  const { db, clock } = deps;
  const { candidateAnswers, campaignDeliveries, campaignMessages, campaigns, candidates, conversations, messages, recruiters } = db.t;
  const stats = createCampaignStats(db);
  const byName = 'order by c.last_name, c.first_name, c.id';
  const recipientRows = `select ${sqlColumns(candidates, 'c')} from campaign_recipients r join candidates c on c.id = r.candidate_id where r.campaign_id = ? ${byName}`;
  const stmt = {
    all: db.stmt(recipientRows),
    page: db.stmt(`${recipientRows} limit ? offset ?`),
    count: db.stmt('select count(*) as n from campaign_recipients where campaign_id = ?'),
    // Reasons in the order their first recipient appears by name, as the Review lists them.
    exclusions: db.stmt(
      `select reason, count(*) as n from (
         select ${EXCLUSION_REASON_SQL} as reason, row_number() over (${byName}) as position
         from campaign_recipients r join candidates c on c.id = r.candidate_id where r.campaign_id = @campaignId
       ) as x group by reason order by min(position)`,
    ),
  };

  /** How many recipients the campaign has (`on`: the transaction asking, if any). */
  async function count(campaignId: number, on: Db = db): Promise<number> {
    return (await on.get<{ n: number }>(stmt.count, campaignId))!.n;
  }

  /** Recipients, and how many of them a text sent at `at` would reach or skip (per reason). */
  async function exclusions(campaignId: number, org: Organization, at: number) {
    const rows = await db.all<{ reason: string | null; n: number }>(stmt.exclusions, { campaignId, ...exclusionParams(org, at) });
    const excluded: Record<string, number> = {};
    let recipients = 0;
    let eligible = 0;
    for (const { reason, n } of rows) {
      recipients += n;
      if (reason) excluded[reason] = n;
      else eligible = n;
    }
    return { recipients, eligible, excluded };
  }

  async function summary(campaign: CampaignRow, org: Organization): Promise<Campaign> {
    const creator = (await first(db.orm.select({ id: recruiters.id, name: recruiters.name }).from(recruiters).where(eq(recruiters.id, campaign.createdBy))))!;
    const { recipients, eligible, excluded } = await exclusions(campaign.id, org, clock.now());
    const next = await first(
      db.orm
        .select({ at: sql<number | null>`min(coalesce(${campaignMessages.sendAt}, ${campaignMessages.scheduledAt}))` })
        .from(campaignMessages)
        .where(and(eq(campaignMessages.campaignId, campaign.id), eq(campaignMessages.status, 'scheduled'))),
    );
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
      recipients,
      eligible,
      excluded,
      stats: await stats(campaign.id),
      nextSendAt: iso(next?.at ?? null),
    };
  }

  async function detail(campaign: CampaignRow, org: Organization): Promise<CampaignDetail> {
    const rows = await db.orm.select().from(campaignMessages).where(eq(campaignMessages.campaignId, campaign.id)).orderBy(asc(campaignMessages.id));
    return { ...(await summary(campaign, org)), messages: rows.map(campaignMessageJson) };
  }

  /** The Candidates tab: one page of the campaign's recipients, with textability and what happened to their text. */
  async function page(campaignId: number, org: Organization, limit: number, offset: number) {
    const rows = await db.all<Candidate>(stmt.page, campaignId, limit, offset);
    const total = await count(campaignId);
    const ids = rows.map((c) => c.id);
    const deliveries = ids.length
      ? await db.orm
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
          .where(and(eq(campaignMessages.campaignId, campaignId), inArray(campaignDeliveries.candidateId, ids)))
          .orderBy(asc(campaignDeliveries.id))
      : [];
    const latest = new Map(deliveries.map((d) => [d.candidateId, d]));
    const convs = new Map(
      ids.length ? (await db.orm.select().from(conversations).where(inArray(conversations.candidateId, ids))).map((c) => [c.candidateId, c]) : [],
    );
    // Replied: an inbound text after the campaign's first text to them (one query for the page).
    const firstTextId = new Map<number, number>();
    for (const d of deliveries) if (d.messageId != null && !firstTextId.has(d.candidateId)) firstTextId.set(d.candidateId, d.messageId);
    const repliedIds = new Set(
      firstTextId.size
        ? (
            await db.orm
              .select({ candidateId: messages.candidateId, lastInbound: sql<number>`max(${messages.id})` })
              .from(messages)
              .where(and(inArray(messages.candidateId, [...firstTextId.keys()]), eq(messages.direction, 'inbound')))
              .groupBy(messages.candidateId)
          )
            .filter((r) => r.lastInbound > firstTextId.get(r.candidateId)!)
            .map((r) => r.candidateId)
        : [],
    );
    const answers = new Map<number, { key: string; label: string; value: string }[]>();
    if (ids.length) {
      for (const a of await db.orm
        .select()
        .from(candidateAnswers)
        .where(and(inArray(candidateAnswers.candidateId, ids), eq(candidateAnswers.campaignId, campaignId)))
        .orderBy(asc(candidateAnswers.id))) {
        if (!answers.has(a.candidateId)) answers.set(a.candidateId, []);
        answers.get(a.candidateId)!.push({ key: a.key, label: a.label, value: a.value });
      }
    }
    return {
      recipients: rows.map((c) => {
        const d = latest.get(c.id);
        return {
          ...services.candidates.serialize(c, org, convs.get(c.id)),
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
      total,
      nextOffset: offset + limit < total ? offset + limit : null,
    };
  }

  return {
    summary,
    detail,
    /** The campaign as campaign.updated carries it (null once deleted). */
    async serializeById(id: number): Promise<CampaignDetail | null> {
      const campaign = await first(db.orm.select().from(campaigns).where(eq(campaigns.id, id)));
      return campaign ? detail(campaign, await services.candidates.orgOf(campaign.orgId)) : null;
    },
    page,
    /** Every recipient in name order (the Review renders each one's text). */
    all: (campaignId: number, on: Db = db) => on.all<Candidate>(stmt.all, campaignId),
    count,
    stats,
  };
}

export type CampaignReadModel = ReturnType<typeof createCampaignReadModel>;
