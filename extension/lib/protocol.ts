/**
 * The typed message map between the extension's pages/content scripts and its background
 * service worker — the only part that talks to the server. Most requests are the contract's
 * endpoints themselves (shared/contract/), relayed under their own names: their inputs and
 * outputs are the endpoints' schemas. A few are the extension's own (sign-in state, the cached
 * badge look-up, a send that always carries its idempotency key, a file read by the options
 * page) and are declared here. The background checks every request before it acts on it and
 * accepts them only from the extension's own contexts.
 *
 * Content scripts import this file for types only (`import type`), so zod and the contract stay
 * out of the content-script bundle.
 */
import { z } from 'zod';
import type { Recruiter } from '../../shared/api';
import type { BodyOf, Contract, EndpointName, OutputOf, ParamsOf, QueryOf, ServerEvent } from '../../shared/contract';
import { isLoopbackHostname } from '../../shared/loopback';
import { MAX_IMPORT_BYTES } from './protocol-names';

export type { Answer, AssistantInfo } from '../../shared/api';

/**
 * How a page's request for a relayed endpoint maps onto the endpoint: it is one flat object, its
 * path parameters (under another name where `params` says so: `candidateId` for a candidate's
 * `:id`), then its query or its body's fields (or the body whole under the key `bodyAs` names).
 */
export interface RelayBinding {
  readonly params?: Readonly<Record<string, string>>;
  readonly bodyAs?: string;
}

/** The contract's endpoints the extension's pages call, relayed as they are. */
export const relayedEndpoints = {
  'candidates.search': {},
  'candidates.get': {},
  'candidates.upsert': { bodyAs: 'candidate' },
  'candidates.consent': { bodyAs: 'consent' },
  'candidates.consentHistory': {},
  'imports.get': {},
  'messages.list': { params: { candidateId: 'id' } },
  'messages.markRead': { params: { candidateId: 'id' } },
  'assistant.get': { params: { candidateId: 'id' } },
  'assistant.set': { params: { candidateId: 'id' } },
  'organization.get': {},
  'organization.update': {},
  'templates.list': {},
  'templates.create': {},
  'templates.update': {},
  'templates.delete': {},
  'sequences.list': {},
  'campaigns.list': {},
  'campaigns.get': {},
  'campaigns.create': {},
  'campaigns.update': {},
  'campaigns.delete': {},
  'campaigns.recipients': {},
  'campaigns.addCandidates': {},
  'campaigns.removeCandidate': {},
  'campaigns.createMessage': {},
  'campaigns.previewMessage': {},
  'campaigns.getMessage': {},
  'campaigns.updateMessage': {},
  'campaigns.deleteMessage': {},
  'campaigns.scheduleMessage': {},
} as const satisfies { [N in EndpointName]?: RelayBinding };

export type RelayedName = keyof typeof relayedEndpoints;

const atsId = z.string().min(1).max(100);

/** The extension's own requests: name -> input schema. Their outputs are in `ExtensionOutputs`. */
export const extensionRequests = {
  'session.get': z.object({}),
  'session.signIn': z.object({
    serverUrl: z
      .url({ protocol: /^https?$/, message: 'Enter the server URL, e.g. http://localhost:8787' })
      // The password, then every candidate's texts travel to it: in clear only to this machine.
      .refine(
        (url) => new URL(url).protocol === 'https:' || isLoopbackHostname(new URL(url).hostname),
        'Use https:// for a server on another machine (http:// only for this one, e.g. http://localhost:8787).',
      ),
    email: z.string().trim().min(1, 'Enter your email.'),
    password: z.string().min(1, 'Enter your password.'),
  }),
  'session.signOut': z.object({}),
  /** The badges' look-up (candidates.search by ids), answered from a short cache where it can be. */
  'candidates.lookup': z.object({ ids: z.array(atsId).min(1).max(200) }),
  /** messages.send, always with the key that makes a retry of the same composed text send nothing twice. */
  'messages.send': z.object({
    candidateId: atsId,
    /** Absent with a template sent as it is (outside WhatsApp's window: its approved content). */
    body: z.string().max(20_000).optional(),
    templateId: z.number().int().positive().optional(),
    idempotencyKey: z.string().min(8).max(200),
  }),
  /** candidates.import, with the file's text as the options page read it. */
  'imports.start': z.object({
    format: z.enum(['csv', 'ndjson']),
    text: z.string().max(MAX_IMPORT_BYTES, 'The file is larger than 32 MB; split it into smaller files.'),
  }),
  'ui.openOptions': z.object({}),
  /** A text's attachment (a message's media[].url), fetched by the background with the sign-in and handed back as a data: URL. */
  'media.get': z.object({ url: z.string().regex(/^\/api\/media\/[1-9]\d{0,14}$/, 'must be a message attachment URL.') }),
} as const;

