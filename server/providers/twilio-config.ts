/**
 * Twilio's settings: the TWILIO_* variables, read by config.ts through providers/config.ts. The
 * status callback URL is built here, from PUBLIC_URL and the path the webhook route serves.
 */
import { z } from 'zod';
import { httpUrl, optionalString, wholeNumber } from '../lib/env-schema.js';
import { TWILIO_WEBHOOK_PATHS } from './twilio-webhooks.js';

export interface TwilioConfig {
  accountSid?: string;
  authToken?: string;
  smsFrom?: string;
  messagingServiceSid?: string;
  whatsappFrom?: string;
  apiBaseUrl: string;
  /** Where each text asks Twilio to report its statuses; none, no callbacks. */
  statusCallbackUrl?: string;
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
  TWILIO_LIST_GRACE_MS: wholeNumber(0, 24 * 3_600_000, 300_000),
};

type TwilioEnv = z.output<z.ZodObject<typeof TWILIO_ENV>>;

export function twilioConfig(env: TwilioEnv, publicUrl: string): TwilioConfig {
  return {
    accountSid: env.TWILIO_ACCOUNT_SID,
    authToken: env.TWILIO_AUTH_TOKEN,
    smsFrom: env.TWILIO_SMS_FROM,
    messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
    whatsappFrom: env.TWILIO_WHATSAPP_FROM,
    apiBaseUrl: env.TWILIO_API_BASE_URL.replace(/\/+$/, ''),
    statusCallbackUrl: publicUrl + TWILIO_WEBHOOK_PATHS.status,
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
  return null;
}
