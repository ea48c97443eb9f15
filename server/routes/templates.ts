import { asc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { templates } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { serve } from '../lib/contract-routes.js';
import type { AppEnv } from '../lib/http.js';

export function templateRoutes({ db }: Deps) {
  const router = new Hono<AppEnv>();
  serve(router)('templates.list', (c) => {
    const rows = db
      .select({ id: templates.id, name: templates.name, body: templates.body, whatsappApproved: templates.whatsappApproved })
      .from(templates)
      .where(eq(templates.orgId, c.var.caller.org.id))
      .orderBy(asc(templates.name))
      .all();
    return { templates: rows };
  });
  return router;
}
