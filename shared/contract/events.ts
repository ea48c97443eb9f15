/**
 * GET /api/events: the organization's changes as server-sent events (`event:` the name, `data:`
 * JSON). Each event's payload is declared here once: the server publishes them typed by it
 * (server/lib/events.ts), and the extension's background parses each with it before any view sees it.
 */
import { z } from 'zod';
import { CampaignDetailSchema, CandidateSchema, MessageSchema, SendingStateSchema } from '../api.js';
import { endpoint } from './define.js';

export const serverEvents = {
  /** The stream is open (sent first). */
  ready: z.object({ at: z.string() }),
  'message.created': MessageSchema,
  'message.updated': MessageSchema,
  /** One candidate's texting state changed (a reply, an opt-out, Ari starting or stopping). */
  'candidate.updated': CandidateSchema,
  /** Many candidates changed at once (an import, a sync job, an erasure): re-read the ones you show. */
  'candidates.updated': z.object({ ids: z.array(z.string()) }),
  'campaign.updated': CampaignDetailSchema,
  /** A candidate booked a slot on a recruiter's calendar (the fields clients read; the server adds display times). */
  'booking.created': z.object({ id: z.number(), candidateId: z.string(), startsAt: z.string(), endsAt: z.string() }),
  /** Sending paused (the provider refused the account's credentials) or resumed: the same as GET /api/organization's `sending`. */
  'organization.sending': SendingStateSchema,
};

export type ServerEventName = keyof typeof serverEvents;
/** An event as a client receives it, once parsed. */
export type ServerEvent = { [N in ServerEventName]: { type: N; data: z.output<(typeof serverEvents)[N]> } }[ServerEventName];
/** An event as the server publishes it. */
export type ServerEventInput = { [N in ServerEventName]: { type: N; data: z.input<(typeof serverEvents)[N]> } }[ServerEventName];

export const eventEndpoints = {
  'events.stream': endpoint({
    method: 'GET',
    path: '/api/events',
    summary: `Server-sent events: ${Object.keys(serverEvents).join(', ')}`,
    tag: 'events',
    answers: 'text/event-stream',
    output: null,
    produces: 'text/event-stream',
    errors: [401],
  }),
};
