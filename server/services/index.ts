import { createAssistant } from '../assistant/engine.js';
import type { Deps } from '../deps.js';
import { createCandidateChanges } from '../lib/candidate-changes.js';
import { createApiKeyService } from './api-keys.js';
import { createAuthService } from './auth.js';
import { createCandidateSync } from './candidate-sync.js';
import { createErasure } from './erasure.js';
import { createImportService } from './imports.js';
import { createPhoneOptOuts } from './phone-opt-outs.js';
import { createBookingService } from './bookings.js';
import { createCampaignDelivery } from './campaign-delivery.js';
import { createCampaignReadModel } from './campaign-read-model.js';
import { createCampaignService } from './campaigns.js';
import { createCandidateService } from './candidates.js';
import { createConversationService } from './conversations.js';
import { createInboundService } from './inbound.js';
import { createOutbox } from './outbox.js';

/** Every service, wired once per app. No module-level state: two apps in one process stay apart. */
export function createServices(deps: Deps) {
  const auth = createAuthService(deps);
  const apiKeys = createApiKeyService(deps);
  const candidates = createCandidateService(deps);
  const optOuts = createPhoneOptOuts(deps);
  const sync = createCandidateSync(deps, optOuts);
  const erasure = createErasure(deps, optOuts);
  const changes = createCandidateChanges(deps);
  const imports = createImportService(deps, { sync, changes });
  const outbox = createOutbox(deps, { optOuts });
  const inbound = createInboundService(deps, { candidates, outbox, sync, optOuts });
  const assistant = createAssistant(deps, { candidates, outbox, inbound });
  const bookings = createBookingService(deps, { candidates, outbox, assistant });
  const conversations = createConversationService(deps, { candidates, outbox, assistant, bookings });
  const campaignReads = createCampaignReadModel(deps, { candidates });
  const campaignDelivery = createCampaignDelivery(deps, { outbox, assistant, serializeCampaign: campaignReads.serializeById });
  const campaigns = createCampaignService(deps, { candidates, outbox, reads: campaignReads, delivery: campaignDelivery });
  // Campaign numbers follow the dispatcher's rounds, delivery reports and replies.
  outbox.addHooks(campaignDelivery.outboxHooks);
  inbound.onStatusChange(campaignDelivery.onStatusChange);
  inbound.addHooks(campaignDelivery.inboundHooks);
  deps.provider.connect({
    inbound: async (payload) => void (await inbound.receiveInbound(deps.provider.name, payload)),
    status: async (payload) => void (await inbound.receiveStatus(deps.provider.name, payload)),
  });
  return { auth, apiKeys, candidates, optOuts, sync, erasure, changes, imports, outbox, conversations, inbound, assistant, bookings, campaigns };
}

export type Services = ReturnType<typeof createServices>;
