import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { OrganizationPatchSchema } from '../../shared/api.js';
import { organizations } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { ApiError, validation } from '../lib/errors.js';
import { validate, type AppEnv } from '../lib/http.js';
import { isValidTimeZone, minuteOfClock } from '../lib/zoned-time.js';
import type { Services } from '../services/index.js';

/** GET /api/organization (everyone), PATCH (admins): texting hours, default time zone and country, send rate. */
export function organizationRoutes({ db }: Deps, services: Services) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json(services.auth.serialize(c.var.caller.recruiter, c.var.caller.org).organization))
    .patch('/', validate('json', OrganizationPatchSchema), (c) => {
      const { recruiter, org } = c.var.caller;
      if (!recruiter.isAdmin) throw new ApiError(403, 'FORBIDDEN', 'Only administrators can change organization settings.');
      const patch = c.req.valid('json');
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
      return c.json(services.auth.serialize(recruiter, updated).organization);
    });
}
