import { and, asc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { SequenceSchema } from '../../shared/sequences.js';
import type { sequences } from '../db/schema.js';
import { first, type Db } from '../db/types.js';
import type { Deps } from '../deps.js';
import { ApiError, notFound } from '../lib/errors.js';
import { serve } from '../lib/contract-routes.js';
import type { AppEnv } from '../lib/http.js';

type SequenceRow = typeof sequences.$inferSelect;

/** The organisation's sequences for Ari; administrators create and edit them. */
export function sequenceRoutes({ db, clock }: Deps) {
  const { organizations, sequences } = db.t;
  const json = (row: SequenceRow, primaryId: number | null) => ({
    id: row.id,
    name: row.name,
    kind: row.kind,
    primary: row.id === primaryId,
    description: (row.definition as { description?: string }).description ?? null,
    definition: row.definition,
    updatedAt: new Date(row.updatedAt).toISOString(),
  });

  /** A malformed sequence is a 400 that says exactly what is wrong. */
  function parse(definition: unknown) {
    const result = SequenceSchema.safeParse(definition);
    if (!result.success) {
      const problems = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
      throw new ApiError(400, 'VALIDATION', `This sequence is not valid: ${problems.slice(0, 5).join(' ')}`, { problems });
    }
    return result.data;
  }

  function requireAdmin(isAdmin: boolean) {
    if (!isAdmin) throw new ApiError(403, 'FORBIDDEN', 'Only administrators can create or change sequences.');
  }

  async function setPrimary(tx: Db, orgId: number, id: number, kind: string) {
    if (kind !== 'inbound') throw new ApiError(400, 'VALIDATION', 'Only an inbound sequence can be the primary one.');
    await tx.orm.update(organizations).set({ primarySequenceId: id }).where(eq(organizations.id, orgId));
  }

  const router = new Hono<AppEnv>();
  const on = serve(router);
  on('sequences.list', async (c) => {
    const { org } = c.var.caller;
    if (!org.assistantSubscribed) return { sequences: [] };
    const rows = await db.orm.select().from(sequences).where(eq(sequences.orgId, org.id)).orderBy(asc(sequences.kind), asc(sequences.name));
    return { sequences: rows.map((r) => json(r, org.primarySequenceId)) };
  });
  on('sequences.create', async (c, { body }) => {
    const { org, recruiter } = c.var.caller;
    requireAdmin(recruiter.isAdmin);
    if (!org.assistantSubscribed) throw new ApiError(403, 'ASSISTANT_NOT_SUBSCRIBED', 'Your organization does not subscribe to the digital assistant.');
    const { definition, primary } = body;
    const seq = parse(definition);
    // Refused before anything is written: a 400 must leave no sequence behind.
    if (primary && seq.kind !== 'inbound') throw new ApiError(400, 'VALIDATION', 'Only an inbound sequence can be the primary one.');
    const now = clock.now();
    // The sequence and its place as the primary one are saved together.
    const row = await db.tx(async (tx) => {
      const [inserted] = await tx.orm
        .insert(sequences)
        .values({ orgId: org.id, kind: seq.kind, name: seq.name, definition: seq as unknown as Record<string, unknown>, createdAt: now, updatedAt: now })
        .returning();
      if (primary) await setPrimary(tx, org.id, inserted!.id, inserted!.kind);
      return inserted!;
    });
    return json(row, primary ? row.id : org.primarySequenceId);
  });
  on('sequences.update', async (c, { params: { id }, body }) => {
    const { org, recruiter } = c.var.caller;
    requireAdmin(recruiter.isAdmin);
    const existing = await first(
      db.orm
        .select()
        .from(sequences)
        .where(and(eq(sequences.id, id), eq(sequences.orgId, org.id))),
    );
    if (!existing) throw notFound('Sequence');
    const { definition, primary } = body;
    const seq = parse(definition);
    if (org.primarySequenceId === id && seq.kind !== 'inbound') throw new ApiError(400, 'VALIDATION', 'The primary sequence must stay an inbound sequence.');
    if (primary && seq.kind !== 'inbound') throw new ApiError(400, 'VALIDATION', 'Only an inbound sequence can be the primary one.');
    const row = await db.tx(async (tx) => {
      const [updated] = await tx.orm
        .update(sequences)
        .set({ kind: seq.kind, name: seq.name, definition: seq as unknown as Record<string, unknown>, updatedAt: clock.now() })
        .where(eq(sequences.id, id))
        .returning();
      if (primary) await setPrimary(tx, org.id, updated!.id, updated!.kind);
      return updated!;
    });
    return json(row, primary ? row.id : org.primarySequenceId);
  });
  return router;
}
