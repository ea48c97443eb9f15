/**
 * Old demo databases switched to PROVIDER=twilio keep the simulator's sender numbers on their
 * organisations, and an organisation's number wins over TWILIO_SMS_FROM: Twilio would refuse every
 * text from a number the account does not own. Start-up names them (README "Senders").
 */
import { demoOrganizations } from '../../fixtures/demo/index.js';
import type { Db } from '../db/client.js';

export async function simulatorSenderWarnings(db: Db, simulator: { smsFrom: string; whatsappFrom: string }): Promise<string[]> {
  const { organizations } = db.t;
  const fake = new Set<string>([simulator.smsFrom, simulator.whatsappFrom]);
  for (const o of demoOrganizations) for (const n of [o.smsFrom, o.whatsappFrom]) if (n) fake.add(n);
  // In the order the organisations were created, on every engine (PostgreSQL returns an updated row last).
  const orgs = await db.orm
    .select({ name: organizations.name, smsFrom: organizations.smsFrom, whatsappFrom: organizations.whatsappFrom })
    .from(organizations)
    .orderBy(organizations.id);
  return orgs.flatMap((o) =>
    [o.smsFrom, o.whatsappFrom]
      .filter((n): n is string => n != null && fake.has(n))
      .map((n) => `Warning: ${o.name} sends from ${n}, a simulator number; clear it (PATCH /api/organization) or set the account's own number.`),
  );
}
