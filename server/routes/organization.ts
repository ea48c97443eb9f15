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

/** GET /api/organization (everyone), PATCH (admins): texting hours, default time zone and country, send rate. */
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
    const updated = db.update(organizations).set(changes).where(eq(organizations.id, org.id)).returning().get();
    return services.auth.serialize(recruiter, updated).organization;
  });
  return router;
}
