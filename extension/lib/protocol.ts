/**
 * The typed message map between the extension's pages/content scripts and its background
 * service worker — the only part that talks to the server. The background validates every
 * request with these zod schemas and accepts them only from the extension's own contexts.
 *
 * Content scripts import this file for types only (`import type`), so zod stays out of the
 * content-script bundle.
 */
import { z } from 'zod';
import { CHANNELS, CONSENT_STATUSES } from '../../shared/api';
import { MAX_IMPORT_BYTES } from './protocol-names';
import type {
  AddCandidatesResultSchema,
  CampaignDetailSchema,
  CampaignMessagePreviewSchema,
  CampaignMessageWithReviewSchema,
  CampaignRecipientSchema,
  CampaignSchema,
  CandidateListSchema,
  CandidateSchema,
  ConsentHistorySchema,
  ImportStatusSchema,
  MessagePageSchema,
  MessageSchema,
  RecruiterSchema,
  TemplateSchema,
} from '../../shared/api';

const atsId = z.string().min(1).max(100);
const campaignId = z.number().int().positive();

/**
 * A consent statement (the upsert's `consent`, or POST /api/candidates/:atsId/consent on its own),
 * checked for shape only, as the rest: an empty source is the server's to refuse, naming the field.
 */
const consentStatement = z.strictObject({ status: z.enum(CONSENT_STATUSES), source: z.string().max(200), at: z.string().max(40).optional() });

/**
 * A candidate's data for PUT /api/candidates/:atsId, checked for shape only: what a value must
 * be (a valid phone, an email) is the server's to say, so its refusal names the field.
 */
const optionalText = (max: number) => z.string().max(max).nullish();
const candidateUpsert = z.strictObject({
  firstName: z.string().max(100),
  lastName: z.string().max(100),
  email: optionalText(254),
  phone: optionalText(40),
  channel: z.enum(CHANNELS).nullish(),
  consent: consentStatement.optional(),
  timeZone: optionalText(64),
  jobTitle: optionalText(200),
  location: optionalText(200),
});

/** Requests: name -> input schema. Outputs are typed in `Outputs` below. */
export const requestSchemas = {
  'session.get': z.object({}),
  'session.signIn': z.object({
    serverUrl: z.url({ protocol: /^https?$/, message: 'Enter the server URL, e.g. http://localhost:8787' }),
    email: z.string().trim().min(1, 'Enter your email.'),
    password: z.string().min(1, 'Enter your password.'),
  }),
  'session.signOut': z.object({}),
  'candidates.lookup': z.object({ ids: z.array(atsId).min(1).max(200) }),
  'candidates.get': z.object({ id: atsId }),
  'candidates.upsert': z.object({ id: atsId, candidate: candidateUpsert }),
  'candidates.consent': z.object({ id: atsId, consent: consentStatement }),
  'candidates.consentHistory': z.object({ id: atsId }),
  'candidates.search': z.object({ query: z.string().max(100), limit: z.number().int().min(1).max(100).optional(), cursor: z.string().optional() }),
  'messages.list': z.object({ candidateId: atsId, after: z.number().int().min(0).optional() }),
  'messages.send': z.object({
    candidateId: atsId,
    body: z.string().max(20_000),
    templateId: z.number().int().positive().optional(),
    idempotencyKey: z.string().min(8).max(200),
  }),
  'messages.markRead': z.object({ candidateId: atsId }),
  'templates.list': z.object({}),
  'sequences.list': z.object({}),
  'assistant.get': z.object({ candidateId: atsId }),
  'assistant.set': z.object({ candidateId: atsId, active: z.boolean(), sequenceId: z.number().int().positive().optional() }),
  'campaigns.list': z.object({ status: z.enum(['draft', 'scheduled', 'sending', 'sent']).optional(), mine: z.boolean().optional() }),
  'campaigns.get': z.object({ id: campaignId }),
  'campaigns.create': z.object({
    name: z.string(),
    jobTitle: z.string().nullish(),
    description: z.string().nullish(),
    candidateIds: z.array(atsId).max(5000).optional(),
  }),
  'campaigns.update': z.object({
    id: campaignId,
    name: z.string().optional(),
    jobTitle: z.string().nullish(),
    description: z.string().nullish(),
    assistant: z.object({ enabled: z.boolean(), sequenceId: z.number().int().positive().nullish() }).optional(),
  }),
  'campaigns.delete': z.object({ id: campaignId }),
  'campaigns.recipients': z.object({ id: campaignId, limit: z.number().int().min(1).max(500).optional(), offset: z.number().int().min(0).optional() }),
  'campaigns.addCandidates': z.object({ id: campaignId, candidateIds: z.array(atsId).min(1).max(5000) }),
  'campaigns.removeCandidate': z.object({ id: campaignId, candidateId: atsId }),
  'campaigns.createMessage': z.object({
    id: campaignId,
    body: z.string().max(20_000),
    sendAt: z.string().nullable(),
    templateId: z.number().int().positive().nullish(),
  }),
  'campaigns.previewMessage': z.object({
    id: campaignId,
    body: z.string().max(20_000),
    sendAt: z.string().nullable(),
    templateId: z.number().int().positive().nullish(),
  }),
  'campaigns.getMessage': z.object({ id: campaignId, messageId: z.number().int().positive() }),
  'campaigns.updateMessage': z.object({
    id: campaignId,
    messageId: z.number().int().positive(),
    body: z.string().max(20_000).optional(),
    sendAt: z.string().nullable().optional(),
    templateId: z.number().int().positive().nullish(),
  }),
  'campaigns.deleteMessage': z.object({ id: campaignId, messageId: z.number().int().positive() }),
  'campaigns.scheduleMessage': z.object({ id: campaignId, messageId: z.number().int().positive() }),
  'imports.start': z.object({
    format: z.enum(['csv', 'ndjson']),
    text: z.string().max(MAX_IMPORT_BYTES, 'The file is larger than 32 MB; split it into smaller files.'),
  }),
  'imports.get': z.object({ importId: z.string().min(1).max(100) }),
  'ui.openOptions': z.object({}),
} as const;

