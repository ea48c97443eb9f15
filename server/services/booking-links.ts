import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A recruiter's booking link for one candidate: /book/<recruiter>?c=<candidate>&t=<token>. The
 * token carries when the link expires and a signature (keyed per organisation) over the
 * recruiter, the candidate and that time, so a link books only for the candidate it was sent to,
 * and only until it expires (a forwarded or leaked link does not stay open for ever).
 */
export function bookingToken(secret: string, recruiterId: number, candidateAtsId: string, expiresAt: number): string {
  const expires = Math.ceil(expiresAt / 1000).toString(36);
  // The signature's fixed 22 characters, then the expiry: a token of URL-safe word characters only.
  return `${signature(secret, recruiterId, candidateAtsId, expires)}${expires}`;
}

const SIGNATURE_LENGTH = 22;

function signature(secret: string, recruiterId: number, candidateAtsId: string, expires: string): string {
  return createHmac('sha256', secret).update(`${recruiterId}:${candidateAtsId}:${expires}`).digest('base64url').slice(0, SIGNATURE_LENGTH);
}

/** 'valid', 'expired' (signed by us, too late), or 'invalid' (not ours, or not for this candidate). */
export function checkBookingToken(secret: string, recruiterId: number, candidateAtsId: string, token: string, now: number): 'valid' | 'expired' | 'invalid' {
  const given = token.slice(0, SIGNATURE_LENGTH);
  const expires = token.slice(SIGNATURE_LENGTH);
  if (given.length !== SIGNATURE_LENGTH || !/^[0-9a-z]{1,12}$/.test(expires)) return 'invalid';
  const expected = Buffer.from(signature(secret, recruiterId, candidateAtsId, expires));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return 'invalid';
  return parseInt(expires, 36) * 1000 <= now ? 'expired' : 'valid';
}

export function calendarLink(
  publicUrl: string,
  org: { bookingSecret: string },
  recruiter: { id: number; bookingSlug: string },
  candidateAtsId: string,
  expiresAt: number,
): string {
  const params = new URLSearchParams({ c: candidateAtsId, t: bookingToken(org.bookingSecret, recruiter.id, candidateAtsId, expiresAt) });
  return `${publicUrl}/book/${recruiter.bookingSlug}?${params}`;
}
