import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Recruiter } from '../../shared/api.js';
import type { recruiters } from '../db/schema.js';
import { first } from '../db/types.js';
import type { Deps } from '../deps.js';
import { ApiError } from '../lib/errors.js';
import { fromDriverRow, sqlColumns } from '../lib/sql-rows.js';
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
  // Hand-written and prepared once: drizzle built this join of two wide tables afresh for every
  // request (~0.4 ms, twenty times the query itself).
  const callerByToken = db.stmt(
    `select ${sqlColumns(recruiters, 'r', 'r.')}, ${sqlColumns(organizations, 'o', 'o.')}
     from api_tokens t join recruiters r on r.id = t.recruiter_id join organizations o on o.id = t.org_id
     where t.token_hash = ? and t.expires_at > ?`,
  );

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

    /** Every API request starts here: one prepared query by the token's hash (unique index). */
    async authenticate(token: string): Promise<Caller | null> {
      const raw = await db.get<Record<string, unknown>>(callerByToken, hashToken(token), clock.now());
      return raw ? { recruiter: fromDriverRow<RecruiterRow>(recruiters, raw, 'r.'), org: fromDriverRow<Organization>(organizations, raw, 'o.') } : null;
    },

    async logout(token: string): Promise<void> {
      await db.orm.delete(apiTokens).where(eq(apiTokens.tokenHash, hashToken(token)));
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
