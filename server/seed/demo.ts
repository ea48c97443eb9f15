/**
 * The demo seed: Acme and Globex, their recruiters, templates and sequences, and their candidates
 * imported from the ATS exports in fixtures/demo (acme.csv, globex.csv) through the same import
 * as POST /api/candidates/import. Idempotent: what exists is left as it is, the import changes
 * nothing it already said (and never overrides a candidate's own STOP), what is missing is added.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { createReadStream } from 'node:fs';
import { DEMO_REFERENCE_DATE, demoCsvFile, demoOrganizations, demoRecruiters, demoTemplates, DEMO_PASSWORD } from '../../fixtures/demo/index.js';
import type { Db } from '../db/client.js';
import { demoSequences } from '../../fixtures/demo/sequences.js';
import { mergeFieldsIn } from '../../shared/merge-fields.js';
import { SequenceSchema } from '../../shared/sequences.js';
import type { ProviderName } from '../providers/config.js';
import { organizations, recruiters, sequences, templates } from '../db/schema.js';
import { silentLogger } from '../deps.js';
import { hashPassword } from '../lib/passwords.js';
import { createCandidateSync } from '../services/candidate-sync.js';
import { createImportService } from '../services/imports.js';
import { createPhoneOptOuts } from '../services/phone-opt-outs.js';

export interface SeedResult {
  organizations: number;
  recruiters: number;
  candidates: number;
  templates: number;
  sequences: number;
}

/**
 * The simulator's stand-in for a Content SID of an approved WhatsApp template: deterministic (the
 * same demo template gets the same id on every machine), shaped like Twilio's `HX` + 32 hex.
 */
export function demoContentSid(org: string, name: string): string {
  return 'HX' + createHash('sha256').update(`demo-content:${org}:${name}`).digest('hex').slice(0, 32);
}

/** Content variables `{"1": "firstName", "2": …}` in the order the body uses its merge fields. */
function demoContentVariables(body: string): Record<string, string> {
  return Object.fromEntries(mergeFieldsIn(body).map((field, i) => [String(i + 1), field]));
}

/**
 * `provider`: with Twilio the demo organisations get no sender numbers (the simulator's would
 * override the account's own, which Twilio refuses) and no content SIDs (a real account's must be
 * pasted in by an administrator); with the simulator, both.
 */
export async function seedDemo(db: Db, now = Date.now(), options: { provider?: ProviderName } = {}): Promise<SeedResult> {
  const simulated = (options.provider ?? 'simulator') === 'simulator';
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
        smsFrom: simulated ? o.smsFrom : null,
        whatsappFrom: simulated ? o.whatsappFrom : null,
        bookingSecret: randomBytes(32).toString('base64url'),
        privacySecret: randomBytes(32).toString('hex'),
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
      const exists = db
        .select({ id: templates.id })
        .from(templates)
        .where(and(eq(templates.orgId, orgId), eq(templates.name, t.name)))
        .get();
      if (exists) continue;
      const approved = simulated && t.whatsappApproved;
      db.insert(templates)
        .values({
          orgId,
          name: t.name,
          body: t.body,
          contentSid: approved ? demoContentSid(t.org, t.name) : null,
          contentVariables: approved ? demoContentVariables(t.body) : null,
          createdAt: now,
          updatedAt: now,
        })
        .run();
      added.templates++;
    }
    for (const s of demoSequences) {
      const orgId = orgIds.get(s.org)!;
      const definition = SequenceSchema.parse(s.definition);
      const exists = db
        .select({ id: sequences.id })
        .from(sequences)
        .where(and(eq(sequences.orgId, orgId), eq(sequences.name, definition.name)))
        .get();
      if (exists) continue;
      const row = db
        .insert(sequences)
        .values({
          orgId,
          kind: definition.kind,
          name: definition.name,
          definition: definition as unknown as Record<string, unknown>,
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: sequences.id })
        .get();
      if (s.primary) db.update(organizations).set({ primarySequenceId: row.id }).where(eq(organizations.id, orgId)).run();
      added.sequences++;
    }
  });

  // Candidates arrive the way a real ATS's do: its CSV export, through the import.
  // The exports are dated at the demo's reference date: a clock behind it (a test pinned to an
  // earlier day) would read their consent times as being in the future.
  const importedAt = Math.max(now, Date.parse(DEMO_REFERENCE_DATE));
  const clock = { now: () => importedAt, setTimeout: () => () => undefined };
  const optOuts = createPhoneOptOuts({ db });
  const sync = createCandidateSync({ db, clock }, optOuts);
  const imports = createImportService({ db, clock, log: silentLogger }, { sync, changes: { changed() {} } });
  for (const o of demoOrganizations) {
    const org = db
      .select()
      .from(organizations)
      .where(eq(organizations.id, orgIds.get(o.key)!))
      .get()!;
    const { status, done } = await imports.start(org, { type: 'system', name: 'Demo seed (ATS export)' }, 'text/csv', createReadStream(demoCsvFile(o.key)));
    await done;
    const result = imports.get(org, status.importId);
    if (result.status !== 'done' || result.failed) throw new Error(`The demo import for ${o.key} failed: ${JSON.stringify(result.errors.slice(0, 3))}`);
    added.candidates += result.created;
  }
  return added;
}
