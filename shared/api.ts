/**
 * The HTTP API's shapes, as zod schemas: what requests carry and what answers hold. The endpoints
 * and events that use them are declared in shared/contract/.
 */
import { z } from 'zod';
import { MAX_BODY_CHARACTERS, MAX_BODY_CODE_UNITS } from './segments.js';

const TOO_LONG = `The message is too long: texts can be at most ${MAX_BODY_CHARACTERS.toLocaleString('en-US')} characters.`;

export const CHANNELS = ['sms', 'whatsapp'] as const;
export const ChannelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof ChannelSchema>;

export const NotTextableReasonSchema = z.enum(['NO_MOBILE', 'NO_CONSENT', 'OPTED_OUT', 'CHANNEL_DISABLED']);
export type NotTextableReason = z.infer<typeof NotTextableReasonSchema>;

export const MESSAGE_STATUSES = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'undelivered',
  'failed',
  'received',
  // Handed to the provider, then the process died and the provider could not say what happened:
  // never re-sent automatically, shown for a person to review.
  'unknown',
] as const;
export const MessageStatusSchema = z.enum(MESSAGE_STATUSES);
export type MessageStatus = z.infer<typeof MessageStatusSchema>;

export const SENDERS = ['recruiter', 'assistant', 'system', 'candidate'] as const;
export const SenderSchema = z.enum(SENDERS);
export type Sender = z.infer<typeof SenderSchema>;

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'OPTED_OUT' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });
export type ApiErrorBody = z.infer<typeof ErrorSchema>;

/**
 * Whether the server may send texts now: paused when the provider refused the account's
 * credentials (a rotated token, a suspended account). Texts are kept, and go out once a probe of
 * the account succeeds.
 */
export const SendingStateSchema = z
  .object({
    paused: z.boolean(),
    reason: z.string().optional().meta({ description: "The provider's words, e.g. Twilio refused the credentials: Authenticate." }),
    since: z.string().optional().meta({ description: 'ISO time sending paused.' }),
  })
  .meta({ id: 'SendingState' });
export type SendingState = z.infer<typeof SendingStateSchema>;

export const RecruiterSchema = z
  .object({
    id: z.number(),
    email: z.string(),
    name: z.string(),
    licensed: z.boolean(),
    isAdmin: z.boolean(),
    calendarLink: z.string(),
    organization: z.object({
      id: z.number(),
      name: z.string(),
      smsEnabled: z.boolean(),
      whatsappEnabled: z.boolean(),
      assistantSubscribed: z.boolean(),
      textingHours: z.object({ start: z.string(), end: z.string() }),
      defaultTimeZone: z.string(),
      defaultCountry: z.string().meta({ description: 'ISO country for phone numbers written without a country code.' }),
      sendRatePerSecond: z.number().nullable(),
      senders: z
        .object({ smsFrom: z.string().nullable(), whatsappFrom: z.string().nullable(), messagingServiceSid: z.string().nullable() })
        .meta({ description: 'The organization’s own senders; null: the server’s (TWILIO_SMS_FROM, TWILIO_MESSAGING_SERVICE_SID, TWILIO_WHATSAPP_FROM).' }),
      sending: SendingStateSchema,
    }),
  })
  .meta({ id: 'Recruiter' });
export type Recruiter = z.infer<typeof RecruiterSchema>;

export const LoginBodySchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ message: 'Enter a valid email address.' })),
  password: z.string().min(1, 'Enter your password.').max(200),
});
export const LoginResponseSchema = z.object({ token: z.string(), recruiter: RecruiterSchema, expiresAt: z.string() });

export const CONSENT_STATUSES = ['granted', 'revoked'] as const;
export const ConsentStatusSchema = z.enum(CONSENT_STATUSES);
export type ConsentStatus = z.infer<typeof ConsentStatusSchema>;

