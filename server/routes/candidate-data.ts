import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { ApiError } from '../lib/errors.js';
import { serve, withStatus } from '../lib/contract-routes.js';
import type { AppEnv } from '../lib/http.js';
import type { Actor } from '../services/auth.js';
import type { Services } from '../services/index.js';

/** Integration keys and administrators write candidate data; licensed recruiters may add one the server doesn't know (capture). */
function requireWriter(actor: Actor): void {
  if (actor.type === 'key' || actor.recruiter.isAdmin) return;
  throw new ApiError(403, 'FORBIDDEN', 'Only administrators and integration keys can change candidate data.');
}

/**
 * The candidate endpoints, open to recruiters and to integration keys alike (everything else is
 * closed to keys): look-up and search, one candidate, the upsert, consent history, erasure and
 * bulk import.
 */
export function candidateDataRoutes(services: Services) {
  const router = new Hono<AppEnv>();
  const on = serve(router);
  on('candidates.search', (c, { query: { ids, query, limit, cursor } }) => {
    const { org } = c.var.actor;
    if (ids) return services.candidates.lookup(org, ids);
    return services.candidates.search(org, query, limit, cursor);
  });
  on('candidates.import', async (c) => {
    const actor = c.var.actor;
    requireWriter(actor);
    const body = c.req.raw.body ? Readable.fromWeb(c.req.raw.body as import('node:stream/web').ReadableStream<Uint8Array>) : null;
    const { status } = await services.imports.start(actor.org, { type: actor.type, name: actor.name }, c.req.header('content-type'), body);
    return status;
  });
  on('imports.get', (c, { params }) => services.imports.get(c.var.actor.org, params.importId));
  on('candidates.get', async (c, { params }) => {
    const { org } = c.var.actor;
    const candidate = await services.candidates.get(org, params.id);
    return services.candidates.serialize(candidate, org, await services.candidates.conversationOf(candidate.id));
  });
  on('candidates.upsert', async (c, { params, body }) => {
    const actor = c.var.actor;
    const atsId = params.id;
    const { org } = actor;
    // Capture from the host page: a licensed recruiter adds someone the server does not know yet.
    const capture = actor.type === 'recruiter' && !actor.recruiter.isAdmin;
    if (capture && !actor.recruiter.licensed) throw new ApiError(403, 'NOT_LICENSED', 'You need a Text Engagement licence to add candidates.');
    const { outcome, candidate } = await services.sync.upsert(org, atsId, body, { type: actor.type, name: actor.name }, { onlyNew: capture });
    if (outcome !== 'unchanged') services.changes.changed(org.id, [candidate.atsId]);
    const json = services.candidates.serialize(candidate, org, await services.candidates.conversationOf(candidate.id));
    return outcome === 'created' ? json : withStatus(200, json);
  });
  on('candidates.erase', async (c, { params }) => {
    const actor = c.var.actor;
    requireWriter(actor);
    await services.erasure.erase(actor.org, params.id);
    services.changes.changed(actor.org.id, [params.id]);
    return null;
  });
  on('candidates.consent', async (c, { params, body }) => {
    const actor = c.var.actor;
    // Recruiters record what candidates tell them; only licensed ones, as only they text.
    if (actor.type === 'recruiter' && !actor.recruiter.isAdmin && !actor.recruiter.licensed) {
      throw new ApiError(403, 'NOT_LICENSED', 'You need a Text Engagement licence to record consent.');
    }
    const { org } = actor;
    const { changed, candidate } = await services.sync.stateConsent(org, params.id, body, { type: actor.type, name: actor.name });
    if (changed) services.changes.changed(org.id, [candidate.atsId]);
    return services.candidates.serialize(candidate, org, await services.candidates.conversationOf(candidate.id));
  });
  on('candidates.consentHistory', async (c, { params }) => ({
    candidateId: params.id,
    records: await services.sync.consentHistory(c.var.actor.org, params.id),
  }));
  return router;
}
