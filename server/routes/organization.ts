import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { organizations } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { ApiError, validation } from '../lib/errors.js';
import { serve } from '../lib/contract-routes.js';
import type { AppEnv } from '../lib/http.js';
import { isValidTimeZone, minuteOfClock } from '../lib/zoned-time.js';
import type { Services } from '../services/index.js';

/** The organisation's own senders in a PATCH (null: back to the server's). */
function senderChanges(patch: { smsFrom?: string | null; whatsappFrom?: string | null; messagingServiceSid?: string | null }) {
  const changes: Partial<typeof organizations.$inferInsert> = {};
  if (patch.smsFrom !== undefined) changes.smsFrom = patch.smsFrom;
  if (patch.whatsappFrom !== undefined) changes.whatsappFrom = patch.whatsappFrom;
  if (patch.messagingServiceSid !== undefined) changes.messagingServiceSid = patch.messagingServiceSid;
  return changes;
}

/** The unique sender index SQLite names in its refusal ("UNIQUE constraint failed: organizations.sms_from"), as the PATCH's field. */
const SENDER_FIELD_OF_COLUMN = { sms_from: 'smsFrom', whatsapp_from: 'whatsappFrom', messaging_service_sid: 'messagingServiceSid' } as const;

/** 409 SENDER_TAKEN naming the sender (and its field, so a form can show it there) when SQLite says which. */
function senderTaken(err: Error, changes: Partial<typeof organizations.$inferInsert>): ApiError {
  const column = /organizations\.(\w+)/.exec(err.message)?.[1] as keyof typeof SENDER_FIELD_OF_COLUMN | undefined;
  const field = column && Object.hasOwn(SENDER_FIELD_OF_COLUMN, column) ? SENDER_FIELD_OF_COLUMN[column] : undefined;
  if (!field) return new ApiError(409, 'SENDER_TAKEN', 'Another organization already sends from that number or Messaging Service.');
  return new ApiError(409, 'SENDER_TAKEN', `Another organization already sends from ${changes[field]}.`, { field });
}

/** GET /api/organization (everyone), PATCH (admins): texting hours, default time zone and country, send rate, senders. */
export function organizationRoutes({ db }: Deps, services: Services) {
  const router = new Hono<AppEnv>();
  const on = serve(router);
  on('organization.get', (c) => services.auth.serialize(c.var.caller.recruiter, c.var.caller.org).organization);
  on('organization.update', (c, { body: patch }) => {
    const { recruiter, org } = c.var.caller;
    if (!recruiter.isAdmin) throw new ApiError(403, 'FORBIDDEN', 'Only administrators can change organization settings.');
    const changes: Partial<typeof organizations.$inferInsert> = {};
    if (patch.textingHours) {
      const start = minuteOfClock(patch.textingHours.start);
      const end = minuteOfClock(patch.textingHours.end);
      if (end <= start) throw validation('textingHours: the end must be after the start (e.g. 08:00 to 21:00).');
      changes.textingStartMinute = start;
      changes.textingEndMinute = end;
    }
    if (patch.defaultTimeZone !== undefined) {
      if (!isValidTimeZone(patch.defaultTimeZone))
        throw validation(`defaultTimeZone: "${patch.defaultTimeZone}" is not an IANA time zone such as America/Chicago.`);
      changes.defaultTimeZone = patch.defaultTimeZone;
    }
    if (patch.defaultCountry !== undefined) {
      if (!isSupportedCountry(patch.defaultCountry))
        throw validation(`defaultCountry: "${patch.defaultCountry}" is not a country with a phone numbering plan we know.`);
      changes.defaultCountry = patch.defaultCountry;
    }
    if (patch.sendRatePerSecond !== undefined) changes.sendRatePerSecond = patch.sendRatePerSecond;
    Object.assign(changes, senderChanges(patch));
    let updated;
    try {
      updated = db.update(organizations).set(changes).where(eq(organizations.id, org.id)).returning().get();
    } catch (err) {
      // The unique sender indexes: a number (or Messaging Service) belongs to one organisation.
      if (err instanceof Error && 'code' in err && err.code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw senderTaken(err, changes);
      }
      throw err;
    }
    return services.auth.serialize(recruiter, updated).organization;
  });
  return router;
}