export const CandidateSchema = z
  .object({
    id: z.string().meta({ description: 'The candidate’s id in the host ATS.' }),
    firstName: z.string(),
    lastName: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable().meta({ description: 'E.164, or null when there is no valid mobile.' }),
    channel: ChannelSchema,
    jobTitle: z.string().nullable(),
    location: z.string().nullable(),
    consent: z
      .object({ status: ConsentStatusSchema, source: z.string(), at: z.string() })
      .nullable()
      .meta({ description: 'The current consent record (the latest); the history is at /consent.' }),
    textable: z.boolean(),
    reason: NotTextableReasonSchema.nullable(),
    timeZone: z.string(),
    optedOut: z.boolean(),
    whatsappWindowOpen: z.boolean().meta({ description: 'Free-form WhatsApp text allowed now (always true for SMS).' }),
    lastInboundAt: z.string().nullable(),
    assistant: z.object({ active: z.boolean(), sequenceId: z.number().nullable() }),
    unreadCount: z.number(),
    createdAt: z.string(),
    updatedAt: z.string().meta({ description: 'Changes only when something about the candidate changed.' }),
  })
  .meta({ id: 'Candidate' });
export type Candidate = z.infer<typeof CandidateSchema>;

export const CandidateListSchema = z.object({
  candidates: z.array(CandidateSchema),
  /** ATS ids asked for that the server does not know. */
  unknownIds: z.array(z.string()).optional(),
  nextCursor: z.string().nullable().optional(),
});

