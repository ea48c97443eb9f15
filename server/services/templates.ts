/**
 * Message templates: a name, a body with merge fields, and optionally the provider's approved
 * WhatsApp content (`contentSid`) with its variables mapped to merge fields. Everyone reads them;
 * administrators write them. Deleting keeps the row (texts and campaign messages sent from it keep
 * their meaning); names are unique among an organisation's live templates.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Template } from '../../shared/api.js';
import { MERGE_FIELDS, unknownMergeFields } from '../../shared/merge-fields.js';
import type { templates } from '../db/schema.js';
import { first } from '../db/types.js';
import type { Deps } from '../deps.js';
import { ApiError, notFound, validation } from '../lib/errors.js';
import type { Caller } from './auth.js';
import { refuseOverlongBody } from './message-body.js';

type TemplateRow = typeof templates.$inferSelect;

export interface TemplateInput {
  name: string;
  body: string;
  contentSid?: string | null;
  contentVariables?: Record<string, string> | null;
}

export function templateJson(row: TemplateRow): Template {
  return {
    id: row.id,
    name: row.name,
    body: row.body,
    contentSid: row.contentSid,
    contentVariables: row.contentSid ? (row.contentVariables ?? {}) : null,
    whatsappApproved: row.contentSid != null,
  };
}

function requireAdmin(caller: Caller): void {
  if (!caller.recruiter.isAdmin) throw new ApiError(403, 'FORBIDDEN', 'Only administrators can change templates.');
}

/** The body's checks every sender applies (length, known merge fields), plus not empty. */
function checkBody(body: string): void {
  refuseOverlongBody(body);
  if (!body.trim()) throw validation('Write the template’s text: the body is empty.');
  const unknown = unknownMergeFields(body);
  if (unknown.length) {
    throw validation(`Unknown merge field${unknown.length > 1 ? 's' : ''}: ${unknown.map((f) => `{{${f}}}`).join(', ')}.`, { unknownFields: unknown });
  }
}

/** Each content variable names a merge field whose value fills it per candidate. */
function checkContentVariables(variables: Record<string, string>): void {
  const unknown = Object.entries(variables).filter(([, field]) => !(MERGE_FIELDS as readonly string[]).includes(field));
  if (unknown.length) {
    throw validation(
      `Content variable${unknown.length > 1 ? 's' : ''} ${unknown.map(([k, f]) => `{{${k}}} → "${f}"`).join(', ')}: map each to a merge field (${MERGE_FIELDS.join(', ')}).`,
      { unknownFields: unknown.map(([, f]) => f) },
    );
  }
}

export function createTemplateService(deps: Deps) {
  const { db, clock, provider, log } = deps;
  const { templates } = db.t;

  async function live(orgId: number, id: number): Promise<TemplateRow> {
    const row = await first(
      db.orm
        .select()
        .from(templates)
        .where(and(eq(templates.id, id), eq(templates.orgId, orgId), isNull(templates.deletedAt))),
    );
    if (!row) throw notFound('Template');
    return row;
  }

  /** The provider must know the content (a SID from another account, or a typo, fails every send). */
  async function checkContentSid(sid: string): Promise<void> {
    if (!provider.checkContent) return;
    const found = await provider.checkContent(sid);
    if (found === 'unknown') {
      // Unreachable now: keep the admin's SID (a wrong one fails its sends visibly, by Twilio's code).
      log.warn('could not check a WhatsApp content SID with the provider', { contentSid: sid });
      return;
    }
    if (!found.exists) {
      throw new ApiError(400, 'CONTENT_NOT_FOUND', `The provider account has no content ${sid}: copy the SID from its Content Template Builder.`);
    }
  }

  const taken = (name: string) => new ApiError(409, 'TEMPLATE_NAME_TAKEN', `A template named "${name}" already exists.`);

  return {
    /** The organisation's live templates, by name. */
    async list(caller: Caller): Promise<Template[]> {
      const rows = await db.orm
        .select()
        .from(templates)
        .where(and(eq(templates.orgId, caller.org.id), isNull(templates.deletedAt)))
        .orderBy(asc(templates.name));
      return rows.map(templateJson);
    },

    /** A live template of the organisation, for a send (404 otherwise). */
    get(orgId: number, id: number): Promise<TemplateRow> {
      return live(orgId, id);
    },

    async create(caller: Caller, input: TemplateInput): Promise<Template> {
      requireAdmin(caller);
      checkBody(input.body);
      const contentSid = input.contentSid ?? null;
      const contentVariables = contentSid ? (input.contentVariables ?? {}) : null;
      if (contentVariables) checkContentVariables(contentVariables);
      if (contentSid) await checkContentSid(contentSid);
      const now = clock.now();
      try {
        const [row] = await db.orm
          .insert(templates)
          .values({ orgId: caller.org.id, name: input.name, body: input.body, contentSid, contentVariables, createdAt: now, updatedAt: now })
          .returning();
        return templateJson(row!);
      } catch (err) {
        if (db.isUniqueViolation(err)) throw taken(input.name);
        throw err;
      }
    },

    async update(caller: Caller, id: number, patch: Partial<TemplateInput>): Promise<Template> {
      requireAdmin(caller);
      const current = await live(caller.org.id, id);
      if (patch.body !== undefined) checkBody(patch.body);
      const contentSid = patch.contentSid !== undefined ? patch.contentSid : current.contentSid;
      const contentVariables = contentSid ? (patch.contentVariables !== undefined ? (patch.contentVariables ?? {}) : (current.contentVariables ?? {})) : null;
      if (contentVariables) checkContentVariables(contentVariables);
      if (contentSid && contentSid !== current.contentSid) await checkContentSid(contentSid);
      try {
        const [row] = await db.orm
          .update(templates)
          .set({ name: patch.name ?? current.name, body: patch.body ?? current.body, contentSid, contentVariables, updatedAt: clock.now() })
          .where(and(eq(templates.id, id), eq(templates.orgId, caller.org.id), isNull(templates.deletedAt)))
          .returning();
        if (!row) throw notFound('Template');
        return templateJson(row);
      } catch (err) {
        if (db.isUniqueViolation(err)) throw taken(patch.name ?? current.name);
        throw err;
      }
    },

    async delete(caller: Caller, id: number): Promise<void> {
      requireAdmin(caller);
      // One statement: a template deleted meanwhile is a 404, as one never there.
      const [removed] = await db.orm
        .update(templates)
        .set({ deletedAt: clock.now() })
        .where(and(eq(templates.id, id), eq(templates.orgId, caller.org.id), isNull(templates.deletedAt)))
        .returning({ id: templates.id });
      if (!removed) throw notFound('Template');
    },
  };
}

export type TemplateService = ReturnType<typeof createTemplateService>;
