/**
 * The background worker's side of the relay: which runtime messages it answers, and how. A
 * message is answered only when it comes from this extension (not a page, not another
 * extension), carries our envelope and names a known request. Signing in and out are accepted
 * only from the extension's own pages, never from a content script (FORBIDDEN). Its input is
 * checked before the handler sees it: a relayed endpoint's with the contract's own schemas
 * (refused as the server would refuse it, VALIDATION naming the field), the extension's own
 * requests with theirs (BAD_REQUEST). Every outcome is a `Result`: the handler's data, its
 * RelayFailure (the server's refusal), or a readable refusal of the relay's own.
 */
import type { z } from 'zod';
import { RelayFailure } from './api-client';
import {
  extensionPageOnlyRequests,
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
  /** The sending document's URL: an extension page's own (chrome-extension://<id>/options.html), or the web page a content script runs in. */
  url?: string;
}

export interface RelayHandlerOptions {
  handlers: RelayHandlers;
  /** This extension's id (`browser.runtime.id`): messages from any other sender are ignored. */
  runtimeId: string;
  /** This extension's origin (`new URL(browser.runtime.getURL('/')).origin`): only its pages may sign in and out. */
  extensionOrigin: string;
}

/**
 * True when the message comes from one of the extension's own pages (the options page, the
 * toolbar popup, also when opened in a tab), not from a content script: the browser sets the
 * sender's URL, to the web page for a content script, so a page can't pass for ours.
 */
export function fromExtensionPage(sender: RelaySender, extensionOrigin: string): boolean {
  if (typeof sender.url !== 'string') return false;
  try {
    // Scheme and host, not URL.origin: that is "null" for schemes a URL parser doesn't know.
    const url = new URL(sender.url);
    return url.host !== '' && `${url.protocol}//${url.host}` === extensionOrigin;
  } catch {
    return false;
  }
}

const isRelayed = (name: string): name is RelayedName => Object.hasOwn(relayedEndpoints, name);
const isExtensionRequest = (name: string): name is ExtensionRequestName => Object.hasOwn(extensionRequests, name);
const isExtensionPageOnly = (name: RequestName): boolean => (extensionPageOnlyRequests as readonly string[]).includes(name);

/**
 * Returns the `runtime.onMessage` listener: a Promise of the Result for our requests, and
 * `undefined` (not answered, so another listener may) for everything else.
 */
export function createRelayHandler({ handlers, runtimeId, extensionOrigin }: RelayHandlerOptions) {
  return (message: unknown, sender: RelaySender): Promise<Result<unknown>> | undefined => {
    if (!sender || sender.id !== runtimeId) return undefined;
    if (!message || typeof message !== 'object') return undefined;
    const envelope = message as { kind?: unknown; name?: unknown; input?: unknown };
    if (envelope.kind !== 'te.request' || typeof envelope.name !== 'string') return undefined;
    if (!isRelayed(envelope.name) && !isExtensionRequest(envelope.name)) return undefined;
    if (isExtensionPageOnly(envelope.name) && !fromExtensionPage(sender, extensionOrigin)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'FORBIDDEN', message: 'Sign in and out on the Text Engagement options page.', status: 403 },
      });
    }
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
