import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { ApiError } from '../lib/errors.js';
import { verifyTwilioSignature } from '../lib/twilio-signature.js';
import type { Services } from '../services/index.js';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/**
 * Twilio's webhooks. A request is accepted only if X-Twilio-Signature matches PUBLIC_URL + the
 * path (and query) over every form field received, with our auth token.
 */
export function webhookRoutes({ config }: Deps, services: Services) {
  async function verifiedForm(c: { req: { url: string; header(name: string): string | undefined; text(): Promise<string> } }) {
    const token = config.twilio.authToken;
    if (!token) throw new ApiError(403, 'WEBHOOK_SIGNING_NOT_CONFIGURED', 'TWILIO_AUTH_TOKEN is not set, so no webhook can be verified.');
    // Twilio posts application/x-www-form-urlencoded; parsed directly (a repeated field keeps every value).
    const params: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(await c.req.text())) {
      const seen = params[key];
      params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    const signedUrl = config.publicUrl + pathAndQuery(c.req.url);
    const signature = c.req.header('x-twilio-signature') ?? '';
    if (!verifyTwilioSignature(token, signedUrl, params, signature)) {
      throw new ApiError(403, 'INVALID_SIGNATURE', 'X-Twilio-Signature does not match this request.');
    }
    const flat: Record<string, string> = {};
    for (const [key, value] of Object.entries(params)) flat[key] = Array.isArray(value) ? (value[0] ?? '') : value;
    return flat;
  }

  return new Hono()
    .post('/inbound', async (c) => {
      const form = await verifiedForm(c);
      await services.inbound.receiveInbound('twilio', form);
      return c.body(EMPTY_TWIML, 200, { 'content-type': 'text/xml; charset=utf-8' });
    })
    .post('/status', async (c) => {
      const form = await verifiedForm(c);
      await services.inbound.receiveStatus('twilio', form);
      return c.body(null, 204);
    });
}

/** The path and query of an absolute URL exactly as received (Twilio signed those characters). */
function pathAndQuery(url: string): string {
  const afterScheme = url.indexOf('//');
  const pathStart = url.indexOf('/', afterScheme === -1 ? 0 : afterScheme + 2);
  return pathStart === -1 ? '/' : url.slice(pathStart);
}
