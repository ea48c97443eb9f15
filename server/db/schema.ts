/**
 * The whole data model. Times are integer milliseconds since the epoch (UTC); the API turns
 * them into ISO strings. Every row that belongs to a customer carries `org_id`, and every
 * query filters on it.
 */
import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
// The vocabularies are the API's, so the database and the API can't disagree.
import { CAMPAIGN_STATUSES, CHANNELS, CONSENT_STATUSES, IMPORT_STATUSES, MESSAGE_STATUSES, SENDERS } from '../../shared/api.js';
import { FAILURE_REASONS, type StatusReportEvent } from '../providers/types.js';

export const organizations = sqliteTable(
  'organizations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Stable handle (the demo seed finds its organisations by it). */
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    smsEnabled: integer('sms_enabled', { mode: 'boolean' }).notNull().default(true),
    whatsappEnabled: integer('whatsapp_enabled', { mode: 'boolean' }).notNull().default(false),
    assistantSubscribed: integer('assistant_subscribed', { mode: 'boolean' }).notNull().default(false),
    /** Texting hours as minutes after local midnight, in each candidate's own time zone. */
    textingStartMinute: integer('texting_start_minute')
      .notNull()
      .default(8 * 60),
    textingEndMinute: integer('texting_end_minute')
      .notNull()
      .default(21 * 60),
    defaultTimeZone: text('default_time_zone').notNull().default('America/New_York'),
    /**
     * Sender addresses; null falls back to the provider's configured ones. A number (or sender
     * pool) belongs to one organisation: an inbound text to it finds its organisation by it.
     */
    smsFrom: text('sms_from'),
    whatsappFrom: text('whatsapp_from'),
    /** A provider-side sender pool (Twilio's Messaging Service, `MG…`): it picks the SMS number. */
    messagingServiceSid: text('messaging_service_sid'),
    /**
     * Segments per second per sender; null means the server's SEND_RATE_PER_SECOND. Fractional
     * (0.5: one segment every two seconds), hence real (double precision on PostgreSQL).
     */
    sendRatePerSecond: real('send_rate_per_second'),
    primarySequenceId: integer('primary_sequence_id'),
    /** Signs booking links, so a link only books for the candidate it was sent to. */
    bookingSecret: text('booking_secret').notNull(),
    /**
     * Keys the phone hashes of opt-outs, so an erased candidate's number is not kept in the clear.
     * The empty default exists only because SQLite cannot add a column with a random default: the
     * migration fills it, and new organisations are created with one.
     */
    privacySecret: text('privacy_secret').notNull().default(''),
    /** ISO 3166 country for phone numbers written without a country code (imports, the host page). */
    defaultCountry: text('default_country').notNull().default('US'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('organizations_slug').on(t.slug),
    uniqueIndex('organizations_sms_from')
      .on(t.smsFrom)
      .where(sql`sms_from is not null`),
    uniqueIndex('organizations_whatsapp_from')
      .on(t.whatsappFrom)
      .where(sql`whatsapp_from is not null`),
    uniqueIndex('organizations_messaging_service')
      .on(t.messagingServiceSid)
      .where(sql`messaging_service_sid is not null`),
  ],
);

export const recruiters = sqliteTable(
  'recruiters',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    licensed: integer('licensed', { mode: 'boolean' }).notNull().default(false),
    isAdmin: integer('is_admin', { mode: 'boolean' }).notNull().default(false),
    /** Public handle of the recruiter's booking page (/book/:slug). */
    bookingSlug: text('booking_slug').notNull(),
    timeZone: text('time_zone').notNull().default('America/New_York'),
    /** Working hours for bookings: {days:[1..5], startMinute, endMinute, slotMinutes}. */
    workingHours: text('working_hours', { mode: 'json' }).$type<WorkingHours>(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('recruiters_email').on(t.email), uniqueIndex('recruiters_booking_slug').on(t.bookingSlug)],
);

export interface WorkingHours {
  /** ISO weekdays, 1 = Monday. */
  days: number[];
  startMinute: number;
  endMinute: number;
  slotMinutes: number;
}

