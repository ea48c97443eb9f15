/**
 * The background's client (lib/api-client.ts) over a fake fetch: relayed requests reach the
 * endpoint the contract names, and an answer in another shape than the contract's is a readable
 * BAD_RESPONSE naming the endpoint and the first difference, never handed on as if it were right.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callEndpoint, RelayFailure } from './api-client';
import { callInputOf } from './relayed';
import { testCandidate } from '../test-support/candidate';

const target = { serverUrl: 'http://te.test', token: 'tok' };

const CANDIDATE = testCandidate({ id: '10001', firstName: 'Maria', lastName: 'Garcia', phone: '+12125550101' });

function answer(status: number, body: unknown) {
  const fetch = vi.fn(async (_url: string, _init: RequestInit) =>
    status === 204 ? new Response(null, { status }) : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  );
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

afterEach(() => vi.unstubAllGlobals());

describe('the API client', () => {
  it('calls the method and path the contract names, with the query and body of a relayed request', async () => {
    const fetch = answer(200, { messages: [], nextCursor: null });
    await callEndpoint(target, 'messages.list', callInputOf('messages.list', { candidateId: 'a/b', after: 5, limit: 500 }));
    expect(fetch.mock.calls[0]![0]).toBe('http://te.test/api/candidates/a%2Fb/messages?after=5&limit=500');
    expect(fetch.mock.calls[0]![1]).toMatchObject({ method: 'GET', headers: { authorization: 'Bearer tok' }, body: undefined });

    const upsert = answer(201, CANDIDATE);
    const candidate = { firstName: 'Maria', lastName: 'Garcia' };
    await callEndpoint(target, 'candidates.upsert', callInputOf('candidates.upsert', { id: '10001', candidate }));
    expect(upsert.mock.calls[0]![0]).toBe('http://te.test/api/candidates/10001');
    expect(upsert.mock.calls[0]![1]).toMatchObject({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(candidate) });

    const remove = answer(204, null);
    expect(await callEndpoint(target, 'campaigns.deleteMessage', callInputOf('campaigns.deleteMessage', { id: 3, messageId: 9 }))).toBeNull();
    expect(remove.mock.calls[0]![0]).toBe('http://te.test/api/campaigns/3/messages/9');
    expect(remove.mock.calls[0]![1]).toMatchObject({ method: 'DELETE' });
  });

  it('answers what the output schema parsed', async () => {
    answer(200, { ...CANDIDATE, somethingNewer: true });
    const candidate = await callEndpoint(target, 'candidates.get', { params: { id: '10001' } });
    expect(candidate).toEqual(CANDIDATE);
  });

  it('refuses an answer in another shape with BAD_RESPONSE, naming the endpoint and the first difference', async () => {
    answer(200, { ...CANDIDATE, textable: 'yes' });
    const failure = await callEndpoint(target, 'candidates.get', { params: { id: '10001' } }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(RelayFailure);
    expect((failure as RelayFailure).error).toEqual({
      code: 'BAD_RESPONSE',
      message: expect.stringMatching(
        /GET \/api\/candidates\/:id \(candidates\.get\) is not what this extension expects \(textable: Invalid input: expected boolean/,
      ),
      status: 0,
    });

    answer(200, { campaigns: [{ id: 1 }] });
    const list = await callEndpoint(target, 'campaigns.list', { query: { mine: true } }).catch((err: unknown) => err);
    expect((list as RelayFailure).error.message).toMatch(/\(campaigns\.list\) .*\(campaigns\.0\.name: Invalid input/);
  });

  it("passes the server's refusal on with its code, message and field", async () => {
    answer(400, { error: { code: 'VALIDATION', message: 'phone: "555" is not a valid phone number.', details: { field: 'phone' } } });
    const failure = await callEndpoint(target, 'candidates.upsert', { params: { id: '1' }, body: { firstName: 'A', lastName: 'B', phone: '555' } }).catch(
      (err: unknown) => err,
    );
    expect((failure as RelayFailure).error).toEqual({ code: 'VALIDATION', message: 'phone: "555" is not a valid phone number.', status: 400, field: 'phone' });
  });
});
