/**
 * Twilio delivery: the real REST API (Messages resource, 2010-04-01) over global fetch, for SMS
 * and `whatsapp:` addresses. Each text asks for its status callbacks at the URL in the config;
 * Twilio reports back by signed webhook (twilio-webhooks.ts and routes/webhooks.ts), so
 * `connect()` has nothing to do.
 *
 * Never imports the `twilio` npm package: that is a test-only reference.
 */
import type { Channel } from '../../shared/api.js';
import type { TwilioConfig } from './twilio-config.js';
import { describeTwilioError, mapTwilioStatus, reasonForTwilioCode, stripWhatsapp } from './twilio-vocabulary.js';
import { ProviderError, type FailureReason, type FetchedStatus, type OutboundText, type Provider, type SendReceipt } from './types.js';
import { fetchTwilioMedia } from './twilio-media.js';

export interface TwilioProviderOptions {
  /** The fetch to use; global fetch by default. */
  fetch?: typeof fetch;
  /** Per request, including reading the answer. Default 10 s. */
  timeoutMs?: number;
  /** Wall-clock now, for ValidityPeriod (Twilio counts real seconds). Default Date.now. */
  now?: () => number;
}

/** Twilio's ValidityPeriod range, in seconds. */
const MIN_VALIDITY_S = 1;
const MAX_VALIDITY_S = 36_000;
const DEFAULT_TIMEOUT_MS = 10_000;
/** Requests in flight at once: a network API gets a bounded number. */
const CONCURRENCY = 32;
/** An attachment of up to 5 MB from Twilio's storage. */
const MEDIA_TIMEOUT_MS = 30_000;
/** findSent: how far before handedOffAt a matching message may have been created (clock skew). */
const CREATED_SLACK_MS = 2 * 60_000;
/** findSent: how many list pages to read at most. */
const MAX_LIST_PAGES = 5;

interface TwilioMessage {
  sid?: string;
  status?: string;
  from?: string | null;
  to?: string | null;
  body?: string | null;
  direction?: string | null;
  date_created?: string | null;
  error_code?: number | string | null;
  error_message?: string | null;
}

/** Content API `v1/Content/{Sid}`: the parts we read. */
interface TwilioContent {
  sid?: string;
  types?: Record<string, { body?: string | null } | undefined>;
}

/** Content API `v1/Content/{Sid}/ApprovalRequests`. */
interface TwilioApprovalRequests {
  whatsapp?: { status?: string | null; rejection_reason?: string | null } | null;
}

interface TwilioErrorBody {
  code?: number | string;
  message?: string;
  more_info?: string;
  status?: number;
}

interface TwilioListPage {
  messages?: TwilioMessage[];
  next_page_uri?: string | null;
}

