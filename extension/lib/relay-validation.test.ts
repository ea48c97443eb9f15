/**
 * The background's message validation (lib/relay-server.ts): only our own contexts, only our
 * envelope, only known requests; signing in and out only from our own pages; inputs checked with
 * the zod schemas before a handler runs; every outcome a Result.
 */
import { describe, expect, it, vi } from 'vitest';
import { RelayFailure } from './api-client';
import { contract, type EndpointSpec } from '../../shared/contract';
import { relayedEndpoints, type RelayBinding, type RequestName } from './protocol';
import { createRelayHandler, fromExtensionPage, type RelayHandlers } from './relay-server';

const RUNTIME_ID = 'abcdefghijklmnopabcdefghijklmnop';
const EXTENSION_ORIGIN = `chrome-extension://${RUNTIME_ID}`;
/** Our content script: the browser gives the web page's URL (and its tab). */
const contentScript = { id: RUNTIME_ID, url: 'https://acme.icims.com/cxm/candidates/10001', tab: { id: 7 } };
/** The options page, opened in a tab. */
const optionsPage = { id: RUNTIME_ID, url: `${EXTENSION_ORIGIN}/options.html`, tab: { id: 8 } };
/** The toolbar popup (no tab). */
const popup = { id: RUNTIME_ID, url: `${EXTENSION_ORIGIN}/popup.html` };
const ours = optionsPage;

function setup() {
  const calls: { name: RequestName; input: unknown }[] = [];
  const handlers = new Proxy({} as RelayHandlers, {
    get: (_t, name: string) =>
      vi.fn(async (input: unknown) => {
        calls.push({ name: name as RequestName, input });
        return { handled: name };
      }),
  });
  return { calls, handle: createRelayHandler({ handlers, runtimeId: RUNTIME_ID, extensionOrigin: EXTENSION_ORIGIN }) };
}

const envelope = (name: string, input?: unknown) => ({ kind: 'te.request', name, input });

