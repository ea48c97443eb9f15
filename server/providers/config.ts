/**
 * Every provider's settings, for config.ts: the names PROVIDER accepts, each provider's
 * variables, how they become its config, what makes it unusable, and its default send rate.
 * A new provider adds its entry here (and its own *-config.ts); config.ts stays as it is.
 */
import { z } from 'zod';
import { wholeNumber } from '../lib/env-schema.js';
import { TWILIO_ENV, twilioConfig, twilioConfigProblem, type TwilioConfig } from './twilio-config.js';

export const PROVIDER_NAMES = ['simulator', 'twilio'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** The simulator's variables. */
const SIMULATOR_ENV = {
  /** How long each send takes before the simulator has the text (a slow network or provider); 0 by default. */
  SIMULATOR_SEND_DELAY_MS: wholeNumber(0, 60_000, 0),
};

/** Each provider's variables, merged into the environment's schema. */
export const PROVIDER_ENV = { ...TWILIO_ENV, ...SIMULATOR_ENV };
type ProviderEnv = z.output<z.ZodObject<typeof PROVIDER_ENV>>;

export interface ProviderConfigs {
  twilio: TwilioConfig;
  /** Numbers the simulator sends from, so its phones show a realistic sender; how long each send takes. */
  simulator: { smsFrom: string; whatsappFrom: string; sendDelayMs: number };
}

export function providerConfigs(env: ProviderEnv, publicUrl: string, publicUrlSet: boolean): ProviderConfigs {
  return {
    twilio: twilioConfig(env, publicUrl, publicUrlSet),
    simulator: { smsFrom: '+12025550100', whatsappFrom: '+12025550101', sendDelayMs: env.SIMULATOR_SEND_DELAY_MS },
  };
}

/** What stops the chosen provider from sending (one line naming the variable), or null. */
export function providerConfigProblem(name: ProviderName, configs: ProviderConfigs): string | null {
  return name === 'twilio' ? twilioConfigProblem(configs.twilio) : null;
}

/** Segments per second per sender unless SEND_RATE_PER_SECOND says: Twilio long codes allow 1; the simulator takes far more. */
export const DEFAULT_SEND_RATE: Record<ProviderName, number> = { simulator: 50, twilio: 1 };
