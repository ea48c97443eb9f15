/**
 * The fake Twilio's rules of a real account (Chunk B of issue 13), kept apart from its HTTP core
 * (fake-twilio.ts calls `beforeCreate` on every Messages create and `serve` first on every request):
 *
 * - Default opt-out handling of a long code (`optOutHandling(false)`: a short code without it) [Twilio support 223134027]: a single-word STOP-family
 *   text blocks that (sender, phone) pair and gets Twilio's auto-reply; later creates to it answer
 *   HTTP 400 code 21610; START/YES/UNSTOP unblock (auto-reply), HELP/INFO get an auto-reply. The
 *   sender is the Messaging Service when the text came through one, else our number.
 * - Advanced Opt-Out (`advancedOptOut`): extra keywords per type, and `OptOutType` on the inbound
 *   webhooks the fake posts (only then, as Twilio does).
 * - WhatsApp content rules: ContentVariables without ContentSid → 21654; Body with ContentVariables
 *   → 35127; a free-form Body to WhatsApp outside the 24-hour window → the message fails 63016.
 * - The Content API on the same server: `GET /v1/Content/{Sid}` (404 unless added) and
 *   `…/ApprovalRequests`.
 *
 * Incoming texts go to the app through `inbound()`, signed with the account's token the way
 * Twilio signs them (the `twilio` package's own function, an independent reference).
 */
import type { ServerResponse } from 'node:http';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';

type OptOutType = 'STOP' | 'START' | 'HELP';

/** Twilio's default keywords on long codes. */
const DEFAULT_KEYWORDS: Record<OptOutType, string[]> = {
  STOP: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'],
  START: ['START', 'YES', 'UNSTOP'],
  HELP: ['HELP', 'INFO'],
};

const AUTO_REPLIES: Record<OptOutType, string> = {
  STOP: 'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.',
  START: 'You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe.',
  HELP: 'Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
};

const WHATSAPP_WINDOW_MS = 24 * 3600_000;

export interface FakeRequestLike {
  method: string;
  path: string;
  form: Record<string, string>;
  at: number;
}

export interface FakeAutoReply {
  /** Our sender (number or Messaging Service) the reply went from, and the phone it went to. */
  sender: string;
  to: string;
  type: OptOutType;
  body: string;
  at: number;
}

export interface FakeContent {
  body: string;
  whatsappStatus?: string;
}

type Json = (res: ServerResponse, status: number, body: unknown) => void;

