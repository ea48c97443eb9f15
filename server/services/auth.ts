import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt } from 'drizzle-orm';
import type { Recruiter } from '../../shared/api.js';
import type { recruiters } from '../db/schema.js';
import { first } from '../db/types.js';
import type { Deps } from '../deps.js';
import { ApiError } from '../lib/errors.js';
import { LoginThrottle } from '../lib/login-throttle.js';
import { hashPassword, verifyPassword } from '../lib/passwords.js';
import { clockOfMinute } from '../lib/zoned-time.js';
import type { Organization } from './textability.js';
import type { SendingStateService } from './sending-state.js';

export type RecruiterRow = typeof recruiters.$inferSelect;

/** Who is calling: resolved from the bearer token on every API request. */
export interface Caller {
  recruiter: RecruiterRow;
  org: Organization;
}

/**
 * Whoever authenticated a request: a recruiter (sign-in token) or an ATS's integration key
 * (candidate endpoints only). `name` is what consent records and imports say set them.
 */
export type Actor =
  { type: 'recruiter'; org: Organization; name: string; recruiter: RecruiterRow } | { type: 'key'; org: Organization; name: string; keyId: number };

export function createAuthService(deps: Deps, services: { sending: SendingStateService }) {
  const { db, clock, config } = deps;
  const { apiTokens, organizations, recruiters } = db.t;
  const throttle = new LoginThrottle(db, clock);
  // Compared against when the email is unknown, so a miss costs as much time as a wrong password.
  const dummyHash = hashPassword('not-a-real-password');

  const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

  async function serialize(recruiter: RecruiterRow, org: Organization): Promise<Recruiter> {
    return {
      id: recruiter.id,
      email: recruiter.email,
      name: recruiter.name,
      licensed: recruiter.licensed,
      isAdmin: recruiter.isAdmin,
      calendarLink: `${config.publicUrl}/book/${recruiter.bookingSlug}`,
      organization: {
        id: org.id,
        name: org.name,
        smsEnabled: org.smsEnabled,
        whatsappEnabled: org.whatsappEnabled,
        assistantSubscribed: org.assistantSubscribed,
        textingHours: { start: clockOfMinute(org.textingStartMinute), end: clockOfMinute(org.textingEndMinute) },
        defaultTimeZone: org.defaultTimeZone,
        defaultCountry: org.defaultCountry,
        sendRatePerSecond: org.sendRatePerSecond,
        senders: { smsFrom: org.smsFrom, whatsappFrom: org.whatsappFrom, messagingServiceSid: org.messagingServiceSid },
        sending: await services.sending.current(),
      },
    };
  }

  return {
    serialize,

    async login(email: string, password: string, clientAddress: string) {
      const accountKey = `email:${email}`;
      const addressKey = `ip:${clientAddress}`;
      const wait = await throttle.reserve([accountKey, addressKey]);
      if (wait > 0) {
        throw new ApiError(429, 'TOO_MANY_ATTEMPTS', `Too many failed sign-ins. Try again in ${Math.ceil(wait / 1000)} s.`, {
          retryAfterSeconds: Math.ceil(wait / 1000),
        });
      }
      const recruiter = await first(db.orm.select().from(recruiters).where(eq(recruiters.email, email)));
      const ok = await verifyPassword(password, recruiter?.passwordHash ?? (await dummyHash));
      if (!recruiter || !ok) throw new ApiError(401, 'UNAUTHORIZED', 'Wrong email or password.');
      await throttle.succeed(accountKey, [addressKey]);
      const org = (await first(db.orm.select().from(organizations).where(eq(organizations.id, recruiter.orgId))))!;
      const token = randomBytes(32).toString('base64url');
      const now = clock.now();
      const expiresAt = now + config.tokenTtlMs;
      await db.orm.insert(apiTokens).values({ orgId: org.id, recruiterId: recruiter.id, tokenHash: hashToken(token), createdAt: now, expiresAt });
      return { token, recruiter: await serialize(recruiter, org), expiresAt: new Date(expiresAt).toISOString() };
    },

    /** Every API request starts here: one query by the token's hash (unique index). */
    async authenticate(token: string): Promise<Caller | null> {
      const row = await first(
        db.orm
          .select({ recruiter: recruiters, org: organizations })
          .from(apiTokens)
          .innerJoin(recruiters, eq(recruiters.id, apiTokens.recruiterId))
          .innerJoin(organizations, eq(organizations.id, apiTokens.orgId))
          .where(and(eq(apiTokens.tokenHash, hashToken(token)), gt(apiTokens.expiresAt, clock.now()))),
      );
      return row ? { recruiter: row.recruiter, org: row.org } : null;
    },

    async logout(token: string): Promise<void> {
      await db.orm.delete(apiTokens).where(eq(apiTokens.tokenHash, hashToken(token)));
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
