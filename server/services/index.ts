import { createAssistant } from '../assistant/engine.js';
import type { Deps } from '../deps.js';
import { createCandidateChanges } from '../lib/candidate-changes.js';
import { createApiKeyService } from './api-keys.js';
import { createAuthService } from './auth.js';
import { createBookingService } from './bookings.js';
import { createCampaignDelivery } from './campaign-delivery.js';
import { createCampaignReadModel } from './campaign-read-model.js';
import { createCampaignService } from './campaigns.js';
import { createCandidateService } from './candidates.js';
import { createCandidateSync } from './candidate-sync.js';
import { createCarrierOptOuts } from './carrier-opt-outs.js';
import { createConversationService } from './conversations.js';
import { createErasure } from './erasure.js';
import { createImportService } from './imports.js';
import { createInboundService } from './inbound.js';
import { createMediaService } from './media.js';
import { createOutbox } from './outbox.js';
import { createPhoneOptOuts } from './phone-opt-outs.js';
import { createTemplateService } from './templates.js';
import { createOrganizationService } from './organization.js';
import { createReconciler } from './reconciler.js';
import { createSendingState } from './sending-state.js';

/**
 * Every service, and every hook between them, wired here once per app (no module-level state:
 * two apps in one process stay apart). Services take what they call as arguments; what must
 * happen when another service acts is a hook, registered below in the order it runs.
 */
export function createServices(deps: Deps) {
  const sending = createSendingState(deps);
  const auth = createAuthService(deps, { sending });
  const apiKeys = createApiKeyService(deps);
  const candidates = createCandidateService(deps);
  const optOuts = createPhoneOptOuts(deps);
  const sync = createCandidateSync(deps, optOuts);
  const erasure = createErasure(deps, optOuts);
  const changes = createCandidateChanges(deps);
  const imports = createImportService(deps, { sync, changes });
  const outbox = createOutbox(deps, { sending });
  const templates = createTemplateService(deps);
  const organization = createOrganizationService(deps);
  const media = createMediaService(deps);
  const inbound = createInboundService(deps, { candidates, outbox, sync, optOuts, media });
  const carrierOptOuts = createCarrierOptOuts(deps, { optOuts, candidates });
  const assistant = createAssistant(deps, { candidates, outbox });
  const bookings = createBookingService(deps, { candidates, outbox, assistant });
  const conversations = createConversationService(deps, { candidates, outbox, assistant, bookings, templates });
  const campaignReads = createCampaignReadModel(deps, { candidates });
  const campaignDelivery = createCampaignDelivery(deps, { outbox, assistant, serializeCampaign: campaignReads.serializeById });
  const campaigns = createCampaignService(deps, { candidates, outbox, reads: campaignReads, delivery: campaignDelivery });

  // The dispatcher's rounds, in this order after each settle: a refusal that means the candidate
  // unsubscribed at the carrier opts their number out first (so nothing after sees them textable),
  // then reports that beat the record of their send apply, then Ari's turns and reminders wake,
  // imports' leases are renewed (and lapsed ones failed), then the campaigns' delivery stage turns
  // due deliveries into texts and updates their numbers.
  outbox.addHooks({ afterSettle: carrierOptOuts.apply });
  // Texts the provider has whose final status never came: fetched by id, applied like a report.
  outbox.addHooks(createReconciler(deps, { inbound }).outboxHooks);
  outbox.addHooks({ afterSettle: inbound.applyEarlyReports });
  outbox.addHooks(assistant.outboxHooks);
  outbox.addHooks(imports.outboxHooks);
  outbox.addHooks(campaignDelivery.outboxHooks);
  // A delivery report: the carrier's unsubscribed opts the number out (like a refusal), then the
  // campaign's numbers move.
  inbound.onStatusChange((row) => carrierOptOuts.apply([row]));
  inbound.onStatusChange(campaignDelivery.onStatusChange);
  // A candidate's reply reaches Ari, then the numbers of the campaigns that texted them.
  inbound.addHooks(assistant.inboundHooks);
  inbound.addHooks(campaignDelivery.inboundHooks);

  // The provider's events (the simulator's in-process reports; webhooks go through their route).
  deps.provider.connect({
    receive: (event) => inbound.receive(deps.provider.name, event).then(() => undefined),
    receiveStatuses: (events) => inbound.receiveStatuses(deps.provider.name, events),
  });

  return {
    sending,
    auth,
    apiKeys,
    candidates,
    optOuts,
    sync,
    erasure,
    changes,
    imports,
    outbox,
    templates,
    organization,
    conversations,
    inbound,
    assistant,
    bookings,
    campaigns,
    media,
  };
}

export type Services = ReturnType<typeof createServices>;
