/**
 * Server configuration from the environment. Every variable has a default that runs the demo;
 * a wrong value stops start-up with one line naming the variable.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { httpUrl, optionalString, wholeNumber } from './lib/env-schema.js';
import {
  DEFAULT_SEND_RATE,
  PROVIDER_ENV,
  PROVIDER_NAMES,
  providerConfigProblem,
  providerConfigs,
  type ProviderConfigs,
  type ProviderName,
} from './providers/config.js';

const positiveNumber = (what: string, fallback: number) => {
  const error = `must be ${what}`;
  return z.coerce.number({ error }).positive({ error }).default(fallback);
};

const EnvSchema = z.object({
  PORT: wholeNumber(1, 65535, 8787),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  DATABASE_PATH: z.string().trim().min(1).default('./data/text-engagement.db'),
  /** PostgreSQL instead of the SQLite file (several instances share it): postgres://user:password@host:port/database */
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  /** Connections each instance keeps to PostgreSQL. */
  DATABASE_POOL_SIZE: wholeNumber(1, 1000, 10),
  /** This instance's name in logs and in the database's claims; default host:pid. */
  INSTANCE_ID: optionalString,
  /** On SIGTERM, how long in-flight texts may take to finish before the instance exits anyway. */
  DRAIN_TIMEOUT_MS: wholeNumber(0, 600_000, 25_000),
  PUBLIC_URL: optionalString.pipe(httpUrl.optional()),
  PROVIDER: z.enum(PROVIDER_NAMES, { error: `must be ${PROVIDER_NAMES.join(' or ')}` }).default('simulator'),
  ...PROVIDER_ENV,
  /** Segments per second per sender; each provider has its default (providers/config.ts). */
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
  /** How long a booking link ({{calendarLink}}) books after it is sent, in days. */
  BOOKING_LINK_DAYS: wholeNumber(1, 365, 14),
  /** Behind a proxy: the header that carries the client's address (e.g. X-Forwarded-For), for sign-in throttling. */
  TRUST_PROXY: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'must be a header name such as X-Forwarded-For')
      .optional(),
  ),
  /** The simulator's phone pages on a server that listens beyond this machine (HOST not loopback): off unless 1. */
  SIMULATOR_PUBLIC: z.enum(['0', '1'], { error: 'must be 0 or 1' }).default('0'),
});

/** The server's settings, and each provider's under its name (`config.twilio`, `config.simulator`). */
export interface AppConfig extends ProviderConfigs {
  port: number;
  host: string;
  databasePath: string;
  /** Set: PostgreSQL at this URL, and databasePath is unused. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  instanceId: string;
  drainTimeoutMs: number;
  publicUrl: string;
  provider: ProviderName;
  sendRatePerSecond: number;
  campaignMaxRecipients: number;
  dispatchLeaseMs: number;
  dispatchIdlePollMs: number;
  tokenTtlMs: number;
  /** How long a {{calendarLink}} books after it is rendered. */
  bookingLinkTtlMs: number;
  /** The header a trusted proxy reports the client's address in; none, the socket's peer is the client. */
  trustProxy: string | undefined;
  /** Serve the simulator's phone pages even when HOST lets other machines in. */
  simulatorPublic: boolean;
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
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const config: AppConfig = {
    port: e.PORT,
    host: e.HOST,
    databasePath: e.DATABASE_PATH,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    instanceId: e.INSTANCE_ID ?? `${hostname()}:${process.pid}`,
    drainTimeoutMs: e.DRAIN_TIMEOUT_MS,
    publicUrl,
    provider: e.PROVIDER,
    ...providerConfigs(e, publicUrl, e.PUBLIC_URL !== undefined),
    sendRatePerSecond: e.SEND_RATE_PER_SECOND ?? DEFAULT_SEND_RATE[e.PROVIDER],
    campaignMaxRecipients: e.CAMPAIGN_MAX_RECIPIENTS,
    dispatchLeaseMs: e.DISPATCH_LEASE_MS,
    dispatchIdlePollMs: e.DISPATCH_IDLE_POLL_MS,
    tokenTtlMs: e.TOKEN_TTL_HOURS * 3600_000,
    bookingLinkTtlMs: e.BOOKING_LINK_DAYS * 86_400_000,
    trustProxy: e.TRUST_PROXY,
    simulatorPublic: e.SIMULATOR_PUBLIC === '1',
  };
  const problem = providerConfigProblem(config.provider, config);
  if (problem) throw new ConfigError(`Invalid configuration: ${problem}`);
  return config;
}
