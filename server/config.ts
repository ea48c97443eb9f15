/**
 * Server configuration from the environment. Every variable has a default that runs the demo;
 * a wrong value stops start-up with one line naming the variable.
 */
import { z } from 'zod';

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

/** A whole number in [min, max], with one message for every way to miss it. */
const wholeNumber = (min: number, max: number, fallback: number) => {
  const error = `must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback);
};
const positiveNumber = (what: string, fallback: number) => {
  const error = `must be ${what}`;
  return z.coerce.number({ error }).positive({ error }).default(fallback);
};
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const EnvSchema = z.object({
  PORT: wholeNumber(1, 65535, 8787),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  DATABASE_PATH: z.string().trim().min(1).default('./data/text-engagement.db'),
  PUBLIC_URL: optionalString.pipe(httpUrl.optional()),
  PROVIDER: z.enum(['simulator', 'twilio'], { error: 'must be simulator or twilio' }).default('simulator'),
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
  /** Segments per second per sender. Twilio long codes allow 1; the simulator takes far more. */
  SEND_RATE_PER_SECOND: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (!v) return undefined;
      if (v.toLowerCase() === 'unlimited') return Number.POSITIVE_INFINITY;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) {
        ctx.addIssue({ code: 'custom', message: 'must be a positive number or "unlimited"' });
        return z.NEVER;
      }
      return n;
    }),
  CAMPAIGN_MAX_RECIPIENTS: wholeNumber(1, 1_000_000, 5000),
  /** How long a dispatcher's claim on a text lasts before another (or a restarted) one may recover it. */
  DISPATCH_LEASE_MS: wholeNumber(100, 600_000, 30_000),
  /** The dispatcher wakes at least this often with nothing to do (texts queued by another process). */
  DISPATCH_IDLE_POLL_MS: wholeNumber(50, 3_600_000, 1000),
  /** How long a sign-in lasts, in hours. */
  TOKEN_TTL_HOURS: positiveNumber('a positive number of hours', 24 * 30),
});

export interface AppConfig {
  port: number;
  host: string;
  databasePath: string;
  publicUrl: string;
  provider: 'simulator' | 'twilio';
  twilio: {
    accountSid?: string;
    authToken?: string;
    smsFrom?: string;
    messagingServiceSid?: string;
    whatsappFrom?: string;
    apiBaseUrl: string;
  };
  sendRatePerSecond: number;
  campaignMaxRecipients: number;
  dispatchLeaseMs: number;
  dispatchIdlePollMs: number;
  tokenTtlMs: number;
  /** Numbers the simulator sends from, so its phones show a realistic sender. */
  simulator: { smsFrom: string; whatsappFrom: string };
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const given = issue.path[0] !== undefined ? env[name] : undefined;
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}${given !== undefined ? ` (got "${given}")` : ''}`);
  }
  const e = parsed.data;
  const config: AppConfig = {
    port: e.PORT,
    host: e.HOST,
    databasePath: e.DATABASE_PATH,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    provider: e.PROVIDER,
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      smsFrom: e.TWILIO_SMS_FROM,
      messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID,
      whatsappFrom: e.TWILIO_WHATSAPP_FROM,
      apiBaseUrl: e.TWILIO_API_BASE_URL.replace(/\/+$/, ''),
    },
    sendRatePerSecond: e.SEND_RATE_PER_SECOND ?? (e.PROVIDER === 'twilio' ? 1 : 50),
    campaignMaxRecipients: e.CAMPAIGN_MAX_RECIPIENTS,
    dispatchLeaseMs: e.DISPATCH_LEASE_MS,
    dispatchIdlePollMs: e.DISPATCH_IDLE_POLL_MS,
    tokenTtlMs: e.TOKEN_TTL_HOURS * 3600_000,
    simulator: { smsFrom: '+12025550100', whatsappFrom: '+12025550101' },
  };
  if (config.provider === 'twilio') {
    const t = config.twilio;
    if (!t.accountSid) throw new ConfigError('Invalid configuration: TWILIO_ACCOUNT_SID is required when PROVIDER=twilio');
    if (!t.authToken) throw new ConfigError('Invalid configuration: TWILIO_AUTH_TOKEN is required when PROVIDER=twilio');
    if (!t.smsFrom && !t.messagingServiceSid && !t.whatsappFrom) {
      throw new ConfigError(
        'Invalid configuration: TWILIO_SMS_FROM (or TWILIO_MESSAGING_SERVICE_SID, or TWILIO_WHATSAPP_FROM) is required when PROVIDER=twilio',
      );
    }
    for (const [name, value] of [
      ['TWILIO_SMS_FROM', t.smsFrom],
      ['TWILIO_WHATSAPP_FROM', t.whatsappFrom],
    ] as const) {
      if (value && !/^\+[1-9]\d{6,14}$/.test(value.replace(/^whatsapp:/, ''))) {
        throw new ConfigError(`Invalid configuration: ${name} must be an E.164 number such as +15551234567`);
      }
    }
  }
  return config;
}
