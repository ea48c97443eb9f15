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
import { mapTwilioStatus, reasonForTwilioCode, stripWhatsapp } from './twilio-vocabulary.js';
import { ProviderError, type FailureReason, type OutboundText, type Provider, type SendReceipt } from './types.js';
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
  const messagesUrl = `${baseUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`, 'utf-8').toString('base64')}`;

  function defaultFrom(channel: Channel): string | undefined {
    const from = channel === 'whatsapp' ? config.whatsappFrom : config.smsFrom;
    return from ? stripWhatsapp(from) : undefined;
  }

  /** The addressing Twilio sees for this text: To, and From or MessagingServiceSid. */
  function addressing(text: OutboundText): { to: string; from?: string; messagingServiceSid?: string } {
    if (text.channel === 'whatsapp') {
      const from = text.from ?? defaultFrom('whatsapp');
      return {
        to: `whatsapp:${stripWhatsapp(text.to)}`,
        from: from ? `whatsapp:${stripWhatsapp(from)}` : undefined,
      };
    }
    if (config.messagingServiceSid) return { to: text.to, messagingServiceSid: config.messagingServiceSid };
    return { to: text.to, from: text.from ?? defaultFrom('sms') };
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
   * the exact body, created no earlier than handedOffAt minus a little slack.
   * Returns the message, null if none matched, 'error' if the look-up itself failed.
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
    try {
      for (let page = 0; url && page < pages; page++) {
        const res = await request(url, { method: 'GET' });
        if (!res.ok) {
          await res.body?.cancel().catch(() => {});
          return 'error';
        }
        const json = (await res.json()) as TwilioListPage;
        for (const m of json.messages ?? []) {
          if (m.body !== text.body) continue;
          if (m.direction && m.direction.startsWith('inbound')) continue;
          const created = m.date_created ? Date.parse(m.date_created) : Number.NaN;
          if (!Number.isFinite(created) || created < notBefore) continue;
          return m;
        }
        url = json.next_page_uri ? new URL(json.next_page_uri, `${baseUrl}/`).toString() : null;
      }
      return null;
    } catch {
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
    form.set('Body', text.body);
    if (config.statusCallbackUrl) form.set('StatusCallback', config.statusCallbackUrl);
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
      if (mapped === 'failed' || mapped === 'undelivered') {
        const code = body.error_code != null && body.error_code !== '' ? String(body.error_code) : 'FAILED';
        throw new ProviderError({
          kind: 'permanent',
          reason: reasonForTwilioCode(code),
          code,
          message: body.error_message || `Twilio reported the text ${body.status}.`,
        });
      }
      return receiptOf(body, fallbackFrom) ?? { providerMessageId: body.sid, status: 'sending', from: fallbackFrom };
    }

    throw await httpError(res);
  }

  async function ambiguousAccepted(text: OutboundText, fallbackFrom: string, why: string): Promise<SendReceipt> {
    const found = await lookup(text, 1);
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
    handOff: { exactLookup: false, concurrency: CONCURRENCY, lookupGraceMs: 0 },
    keywordReplies: 'app',
    defaultFrom,
    send,
    async findSent(text) {
      const found = await lookup(text, MAX_LIST_PAGES);
      if (!found || found === 'error') return 'unknown';
      // A match that failed or went undelivered cannot be expressed as a receipt: a person reviews it.
      const from = addressing(text).from;
      return receiptOf(found, from ? stripWhatsapp(from) : '') ?? 'unknown';
    },
    fetchMedia: (url) => fetchTwilioMedia(url, { apiOrigin: new URL(baseUrl).origin, authorization, fetch: doFetch, timeoutMs: MEDIA_TIMEOUT_MS }),
    connect() {
      // Twilio reaches us by webhook.
    },
  };
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
  if (status === 429) return new ProviderError({ kind: 'transient', reason: 'RATE_LIMITED', code: twilioCode ?? '429', message, retryAfterMs });
  if (status >= 500 || status === 408) {
    return new ProviderError({ kind: 'transient', reason: 'UNKNOWN', code: twilioCode ?? String(status), message, retryAfterMs });
  }
  if (status === 401 || status === 403) {
    return new ProviderError({
      kind: 'permanent',
      reason: 'UNKNOWN',
      code: '20003',
      message: body?.message ?? 'Twilio refused the credentials (authentication failed).',
    });
  }
  const code = twilioCode ?? String(status);
  const reason: FailureReason = twilioCode ? reasonForTwilioCode(twilioCode) : 'UNKNOWN';
  return new ProviderError({ kind: 'permanent', reason, code, message });
}