describe('relay message validation', () => {
  it('ignores messages from another extension, from a page, or with no sender id', () => {
    const { calls, handle } = setup();
    const message = envelope('candidates.lookup', { ids: ['10001'] });
    expect(handle(message, { id: 'another-extension-id' })).toBeUndefined();
    expect(handle(message, {})).toBeUndefined();
    expect(handle(message, undefined as unknown as { id?: string })).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it("accepts sign-in and sign-out only from the extension's own pages: from a content script they are FORBIDDEN, whatever the input, and nothing is called", async () => {
    const { calls, handle } = setup();
    const signIn = envelope('session.signIn', { serverUrl: 'https://attacker.example', email: 'r@acme.test', password: 'pw' });
    const forbidden = { ok: false, error: { code: 'FORBIDDEN', message: 'Sign in and out on the Text Engagement options page.', status: 403 } };
    for (const sender of [
      contentScript,
      { ...contentScript, url: 'http://localhost:8788/cxm/candidates' },
      { id: RUNTIME_ID },
      { id: RUNTIME_ID, url: 'not a url' },
      // Another extension's page, or a page dressed in our id.
      { id: RUNTIME_ID, url: 'chrome-extension://otherextensionidotherextensionid/options.html' },
      { id: RUNTIME_ID, url: `https://${RUNTIME_ID}.example/options.html` },
    ]) {
      expect(await handle(signIn, sender), JSON.stringify(sender)).toEqual(forbidden);
      expect(await handle(envelope('session.signOut', {}), sender), JSON.stringify(sender)).toEqual(forbidden);
    }
    expect(calls).toEqual([]);

    // The options page (in a tab or not) and the toolbar popup may.
    for (const sender of [optionsPage, popup]) {
      expect(await handle(signIn, sender)).toEqual({ ok: true, data: { handled: 'session.signIn' } });
      expect(await handle(envelope('session.signOut', {}), sender)).toEqual({ ok: true, data: { handled: 'session.signOut' } });
    }
    // Everything else a content script asks for is answered as before.
    expect(await handle(envelope('session.get'), contentScript)).toEqual({ ok: true, data: { handled: 'session.get' } });
    expect(await handle(envelope('candidates.lookup', { ids: ['10001'] }), contentScript)).toEqual({ ok: true, data: { handled: 'candidates.lookup' } });
    expect(calls.map((c) => c.name)).toEqual(['session.signIn', 'session.signOut', 'session.signIn', 'session.signOut', 'session.get', 'candidates.lookup']);
  });

  it('fromExtensionPage: the sender URL is at our own origin (Chrome or Firefox)', () => {
    expect(fromExtensionPage(optionsPage, EXTENSION_ORIGIN)).toBe(true);
    expect(fromExtensionPage(popup, EXTENSION_ORIGIN)).toBe(true);
    expect(
      fromExtensionPage({ url: 'moz-extension://0b9d7a6e-1c2f-4d1e-9f0a-2b3c4d5e6f70/options.html' }, 'moz-extension://0b9d7a6e-1c2f-4d1e-9f0a-2b3c4d5e6f70'),
    ).toBe(true);
    expect(fromExtensionPage(contentScript, EXTENSION_ORIGIN)).toBe(false);
    expect(fromExtensionPage({}, EXTENSION_ORIGIN)).toBe(false);
    expect(fromExtensionPage({ url: `${EXTENSION_ORIGIN}.evil.example/x` }, EXTENSION_ORIGIN)).toBe(false);
  });

  it('ignores messages without our envelope', () => {
    const { calls, handle } = setup();
    for (const message of [
      null,
      undefined,
      'candidates.lookup',
      42,
      [],
      {},
      { name: 'candidates.lookup', input: { ids: ['1'] } },
      { kind: 'other', name: 'candidates.lookup', input: { ids: ['1'] } },
      { kind: 'te.request', name: 7 },
      { kind: 'te.request' },
    ]) {
      expect(handle(message, ours)).toBeUndefined();
    }
    expect(calls).toEqual([]);
  });

  it('ignores unknown request names, including inherited object keys', () => {
    const { calls, handle } = setup();
    for (const name of ['candidates.delete', 'toString', '__proto__', 'constructor', 'hasOwnProperty', '']) {
      expect(handle(envelope(name, {}), ours)).toBeUndefined();
    }
    expect(calls).toEqual([]);
  });

  it("refuses invalid input to the extension's own requests with BAD_REQUEST and a readable message, without calling the handler", async () => {
    const { calls, handle } = setup();
    const cases: [string, unknown, RegExp][] = [
      ['candidates.lookup', { ids: [] }, /^ids: Too small/],
      ['candidates.lookup', { ids: 'a,b' }, /^ids: Invalid input: expected array/],
      ['candidates.lookup', undefined, /^ids: Invalid input/],
      ['candidates.lookup', { ids: Array.from({ length: 201 }, (_, i) => String(i)) }, /^ids: Too big/],
      ['messages.send', { candidateId: '10001', body: 'Hi', idempotencyKey: 'short' }, /^idempotencyKey: Too small/],
      ['session.signIn', { serverUrl: 'ftp://x', email: 'a@b.c', password: 'p' }, /^Enter the server URL, e\.g\. http:\/\/localhost:8787$/],
      ['session.signIn', { serverUrl: 'http://localhost:8787', email: '  ', password: 'p' }, /^Enter your email\.$/],
      ['session.signIn', { serverUrl: 'http://te.example.com', email: 'a@b.c', password: 'p' }, /^Use https:\/\/ for a server on another machine/],
      ['imports.start', { format: 'xlsx', text: 'a' }, /^format: Invalid option/],
    ];
    for (const [name, input, message] of cases) {
      const result = await handle(envelope(name, input), ours);
      expect(result, `${name} ${JSON.stringify(input)}`).toEqual({
        ok: false,
        error: { code: 'BAD_REQUEST', message: expect.stringMatching(message), status: 400 },
      });
    }
    expect(calls).toEqual([]);
  });

  it("refuses invalid input to a relayed endpoint as the server would (the contract's schemas: VALIDATION, same words, same field), without calling the handler", async () => {
    const { calls, handle } = setup();
    const cases: [string, unknown, string, RegExp][] = [
      ['candidates.get', { id: '' }, 'id', /^id: Too small/],
      ['campaigns.get', { id: -1 }, 'id', /^id: must be a positive integer\.$/],
      ['campaigns.recipients', { id: 3, limit: 501 }, 'limit', /^limit: Too big/],
      ['campaigns.create', { name: '  ' }, 'name', /^name: Give the campaign a name\.$/],
      // The upsert's body is the contract's: a typo in a field name is not dropped; a missing first name is named.
      ['candidates.upsert', { id: '10151', candidate: { firstName: 'Lucia', lastName: 'Cruz', mobile: '555' } }, 'body', /^body: Unrecognized key: "mobile"/],
      ['candidates.upsert', { id: '10151', candidate: { lastName: 'Cruz' } }, 'firstName', /^firstName: firstName is required\.$/],
      [
        'candidates.upsert',
        { id: '10151', candidate: { firstName: 'L', lastName: 'C', consent: { status: 'maybe', source: 'x' } } },
        'consent.status',
        /^consent\.status: Invalid option/,
      ],
      // A consent statement on its own: the same shape as the upsert's.
      ['candidates.consent', { id: '10153', consent: { status: 'yes', source: 'x' } }, 'status', /^status: Invalid option/],
      ['candidates.consent', { id: '10153', consent: { status: 'granted', source: 'x', by: 'me' } }, 'body', /^body: Unrecognized key: "by"/],
      ['candidates.consent', { id: '10153' }, 'body', /^body: Invalid input/],
      ['candidates.consentHistory', { id: '' }, 'id', /^id: Too small/],
      ['imports.get', { importId: '' }, 'importId', /^importId: Too small/],
    ];
    for (const [name, input, field, message] of cases) {
      const result = await handle(envelope(name, input), ours);
      expect(result, `${name} ${JSON.stringify(input)}`).toEqual({
        ok: false,
        error: { code: 'VALIDATION', message: expect.stringMatching(message), status: 400, field },
      });
    }
    expect(calls).toEqual([]);
  });

  it('passes valid input, as parsed, to the named handler and answers with its data', async () => {
    const { calls, handle } = setup();
    expect(await handle(envelope('candidates.lookup', { ids: ['10001', '10002'] }), ours)).toEqual({ ok: true, data: { handled: 'candidates.lookup' } });
    // Requests without input get {} (what their schemas expect).
    expect(await handle(envelope('session.get'), ours)).toEqual({ ok: true, data: { handled: 'session.get' } });
    // The parsed value reaches the handler (trimmed email, unknown keys stripped).
    await handle(envelope('session.signIn', { serverUrl: 'http://localhost:8787', email: ' r@acme.test ', password: 'pw', extra: true }), ours);
    // A value the server will refuse (not a phone number) still goes to it, so its refusal names the field.
    const capture = { firstName: 'Lucia', lastName: 'Cruz', phone: '555', consent: { status: 'granted', source: 'Candidate agreed on the phone' } };
    expect(await handle(envelope('candidates.upsert', { id: '10151', candidate: capture }), ours)).toEqual({
      ok: true,
      data: { handled: 'candidates.upsert' },
    });
    expect(calls.pop()).toEqual({ name: 'candidates.upsert', input: { id: '10151', candidate: capture } });
    expect(calls).toEqual([
      { name: 'candidates.lookup', input: { ids: ['10001', '10002'] } },
      { name: 'session.get', input: {} },
      { name: 'session.signIn', input: { serverUrl: 'http://localhost:8787', email: 'r@acme.test', password: 'pw' } },
    ]);
  });

  it("turns a handler's RelayFailure into { ok: false, error } and anything else into EXTENSION_ERROR", async () => {
    const refusal = { code: 'OPTED_OUT', message: 'Maria Garcia opted out of texts.', status: 409 };
    const handlers = {
      'messages.send': async () => {
        throw new RelayFailure(refusal);
      },
      'candidates.get': async () => {
        throw new TypeError('oops');
      },
    } as unknown as RelayHandlers;
    const handle = createRelayHandler({ handlers, runtimeId: RUNTIME_ID, extensionOrigin: EXTENSION_ORIGIN });
    expect(await handle(envelope('messages.send', { candidateId: '10001', body: 'Hi', idempotencyKey: 'key-12345678' }), ours)).toEqual({
      ok: false,
      error: refusal,
    });
    expect(await handle(envelope('candidates.get', { id: '10001' }), ours)).toEqual({
      ok: false,
      error: { code: 'EXTENSION_ERROR', message: 'oops', status: 0 },
    });
  });
});

describe('relayed endpoints', () => {
  it('map each page field to one part of the endpoint: renamed parameters exist, and no parameter shares a name with a body or query field', () => {
    for (const [name, binding] of Object.entries(relayedEndpoints) as [keyof typeof relayedEndpoints, RelayBinding][]) {
      const spec: EndpointSpec = contract[name];
      const params = Object.keys(spec.params?.shape ?? {});
      for (const param of Object.values(binding.params ?? {})) expect(params, name).toContain(param);
      const pageParams = params.map((p) => Object.keys(binding.params ?? {}).find((k) => binding.params![k] === p) ?? p);
      if (binding.bodyAs) expect(spec.body, `${name}: bodyAs without a body`).toBeDefined();
      const body = spec.body && !binding.bodyAs && 'shape' in spec.body ? Object.keys((spec.body as { shape: object }).shape) : [];
      const others = [...body, ...Object.keys(spec.query?.shape ?? {}), ...(binding.bodyAs ? [binding.bodyAs] : [])];
      expect(
        pageParams.filter((p) => others.includes(p)),
        name,
      ).toEqual([]);
    }
  });
});
