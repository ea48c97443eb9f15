/**
 * Twilio webhook signatures (X-Twilio-Signature), computed and checked with node:crypto only.
 *
 * Twilio signs the full URL it requested (with the query string) followed by every POST
 * parameter's name and value, names sorted, with HMAC-SHA1 keyed by the account's auth token,
 * base64-encoded. A parameter that appears more than once contributes each distinct value,
 * values sorted, each preceded by the name: the rule of the `twilio` package's
 * `getExpectedTwilioSignature` (node_modules/twilio/lib/webhooks/webhooks.js), which this
 * module matches byte for byte.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TwilioSignatureParams = Record<string, string | string[]>;

/** The base64 HMAC-SHA1 signature Twilio sends for a request to `url` with POST `params`. */
export function computeTwilioSignature(authToken: string, url: string, params: TwilioSignatureParams): string {
  let data = url;
  // Default sort (UTF-16 code units), as Twilio's reference implementation does.
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    if (Array.isArray(value)) {
      for (const v of Array.from(new Set(value)).sort()) data += name + v;
    } else {
      data += name + (value ?? '');
    }
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Whether `signatureHeader` is Twilio's signature for this request. Tries the URL as received,
 * then without and with its scheme's default port (Twilio may have signed either, as its own
 * `validateRequest` allows). Each comparison is constant-time; stopping at the first match only
 * tells a caller which form of the URL was signed, which is no secret.
 */
export function verifyTwilioSignature(authToken: string, url: string, params: TwilioSignatureParams, signatureHeader: string | null | undefined): boolean {
  if (!authToken || !signatureHeader) return false;
  const given = Buffer.from(signatureHeader, 'utf-8');
  const matches = (candidate: string) => {
    const expected = Buffer.from(computeTwilioSignature(authToken, candidate, params), 'utf-8');
    // Length is fixed by the algorithm (28 base64 chars) and not secret: checking it first is safe.
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  if (matches(url)) return true;
  const other = [removePort(url), addPort(url)].filter((u) => u !== url);
  return other.some(matches);
}

interface UrlParts {
  scheme: string;
  userInfo: string;
  host: string;
  port: string;
  rest: string;
}

/** Splits a URL without normalising it, so the path and query keep the characters Twilio signed. */
function splitUrl(url: string): UrlParts | null {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return null;
  const [prefix, scheme, authority] = match as unknown as [string, string, string];
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // A colon starts the port only after the closing bracket of an IPv6 literal.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

function removePort(url: string): string {
  const p = splitUrl(url);
  return p ? p.scheme + p.userInfo + p.host + p.rest : url;
}

function addPort(url: string): string {
  const p = splitUrl(url);
  if (!p || p.port) return url;
  const port = p.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return p.scheme + p.userInfo + p.host + port + p.rest;
}