const atsIdList = z
  .string()
  .transform((s) => [
    ...new Set(
      s
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(z.array(z.string().max(100)).min(1, 'ids must name at least one candidate.').max(200, 'At most 200 ids at a time.'));

export const CandidateQuerySchema = z.object({
  ids: atsIdList.optional(),
  query: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
});

/**
 * A picture or file that came with a text. `url` is ours (`/api/media/<id>`, fetched with the
 * caller's sign-in), never the provider's. `status`: `pending` while the server is still fetching
 * it from the provider, `failed` when it could not (shown as "Attachment unavailable").
 */
export const MessageMediaSchema = z
  .object({
    url: z.string(),
    contentType: z.string(),
    status: z.enum(['pending', 'stored', 'failed']),
  })
  .meta({ id: 'MessageMedia' });
export type MessageMedia = z.infer<typeof MessageMediaSchema>;

export const MessageSchema = z
  .object({
    id: z.number(),
    candidateId: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    channel: ChannelSchema,
    body: z.string(),
    status: MessageStatusSchema,
    encoding: z.enum(['GSM-7', 'UCS-2']),
    segments: z.number(),
    sender: SenderSchema,
    senderName: z.string().nullable(),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable(),
    campaignId: z.number().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    media: z.array(MessageMediaSchema),
  })
  .meta({ id: 'Message' });
export type Message = z.infer<typeof MessageSchema>;

export const MessagePageSchema = z.object({ messages: z.array(MessageSchema), nextCursor: z.number().nullable() });

export const MessagePageQuerySchema = z.object({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const SendMessageBodySchema = z
  .object({
    body: z.string().max(MAX_BODY_CODE_UNITS, TOO_LONG).optional().meta({
      description:
        'Up to 1,600 characters; merge fields like {{firstName}} allowed. Optional with templateId (the template is sent as it is); an edited template text goes only inside WhatsApp’s 24-hour window.',
    }),
    templateId: z.number().int().positive().optional(),
  })
  .refine((v) => v.body !== undefined || v.templateId !== undefined, 'Write a message or pick a template.');

export const AssistantBodySchema = z.object({
  active: z.boolean(),
  sequenceId: z.number().int().positive().optional(),
});

/** Something Ari collected from the candidate (a screening answer). */
export const AnswerSchema = z.object({ key: z.string(), label: z.string(), value: z.string() });
export type Answer = z.infer<typeof AnswerSchema>;

export const HANDBACK_REASONS = ['COMPLETED', 'HANDED_BACK', 'NOT_UNDERSTOOD', 'TAKEN_OVER', 'OPTED_OUT'] as const;

/** What Ari is doing for one candidate (GET /api/candidates/:id/assistant). */
export const AssistantInfoSchema = z
  .object({
    active: z.boolean(),
    sequence: z.object({ id: z.number(), name: z.string() }).nullable(),
    stepId: z.string().nullable(),
    handback: z
      .object({ reason: z.enum(HANDBACK_REASONS), message: z.string(), summary: z.array(AnswerSchema), at: z.string() })
      .nullable()
      .meta({ description: 'Why Ari stopped, while it is not running.' }),
    answers: z.array(AnswerSchema),
    booking: z.object({ startsAt: z.string(), endsAt: z.string() }).nullable().meta({ description: 'The candidate’s next booking on a recruiter’s calendar.' }),
  })
  .meta({ id: 'AssistantInfo' });
export type AssistantInfo = z.infer<typeof AssistantInfoSchema>;

/** A WhatsApp content id in the provider's account (Twilio's Content SID). */
export const CONTENT_SID_PATTERN = /^HX[0-9a-fA-F]{32}$/;
/** A content variable's name: Twilio's placeholders `{{1}}`, `{{first_name}}` (≤16 characters, no spaces). */
export const CONTENT_VARIABLE_PATTERN = /^[A-Za-z0-9_]{1,16}$/;
const MAX_CONTENT_VARIABLES = 100;

export const TemplateSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    body: z.string(),
    contentSid: z
      .string()
      .nullable()
      .meta({ description: 'The approved WhatsApp content (HX…) sent outside the 24-hour window; null: SMS/in-window text only.' }),
    contentVariables: z.record(z.string(), z.string()).nullable().meta({ description: 'Content variable → merge field, e.g. {"1": "firstName"}.' }),
    whatsappApproved: z.boolean().meta({ description: 'Deprecated: contentSid != null.' }),
  })
  .meta({ id: 'Template' });
export type Template = z.infer<typeof TemplateSchema>;

const templateName = z.string().trim().min(1, 'Name the template.').max(100);
const templateBody = z.string().max(MAX_BODY_CODE_UNITS, TOO_LONG).meta({ description: 'Up to 1,600 characters; merge fields like {{firstName}} allowed.' });
const contentSid = z
  .string()
  .trim()
  .regex(CONTENT_SID_PATTERN, 'A content SID is HX followed by 32 hex digits (Twilio Console → Content Template Builder).')
  .nullable();
const contentVariables = z
  .record(z.string().regex(CONTENT_VARIABLE_PATTERN, 'A content variable is 1–16 letters, digits or _ (e.g. 1).'), z.string().min(1).max(40))
  .refine((v) => Object.keys(v).length <= MAX_CONTENT_VARIABLES, `At most ${MAX_CONTENT_VARIABLES} content variables.`)
  .nullable();

export const TemplateBodySchema = z.strictObject({
  name: templateName,
  body: templateBody,
  contentSid: contentSid.optional(),
  contentVariables: contentVariables.optional(),
});

export const TemplatePatchSchema = z
  .strictObject({
    name: templateName.optional(),
    body: templateBody.optional(),
    contentSid: contentSid.optional(),
    contentVariables: contentVariables.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'Nothing to change.');

export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'Idempotency-Key must be printable ASCII without spaces.');

// ── Campaigns ────────────────────────────────────────────────────────────────

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'sending', 'sent'] as const;
export const CampaignStatusSchema = z.enum(CAMPAIGN_STATUSES);
export type CampaignStatus = z.infer<typeof CampaignStatusSchema>;

export const CampaignMessageStatusSchema = z.enum(CAMPAIGN_STATUSES);

const candidateIdList = z
  .array(z.string().trim().min(1).max(100))
  .max(5000, 'At most 5,000 candidates at a time.')
  .transform((ids) => [...new Set(ids)]);

export const CreateCampaignBodySchema = z.object({
  name: z.string().trim().min(1, 'Give the campaign a name.').max(120),
  jobTitle: z.string().trim().max(120).nullish(),
  description: z.string().trim().max(2000).nullish(),
  candidateIds: candidateIdList.optional(),
});

export const UpdateCampaignBodySchema = z
  .object({
    name: z.string().trim().min(1, 'Give the campaign a name.').max(120).optional(),
    jobTitle: z.string().trim().max(120).nullish(),
    description: z.string().trim().max(2000).nullish(),
    assistant: z.object({ enabled: z.boolean(), sequenceId: z.number().int().positive().nullish() }).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'Nothing to change.');

export const AddCandidatesBodySchema = z.object({ candidateIds: candidateIdList.pipe(z.array(z.string()).min(1, 'Name at least one candidate.')) });

export const ExcludedCandidateSchema = z.object({
  id: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  reason: z.string(),
});

export const AddCandidatesResultSchema = z
  .object({
    added: z.number(),
    alreadyIn: z.number(),
    notFound: z.array(z.string()),
    excluded: z.array(ExcludedCandidateSchema),
    recipients: z.number(),
    warning: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .meta({ id: 'AddCandidatesResult' });

const isoInstant = z.iso.datetime({ offset: true, message: 'sendAt must be an ISO instant such as 2026-12-01T15:00:00Z.' });

export const CreateCampaignMessageBodySchema = z.object({
  body: z.string().max(MAX_BODY_CODE_UNITS, TOO_LONG),
  sendAt: isoInstant.nullable(),
  templateId: z.number().int().positive().nullish(),
});

export const UpdateCampaignMessageBodySchema = z
  .object({
    body: z.string().max(MAX_BODY_CODE_UNITS, TOO_LONG).optional(),
    sendAt: isoInstant.nullable().optional(),
    templateId: z.number().int().positive().nullish(),
  })
  .refine((v) => Object.keys(v).length > 0, 'Nothing to change.');

export const ReviewSchema = z
  .object({
    recipients: z.number(),
    eligible: z.number(),
    excluded: z.record(z.string(), z.number()).meta({ description: 'Count per reason.' }),
    excludedCandidates: z.array(ExcludedCandidateSchema).meta({ description: 'Up to 100 of them, named.' }),
    encoding: z.enum(['GSM-7', 'UCS-2']),
    characters: z.number(),
    segments: z.object({ min: z.number(), max: z.number(), total: z.number() }),
    previews: z.array(z.object({ candidateId: z.string(), name: z.string(), body: z.string(), segments: z.number() })),
    quietHours: z.object({
      count: z.number().meta({ description: 'Eligible recipients outside texting hours at the send time.' }),
      window: z.object({ start: z.string(), end: z.string() }),
      byTimeZone: z.array(z.object({ timeZone: z.string(), count: z.number(), sendsAt: z.string() })),
    }),
    startsAt: z.string(),
    estimatedCompletionAt: z.string().nullable(),
    ratePerSecond: z.number().nullable().meta({ description: 'Segments per second; null when unlimited.' }),
    warnings: z.array(z.object({ code: z.string(), message: z.string() })),
  })
  .meta({ id: 'CampaignReview' });
export type Review = z.infer<typeof ReviewSchema>;

export const CampaignMessageSchema = z
  .object({
    id: z.number(),
    campaignId: z.number(),
    body: z.string(),
    templateId: z.number().nullable(),
    sendAt: z.string().nullable(),
    status: CampaignMessageStatusSchema,
    editable: z.boolean(),
    createdAt: z.string(),
    scheduledAt: z.string().nullable(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
  })
  .meta({ id: 'CampaignMessage' });
export type CampaignMessage = z.infer<typeof CampaignMessageSchema>;

export const CampaignStatsSchema = z
  .object({
    recipients: z.number(),
    queued: z.number(),
    sent: z.number(),
    delivered: z.number(),
    failed: z.number(),
    unknown: z.number(),
    skipped: z.record(z.string(), z.number()),
    replied: z.number(),
    optedOut: z.number(),
    total: z.number().meta({ description: 'Texts this campaign will have sent or tried when done.' }),
    done: z.number().meta({ description: 'Of those, how many are settled (sent, failed, skipped...).' }),
  })
  .meta({ id: 'CampaignStats' });
export type CampaignStats = z.infer<typeof CampaignStatsSchema>;

export const CampaignSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    jobTitle: z.string().nullable(),
    description: z.string().nullable(),
    status: CampaignStatusSchema,
    assistant: z.object({ enabled: z.boolean(), sequenceId: z.number().nullable() }),
    createdBy: z.object({ id: z.number(), name: z.string() }),
    createdAt: z.string(),
    updatedAt: z.string(),
    sentAt: z.string().nullable(),
    recipients: z.number(),
    eligible: z.number(),
    excluded: z.record(z.string(), z.number()),
    stats: CampaignStatsSchema,
    nextSendAt: z.string().nullable(),
  })
  .meta({ id: 'Campaign' });
export type Campaign = z.infer<typeof CampaignSchema>;

export const CampaignRecipientSchema = CandidateSchema.extend({
  delivery: z
    .object({ status: z.string(), reason: z.string().nullable(), messageStatus: MessageStatusSchema.nullable(), errorCode: z.string().nullable() })
    .nullable(),
  replied: z.boolean(),
  answers: z
    .array(z.object({ key: z.string(), label: z.string(), value: z.string() }))
    .meta({ description: 'What Ari collected from this recipient in this campaign.' }),
});

export const CampaignDetailSchema = CampaignSchema.extend({
  messages: z.array(CampaignMessageSchema),
}).meta({ id: 'CampaignDetail' });
export type CampaignDetail = z.infer<typeof CampaignDetailSchema>;

export const CampaignMessageWithReviewSchema = z.object({ message: CampaignMessageSchema, review: ReviewSchema });

/** POST /api/campaigns/:id/preview: the message as it would be saved (nothing is), and its Review. */
export const CampaignMessagePreviewSchema = z
  .object({
    message: CampaignMessageSchema.pick({ body: true, templateId: true, sendAt: true }),
    review: ReviewSchema,
  })
  .meta({ id: 'CampaignMessagePreview' });

const e164Sender = z
  .string()
  .trim()
  .regex(/^\+[1-9]\d{6,14}$/, 'Use an E.164 number such as +15551234567.');

export const OrganizationPatchSchema = z
  .object({
    textingHours: z
      .object({
        start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use HH:MM, e.g. 08:00.'),
        end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'Use HH:MM, e.g. 21:00.'),
      })
      .optional(),
    defaultTimeZone: z.string().min(1).max(64).optional(),
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, 'Use a two-letter ISO country code such as US, GB or AU.')
      .optional(),
    // Below 0.1 a single text would wait over ten seconds for its slot (0 would never send).
    sendRatePerSecond: z.number().min(0.1, 'Use at least 0.1 segments per second.').max(1000).nullable().optional(),
    // The organisation's own senders (null: the server's); each belongs to one organisation.
    smsFrom: e164Sender.nullable().optional(),
    whatsappFrom: e164Sender.nullable().optional(),
    messagingServiceSid: z
      .string()
      .trim()
      .regex(/^MG[0-9a-fA-F]{32}$/, 'A Messaging Service SID is MG followed by 32 hex digits.')
      .nullable()
      .optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'Nothing to change.');
export type OrganizationPatch = z.infer<typeof OrganizationPatchSchema>;

// ── Candidate data from the ATS: integration keys, upsert, import, consent ─────────────────

export const ApiKeyBodySchema = z.strictObject({
  name: z.string().trim().min(1, 'Name the key after what uses it, e.g. "Nightly ATS sync".').max(100),
});

export const ApiKeySchema = z
  .object({
    id: z.number(),
    name: z.string(),
    /** The first characters of the key, so a person can tell keys apart; never enough to use. */
    prefix: z.string(),
    createdAt: z.string(),
    createdBy: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().meta({ description: 'The secret: shown once, stored only as a hash.' }),
}).meta({ id: 'CreatedApiKey' });

/** An ATS id: what the host pages show; `phone:` is reserved for texters the ATS does not know yet. */
export const AtsIdSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'atsId is required.' : 'atsId must be text.') })
  .trim()
  .min(1, 'atsId is empty.')
  .max(100, 'atsId is longer than 100 characters.')
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  .regex(/^[^\u0000-\u001f\u007f/]+$/, 'atsId must not contain "/" or control characters.')
  .refine((id) => !/^phone:/i.test(id), 'atsId must not start with "phone:" (reserved for texters the ATS does not know).');

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullish()
    .transform((v) => (v ? v : v === undefined ? undefined : null));

