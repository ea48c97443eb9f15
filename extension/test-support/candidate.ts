/**
 * A candidate as the server describes one, for the extension's unit tests: textable by SMS in
 * New York, nothing else known. A test names only what it is about.
 */
import type { Candidate } from '../../shared/api';

export function testCandidate(fields: Partial<Candidate> & Pick<Candidate, 'id' | 'firstName' | 'lastName'>): Candidate {
  return {
    phone: '+12125550100',
    channel: 'sms',
    textable: true,
    reason: null,
    timeZone: 'America/New_York',
    optedOut: false,
    whatsappWindowOpen: true,
    lastInboundAt: null,
    assistant: { active: false, sequenceId: null },
    email: null,
    jobTitle: null,
    location: null,
    consent: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    unreadCount: 0,
    ...fields,
  };
}
