/**
 * The bytes of a picture or file that came with an incoming Twilio text. Twilio's media URLs need
 * HTTP Basic auth (Account SID and Auth Token) and answer with a redirect to short-lived storage
 * on another host. Redirects are followed here, by hand, so the credentials go only to the API's
 * own origin and never to wherever a redirect points (fetch's own redirect handling would keep
 * the header on a cross-origin hop in some runtimes, and says nothing either way in others).
 */
import { ProviderError } from './types.js';

/** Twilio's own limit for the media of one message; a larger answer is refused, not stored. */
export const MEDIA_MAX_BYTES = 5 * 1024 * 1024;
const MAX_REDIRECTS = 5;

export interface MediaFetchOptions {
  /** The origin the credentials belong to (TWILIO_API_BASE_URL's). */
  apiOrigin: string;
  authorization: string;
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  timeoutMs: number;
}

export async function fetchTwilioMedia(url: string, options: MediaFetchOptions): Promise<{ contentType: string; bytes: Buffer }> {
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = current.origin === options.apiOrigin ? { Authorization: options.authorization } : {};
    let res: Response;
    try {
      res = await options.fetch(current.toString(), { headers, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs) });
    } catch (err) {
      throw mediaError('transient', 'NETWORK_ERROR', `Could not fetch the attachment (${err instanceof Error ? err.message : String(err)}).`);
    }
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      await res.body?.cancel();
      if (!location) throw mediaError('permanent', 'MEDIA_REDIRECT', 'The attachment redirected nowhere.');
      current = new URL(location, current);
      if (current.protocol !== 'https:' && current.protocol !== 'http:')
        throw mediaError('permanent', 'MEDIA_REDIRECT', 'The attachment redirected to a non-HTTP address.');
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      const passing = res.status === 429 || res.status >= 500;
      throw mediaError(passing ? 'transient' : 'permanent', String(res.status), `Fetching the attachment was answered HTTP ${res.status}.`);
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > MEDIA_MAX_BYTES) {
      await res.body?.cancel();
      throw tooLarge();
    }
    return { contentType: (res.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase(), bytes: await readCapped(res) };
  }
  throw mediaError('permanent', 'MEDIA_REDIRECT', 'The attachment redirected too many times.');
}

/** The body, refused as soon as it passes the cap (a missing or false Content-Length is not trusted). */
async function readCapped(res: Response): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MEDIA_MAX_BYTES) throw tooLarge();
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

const tooLarge = () => mediaError('permanent', 'MEDIA_TOO_LARGE', `The attachment is larger than ${MEDIA_MAX_BYTES / 1024 / 1024} MB.`);

function mediaError(kind: 'transient' | 'permanent', code: string, message: string): ProviderError {
  return new ProviderError({ kind, reason: 'UNKNOWN', code, message });
}