export type RequestName = keyof typeof requestSchemas;
export type RequestInput<N extends RequestName> = z.input<(typeof requestSchemas)[N]>;

type Out<S extends z.ZodType> = z.infer<S>;

export interface Session {
  serverUrl: string;
  signedIn: boolean;
  recruiter: Out<typeof RecruiterSchema> | null;
}

export interface Outputs {
  'session.get': Session;
  'session.signIn': Session;
  'session.signOut': Session;
  'candidates.lookup': Out<typeof CandidateListSchema>;
  'candidates.get': Out<typeof CandidateSchema>;
  'candidates.upsert': Out<typeof CandidateSchema>;
  'candidates.consent': Out<typeof CandidateSchema>;
  'candidates.consentHistory': Out<typeof ConsentHistorySchema>;
  'candidates.search': Out<typeof CandidateListSchema>;
  'messages.list': Out<typeof MessagePageSchema>;
  'messages.send': Out<typeof MessageSchema>;
  'messages.markRead': { unreadCount: number };
  'templates.list': { templates: Out<typeof TemplateSchema>[] };
  'sequences.list': { sequences: { id: number; name: string; kind: 'inbound' | 'outbound'; primary: boolean; description?: string | null }[] };
  'assistant.get': AssistantInfo;
  'assistant.set': Out<typeof CandidateSchema>;
  'campaigns.list': { campaigns: Out<typeof CampaignSchema>[] };
  'campaigns.get': Out<typeof CampaignDetailSchema>;
  'campaigns.create': { campaign: Out<typeof CampaignDetailSchema>; candidates: Out<typeof AddCandidatesResultSchema> | null };
  'campaigns.update': Out<typeof CampaignDetailSchema>;
  'campaigns.delete': null;
  'campaigns.recipients': { recipients: Out<typeof CampaignRecipientSchema>[]; total: number; nextOffset: number | null };
  'campaigns.addCandidates': Out<typeof AddCandidatesResultSchema>;
  'campaigns.removeCandidate': { recipients: number };
  'campaigns.createMessage': Out<typeof CampaignMessageWithReviewSchema>;
  'campaigns.previewMessage': Out<typeof CampaignMessagePreviewSchema>;
  'campaigns.getMessage': Out<typeof CampaignMessageWithReviewSchema>;
  'campaigns.updateMessage': Out<typeof CampaignMessageWithReviewSchema>;
  'campaigns.deleteMessage': null;
  'campaigns.scheduleMessage': Out<typeof CampaignMessageWithReviewSchema> & { confirmation: string };
  'imports.start': Out<typeof ImportStatusSchema>;
  'imports.get': Out<typeof ImportStatusSchema>;
  'ui.openOptions': null;
}

export interface Answer {
  key: string;
  label: string;
  value: string;
}

/** What Ari is doing for one candidate (GET /api/candidates/:id/assistant). */
export interface AssistantInfo {
  active: boolean;
  sequence: { id: number; name: string } | null;
  stepId: string | null;
  /** Why Ari stopped, while it isn't running. */
  handback: {
    reason: 'COMPLETED' | 'HANDED_BACK' | 'NOT_UNDERSTOOD' | 'TAKEN_OVER' | 'OPTED_OUT';
    message: string;
    summary: Answer[];
    at: string;
  } | null;
  answers: Answer[];
  /** The candidate's next booking on a recruiter's calendar. */
  booking: { startsAt: string; endsAt: string } | null;
}

/** What every request resolves to: the data, or the server's (or the relay's) refusal. */
export type Result<T> = { ok: true; data: T } | { ok: false; error: RelayError };

export interface RelayError {
  /** The server's code (OPTED_OUT, NOT_LICENSED...) or the relay's own: SIGNED_OUT, OFFLINE, BAD_REQUEST. */
  code: string;
  message: string;
  status: number;
  /** The field a 400 VALIDATION names (phone, email...), so a form can show it beside that field. */
  field?: string;
}

export interface RequestEnvelope<N extends RequestName = RequestName> {
  kind: 'te.request';
  name: N;
  input: RequestInput<N>;
}

/** Pushed from the background to content scripts and pages over a `te.events` port. */
export type PushEvent =
  | { type: 'message.created' | 'message.updated'; data: Out<typeof MessageSchema> }
  | { type: 'candidate.updated'; data: Out<typeof CandidateSchema> }
  /** Candidates' data changed (an upsert, an import, an erasure): re-read the ones shown. */
  | { type: 'candidates.updated'; data: { ids: string[] } }
  | { type: 'campaign.updated'; data: Out<typeof CampaignDetailSchema> }
  | { type: 'booking.created'; data: { id: number; candidateId: string; startsAt: string; endsAt: string } }
  | { type: 'session.changed'; data: Session }
  | { type: 'stream.status'; data: { connected: boolean } };