export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    recruiterId: integer('recruiter_id')
      .notNull()
      .references(() => recruiters.id),
    /** SHA-256 of the token; the token itself is shown once, at sign-in. */
    tokenHash: text('token_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [uniqueIndex('api_tokens_hash').on(t.tokenHash)],
);

export const candidates = sqliteTable(
  'candidates',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    /** The candidate's id in the host ATS: what the extension sees on the page. */
    atsId: text('ats_id').notNull(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    email: text('email'),
    /** Mobile number in E.164, null when the ATS has none (or none that is valid). */
    phone: text('phone'),
    /** The current consent (the latest record in consent_records): granted or revoked, null if never stated. */
    consentStatus: text('consent_status', { enum: CONSENT_STATUSES }),
    /** When consent was granted; null unless consentStatus is granted (what "textable" checks). */
    consentAt: integer('consent_at'),
    consentSource: text('consent_source'),
    /** When the current consent record says it was given or withdrawn. */
    consentChangedAt: integer('consent_changed_at'),
    /** Mirrors phone_opt_outs for this candidate's phone, so textable is answered from one row. */
    optedOutAt: integer('opted_out_at'),
    /** How: 'keyword' (STOP), 'provider' (error 21610), 'ats' (consent revoked by the ATS) or 'erased'. */
    optOutMethod: text('opt_out_method'),
    channel: text('channel', { enum: CHANNELS }).notNull().default('sms'),
    /** IANA zone; null means derive it from the area code, then the organisation's default. */
    timeZone: text('time_zone'),
    jobTitle: text('job_title'),
    location: text('location'),
    lastInboundAt: integer('last_inbound_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('candidates_org_ats').on(t.orgId, t.atsId),
    index('candidates_org_phone').on(t.orgId, t.phone),
    index('candidates_org_name').on(t.orgId, t.lastName, t.firstName),
  ],
);

export const OPT_OUT_METHODS = ['keyword', 'provider', 'ats', 'erased'] as const;
export type OptOutMethod = (typeof OPT_OUT_METHODS)[number];

/**
 * Opted-out phone numbers, per organisation: the number's own record, whichever candidate rows
 * carry it (and kept after erasure, as the only trace of the person). The phone is stored as an
 * HMAC keyed with the organisation's privacy secret, never in the clear.
 */
export const phoneOptOuts = sqliteTable(
  'phone_opt_outs',
  {
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    phoneHash: text('phone_hash').notNull(),
    method: text('method', { enum: OPT_OUT_METHODS }).notNull(),
    optedOutAt: integer('opted_out_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.phoneHash] })],
);

/** Every consent statement about a candidate, as history: who said what, from where, when. */
export const consentRecords = sqliteTable(
  'consent_records',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    candidateId: integer('candidate_id')
      .notNull()
      .references(() => candidates.id),
    status: text('status', { enum: CONSENT_STATUSES }).notNull(),
    source: text('source').notNull(),
    /** When consent was given or withdrawn, as reported. */
    at: integer('at').notNull(),
    setByType: text('set_by_type', { enum: ['key', 'recruiter', 'candidate', 'system'] }).notNull(),
    setByName: text('set_by_name').notNull(),
    recordedAt: integer('recorded_at').notNull(),
  },
  (t) => [index('consent_records_candidate').on(t.candidateId, t.at)],
);

/** Integration keys: what an ATS's sync job signs in with (candidate endpoints only). */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    /** SHA-256 of the key; the key itself is shown once, when it is created. */
    keyHash: text('key_hash').notNull(),
    prefix: text('prefix').notNull(),
    createdBy: integer('created_by')
      .notNull()
      .references(() => recruiters.id),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
  },
  (t) => [uniqueIndex('api_keys_hash').on(t.keyHash), index('api_keys_org').on(t.orgId)],
);