export function createTwilioProvider(config: TwilioConfig, options: TwilioProviderOptions = {}): Provider {
  const { accountSid, authToken } = config;
  if (!accountSid || !authToken) throw new Error('The Twilio provider needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.');
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const baseUrl = config.apiBaseUrl.replace(/\/+$/, '');
  const accountUrl = `${baseUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}`;
  const messagesUrl = `${accountUrl}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`, 'utf-8').toString('base64')}`;

  /** The environment's sender: WhatsApp's number; for SMS the Messaging Service, else the number. */
  function defaultFrom(channel: Channel): string | undefined {
    const from = channel === 'whatsapp' ? config.whatsappFrom : (config.messagingServiceSid ?? config.smsFrom);
    return from ? stripWhatsapp(from) : undefined;
  }

  /**
   * The addressing Twilio sees for this text: To, and From or MessagingServiceSid. The outbox
   * chose the sender (the organisation's, else the environment's): a Messaging Service id (`MG…`)
   * goes as MessagingServiceSid, a number as From. Nothing here overrides that choice.
   */
  function addressing(text: OutboundText): { to: string; from?: string; messagingServiceSid?: string } {
    const chosen = text.from ?? defaultFrom(text.channel);
    if (text.channel === 'whatsapp') {
      return { to: `whatsapp:${stripWhatsapp(text.to)}`, from: chosen ? `whatsapp:${stripWhatsapp(chosen)}` : undefined };
    }
    if (chosen && isMessagingServiceSid(chosen)) return { to: text.to, messagingServiceSid: chosen };
    return { to: text.to, from: chosen };
  }

  function request(url: string, init: RequestInit): Promise<Response> {
    return doFetch(url, {
      ...init,
      headers: { Authorization: authorization, Accept: 'application/json', ...(init.headers as Record<string, string>) },
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  function receiptOf(m: TwilioMessage, fallbackFrom: string): SendReceipt | null {
    if (!m.sid) return null;
    const mapped = mapTwilioStatus(m.status ?? '');
    let status: SendReceipt['status'];
    if (mapped === 'sent') status = 'sent';
    else if (mapped === 'delivered' || mapped === 'read') status = 'delivered';
    else if (mapped === 'sending') status = 'sending';
    else return null; // failed / undelivered / received: not a receipt for a text that went out
    return { providerMessageId: m.sid, status, from: m.from ? stripWhatsapp(m.from) : fallbackFrom };
  }

  /**
   * Looks for a message Twilio created for this text: same To (and From when we chose it),
   * the exact body (for a content send, else the only one), created no earlier than handedOffAt
   * minus a little slack.
   * Returns the message, null if none matched, 'error' if the look-up itself failed. Credentials
   * refused (401/403) throw the 'account' ProviderError: sending pauses, like after a refused send.
   */
  async function lookup(text: OutboundText, pages: number): Promise<TwilioMessage | null | 'error'> {
    const a = addressing(text);
    const query = new URLSearchParams({ To: a.to });
    // With a messaging service Twilio picks the sender, so From cannot narrow the search.
    if (a.from && !a.messagingServiceSid) query.set('From', a.from);
    // No DateSent filter: a text still queued at Twilio has no send date yet and would be missed.
    // Newest first, narrowed by To (and From), then matched on body and creation time.
    query.set('PageSize', '50');
    const notBefore = text.handedOffAt - CREATED_SLACK_MS;
    let url: string | null = `${messagesUrl}?${query.toString()}`;
    const sameTimeContent: TwilioMessage[] = [];
    try {
      for (let page = 0; url && page < pages; page++) {
        const res = await request(url, { method: 'GET' });
        if (!res.ok) {
          const err = await httpError(res);
          if (err.kind === 'account') throw err;
          return 'error';
        }
        const json = (await res.json()) as TwilioListPage;
        for (const m of json.messages ?? []) {
          if (m.direction && m.direction.startsWith('inbound')) continue;
          const created = m.date_created ? Date.parse(m.date_created) : Number.NaN;
          if (!Number.isFinite(created) || created < notBefore) continue;
          if (m.body === text.body) return m;
          if (text.content) sameTimeContent.push(m);
        }
        url = json.next_page_uri ? new URL(json.next_page_uri, `${baseUrl}/`).toString() : null;
      }
      // What the list shows as a content send's body is not documented (the rendered template, or
      // nothing): one outbound message to them since the hand-off is this text; several, and
      // which one is unknowable, so the look-up fails (never a re-send on a guess).
      if (sameTimeContent.length === 1) return sameTimeContent[0]!;
      if (sameTimeContent.length > 1) return 'error';
      return null;
    } catch (err) {
      if (err instanceof ProviderError && err.kind === 'account') throw err;
      return 'error';
    }
  }

  async function send(text: OutboundText): Promise<SendReceipt> {
    const a = addressing(text);
    if (!a.from && !a.messagingServiceSid) {
      throw new ProviderError({
        kind: 'permanent',
        reason: 'UNKNOWN',
        code: 'NO_SENDER',
        message:
          text.channel === 'whatsapp'
            ? 'No WhatsApp sender is configured (TWILIO_WHATSAPP_FROM).'
            : 'No SMS sender is configured (TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID).',
      });
    }
    const form = new URLSearchParams();
    form.set('To', a.to);
    if (a.messagingServiceSid) form.set('MessagingServiceSid', a.messagingServiceSid);
    else form.set('From', a.from!);
    setContent(form, text);
    // Our key rides on the callback URL (Twilio signs the query too), so every status report of
    // this text names it: exact evidence that Twilio created it, whatever its list shows.
    if (config.statusCallbackUrl) form.set('StatusCallback', `${config.statusCallbackUrl}?k=${encodeURIComponent(text.idempotencyKey)}`);
    if (text.validUntil != null) {
      const remainingMs = text.validUntil - now();
      if (remainingMs <= 0) {
        throw new ProviderError({
          kind: 'permanent',
          reason: 'EXPIRED',
          code: 'VALIDITY_EXPIRED',
          message: 'The texting window closed before it could be sent.',
        });
      }
      const seconds = Math.min(MAX_VALIDITY_S, Math.max(MIN_VALIDITY_S, Math.floor(remainingMs / 1000)));
      form.set('ValidityPeriod', String(seconds));
    }
    const fallbackFrom = a.from ? stripWhatsapp(a.from) : '';

    let res: Response;
    try {
      res = await request(messagesUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    } catch (err) {
      if (neverReached(err)) throw networkError(err);
      // No answer: Twilio may or may not have the request. The engine looks it up (findSent)
      // before anything is retried.
      throw networkError(err, true);
    }

    if (res.ok) {
      let body: TwilioMessage;
      try {
        body = (await res.json()) as TwilioMessage;
      } catch (err) {
        return ambiguousAccepted(text, fallbackFrom, `its answer could not be read (${describe(err)})`);
      }
      if (!body?.sid) return ambiguousAccepted(text, fallbackFrom, 'its answer had no message SID');
      const mapped = mapTwilioStatus(body.status ?? '');
      if (mapped === 'failed' || mapped === 'undelivered') throw failedMessageError(body);
      return receiptOf(body, fallbackFrom) ?? { providerMessageId: body.sid, status: 'sending', from: fallbackFrom };
    }

    throw await httpError(res);
  }

  /**
   * What the candidate reads: the body, or for a WhatsApp content send (outside the 24-hour
   * window) the approved content and its variables' values, with no Body (Twilio refuses Body
   * with ContentVariables, 35127, and a template sent as Body outside the window, 63016).
   */
  function setContent(form: URLSearchParams, text: OutboundText): void {
    if (text.content) {
      form.set('ContentSid', text.content.sid);
      form.set('ContentVariables', JSON.stringify(text.content.variables));
    } else {
      form.set('Body', text.body);
    }
  }

  /** Content API: does the account have this content (and WhatsApp's word on its approval)? */
  async function checkContent(sid: string): Promise<{ exists: boolean; body?: string; whatsappStatus?: string } | 'unknown'> {
    const url = `${config.contentApiBaseUrl}/v1/Content/${encodeURIComponent(sid)}`;
    try {
      const res = await request(url, { method: 'GET' });
      if (res.status === 404) {
        await res.body?.cancel().catch(() => {});
        return { exists: false };
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => {});
        return 'unknown';
      }
      const content = (await res.json()) as TwilioContent;
      const approval = await request(`${url}/ApprovalRequests`, { method: 'GET' });
      let whatsappStatus: string | undefined;
      if (approval.ok) whatsappStatus = ((await approval.json()) as TwilioApprovalRequests).whatsapp?.status ?? undefined;
      else await approval.body?.cancel().catch(() => {});
      const body = content.types?.['twilio/text']?.body ?? undefined;
      return { exists: true, ...(body != null && { body }), ...(whatsappStatus && { whatsappStatus }) };
    } catch {
      return 'unknown';
    }
  }

  async function ambiguousAccepted(text: OutboundText, fallbackFrom: string, why: string): Promise<SendReceipt> {
    const found = await lookup(text, 1).catch(() => 'error' as const);
    if (found && found !== 'error') {
      const receipt = receiptOf(found, fallbackFrom);
      if (receipt) return receipt;
    }
    throw new ProviderError({
      kind: 'transient',
      reason: 'UNKNOWN',
      code: 'AMBIGUOUS_RESPONSE',
      message: `Twilio accepted the text but ${why}.`,
      maybeSent: true,
    });
  }

  return {
    name: 'twilio',
    // A look-up searches by recipient and body (not exact): each row is marked just before its call.
    handOff: { exactLookup: false, concurrency: CONCURRENCY, lookupGraceMs: config.listGraceMs },
    // Twilio's own opt-out handling (long codes, toll-free; Advanced Opt-Out on a Messaging
    // Service) already replies to STOP/START/HELP: a confirmation of ours would be a second one.
    keywordReplies: config.optOut === 'app' ? 'app' : 'provider',
    defaultFrom,
    send,
    checkContent,
    async findSent(text) {
      const found = await lookup(text, MAX_LIST_PAGES);
      // The list answered and has no such message: null (the engine re-sends once the list-lag
      // grace is over). Only a look-up that failed is 'unknown'.
      if (found === 'error') return 'unknown';
      if (!found) return null;
      const from = addressing(text).from;
      const receipt = receiptOf(found, from ? stripWhatsapp(from) : '');
      if (receipt) return receipt;
      // Twilio created it and it failed there (21610: unsubscribed): that text's answer, like a refused send.
      const mapped = mapTwilioStatus(found.status ?? '');
      if (mapped === 'failed' || mapped === 'undelivered') throw failedMessageError(found);
      return 'unknown';
    },
    async fetchStatus(providerMessageId) {
      try {
        const res = await request(`${accountUrl}/Messages/${encodeURIComponent(providerMessageId)}.json`, { method: 'GET' });
        if (!res.ok) {
          const err = await httpError(res);
          if (err.kind === 'account') throw err;
          return 'unknown';
        }
        return fetchedStatus((await res.json()) as TwilioMessage);
      } catch (err) {
        if (err instanceof ProviderError && err.kind === 'account') throw err;
        return 'unknown';
      }
    },
    async probe() {
      try {
        const res = await request(`${accountUrl}.json`, { method: 'GET' });
        await res.body?.cancel().catch(() => {});
        if (res.ok) return 'ok';
        return res.status === 401 || res.status === 403 ? 'refused' : 'unreachable';
      } catch {
        return 'unreachable';
      }
    },
    fetchMedia: (url) => fetchTwilioMedia(url, { apiOrigin: new URL(baseUrl).origin, authorization, fetch: doFetch, timeoutMs: MEDIA_TIMEOUT_MS }),
    connect() {
      // Twilio reaches us by webhook.
    },
  };
}

/** A Messaging Service id (Twilio picks the number from its pool). */
function isMessagingServiceSid(from: string): boolean {
  return /^MG[0-9a-fA-F]{32}$/.test(from);
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? `: ${(cause as Error & { code?: string }).code ?? cause.message}` : '';
    return `${err.name === 'Error' || err.name === 'TypeError' ? err.message : err.name}${causeText}`;
  }
  return String(err);
}

/** Connection-phase failures: the request cannot have reached Twilio. */
const NOT_REACHED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_INVALID_URL']);

function neverReached(err: unknown): boolean {
  const cause = err instanceof Error ? (err as Error & { cause?: { code?: unknown } }).cause : undefined;
  return typeof cause?.code === 'string' && NOT_REACHED.has(cause.code);
}

function networkError(err: unknown, maybeSent = false): ProviderError {
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ProviderError({ kind: 'transient', reason: 'UNKNOWN', code: 'TIMEOUT', message: 'Twilio did not answer in time.', maybeSent });
  }
  return new ProviderError({ kind: 'transient', reason: 'UNKNOWN', code: 'NETWORK_ERROR', message: `Could not reach Twilio (${describe(err)}).`, maybeSent });
}

/** Seconds (Twilio's form) or an HTTP date, as milliseconds from now. */
function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isFinite(at)) return Math.max(0, at - Date.now());
  return undefined;
}

/** 403 codes that refuse the account (authenticate, permission denied, account suspended), not the request. */
const ACCOUNT_REFUSALS = new Set(['20003', '20005', '20008']);

/** A message Twilio has and reports failed or undelivered: that text's permanent refusal, with Twilio's code. */
function failedMessageError(m: TwilioMessage): ProviderError {
  const code = m.error_code != null && m.error_code !== '' ? String(m.error_code) : 'FAILED';
  return new ProviderError({
    kind: 'permanent',
    reason: reasonForTwilioCode(code),
    code,
    message: m.error_message || `Twilio reported the text ${m.status}.`,
  });
}

/** A message as fetched by SID, in the product's terms (reconciliation of texts whose reports never came). */
function fetchedStatus(m: TwilioMessage): FetchedStatus | 'unknown' {
  if (!m.status) return 'unknown';
  const status = mapTwilioStatus(m.status);
  const code = m.error_code != null && m.error_code !== '' ? String(m.error_code) : null;
  return {
    status,
    reason: code ? reasonForTwilioCode(code) : status === 'failed' || status === 'undelivered' ? 'UNKNOWN' : null,
    rawCode: code,
    rawMessage: code ? m.error_message || describeTwilioError(code) : null,
    rawStatus: m.status,
    from: m.from ? stripWhatsapp(m.from) : null,
  };
}

async function httpError(res: Response): Promise<ProviderError> {
  let body: TwilioErrorBody | undefined;
  try {
    const text = await res.text();
    body = text ? (JSON.parse(text) as TwilioErrorBody) : undefined;
  } catch {
    body = undefined;
  }
  const twilioCode = body?.code != null && body.code !== '' ? String(body.code) : undefined;
  const message = body?.message
    ? `${body.message}${body.more_info ? ` (${body.more_info})` : ''}`
    : `Twilio answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`;
  const status = res.status;
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
  // 20429: never processed, always safe to retry.
  if (status === 429) return new ProviderError({ kind: 'transient', reason: 'RATE_LIMITED', code: twilioCode ?? '429', message, retryAfterMs });
  // A 5xx says nothing about whether the message was created (Messages create has no idempotency
  // key): the engine looks it up before any retry.
  if (status >= 500 || status === 408) {
    return new ProviderError({ kind: 'transient', reason: 'UNKNOWN', code: twilioCode ?? String(status), message, retryAfterMs, maybeSent: true });
  }
  // Credentials refused (a rotated or deleted token, a suspended account): nothing is wrong with
  // the text, sending pauses until a probe succeeds. A 403 with another code is about this request.
  if (status === 401 || (status === 403 && (!twilioCode || ACCOUNT_REFUSALS.has(twilioCode)))) {
    return new ProviderError({
      kind: 'account',
      reason: 'UNKNOWN',
      code: twilioCode ?? '20003',
      message: body?.message ? `Twilio refused the credentials: ${body.message}` : 'Twilio refused the credentials (authentication failed).',
    });
  }
  const code = twilioCode ?? String(status);
  const reason: FailureReason = twilioCode ? reasonForTwilioCode(twilioCode) : 'UNKNOWN';
  return new ProviderError({ kind: 'permanent', reason, code, message });
}