export function createTwilioRules(options: { now: () => number; accountSid: string; authToken: string }) {
  const blocked = new Set<string>();
  const autoReplies: FakeAutoReply[] = [];
  const lastWhatsappInbound = new Map<string, number>();
  const contents = new Map<string, FakeContent>();
  let advanced: Partial<Record<OptOutType, string[]>> | null = null;
  let handling = true;
  let inboundSeq = 0;
  let failedSeq = 0;

  const pair = (sender: string, phone: string) => `${sender}|${phone.replace(/^whatsapp:/, '')}`;

  /** The keyword type of a whole single-word body (case-insensitive), with AOO's extra keywords when on. */
  function keywordOf(body: string): OptOutType | null {
    const word = body.trim().toUpperCase();
    if (!word || /\s/.test(word)) return null;
    for (const type of ['STOP', 'START', 'HELP'] as const) {
      if (DEFAULT_KEYWORDS[type].includes(word) || advanced?.[type]?.map((k) => k.toUpperCase()).includes(word)) return type;
    }
    return null;
  }

  function twilioError(res: ServerResponse, json: Json, code: number, message: string) {
    json(res, 400, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: 400 });
  }

  /** A message Twilio creates and fails at once (its answer says so; no callback needed). */
  function failedMessage(res: ServerResponse, json: Json, form: Record<string, string>, at: number, code: number, message: string) {
    json(res, 201, {
      sid: `SMf${String(++failedSeq).padStart(31, '0')}`,
      account_sid: options.accountSid,
      to: form.To,
      from: form.From ?? null,
      body: form.Body ?? '',
      status: 'failed',
      direction: 'outbound-api',
      date_created: new Date(at).toUTCString(),
      error_code: code,
      error_message: message,
    });
  }

  return {
    autoReplies,
    /** Turns Advanced Opt-Out on (extra keywords per type; OptOutType on inbound webhooks). */
    advancedOptOut(keywords: Partial<Record<OptOutType, string[]>> = {}) {
      advanced = keywords;
    },
    /** Off: a sender Twilio does not handle keywords for (a standalone short code): the app must answer. */
    optOutHandling(on: boolean) {
      handling = on;
    },
    /** Whether Twilio blocks texts from `sender` (number or MG…) to `phone`. */
    isBlocked(sender: string, phone: string) {
      return blocked.has(pair(sender, phone));
    },
    /** A phone that opted out at Twilio before we ever heard of it (e.g. a lost webhook). */
    block(sender: string, phone: string) {
      blocked.add(pair(sender, phone));
    },
    /** A content template in the account (Content API), with WhatsApp's approval status. */
    addContent(sid: string, content: FakeContent) {
      contents.set(sid, content);
    },
    /** The phone wrote on WhatsApp at `at` (opens its 24-hour window). */
    whatsappWrote(phone: string, at: number) {
      lastWhatsappInbound.set(phone.replace(/^whatsapp:/, ''), at);
    },

    /** Refuses a Messages create the way Twilio would; true when it answered. */
    beforeCreate(req: FakeRequestLike, res: ServerResponse, json: Json): boolean {
      const { form } = req;
      const to = form.To ?? '';
      if (form.ContentVariables !== undefined && !form.ContentSid) {
        twilioError(res, json, 21654, 'ContentSid Required');
        return true;
      }
      if (form.ContentVariables !== undefined && form.Body !== undefined) {
        twilioError(res, json, 35127, 'Body and ContentVariables cannot be provided together');
        return true;
      }
      const sender = form.MessagingServiceSid ?? (form.From ?? '').replace(/^whatsapp:/, '');
      if (blocked.has(pair(sender, to))) {
        twilioError(res, json, 21610, 'Attempt to send to unsubscribed recipient');
        return true;
      }
      if (to.startsWith('whatsapp:') && !form.ContentSid) {
        const last = lastWhatsappInbound.get(to.replace(/^whatsapp:/, ''));
        if (last === undefined || req.at - last >= WHATSAPP_WINDOW_MS) {
          failedMessage(res, json, form, req.at, 63016, 'Failed to send freeform message because you are outside the allowed window. Please use a Template.');
          return true;
        }
      }
      return false;
    },

    /** The Content API's paths; true when it answered. */
    serve(req: FakeRequestLike, res: ServerResponse, json: Json): boolean {
      const match = /^\/v1\/Content\/([^/]+)(\/ApprovalRequests)?$/.exec(req.path);
      if (!match || req.method !== 'GET') return false;
      const content = contents.get(decodeURIComponent(match[1]!));
      if (!content) {
        json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
        return true;
      }
      if (match[2]) {
        json(res, 200, { sid: match[1], whatsapp: { status: content.whatsappStatus ?? 'approved', category: 'UTILITY', rejection_reason: '' } });
      } else {
        json(res, 200, { sid: match[1], account_sid: options.accountSid, friendly_name: match[1], types: { 'twilio/text': { body: content.body } } });
      }
      return true;
    },

    /**
     * A candidate texts us: Twilio's opt-out handling runs first (block/unblock, auto-reply), then
     * the signed inbound webhook is posted to the app. Returns the app's HTTP status.
     */
    async inbound(input: {
      appUrl: string;
      publicUrl: string;
      from: string;
      to: string;
      body: string;
      channel?: 'sms' | 'whatsapp';
      messagingServiceSid?: string;
    }): Promise<number> {
      const whatsapp = input.channel === 'whatsapp';
      const at = options.now();
      if (whatsapp) lastWhatsappInbound.set(input.from, at);
      // Twilio handles WhatsApp keywords only through Advanced Opt-Out on a Messaging Service.
      const type = handling && (!whatsapp || advanced) ? keywordOf(input.body) : null;
      const sender = input.messagingServiceSid ?? input.to;
      if (type) {
        if (type === 'STOP') blocked.add(pair(sender, input.from));
        if (type === 'START') blocked.delete(pair(sender, input.from));
        autoReplies.push({ sender, to: input.from, type, body: AUTO_REPLIES[type], at });
      }
      const prefix = whatsapp ? 'whatsapp:' : '';
      const form: Record<string, string> = {
        MessageSid: `SMin${String(++inboundSeq).padStart(30, '0')}`,
        AccountSid: options.accountSid,
        From: prefix + input.from,
        To: prefix + input.to,
        Body: input.body,
        NumMedia: '0',
        ...(input.messagingServiceSid && { MessagingServiceSid: input.messagingServiceSid }),
        ...(type && advanced && { OptOutType: type }),
      };
      const path = '/webhooks/twilio/inbound';
      const res = await fetch(input.appUrl + path, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': getExpectedTwilioSignature(options.authToken, input.publicUrl + path, form),
        },
        body: new URLSearchParams(form).toString(),
      });
      await res.body?.cancel();
      return res.status;
    },
  };
}

export type TwilioRules = ReturnType<typeof createTwilioRules>;
