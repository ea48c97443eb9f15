import type { Channel } from '../../shared/api.js';

/** One text handed to a provider. */
export interface OutboundText {
  /** The candidate's number, E.164. */
  to: string;
  /** Our sender (E.164); the provider's default when undefined. */
  from: string | undefined;
  channel: Channel;
  body: string;
  /** Stable per message: the same key is the same text. */
  idempotencyKey: string;
  statusCallbackUrl: string;
  /** Epoch ms after which the text must not be delivered any more (quiet hours). */
  validUntil?: number;
  /** When we handed it over (epoch ms); lets a look-up after a crash narrow its search. */
  handedOffAt: number;
}

export interface ProviderReceipt {
  providerSid: string;
  /** Our status vocabulary: usually 'sending' (provider queued) or 'sent'. */
  status: 'sending' | 'sent' | 'delivered';
  from: string;
}

/**
 * A provider refusal. Transient ones (timeouts, 429, 5xx) are retried with backoff; permanent
 * ones fail that message only, with the provider's code.
 */
export class ProviderError extends Error {
  constructor(
    readonly kind: 'transient' | 'permanent',
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
    /**
     * The request may have reached the provider (a timeout after sending it): retrying could
     * text twice, so the engine asks `findSent` instead, and holds it for review if unsure.
     */
    readonly maybeSent = false,
  ) {
    super(message);
  }
}

/** What a status report or an inbound text looks like once it has reached us (Twilio's fields). */
export type ProviderPayload = Record<string, string>;

export interface ProviderSink {
  inbound(payload: ProviderPayload): Promise<void>;
  status(payload: ProviderPayload): Promise<void>;
}

export interface Provider {
  readonly name: 'simulator' | 'twilio';
  /** Our default sender for a channel (what the organisation's number falls back to). */
  defaultFrom(channel: Channel): string | undefined;
  send(text: OutboundText): Promise<ProviderReceipt>;
  /**
   * After a crash between handing a text over and recording it: did it go out?
   * A receipt if it did, null if the provider can say it did not, 'unknown' if it cannot tell.
   */
  findSent(text: OutboundText): Promise<ProviderReceipt | null | 'unknown'>;
  /** Where the provider reports back (the simulator calls it in-process; Twilio by webhook). */
  connect(sink: ProviderSink): void;
  close?(): void;
}