export type ExtensionRequestName = keyof typeof extensionRequests;

/**
 * Requests only the extension's own pages (the options page, the toolbar popup) may make, never
 * a content script: which server to sign in to and as whom, and signing out. A content script
 * lives in a page the extension doesn't control; whatever that page makes of it, it can't send
 * the recruiter's next texts to another server or sign them out. The background refuses these
 * from anywhere else with FORBIDDEN (lib/relay-server.ts).
 */
export const extensionPageOnlyRequests: readonly ExtensionRequestName[] = ['session.signIn', 'session.signOut'];

export interface Session {
  serverUrl: string;
  signedIn: boolean;
  recruiter: Recruiter | null;
}

interface ExtensionOutputs {
  'session.get': Session;
  'session.signIn': Session;
  'session.signOut': Session;
  'candidates.lookup': OutputOf<Contract['candidates.search']>;
  'messages.send': OutputOf<Contract['messages.send']>;
  'imports.start': OutputOf<Contract['candidates.import']>;
  'ui.openOptions': null;
  'media.get': { dataUrl: string; contentType: string };
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type BindingOf<N extends RelayedName> = (typeof relayedEndpoints)[N];
/** The page's name for path parameter K (the binding's rename, or K itself). */
type RelayKey<B, K> = B extends { params: infer R }
  ? { [X in keyof R]: R[X] extends K ? X : never }[keyof R] extends infer F extends PropertyKey
    ? [F] extends [never]
      ? K
      : F
    : K
  : K;
type RelayParams<N extends RelayedName> = { [K in keyof ParamsOf<Contract[N]> as RelayKey<BindingOf<N>, K>]: ParamsOf<Contract[N]>[K] };
type RelayBody<N extends RelayedName> = Contract[N] extends { body: z.ZodType }
  ? BindingOf<N> extends { bodyAs: infer K extends string }
    ? { [P in K]: BodyOf<Contract[N]> }
    : BodyOf<Contract[N]>
  : unknown;

/** What a page sends for a relayed endpoint: one flat object (see RelayBinding). */
export type RelayInput<N extends RelayedName> = Simplify<RelayParams<N> & QueryOf<Contract[N]> & RelayBody<N>>;

export type RequestName = RelayedName | ExtensionRequestName;
export type RequestInput<N extends RequestName> = N extends RelayedName
  ? RelayInput<N>
  : N extends ExtensionRequestName
    ? z.input<(typeof extensionRequests)[N]>
    : never;
/** What each request resolves to when it succeeds. */
export type Outputs = { [N in RequestName]: N extends RelayedName ? OutputOf<Contract[N]> : N extends ExtensionRequestName ? ExtensionOutputs[N] : never };

/** What every request resolves to: the data, or the server's (or the relay's) refusal. */
export type Result<T> = { ok: true; data: T } | { ok: false; error: RelayError };

export interface RelayError {
  /**
   * The server's code (OPTED_OUT, NOT_LICENSED, VALIDATION...) or the relay's own: SIGNED_OUT,
   * OFFLINE, BAD_REQUEST, BAD_RESPONSE (the server answered in a shape the contract does not say),
   * FORBIDDEN (a request only the extension's own pages may make, from a content script).
   */
  code: string;
  message: string;
  status: number;
  /** The field a 400 VALIDATION names (phone, email...), so a form can show it beside that field. */
  field?: string;
}

export interface RequestEnvelope<N extends RequestName = RequestName> {
  kind: 'te.request';
  name: N;
  input: RequestInput<N>;
}

/** Pushed from the background to content scripts and pages over a `te.events` port: the server's events, parsed, and the background's own. */
export type PushEvent =
  Exclude<ServerEvent, { type: 'ready' }> | { type: 'session.changed'; data: Session } | { type: 'stream.status'; data: { connected: boolean } };
