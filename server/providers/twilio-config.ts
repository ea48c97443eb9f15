/**
 * Twilio's settings: the TWILIO_* variables, read by config.ts through providers/config.ts. The
 * status callback URL is built here, from PUBLIC_URL and the path the webhook route serves.
 */
import { z } from 'zod';
import { isLoopbackHostname } from '../../shared/loopback.js';
import { httpUrl, optionalString, wholeNumber } from '../lib/env-schema.js';
import { TWILIO_WEBHOOK_PATHS } from './twilio-webhooks.js';

export interface TwilioConfig {
  accountSid?: string;
  authToken?: string;
  smsFrom?: string;
  messagingServiceSid?: string;
  whatsappFrom?: string;
  apiBaseUrl: string;
  /** Twilio's Content API (WhatsApp content templates); a test points it at the fake. */
  contentApiBaseUrl: string;
  /**
   * Who answers STOP/START/HELP: 'twilio' (Twilio's own opt-out handling replies and blocks; we
   * only record) or 'app' (we send the confirmations: short codes, or Advanced Opt-Out replies off).
   */
  optOut: 'twilio' | 'app';
  /** Where each text asks Twilio to report its statuses; none, no callbacks. */
  statusCallbackUrl?: string;
  /** The server's public address (webhooks and status callbacks), and whether PUBLIC_URL set it. */
  publicUrl: string;
  publicUrlSet: boolean;
  /**
   * How long after a hand-off Twilio's Messages list may still lack a message it created (list
   * lag, undocumented): a look-up that misses within it asks again later, after it the text is
   * sent again. TWILIO_LIST_GRACE_MS.
   */
  listGraceMs: number;
}

export const TWILIO_ENV = {
  TWILIO_ACCOUNT_SID: optionalString.pipe(
    z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits')
      .optional(),
  ),
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_SMS_FROM: optionalString,
  TWILIO_MESSAGING_SERVICE_SID: optionalString.pipe(
    z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, 'must look like MG followed by 32 hex digits')
      .optional(),
  ),
  TWILIO_WHATSAPP_FROM: optionalString,
  TWILIO_API_BASE_URL: httpUrl.default('https://api.twilio.com'),
  TWILIO_CONTENT_API_BASE_URL: httpUrl.default('https://content.twilio.com'),
  TWILIO_OPT_OUT: z.enum(['twilio', 'app'], { error: 'must be twilio or app' }).default('twilio'),
  TWILIO_LIST_GRACE_MS: wholeNumber(0, 24 * 3_600_000, 300_000),
};

type TwilioEnv = z.output<z.ZodObject<typeof TWILIO_ENV>>;

/** `publicUrlSet`: PUBLIC_URL was given (config.ts fills a localhost default otherwise, which Twilio cannot reach). */
export function twilioConfig(env: TwilioEnv, publicUrl: string, publicUrlSet: boolean): TwilioConfig {
  return {
    accountSid: env.TWILIO_ACCOUNT_SID,
    authToken: env.TWILIO_AUTH_TOKEN,
    smsFrom: env.TWILIO_SMS_FROM,
    messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
    whatsappFrom: env.TWILIO_WHATSAPP_FROM,
    apiBaseUrl: env.TWILIO_API_BASE_URL.replace(/\/+$/, ''),
    contentApiBaseUrl: env.TWILIO_CONTENT_API_BASE_URL.replace(/\/+$/, ''),
    optOut: env.TWILIO_OPT_OUT,
    statusCallbackUrl: publicUrl + TWILIO_WEBHOOK_PATHS.status,
    publicUrl,
    publicUrlSet,
    listGraceMs: env.TWILIO_LIST_GRACE_MS,
  };
}

/** What stops the server from sending with Twilio (one line naming the variable), or null. */
export function twilioConfigProblem(t: TwilioConfig): string | null {
  if (!t.accountSid) return 'TWILIO_ACCOUNT_SID is required when PROVIDER=twilio';
  if (!t.authToken) return 'TWILIO_AUTH_TOKEN is required when PROVIDER=twilio';
  if (!t.smsFrom && !t.messagingServiceSid && !t.whatsappFrom) {
    return 'TWILIO_SMS_FROM (or TWILIO_MESSAGING_SERVICE_SID, or TWILIO_WHATSAPP_FROM) is required when PROVIDER=twilio';
  }
  for (const [name, value] of [
    ['TWILIO_SMS_FROM', t.smsFrom],
    ['TWILIO_WHATSAPP_FROM', t.whatsappFrom],
  ] as const) {
    if (value && !/^\+[1-9]\d{6,14}$/.test(value.replace(/^whatsapp:/, ''))) return `${name} must be an E.164 number such as +15551234567`;
  }
  // Twilio posts status callbacks and incoming texts to PUBLIC_URL: a localhost default would
  // send them nowhere, and Twilio only posts to https (with a CA-signed certificate) off this machine.
  if (!t.publicUrlSet) return 'PUBLIC_URL is required when PROVIDER=twilio (the https address Twilio posts webhooks to)';
  const url = new URL(t.publicUrl);
  if (url.protocol !== 'https:' && !isLoopbackHostname(url.hostname)) {
    return `PUBLIC_URL must be https:// when PROVIDER=twilio (got "${t.publicUrl}"); plain http is only for this machine (localhost, 127.0.0.1)`;
  }
  return null;
}
