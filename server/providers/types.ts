/**
 * What the server and a delivery provider say to each other, in the product's own terms. A
 * provider's module (simulator.ts, twilio*.ts) turns its API and webhooks into these; nothing
 * outside server/providers/ reads a provider's own fields, statuses or error codes (the raw code
 * is carried along only to be shown).
 */
import type { Channel } from '../../shared/api.js';

/** One text handed to a provider. */
export interface OutboundText {
  /** The candidate's number, E.164. */
  to: string;
  /**
   * Our sender: an E.164 number, or a provider-side sender pool's id (Twilio's Messaging Service,
   * `MG…`) that picks the number itself; the provider's default when undefined.
   */
  from: string | undefined;
  channel: Channel;
  /** What the candidate reads (for a content send, the template rendered: kept for the thread and look-ups). */
  body: string;
  /**
   * A pre-approved WhatsApp content send (outside the 24-hour window): the provider's content id
   * and its numbered variables' values. The provider sends these instead of the body.
   */
  content?: { sid: string; variables: Record<string, string> };
  /** Stable per message: the same key is the same text. */
  idempotencyKey: string;
  /** Epoch ms after which the text must not be delivered any more (quiet hours). */
  validUntil?: number;
  /** When we handed it over (epoch ms); lets a look-up after a crash narrow its search. */
  handedOffAt: number;
}

/** The provider has the text: its id for it, how far it got, and who it went from. */
export interface SendReceipt {
  providerMessageId: string;
  /** 'sending' when the provider only queued it. */
  status: 'sending' | 'sent' | 'delivered';
  /** The number it went from; '' when a sender pool has not picked one yet (a status report names it later). */
  from: string;
}

/**
 * Why a text did not reach the candidate, whatever the provider called it. OPTED_OUT_AT_CARRIER
 * opts the number out (the candidate unsubscribed at the carrier); the rest fail that text only.
 */
