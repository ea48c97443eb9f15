import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A recruiter's booking link for one candidate: /book/<recruiter>?c=<candidate>&t=<signature>.
 * The signature (keyed per organisation) means a link books only for the candidate it was sent to.
 */
export function bookingToken(secret: string, recruiterId: number, candidateAtsId: string): string {
  return createHmac('sha256', secret).update(`${recruiterId}:${candidateAtsId}`).digest('base64url').slice(0, 22);
}

export function verifyBookingToken(secret: string, recruiterId: number, candidateAtsId: string, token: string): boolean {
  const expected = Buffer.from(bookingToken(secret, recruiterId, candidateAtsId));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function calendarLink(
  publicUrl: string,
  org: { bookingSecret: string },
  recruiter: { id: number; bookingSlug: string },
  candidateAtsId: string,
): string {
  const params = new URLSearchParams({ c: candidateAtsId, t: bookingToken(org.bookingSecret, recruiter.id, candidateAtsId) });
  return `${publicUrl}/book/${recruiter.bookingSlug}?${params}`;
}
