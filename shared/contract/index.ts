/**
 * The HTTP API's contract: every endpoint the server serves under /api (method, path, what it
 * takes, what it answers, how it refuses) and every event it streams, each declared once.
 * Derived from it: the server's request validation (server/lib/contract-routes.ts), the OpenAPI
 * document (server/openapi.ts), the extension's relayed requests and the background's handlers
 * (extension/lib/protocol.ts, entrypoints/background.ts), and the background's parsing of every
 * answer and event (extension/lib/api-client.ts, server-events.ts).
 *
 * Adding an endpoint: declare it in the resource's file here, write its service method, and serve
 * it with `serve(router)('name', handler)` in the resource's route file.
 */
import { authEndpoints } from './auth.js';
import { campaignEndpoints } from './campaigns.js';
import { candidateEndpoints } from './candidates.js';
import { conversationEndpoints } from './conversations.js';
import { eventEndpoints } from './events.js';
import { mediaEndpoints } from './media.js';
import { organizationEndpoints } from './organization.js';
import { sequenceEndpoints } from './sequences.js';
import { templateEndpoints } from './templates.js';

export const contract = {
  ...authEndpoints,
  ...candidateEndpoints,
  ...conversationEndpoints,
  ...eventEndpoints,
  ...mediaEndpoints,
  ...organizationEndpoints,
  ...campaignEndpoints,
  ...sequenceEndpoints,
  ...templateEndpoints,
};

export type Contract = typeof contract;
export type EndpointName = keyof Contract;

export { serverEvents, type ServerEvent, type ServerEventInput, type ServerEventName } from './events.js';
export * from './define.js';
