/**
 * An organisation's settings (administrators change them): texting hours, default time zone and
 * country, send rate, and its own senders. A sender number or Messaging Service belongs to one
 * organisation, in whichever field: an inbound text finds its organisation by the number it was
 * sent to, so two organisations holding the same one would make it ambiguous.
 */
import { and, eq, ne, or } from 'drizzle-orm';
import { isSupportedCountry } from 'libphonenumber-js/max';
import type { OrganizationPatch } from '../../shared/api.js';
import type { organizations } from '../db/schema.js';
import { first, type Db } from '../db/types.js';
import type { Deps } from '../deps.js';
import { ApiError, validation } from '../lib/errors.js';
import { isValidTimeZone, minuteOfClock } from '../lib/zoned-time.js';
import type { Caller } from './auth.js';

type OrganizationRow = typeof organizations.$inferSelect;
const SENDER_FIELDS = ['smsFrom', 'whatsappFrom', 'messagingServiceSid'] as const;

export function createOrganizationService({ db }: Deps) {
  const { organizations } = db.t;

  /** The first of the patch's senders that another organisation already has, with its field. */
  async function takenSender(tx: Db, orgId: number, patch: OrganizationPatch): Promise<{ field: (typeof SENDER_FIELDS)[number]; sender: string } | null> {
    for (const field of SENDER_FIELDS) {
      const sender = patch[field];
      if (sender == null) continue;
      const holder = await first(
        tx.orm
          .select({ id: organizations.id })
          .from(organizations)
          .where(
            and(
              ne(organizations.id, orgId),
              or(eq(organizations.smsFrom, sender), eq(organizations.whatsappFrom, sender), eq(organizations.messagingServiceSid, sender)),
            ),
          ),
      );
      if (holder) return { field, sender };
    }
    return null;
  }

  function changesOf(patch: OrganizationPatch): Partial<typeof organizations.$inferInsert> {
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
    for (const field of SENDER_FIELDS) if (patch[field] !== undefined) changes[field] = patch[field];
    return changes;
  }

  return {
    async update(caller: Caller, patch: OrganizationPatch): Promise<OrganizationRow> {
      if (!caller.recruiter.isAdmin) throw new ApiError(403, 'FORBIDDEN', 'Only administrators can change organization settings.');
      const changes = changesOf(patch);
      // One write transaction: the check and the write see the same organisations (the unique indexes are the backstop).
      return db.tx(
        async (tx) => {
          const taken = await takenSender(tx, caller.org.id, patch);
          if (taken) throw new ApiError(409, 'SENDER_TAKEN', `Another organization already sends from ${taken.sender}.`, { field: taken.field });
          const [row] = await tx.orm.update(organizations).set(changes).where(eq(organizations.id, caller.org.id)).returning();
          return row!;
        },
        // Race: two organisations taking the same sender at once. A rare admin action, so one key for all
        // organisations (the unique indexes are the backstop).
        { write: true, locks: [['orgSettings', 0]] },
      );
    },
  };
}

export type OrganizationService = ReturnType<typeof createOrganizationService>;
