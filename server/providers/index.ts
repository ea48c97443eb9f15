/**
 * What the rest of the server knows of providers: the one config.provider names, and the webhooks
 * every provider serves. A new provider adds its module beside these and its entries here and in
 * config.ts of this folder; nothing outside server/providers/ changes.
 */
import type { AppConfig } from '../config.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../deps.js';
import type { Clock } from '../lib/clock.js';
import { createSimulatorProvider } from './simulator.js';
import { createTwilioProvider } from './twilio.js';
import { twilioWebhooks } from './twilio-webhooks.js';
import type { Provider, ProviderWebhook } from './types.js';

export { readLegacyStatusReports } from './legacy-reports.js';
export { isSimulator, type SimulatorProvider } from './simulator.js';

export function providerFor(config: AppConfig, db: Db, clock: Clock, log?: Logger): Provider {
  switch (config.provider) {
    case 'twilio':
      return createTwilioProvider(config.twilio);
    case 'simulator':
      return createSimulatorProvider(db, clock, { ...config.simulator, log });
  }
}

/** Every provider's webhook URLs, mounted under /webhooks whichever provider sends. */
export function providerWebhooks(config: AppConfig): ProviderWebhook[] {
  return [...twilioWebhooks({ authToken: config.twilio.authToken, publicUrl: config.publicUrl })];
}
