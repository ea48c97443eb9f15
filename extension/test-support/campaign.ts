/**
 * A campaign, one of its messages and a Review as the server describes them, for the extension's
 * unit tests: a draft campaign "Pickers" (7) with 3 recipients, 2 eligible; a draft message (11);
 * a Review of one segment each, sending at once. A test names only what it is about.
 */
import type { CampaignDetail, CampaignMessage, Review } from '../../shared/api';

const AT = '2026-11-28T10:00:00.000Z';

export const testCampaignStats = {
  recipients: 3,
  queued: 0,
  sent: 0,
  delivered: 0,
  failed: 0,
  unknown: 0,
  skipped: {},
  replied: 0,
  optedOut: 0,
  total: 0,
  done: 0,
};

export function testCampaign(patch: Partial<CampaignDetail> = {}): CampaignDetail {
  return {
    id: 7,
    name: 'Pickers',
    jobTitle: null,
    description: null,
    status: 'draft',
    assistant: { enabled: false, sequenceId: null },
    createdBy: { id: 1, name: 'Jordan Avery' },
    createdAt: AT,
    updatedAt: AT,
    sentAt: null,
    recipients: 3,
    eligible: 2,
    excluded: {},
    stats: testCampaignStats,
    nextSendAt: null,
    messages: [],
    ...patch,
  };
}

export function testCampaignMessage(patch: Partial<CampaignMessage> = {}): CampaignMessage {
  return {
    id: 11,
    campaignId: 7,
    body: 'Hi {{firstName}}',
    templateId: null,
    sendAt: null,
    status: 'draft',
    editable: true,
    createdAt: AT,
    scheduledAt: null,
    startedAt: null,
    completedAt: null,
    ...patch,
  };
}

export function testReview(patch: Partial<Review> = {}): Review {
  return {
    recipients: 3,
    eligible: 2,
    excluded: {},
    excludedCandidates: [],
    encoding: 'GSM-7',
    characters: 8,
    segments: { min: 1, max: 1, total: 2 },
    previews: [],
    quietHours: { count: 0, window: { start: '00:00', end: '24:00' }, byTimeZone: [] },
    startsAt: AT,
    estimatedCompletionAt: '2026-11-28T10:00:01.000Z',
    ratePerSecond: 50,
    warnings: [],
    ...patch,
  };
}
