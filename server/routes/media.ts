import { Hono } from 'hono';
import { serve } from '../lib/contract-routes.js';
import type { AppEnv } from '../lib/http.js';
import { INLINE_IMAGE_TYPES, type MediaService } from '../services/media.js';

/**
 * GET /api/media/:id: bytes a candidate sent, served from our origin. They are anyone's bytes, so
 * nothing here lets them act as a page: only the four picture types are served as what they say
 * they are (and shown inline); everything else is a download of opaque bytes. nosniff stops a
 * browser guessing otherwise, the sandbox CSP keeps a document opened directly from running
 * anything, and private keeps shared caches from holding another organisation's files.
 */
export function mediaRoutes(services: { media: MediaService }) {
  const router = new Hono<AppEnv>();
  serve(router)('media.get', async (c, { params }) => {
    const file = await services.media.file(c.var.caller.org.id, params.id);
    const image = INLINE_IMAGE_TYPES.has(file.contentType);
    const headers: Record<string, string> = {
      'Content-Type': image ? file.contentType : 'application/octet-stream',
      'Content-Disposition': image ? 'inline' : `attachment; filename="attachment-${params.id}"`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': 'sandbox',
      'Cache-Control': 'private, max-age=86400',
      'Content-Length': String(file.bytes.length),
    };
    return new Response(new Uint8Array(file.bytes), { status: 200, headers });
  });
  return router;
}
