/**
 * The background worker's side of the relay: which runtime messages it answers, and how. A
 * message is answered only when it comes from this extension (not a page, not another
 * extension), carries our envelope and names a known request; its input is checked before the
 * handler sees it: a relayed endpoint's with the contract's own schemas (refused as the server
 * would refuse it, VALIDATION naming the field), the extension's own requests with theirs
 * (BAD_REQUEST). Every outcome is a `Result`: the handler's data, its RelayFailure (the server's
 * refusal), or a readable refusal of the relay's own.
 */
import type { z } from 'zod';
import { RelayFailure } from './api-client';
import {
  extensionRequests,
  relayedEndpoints,
  type ExtensionRequestName,
  type Outputs,
  type RelayedName,
  type RelayInput,
  type RequestName,
  type Result,
} from './protocol';
import { checkRelayedInput } from './relayed';

export type RelayHandlers = {
  [N in RequestName]: (
    input: N extends RelayedName ? RelayInput<N> : N extends ExtensionRequestName ? z.output<(typeof extensionRequests)[N]> : never,
  ) => Promise<Outputs[N]>;
};

/** What the relay reads of `runtime.MessageSender`. */
export interface RelaySender {
  id?: string;
}

export interface RelayHandlerOptions {
  handlers: RelayHandlers;
  /** This extension's id (`browser.runtime.id`): messages from any other sender are ignored. */
  runtimeId: string;
}

const isRelayed = (name: string): name is RelayedName => Object.hasOwn(relayedEndpoints, name);
const isExtensionRequest = (name: string): name is ExtensionRequestName => Object.hasOwn(extensionRequests, name);

/**
 * Returns the `runtime.onMessage` listener: a Promise of the Result for our requests, and
 * `undefined` (not answered, so another listener may) for everything else.
 */
export function createRelayHandler({ handlers, runtimeId }: RelayHandlerOptions) {
  return (message: unknown, sender: RelaySender): Promise<Result<unknown>> | undefined => {
    if (!sender || sender.id !== runtimeId) return undefined;
    if (!message || typeof message !== 'object') return undefined;
    const envelope = message as { kind?: unknown; name?: unknown; input?: unknown };
    if (envelope.kind !== 'te.request' || typeof envelope.name !== 'string') return undefined;
    if (!isRelayed(envelope.name) && !isExtensionRequest(envelope.name)) return undefined;
    return handle(envelope.name, envelope.input ?? {});
  };

  async function handle(name: RequestName, input: unknown): Promise<Result<unknown>> {
    let checked: unknown = input;
    if (isExtensionRequest(name)) {
      const parsed = extensionRequests[name].safeParse(input);
      if (!parsed.success) return { ok: false, error: { code: 'BAD_REQUEST', message: describeIssue(parsed.error.issues[0]), status: 400 } };
      checked = parsed.data;
    } else {
      const refusal = checkRelayedInput(name, input);
      if (refusal) return { ok: false, error: refusal };
    }
    try {
      const handler = handlers[name] as (i: unknown) => Promise<unknown>;
      return { ok: true, data: await handler(checked) };
    } catch (err) {
      if (err instanceof RelayFailure) return { ok: false, error: err.error };
      return { ok: false, error: { code: 'EXTENSION_ERROR', message: err instanceof Error ? err.message : String(err), status: 0 } };
    }
  }
}

/**
 * The first problem, readable: the schemas' own messages ("Enter your email.") as they are;
 * zod's generic ones ("Invalid input: expected array, received string") with the field's path.
 */
function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'The request is not valid.';
  const generic = /^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message);
  const path = issue.path.map(String).join('.');
  return generic && path ? `${path}: ${issue.message}` : issue.message;
}