/** A bulk import's progress and outcome (the rows themselves are processed from a spooled file). */
export const candidateImports = sqliteTable(
  'candidate_imports',
  {
    id: text('id').primaryKey(),
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    status: text('status', { enum: IMPORT_STATUSES }).notNull(),
    format: text('format', { enum: ['csv', 'ndjson'] }).notNull(),
    total: integer('total').notNull(),
    processed: integer('processed').notNull().default(0),
    created: integer('created').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    /** The first IMPORT_MAX_ERRORS_KEPT row errors. */
    errors: text('errors', { mode: 'json' }).$type<{ row: number; atsId?: string; field: string; message: string }[]>().notNull(),
    message: text('message'),
    startedByType: text('started_by_type', { enum: ['key', 'recruiter', 'system'] }).notNull(),
    startedByName: text('started_by_name').notNull(),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
    /** The server instance running the import, and until when it holds it (renewed each batch). */
    owner: text('owner'),
    leaseUntil: integer('lease_until'),
  },
  (t) => [index('candidate_imports_org').on(t.orgId, t.createdAt)],
);

export const conversations = sqliteTable(
  'conversations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    candidateId: integer('candidate_id')
      .notNull()
      .references(() => candidates.id),
    assistantActive: integer('assistant_active', { mode: 'boolean' }).notNull().default(false),
    assistantSequenceId: integer('assistant_sequence_id'),
    /** Where the candidate is in the sequence: {stepId, retries, awaitingSince, remindedAt, campaignId}. */
    assistantState: text('assistant_state', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** Why Ari handed back, with the summary shown to the recruiter. */
    assistantHandback: text('assistant_handback', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** When Ari next has something to do unprompted (the reminder to a quiet candidate). */
    assistantWakeAt: integer('assistant_wake_at'),
    /**
     * When Ari answers what the candidate sent (a short gather window after their last text, or
     * the greeting of a conversation the candidate opened): kept here, not in a timer, so any
     * server instance takes the turn, once, also after the one that received the text died.
     */
    assistantTurnAt: integer('assistant_turn_at'),
    /** Inbound messages no recruiter has seen yet (the toolbar badge). */
    unreadCount: integer('unread_count').notNull().default(0),
    lastMessageAt: integer('last_message_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('conversations_candidate').on(t.candidateId),
    index('conversations_org').on(t.orgId),
    index('conversations_assistant_wake')
      .on(t.assistantWakeAt)
      .where(sql`assistant_wake_at is not null`),
    index('conversations_assistant_turn')
      .on(t.assistantTurnAt)
      .where(sql`assistant_turn_at is not null`),
  ],
);

export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    candidateId: integer('candidate_id')
      .notNull()
      .references(() => candidates.id),
    direction: text('direction', { enum: ['inbound', 'outbound'] }).notNull(),
    channel: text('channel', { enum: CHANNELS }).notNull(),
    body: text('body').notNull(),
    encoding: text('encoding', { enum: ['GSM-7', 'UCS-2'] }).notNull(),
    segments: integer('segments').notNull(),
    status: text('status', { enum: MESSAGE_STATUSES }).notNull(),
    sender: text('sender', { enum: SENDERS }).notNull(),
    recruiterId: integer('recruiter_id'),
    templateId: integer('template_id'),
    /**
     * A WhatsApp template send: the provider's content id and the variables' values, frozen when
     * the text was queued (editing the template later changes nothing already queued).
     */
    contentSid: text('content_sid'),
    contentVariables: text('content_variables', { mode: 'json' }).$type<Record<string, string>>(),
    campaignId: integer('campaign_id'),
    campaignMessageId: integer('campaign_message_id'),
    fromAddress: text('from_address'),
    toAddress: text('to_address'),
    providerSid: text('provider_sid'),
    /** The number the provider actually sent from (a sender pool picks it), once known. */
    sentFrom: text('sent_from'),
    /** Reconciliation: when to ask the provider again about a text with no final word yet. */
    checkAt: integer('check_at'),
    /** Reconciliation: look-ups that failed in a row (too many leave the text `unknown`). */
    lookups: integer('lookups').notNull().default(0),
    /** The provider's code and words for a failure, shown as they are. */
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /** What a failure means for the product, whatever the provider called it (OPTED_OUT_AT_CARRIER opts the number out). */
    failureReason: text('failure_reason', { enum: FAILURE_REASONS }),
    /** Unique per organisation: a retried request or a re-claimed row never becomes a second text. */
    idempotencyKey: text('idempotency_key'),
    /** Outbox: lower goes first (1:1 and Ari before campaigns). */
    priority: integer('priority').notNull().default(0),
    dueAt: integer('due_at'),
    attempts: integer('attempts').notNull().default(0),
    /** Claimed by a dispatcher (process-unique token) until the lease runs out. */
    claimToken: text('claim_token'),
    leaseUntil: integer('lease_until'),
    /** Set just before the provider call: after a crash, such a row may have been sent. */
    handedOffAt: integer('handed_off_at'),
    /** Deliver no later than this (quiet hours start); passed to Twilio as ValidityPeriod. */
    validUntil: integer('valid_until'),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
    deliveredAt: integer('delivered_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('messages_candidate').on(t.candidateId, t.id),
    // Partial: replies have no idempotency key and campaign columns, and skip those indexes.
    uniqueIndex('messages_org_idempotency')
      .on(t.orgId, t.idempotencyKey)
      .where(sql`idempotency_key is not null`),
    uniqueIndex('messages_provider_sid')
      .on(t.providerSid)
      .where(sql`provider_sid is not null`),
    // The dispatcher's two questions: what is due per sender, and which claims have expired.
    index('messages_outbox')
      .on(t.fromAddress, t.priority, t.dueAt)
      .where(sql`status = 'queued'`),
    index('messages_claims')
      .on(t.leaseUntil)
      .where(sql`status = 'sending' and claim_token is not null`),
    index('messages_campaign')
      .on(t.campaignMessageId)
      .where(sql`campaign_message_id is not null`),
    index('messages_reconcile')
      .on(t.checkAt)
      .where(sql`check_at is not null and claim_token is null`),
  ],
);

/**
 * Pictures and files that came with an inbound text. The provider's URL is fetched once (with
 * the provider's credentials) and the bytes kept here, so the extension never loads them from
 * the provider or the host page.
 */
export const messageMedia = sqliteTable(
  'message_media',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    messageId: integer('message_id')
      .notNull()
      .references(() => messages.id),
    /** Its place in the text (0 first). */
    idx: integer('idx').notNull(),
    contentType: text('content_type').notNull(),
    /** Where the provider keeps it; blanked once stored or when the candidate is erased. */
    providerUrl: text('provider_url'),
    bytes: blob('bytes', { mode: 'buffer' }),
    size: integer('size'),
    status: text('status', { enum: ['pending', 'stored', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('message_media_message').on(t.messageId, t.idx),
    index('message_media_pending')
      .on(t.status)
      .where(sql`status = 'pending'`),
  ],
);

/**
 * Whether the provider account may send now, one row per provider: set when the provider
 * refuses the account's credentials, cleared when a probe succeeds. In the database so every
 * process and a restart honour it.
 */
export const sendingState = sqliteTable('sending_state', {
  provider: text('provider').primaryKey(),
  pausedAt: integer('paused_at'),
  reason: text('reason'),
  nextProbeAt: integer('next_probe_at'),
  probeFailures: integer('probe_failures').notNull().default(0),
});

/** Even pacing per sender, shared by every process on the database: the next free send slot. */
export const senderPacing = sqliteTable('sender_pacing', {
  sender: text('sender').primaryKey(),
  nextAt: integer('next_at').notNull(),
});

export const templates = sqliteTable(
  'templates',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    body: text('body').notNull(),
    /**
     * Superseded by content_sid (a template is approved for WhatsApp when it has one); kept
     * because SQLite cannot drop a column cheaply. Nothing reads it.
     */
    whatsappApproved: integer('whatsapp_approved', { mode: 'boolean' }).notNull().default(false),
    /** The provider's approved WhatsApp content (Twilio's Content SID, `HX…`): what may open a conversation outside the 24-hour window. */
    contentSid: text('content_sid'),
    /** The content's numbered variables, each a merge field: `{"1": "firstName"}`. */
    contentVariables: text('content_variables', { mode: 'json' }).$type<Record<string, string>>(),
    updatedAt: integer('updated_at'),
    /** Deleted templates stay, so texts sent from them keep their meaning. */
    deletedAt: integer('deleted_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('templates_org').on(t.orgId),
    uniqueIndex('templates_org_name')
      .on(t.orgId, t.name)
      .where(sql`deleted_at is null`),
  ],
);

export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    provider: text('provider').notNull(),
    kind: text('kind', { enum: ['inbound', 'status'] }).notNull(),
    /** The provider's message id for inbound; its message id + its own status word for status reports. */
    dedupeKey: text('dedupe_key').notNull(),
    /** The text's organisation; null for a status report that arrived before we recorded its send (applied once we do). */
    orgId: integer('org_id'),
    /** As the provider sent it. */
    payload: text('payload', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    /** A status report in the product's terms, as the provider's module read it (applied later if it came early). */
    report: text('report', { mode: 'json' }).$type<Pick<StatusReportEvent, 'status' | 'reason' | 'rawCode' | 'rawMessage'>>(),
    /** Our key for the text a status report is about (the provider echoes it back): exact evidence that a text was created. */
    messageKey: text('message_key'),
    /** The candidate's number the payload carries, if any: erasure blanks the payloads that name it. */
    phone: text('phone'),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [
    uniqueIndex('webhook_events_dedupe').on(t.provider, t.kind, t.dedupeKey),
    // Reports waiting for their send to be recorded, found by the message id at the start of their key, whichever provider sent them.
    index('webhook_events_unclaimed_reports')
      .on(t.dedupeKey)
      .where(sql`kind = 'status' and org_id is null`),
    index('webhook_events_message_key')
      .on(t.messageKey)
      .where(sql`message_key is not null`),
  ],
);

export const campaigns = sqliteTable(
  'campaigns',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    createdBy: integer('created_by')
      .notNull()
      .references(() => recruiters.id),
    name: text('name').notNull(),
    jobTitle: text('job_title'),
    description: text('description'),
    assistantEnabled: integer('assistant_enabled', { mode: 'boolean' }).notNull().default(false),
    assistantSequenceId: integer('assistant_sequence_id'),
    status: text('status', { enum: CAMPAIGN_STATUSES }).notNull().default('draft'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    sentAt: integer('sent_at'),
  },
  (t) => [index('campaigns_org_status').on(t.orgId, t.status)],
);

export const campaignRecipients = sqliteTable(
  'campaign_recipients',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    candidateId: integer('candidate_id')
      .notNull()
      .references(() => candidates.id),
    addedAt: integer('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.candidateId] })],
);

export const campaignMessages = sqliteTable(
  'campaign_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    createdBy: integer('created_by')
      .notNull()
      .references(() => recruiters.id),
    body: text('body').notNull(),
    templateId: integer('template_id'),
    /** null = as soon as it is committed. */
    sendAt: integer('send_at'),
    status: text('status', { enum: CAMPAIGN_STATUSES }).notNull().default('draft'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    scheduledAt: integer('scheduled_at'),
    startedAt: integer('started_at'),
    completedAt: integer('completed_at'),
  },
  (t) => [index('campaign_messages_campaign').on(t.campaignId), index('campaign_messages_due').on(t.status, t.sendAt)],
);

export const DELIVERY_STATUSES = ['pending', 'queued', 'skipped'] as const;

/**
 * One row per (campaign message, recipient), written when the message is scheduled. The unique
 * key is what makes "queued twice" impossible; `message_id` links the text once it exists.
 */
export const campaignDeliveries = sqliteTable(
  'campaign_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id').notNull(),
    campaignMessageId: integer('campaign_message_id')
      .notNull()
      .references(() => campaignMessages.id),
    candidateId: integer('candidate_id')
      .notNull()
      .references(() => candidates.id),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    skipReason: text('skip_reason'),
    /** When it may go: the send time, or the opening of the candidate's texting window. */
    dueAt: integer('due_at').notNull(),
    messageId: integer('message_id'),
    /** Times this delivery was re-armed after its text expired unsent (validity ran out at the provider). */
    attempt: integer('attempt').notNull().default(0),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('campaign_deliveries_unique').on(t.campaignMessageId, t.candidateId),
    index('campaign_deliveries_due')
      .on(t.status, t.dueAt)
      .where(sql`status = 'pending'`),
  ],
);

export const sequences = sqliteTable(
  'sequences',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id')
      .notNull()
      .references(() => organizations.id),
    kind: text('kind', { enum: ['inbound', 'outbound'] }).notNull(),
    name: text('name').notNull(),
    /** The validated sequence definition (steps, answers, branches, actions). */
    definition: text('definition', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('sequences_org').on(t.orgId)],
);

/** Answers Ari collected, stored on the candidate and shown to the recruiter. */
export const candidateAnswers = sqliteTable(
  'candidate_answers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id').notNull(),
    candidateId: integer('candidate_id')
      .notNull()
      .references(() => candidates.id),
    sequenceId: integer('sequence_id'),
    campaignId: integer('campaign_id'),
    key: text('key').notNull(),
    label: text('label').notNull(),
    value: text('value').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('candidate_answers_key').on(t.candidateId, t.key)],
);

