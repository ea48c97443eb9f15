import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { AtsIdSchema, CandidateQuerySchema, CandidateUpsertSchema, ConsentInputSchema } from '../../shared/api.js';
import { ApiError, validation } from '../lib/errors.js';
import { validate, type AppEnv } from '../lib/http.js';
import type { Actor } from '../services/auth.js';
import type { Services } from '../services/index.js';

/** Integration keys and administrators write candidate data; licensed recruiters may add one the server doesn't know (capture). */
function requireWriter(actor: Actor): void {
  if (actor.type === 'key' || actor.recruiter.isAdmin) return;
  throw new ApiError(403, 'FORBIDDEN', 'Only administrators and integration keys can change candidate data.');
}

function atsIdParam(c: Context<AppEnv>): string {
  const parsed = AtsIdSchema.safeParse(c.req.param('id'));
  if (!parsed.success) throw validation(`atsId: ${parsed.error.issues[0]!.message}`, { field: 'atsId' });
  return parsed.data;
}

/**
 * The candidate endpoints, open to recruiters and to integration keys alike (everything else is
 * closed to keys): look-up and search, one candidate, the upsert, consent history, erasure and
 * bulk import.
 */
export function candidateDataRoutes(services: Services) {
  return new Hono<AppEnv>()
    .get('/candidates', validate('query', CandidateQuerySchema), (c) => {
      const { ids, query, limit, cursor } = c.req.valid('query');
      const { org } = c.var.actor;
      if (ids) return c.json(services.candidates.lookup(org, ids));
      return c.json(services.candidates.search(org, query, limit, cursor));
    })
    .post('/candidates/import', async (c) => {
      const actor = c.var.actor;
      requireWriter(actor);
      const body = c.req.raw.body ? Readable.fromWeb(c.req.raw.body as import('node:stream/web').ReadableStream<Uint8Array>) : null;
      const { status } = await services.imports.start(actor.org, { type: actor.type, name: actor.name }, c.req.header('content-type'), body);
      return c.json(status, 202);
    })
    .get('/imports/:importId', (c) => c.json(services.imports.get(c.var.actor.org, c.req.param('importId'))))
    .get('/candidates/:id', (c) => {
      const { org } = c.var.actor;
      const candidate = services.candidates.get(org, c.req.param('id'));
      return c.json(services.candidates.serialize(candidate, org, services.candidates.conversationOf(candidate.id)));
    })
    .put('/candidates/:id', validate('json', CandidateUpsertSchema), (c) => {
      const actor = c.var.actor;
      const atsId = atsIdParam(c);
      const { org } = actor;
      if (actor.type === 'recruiter' && !actor.recruiter.isAdmin) {
        // Capture from the host page: a licensed recruiter adds someone the server does not know yet.
        if (!actor.recruiter.licensed) throw new ApiError(403, 'NOT_LICENSED', 'You need a Text Engagement licence to add candidates.');
        if (services.candidates.exists(org, atsId)) {
          throw new ApiError(403, 'FORBIDDEN', 'This candidate is already in Text Engagement; only administrators (or the ATS sync) can change their data.');
        }
      }
      const { outcome, candidate } = services.sync.upsert(org, atsId, c.req.valid('json'), { type: actor.type, name: actor.name });
      if (outcome !== 'unchanged') services.changes.changed(org.id, [candidate.atsId]);
      return c.json(services.candidates.serialize(candidate, org, services.candidates.conversationOf(candidate.id)), outcome === 'created' ? 201 : 200);
    })
    .delete('/candidates/:id', (c) => {
      const actor = c.var.actor;
      requireWriter(actor);
      const atsId = c.req.param('id');
      services.erasure.erase(actor.org, atsId);
      services.changes.changed(actor.org.id, [atsId]);
      return c.body(null, 204);
    })
    .post('/candidates/:id/consent', validate('json', ConsentInputSchema), (c) => {
      const actor = c.var.actor;
      // Recruiters record what candidates tell them; only licensed ones, as only they text.
      if (actor.type === 'recruiter' && !actor.recruiter.isAdmin && !actor.recruiter.licensed) {
        throw new ApiError(403, 'NOT_LICENSED', 'You need a Text Engagement licence to record consent.');
      }
      const { org } = actor;
      const { changed, candidate } = services.sync.stateConsent(org, c.req.param('id'), c.req.valid('json'), { type: actor.type, name: actor.name });
      if (changed) services.changes.changed(org.id, [candidate.atsId]);
      return c.json(services.candidates.serialize(candidate, org, services.candidates.conversationOf(candidate.id)));
    })
    .get('/candidates/:id/consent', (c) => {
      const atsId = c.req.param('id');
      return c.json({ candidateId: atsId, records: services.sync.consentHistory(c.var.actor.org, atsId) });
    });
}
