/**
 * The demo seed: Acme and Globex, their recruiters, templates and candidates from
 * fixtures/demo. Idempotent: what exists is left as it is (a candidate who texted STOP stays
 * opted out), what is missing is added.
 */
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { checkMobile } from '../../shared/phone.js';
import { demoCandidates, demoOrganizations, demoRecruiters, demoTemplates, DEMO_PASSWORD } from '../../fixtures/demo/index.js';
import type { Db } from '../db/client.js';
import { demoSequences } from '../../fixtures/demo/sequences.js';
import { SequenceSchema } from '../../shared/sequences.js';
import { candidates, organizations, recruiters, sequences, templates } from '../db/schema.js';
import { hashPassword } from '../lib/passwords.js';

export interface SeedResult {
  organizations: number;
  recruiters: number;
  candidates: number;
  templates: number;
  sequences: number;
}

export async function seedDemo(db: Db, now = Date.now()): Promise<SeedResult> {
  const added: SeedResult = { organizations: 0, recruiters: 0, candidates: 0, templates: 0, sequences: 0 };
  const orgIds = new Map<string, number>();
  for (const o of demoOrganizations) {
    const existing = db.select().from(organizations).where(eq(organizations.slug, o.key)).get();
    if (existing) {
      orgIds.set(o.key, existing.id);
      continue;
    }
    const row = db
      .insert(organizations)
      .values({
        slug: o.key,
        name: o.name,
        smsEnabled: o.smsEnabled,
        whatsappEnabled: o.whatsappEnabled,
        assistantSubscribed: o.assistantSubscribed,
        defaultTimeZone: o.defaultTimeZone,
        smsFrom: o.smsFrom,
        whatsappFrom: o.whatsappFrom,
        bookingSecret: randomBytes(32).toString('base64url'),
        createdAt: now,
      })
      .returning()
      .get();
    orgIds.set(o.key, row.id);
    added.organizations++;
  }

  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const r of demoRecruiters) {
    const inserted = db
      .insert(recruiters)
      .values({
        orgId: orgIds.get(r.org)!,
        email: r.email,
        name: r.name,
        passwordHash,
        licensed: r.licensed,
        isAdmin: r.isAdmin,
        bookingSlug: r.bookingSlug,
        timeZone: r.timeZone,
        workingHours: r.workingHours,
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: recruiters.id })
      .get();
    if (inserted) added.recruiters++;
  }

  db.transaction(() => {
    for (const t of demoTemplates) {
      const orgId = orgIds.get(t.org)!;
      const exists = db.select({ id: templates.id }).from(templates).where(and(eq(templates.orgId, orgId), eq(templates.name, t.name))).get();
      if (exists) continue;
      db.insert(templates).values({ orgId, name: t.name, body: t.body, whatsappApproved: t.whatsappApproved, createdAt: now }).run();
      added.templates++;
    }
    for (const s of demoSequences) {
      const orgId = orgIds.get(s.org)!;
      const definition = SequenceSchema.parse(s.definition);
      const exists = db.select({ id: sequences.id }).from(sequences).where(and(eq(sequences.orgId, orgId), eq(sequences.name, definition.name))).get();
      if (exists) continue;
      const row = db
        .insert(sequences)
        .values({ orgId, kind: definition.kind, name: definition.name, definition: definition as unknown as Record<string, unknown>, createdAt: now, updatedAt: now })
        .returning({ id: sequences.id })
        .get();
      if (s.primary) db.update(organizations).set({ primarySequenceId: row.id }).where(eq(organizations.id, orgId)).run();
      added.sequences++;
    }
    for (const c of demoCandidates) {
      const mobile = checkMobile(c.phone);
      const inserted = db
        .insert(candidates)
        .values({
          orgId: orgIds.get(c.org)!,
          atsId: c.atsId,
          firstName: c.firstName,
          lastName: c.lastName,
          email: c.email,
          phone: mobile.ok ? mobile.e164 : null,
          consentAt: c.consent ? Date.parse(c.consent.at) : null,
          consentSource: c.consent?.source ?? null,
          optedOutAt: c.optedOut ? Date.parse(c.optedOut.at) : null,
          optOutMethod: c.optedOut?.method ?? null,
          channel: c.channel,
          timeZone: c.timeZone,
          jobTitle: c.jobTitle,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing()
        .returning({ id: candidates.id })
        .get();
      if (inserted) added.candidates++;
    }
  });
  return added;
}