export const bookings = sqliteTable(
  'bookings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orgId: integer('org_id').notNull(),
    recruiterId: integer('recruiter_id')
      .notNull()
      .references(() => recruiters.id),
    candidateId: integer('candidate_id')
      .notNull()
      .references(() => candidates.id),
    startsAt: integer('starts_at').notNull(),
    endsAt: integer('ends_at').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  // A slot is booked once, whoever asks for it first.
  (t) => [uniqueIndex('bookings_slot').on(t.recruiterId, t.startsAt)],
);

/**
 * The simulator's side of the world: what each simulated phone received and sent. Kept apart
 * from `messages` (our records) the way a real carrier's logs are; the idempotency key is what
 * lets a restarted server ask "did this text already go out?".
 */
export const simulatorMessages = sqliteTable(
  'simulator_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sid: text('sid').notNull(),
    idempotencyKey: text('idempotency_key'),
    direction: text('direction', { enum: ['to-phone', 'from-phone'] }).notNull(),
    /** The candidate's phone (E.164). */
    phone: text('phone').notNull(),
    /** Our sender number or whatsapp address. */
    ourAddress: text('our_address').notNull(),
    channel: text('channel', { enum: CHANNELS }).notNull(),
    body: text('body').notNull(),
    status: text('status').notNull(),
    errorCode: text('error_code'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('simulator_messages_sid').on(t.sid),
    uniqueIndex('simulator_messages_idempotency').on(t.idempotencyKey),
    index('simulator_messages_phone').on(t.phone, t.id),
  ],
);

/**
 * Failed sign-ins per account and per client address (LoginThrottle): in the database, so the
 * throttle holds across server instances. Rows older than the throttle's memory are pruned.
 */
export const loginFailures = sqliteTable(
  'login_failures',
  {
    key: text('key').primaryKey(),
    count: integer('count').notNull(),
    lastAt: integer('last_at').notNull(),
  },
  (t) => [index('login_failures_last_at').on(t.lastAt)],
);

/** Bookings tried through a candidate's link in the last hour (BOOKINGS_PER_HOUR), cluster-wide. */
export const bookingAttempts = sqliteTable(
  'booking_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    candidateId: integer('candidate_id')
      .notNull()
      .references(() => candidates.id, { onDelete: 'cascade' }),
    at: integer('at').notNull(),
  },
  (t) => [index('booking_attempts_candidate').on(t.candidateId, t.at)],
);

/**
 * Server events too large for a PostgreSQL notification (ClusterBus): the notification carries
 * the row's id. Kept a minute; SQLite (one process) never writes here.
 */
export const eventSpill = sqliteTable('event_spill', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  payload: text('payload').notNull(),
  createdAt: integer('created_at').notNull(),
});
