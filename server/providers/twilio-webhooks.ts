/**
 * Twilio's webhooks, read into the product's events: the signed form of an incoming text
 * (the number's or Messaging Service's webhook) and of a status callback (requested per text by
 * twilio.ts). routes/webhooks.ts mounts them (twilioWebhooks) under /webhooks.
 */
import { verifyTwilioSignature } from './twilio-signature.js';
import { describeTwilioError, mapTwilioStatus, reasonForTwilioCode, stripWhatsapp } from './twilio-vocabulary.js';
import { WebhookRefused, type InboundTextEvent, type ProviderWebhook, type StatusReportEvent, type WebhookRequest } from './types.js';

export const TWILIO_WEBHOOK_PATHS = { inbound: '/webhooks/twilio/inbound', status: '/webhooks/twilio/status' } as const;

/** Twilio waits for TwiML after an incoming text: an empty response sends no reply of its own. */
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/**
 * Both of Twilio's webhooks. They are served whichever provider sends (a number can be pointed at
 * this server before PROVIDER=twilio is set), and refused unless signed with TWILIO_AUTH_TOKEN.
 */
export function twilioWebhooks(config: { authToken?: string; publicUrl: string }): ProviderWebhook[] {
  return [
    {
      source: 'twilio',
      path: TWILIO_WEBHOOK_PATHS.inbound.replace('/webhooks', ''),
      summary: 'Twilio inbound message webhook (form-encoded, signed)',
      read: (request) => twilioInboundEvent(verifiedTwilioForm(config, request)),
      reply: { status: 200, body: EMPTY_TWIML, contentType: 'text/xml; charset=utf-8' },
    },
    {
      source: 'twilio',
      path: TWILIO_WEBHOOK_PATHS.status.replace('/webhooks', ''),
      summary: 'Twilio status callback (form-encoded, signed)',
      read: (request) => twilioStatusEvent(verifiedTwilioForm(config, request), messageKeyOf(request.url)),
      reply: { status: 204 },
    },
  ];
}

/**
 * The form fields of a request Twilio signed: X-Twilio-Signature must match `publicUrl` + the
 * path (and query) over every field received, with our auth token. Anything else is a 403.
 */
export function verifiedTwilioForm(config: { authToken?: string; publicUrl: string }, request: WebhookRequest): Record<string, string> {
  if (!config.authToken) throw new WebhookRefused(403, 'WEBHOOK_SIGNING_NOT_CONFIGURED', 'TWILIO_AUTH_TOKEN is not set, so no webhook can be verified.');
  // Parsed directly: a repeated field keeps every value (Twilio signs each of them).
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(request.body)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  if (!verifyTwilioSignature(config.authToken, config.publicUrl + pathAndQuery(request.url), params, request.header('x-twilio-signature') ?? '')) {
    throw new WebhookRefused(403, 'INVALID_SIGNATURE', 'X-Twilio-Signature does not match this request.');
  }
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) flat[key] = Array.isArray(value) ? (value[0] ?? '') : value;
  return flat;
}

/** An incoming text's form (From and To carry `whatsapp:` for WhatsApp). */
export function twilioInboundEvent(form: Record<string, string>): InboundTextEvent {
  const sid = form.MessageSid ?? form.SmsSid;
  if (!sid || !form.From) throw new WebhookRefused(400, 'VALIDATION', 'An inbound message needs MessageSid and From.');
  return {
    kind: 'inbound',
    providerMessageId: sid,
    from: stripWhatsapp(form.From),
    to: stripWhatsapp(form.To ?? ''),
    channel: /^whatsapp:/i.test(form.From) ? 'whatsapp' : 'sms',
    body: form.Body ?? '',
    ...inboundKeywordFields(form),
    media: twilioInboundMedia(form),
    raw: form,
  };
}

/** Twilio's Advanced Opt-Out classification of the text (it covers keywords the account added). */
const OPT_OUT_TYPES: Record<string, NonNullable<InboundTextEvent['keyword']>> = { STOP: 'opt-out', START: 'opt-in', HELP: 'help' };

/** OptOutType (sent only with Advanced Opt-Out on a Messaging Service) and the service the text came through. */
function inboundKeywordFields(form: Record<string, string>): Pick<InboundTextEvent, 'keyword' | 'serviceId'> {
  const keyword = OPT_OUT_TYPES[(form.OptOutType ?? '').trim().toUpperCase()];
  const serviceId = form.MessagingServiceSid?.trim();
  return { ...(keyword && { keyword }), ...(serviceId && { serviceId }) };
}

/**
 * A status callback's form: the status, and for a failure Twilio's ErrorCode (often without
 * ErrorMessage). `messageKey`: our key for the text, from the callback URL's `k` (twilio.ts asks
 * for it there; the signature covers it).
 */
/** Twilio sends at most 10 media per message; anything beyond is ignored. */
const MAX_INBOUND_MEDIA = 10;

/** The pictures and files of an incoming text: `MediaUrl{N}` / `MediaContentType{N}` for N < NumMedia. */
function twilioInboundMedia(form: Record<string, string>): InboundTextEvent['media'] {
  const count = Math.min(Number.parseInt(form.NumMedia ?? '0', 10) || 0, MAX_INBOUND_MEDIA);
  const media: InboundTextEvent['media'] = [];
  for (let n = 0; n < count; n++) {
    const url = form[`MediaUrl${n}`];
    // The account's credentials go only to the API's own host (twilio.ts fetchMedia), whatever this says.
    if (!url || !/^https?:\/\//i.test(url)) continue;
    media.push({ url, contentType: (form[`MediaContentType${n}`] || 'application/octet-stream').toLowerCase() });
  }
  return media;
}

/**
 * A status callback's form: the status, and for a failure Twilio's ErrorCode (often without
 * ErrorMessage). `messageKey`: our key for the text, from the callback URL's `k` (twilio.ts asks
 * for it there; the signature covers it).
 */
export function twilioStatusEvent(form: Record<string, string>, messageKey: string | null = null): StatusReportEvent {
  const sid = form.MessageSid ?? form.SmsSid;
  const rawStatus = form.MessageStatus ?? form.SmsStatus;
  if (!sid || !rawStatus) throw new WebhookRefused(400, 'VALIDATION', 'A status report needs MessageSid and MessageStatus.');
  const status = mapTwilioStatus(rawStatus);
  const code = form.ErrorCode || null;
  return {
    kind: 'status',
    providerMessageId: sid,
    status,
    reason: code ? reasonForTwilioCode(code) : status === 'failed' || status === 'undelivered' ? 'UNKNOWN' : null,
    rawCode: code,
    rawMessage: code ? form.ErrorMessage || describeTwilioError(code) : null,
    rawStatus,
    candidatePhone: form.To ? stripWhatsapp(form.To) : null,
    from: form.From ? stripWhatsapp(form.From) : null,
    messageKey,
    raw: form,
  };
}

/** The `k` query parameter of a status callback's URL: the idempotency key of the text it reports on. */
function messageKeyOf(url: string): string | null {
  const query = url.indexOf('?');
  if (query === -1) return null;
  return new URLSearchParams(url.slice(query + 1)).get('k') || null;
}

/** The path and query of an absolute URL exactly as received (Twilio signed those characters). */
function pathAndQuery(url: string): string {
  const afterScheme = url.indexOf('//');
  const pathStart = url.indexOf('/', afterScheme === -1 ? 0 : afterScheme + 2);
  return pathStart === -1 ? '/' : url.slice(pathStart);
}