export const FAILURE_REASONS = [
  'OPTED_OUT_AT_CARRIER',
  'INVALID_NUMBER',
  'UNREACHABLE',
  'WINDOW_CLOSED',
  'RATE_LIMITED',
  'BLOCKED',
  'EXPIRED',
  'UNKNOWN',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/**
 * A provider refusal. Transient ones (timeouts, rate limits, server errors) are retried with
 * backoff; permanent ones fail that message only, with the reason and the provider's code.
 */
export class ProviderError extends Error {
  /**
   * transient: retry later (with backoff, until the text's validity ends). permanent: that text
   * fails. account: the provider refuses the account itself (credentials revoked or rotated,
   * account suspended): nothing is wrong with the text, sending pauses until a probe succeeds.
   */
  readonly kind: 'transient' | 'permanent' | 'account';
  readonly reason: FailureReason;
  /** The provider's own code (Twilio's 21211, an HTTP status), or ours (TIMEOUT, NO_SENDER...): shown, never interpreted. */
  readonly code: string;
  readonly retryAfterMs?: number;
  /**
   * The request may have reached the provider (a timeout after sending it): retrying could
   * text twice, so the engine asks `findSent` instead, and holds it for review if unsure.
   */
  readonly maybeSent: boolean;

  constructor(refusal: {
    kind: 'transient' | 'permanent' | 'account';
    reason: FailureReason;
    code: string;
    message: string;
    retryAfterMs?: number;
    maybeSent?: boolean;
  }) {
    super(refusal.message);
    this.kind = refusal.kind;
    this.reason = refusal.reason;
    this.code = refusal.code;
    this.retryAfterMs = refusal.retryAfterMs;
    this.maybeSent = refusal.maybeSent ?? false;
  }
}

/** A candidate's text, as a provider received it. */
export interface InboundTextEvent {
  kind: 'inbound';
  /** The provider's id for the text: a second delivery of the same id is the same text. */
  providerMessageId: string;
  /** The candidate's number as the provider gave it (E.164 from every carrier we know). */
  from: string;
  /** Our number it was sent to. */
  to: string;
  channel: Channel;
  body: string;
  /**
   * The provider's own reading of a keyword (Twilio's OptOutType, which covers the keywords an
   * account adds); when absent, the body is read against our keyword list.
   */
  keyword?: 'opt-out' | 'opt-in' | 'help';
  /** Pictures and files with the text, where the provider keeps them (fetched with `fetchMedia`). */
  media: { url: string; contentType: string }[];
  /** The provider-side sender pool the text came through (Twilio's MessagingServiceSid), if any. */
  serviceId?: string;
  /** The payload as received, logged as it is (and blanked if the candidate is erased). */
  raw: Record<string, string>;
}

/** Outbound statuses a provider reports; 'received' concerns an inbound text and moves nothing. */
export type ReportedStatus = 'sending' | 'sent' | 'delivered' | 'read' | 'undelivered' | 'failed' | 'received';

/** What became of one of our texts. */
export interface StatusReportEvent {
  kind: 'status';
  providerMessageId: string;
  status: ReportedStatus;
  /** Why it failed (undelivered or failed), else null. */
  reason: FailureReason | null;
  /** The provider's error code and its words for it, kept for display. */
  rawCode: string | null;
  rawMessage: string | null;
  /** The provider's own word for the status: the same report repeated carries the same one. */
  rawStatus: string;
  /** The candidate's number, when the payload carries it (so erasure can blank the payload). */
  candidatePhone: string | null;
  /** The number the text actually went from, when the report says (a sender pool picks it). */
  from?: string | null;
  /** Our idempotency key for the text, echoed back by the provider: exact evidence it was created. */
  messageKey?: string | null;
  raw: Record<string, string>;
}

/** What a provider says about one of its messages when asked by id (reconciliation). */
export type FetchedStatus = Pick<StatusReportEvent, 'status' | 'reason' | 'rawCode' | 'rawMessage' | 'rawStatus'> & { from: string | null };

export type ProviderEvent = InboundTextEvent | StatusReportEvent;

/** Where a provider's events go: the inbound pipeline. */
export interface ProviderSink {
  receive(event: ProviderEvent): Promise<void>;
  /** Status reports a provider has together (the simulator's batches), in one transaction and in order. */
  receiveStatuses(events: StatusReportEvent[]): Promise<void>;
}

/**
 * A webhook a provider's module will not read: not signed by the provider (403) or not a payload
 * it understands (400). The route answers with the status and code.
 */
export class WebhookRefused extends Error {
  constructor(
    readonly status: 400 | 403,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A webhook request as received: what a provider's module needs to verify and read it. */
export interface WebhookRequest {
  /** The URL as received (a signature may cover its path and query exactly). */
  url: string;
  header(name: string): string | undefined;
  /** The raw body, read once (signatures are computed over it). */
  body: string;
}

/**
 * One URL a provider posts to, under /webhooks (routes/webhooks.ts mounts every provider's):
 * how to read a request into an event, and what the provider expects back.
 */
export interface ProviderWebhook {
  /** Logged with each event (and part of its dedupe key): the provider's name. */
  source: string;
  /** e.g. `/twilio/inbound`, mounted at `/webhooks/twilio/inbound`. */
  path: string;
  /** What it receives, for the OpenAPI document. */
  summary: string;
  /** Verifies and reads the request; WebhookRefused when it is not the provider's or not understood. */
  read(request: WebhookRequest): ProviderEvent;
  /** The answer once the event is recorded: nothing, or the body the provider waits for. */
  reply: { status: 204 } | { status: 200; body: string; contentType: string };
}

export interface Provider {
  /** Names the provider in the webhook log and on /healthz. */
  readonly name: string;
  /**
   * How the dispatcher hands texts over. `exactLookup`: `findSent` answers exactly by idempotency
   * key, so a whole batch may be marked handed-off when it is claimed (otherwise each row is
   * marked just before its own call). `concurrency`: provider calls in flight at once.
   */
  readonly handOff: {
    exactLookup: boolean;
    concurrency: number;
    /**
     * How long after a hand-off the provider's look-up may still miss a text it did create
     * (list lag): a miss within it is asked again later; after it, the text is sent again.
     */
    lookupGraceMs: number;
  };
  /**
   * Who answers STOP/START/HELP: 'provider' (it replies and blocks by itself: we only record)
   * or 'app' (we send the confirmation).
   */
  readonly keywordReplies: 'provider' | 'app';
  /** Our default sender for a channel (what the organisation's number falls back to). */
  defaultFrom(channel: Channel): string | undefined;
  /** Hands one text over; refusals are ProviderErrors. The provider asks for its own status reports. */
  send(text: OutboundText): Promise<SendReceipt>;
  /**
   * After a crash between handing a text over and recording it: did it go out?
   * A receipt if it did, null if the provider can say it did not, 'unknown' if it cannot tell.
   */
  findSent(text: OutboundText): Promise<SendReceipt | null | 'unknown'>;
  /** A text's current status by the provider's id (reconciliation of texts whose reports never came); 'unknown' if it cannot tell. */
  fetchStatus?(providerMessageId: string): Promise<FetchedStatus | 'unknown'>;
  /** Whether the account may send now (after an 'account' refusal): 'refused' keeps sending paused. */
  probe?(): Promise<'ok' | 'refused' | 'unreachable'>;
  /** The bytes of an inbound picture or file named in an InboundTextEvent's media. */
  fetchMedia?(url: string): Promise<{ contentType: string; bytes: Buffer }>;
  /** Whether a WhatsApp content id exists in the account (and its approval), when the provider can tell. */
  checkContent?(sid: string): Promise<{ exists: boolean; body?: string; whatsappStatus?: string } | 'unknown'>;
  /** Where the provider reports back (the simulator calls it in-process; Twilio's webhooks go through their route). */
  connect(sink: ProviderSink): void;
  close?(): void;
}