export const ConsentInputSchema = z.strictObject({
  status: ConsentStatusSchema,
  source: z
    .string({ error: 'consent.source is required: say where consent came from, e.g. "application-form".' })
    .trim()
    .min(1, 'consent.source is required: say where consent came from, e.g. "application-form".')
    .max(200),
  at: z.iso.datetime({ offset: true, message: 'consent.at must be an ISO instant such as 2026-09-18T12:12:00Z.' }).optional(),
});
export type ConsentInput = z.infer<typeof ConsentInputSchema>;

/**
 * PUT /api/candidates/:atsId. A field left out stays as it is; null clears it. Unknown fields are
 * refused (a typo must not be silently dropped).
 */
/** A string field whose absence is named plainly ("firstName is required."), not as a type error. */
const requiredText = (field: string) => z.string({ error: (issue) => (issue.input === undefined ? `${field} is required.` : `${field} must be text.`) }).trim();

export const CandidateUpsertSchema = z.strictObject({
  firstName: requiredText('firstName').min(1, 'firstName is required.').max(100),
  lastName: requiredText('lastName').max(100),
  email: z
    .string()
    .trim()
    .max(254)
    .nullish()
    .transform((v) => (v ? v : v === undefined ? undefined : null))
    .pipe(z.email({ message: 'email is not an email address.' }).nullish()),
  phone: optionalText(40).meta({ description: 'Any format; national numbers use the organization’s default country. Stored as E.164.' }),
  channel: ChannelSchema.nullish(),
  consent: ConsentInputSchema.optional(),
  timeZone: optionalText(64).meta({ description: 'IANA zone, e.g. America/Chicago.' }),
  jobTitle: optionalText(200),
  location: optionalText(200),
});
export type CandidateUpsert = z.infer<typeof CandidateUpsertSchema>;

