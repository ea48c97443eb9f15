/**
 * The demo seed: Acme and Globex, their recruiters, templates and sequences, and their candidates
 * imported from the ATS exports in fixtures/demo (acme.csv, globex.csv) through the same import
 * as POST /api/candidates/import. Idempotent: what exists is left as it is, the import changes
 * nothing it already said (and never overrides a candidate's own STOP), what is missing is added.
 */
import { createHash, randomBytes } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { createReadStream } from 'node:fs';
import { DEMO_REFERENCE_DATE, demoCsvFile, demoOrganizations, demoRecruiters, demoTemplates, DEMO_PASSWORD } from '../../fixtures/demo/index.js';
import type { Db } from '../db/client.js';
import { demoSequences } from '../../fixtures/demo/sequences.js';
import { mergeFieldsIn } from '../../shared/merge-fields.js';
import { SequenceSchema } from '../../shared/sequences.js';
import type { ProviderName } from '../providers/config.js';
import { first } from '../db/types.js';
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
  const { organizations, recruiters, sequences, templates } = db.t;
  const added: SeedResult = { organizations: 0, recruiters: 0, candidates: 0, templates: 0, sequences: 0 };
  // Hashed before the transaction: only database calls may be awaited inside one.
  const passwordHash = await hashPassword(DEMO_PASSWORD);

  // One transaction, a statement per table: tests seed a fresh database each.
  const orgIds = await db.tx(
    async (tx) => {
      const insertedOrgs = await tx.orm
        .insert(organizations)
        .values(
          demoOrganizations.map((o) => ({
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
          })),
        )
        .onConflictDoNothing({ target: organizations.slug })
        .returning({ id: organizations.id });
      added.organizations = insertedOrgs.length;
      const orgRows = await tx.orm
        .select({ id: organizations.id, slug: organizations.slug })
        .from(organizations)
        .where(
          inArray(
            organizations.slug,
            demoOrganizations.map((o) => o.key),
          ),
        );
      const ids = new Map(orgRows.map((o) => [o.slug, o.id]));

      const insertedRecruiters = await tx.orm
        .insert(recruiters)
        .values(
          demoRecruiters.map((r) => ({
            orgId: ids.get(r.org)!,
            email: r.email,
            name: r.name,
            passwordHash,
            licensed: r.licensed,
            isAdmin: r.isAdmin,
            bookingSlug: r.bookingSlug,
            timeZone: r.timeZone,
            workingHours: r.workingHours,
            createdAt: now,
          })),
        )
        .onConflictDoNothing()
        .returning({ id: recruiters.id });
      added.recruiters = insertedRecruiters.length;

      // A template or sequence of the same name (deleted ones included) is left as it is.
      const orgIdList = [...ids.values()];
      const namedKey = (orgId: number, name: string) => `${orgId}:${name}`;
      const existingTemplates = new Set(
        (await tx.orm.select({ orgId: templates.orgId, name: templates.name }).from(templates).where(inArray(templates.orgId, orgIdList))).map((t) =>
          namedKey(t.orgId, t.name),
        ),
      );
      const newTemplates = demoTemplates.filter((t) => !existingTemplates.has(namedKey(ids.get(t.org)!, t.name)));
      if (newTemplates.length) {
        await tx.orm.insert(templates).values(
          newTemplates.map((t) => {
            const approved = simulated && t.whatsappApproved;
            return {
              orgId: ids.get(t.org)!,
              name: t.name,
              body: t.body,
              contentSid: approved ? demoContentSid(t.org, t.name) : null,
              contentVariables: approved ? demoContentVariables(t.body) : null,
              createdAt: now,
              updatedAt: now,
            };
          }),
        );
      }
      added.templates = newTemplates.length;

      const existingSequences = new Set(
        (await tx.orm.select({ orgId: sequences.orgId, name: sequences.name }).from(sequences).where(inArray(sequences.orgId, orgIdList))).map((q) =>
          namedKey(q.orgId, q.name),
        ),
      );
      const newSequences = demoSequences
        .map((s) => ({ ...s, orgId: ids.get(s.org)!, definition: SequenceSchema.parse(s.definition) }))
        .filter((s) => !existingSequences.has(namedKey(s.orgId, s.definition.name)));
      if (newSequences.length) {
        const rows = await tx.orm
          .insert(sequences)
          .values(
            newSequences.map((s) => ({
              orgId: s.orgId,
              kind: s.definition.kind,
              name: s.definition.name,
              definition: s.definition as unknown as Record<string, unknown>,
              createdAt: now,
              updatedAt: now,
            })),
          )
          .returning({ id: sequences.id, orgId: sequences.orgId, name: sequences.name });
        const idOf = new Map(rows.map((r) => [namedKey(r.orgId, r.name), r.id]));
        for (const s of newSequences.filter((q) => q.primary)) {
          await tx.orm
            .update(organizations)
            .set({ primarySequenceId: idOf.get(namedKey(s.orgId, s.definition.name))! })
            .where(eq(organizations.id, s.orgId));
        }
      }
      added.sequences = newSequences.length;
      return ids;
    },
    // Race: two seeds at once both finding an organisation missing and creating it twice. Run by hand, rarely.
    { write: true, locks: [['startup', 'seed']] },
  );

  // Candidates arrive the way a real ATS's do: its CSV export, through the import.
  // The exports are dated at the demo's reference date: a clock behind it (a test pinned to an
  // earlier day) would read their consent times as being in the future.
  const importedAt = Math.max(now, Date.parse(DEMO_REFERENCE_DATE));
  const clock = { now: () => importedAt, setTimeout: () => () => undefined };
  const optOuts = createPhoneOptOuts({ db });
  const sync = createCandidateSync({ db, clock }, optOuts);
  const imports = createImportService({ db, clock, log: silentLogger }, { sync, changes: { changed() {} } });
  for (const o of demoOrganizations) {
    const org = (await first(
      db.orm
        .select()
        .from(organizations)
        .where(eq(organizations.id, orgIds.get(o.key)!)),
    ))!;
    const { status, done } = await imports.start(org, { type: 'system', name: 'Demo seed (ATS export)' }, 'text/csv', createReadStream(demoCsvFile(o.key)));
    await done;
    const result = await imports.get(org, status.importId);
    if (result.status !== 'done' || result.failed) throw new Error(`The demo import for ${o.key} failed: ${JSON.stringify(result.errors.slice(0, 3))}`);
    added.candidates += result.created;
  }
  return added;
}