/** One NDJSON import line: the upsert body plus its atsId. */
export const CandidateImportLineSchema = CandidateUpsertSchema.extend({ atsId: AtsIdSchema });

export { IMPORT_CSV_COLUMNS, IMPORT_MAX_ERRORS_KEPT, IMPORT_MAX_ROWS, IMPORT_REQUIRED_COLUMNS } from './import-format.js';

export const ConsentRecordSchema = z
  .object({
    status: ConsentStatusSchema,
    source: z.string(),
    at: z.string().meta({ description: 'When consent was given or withdrawn (as reported).' }),
    recordedAt: z.string().meta({ description: 'When this server recorded it.' }),
    setBy: z.object({
      type: z.enum(['key', 'recruiter', 'candidate', 'system']),
      name: z.string(),
    }),
  })
  .meta({ id: 'ConsentRecord' });
export type ConsentRecord = z.infer<typeof ConsentRecordSchema>;

export const ConsentHistorySchema = z.object({ candidateId: z.string(), records: z.array(ConsentRecordSchema) });

export const ImportRowErrorSchema = z.object({
  row: z.number().meta({ description: 'CSV: the row as a spreadsheet numbers it (the header is row 1). NDJSON: the line.' }),
  atsId: z.string().optional(),
  field: z.string(),
  message: z.string(),
});
export type ImportRowError = z.infer<typeof ImportRowErrorSchema>;

export const IMPORT_STATUSES = ['running', 'done', 'failed'] as const;

export const ImportStatusSchema = z
  .object({
    importId: z.string(),
    status: z.enum(IMPORT_STATUSES),
    format: z.enum(['csv', 'ndjson']),
    total: z.number(),
    processed: z.number(),
    created: z.number(),
    updated: z.number(),
    unchanged: z.number(),
    failed: z.number(),
    errors: z.array(ImportRowErrorSchema).meta({ description: 'The first 1,000 row errors; `failed` counts them all.' }),
    message: z.string().nullable().meta({ description: 'Why the import failed, when it did.' }),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'ImportStatus' });
export type ImportStatus = z.infer<typeof ImportStatusSchema>;
