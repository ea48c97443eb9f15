/**
 * The background's fetch of a text's attachment (api-client.ts fetchMedia) against a real local
 * HTTP server: it sends the sign-in, hands back the bytes as a data: URL of the type the server
 * gave, and turns a refusal into the server's own code.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchMedia, RelayFailure } from './api-client';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 250]);
let server: Server;
let serverUrl: string;
const seen: { url: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    if (req.url === '/api/media/5' && req.headers.authorization === 'Bearer tok') {
      res.writeHead(200, { 'content-type': 'image/png', 'x-content-type-options': 'nosniff' });
      return res.end(PNG);
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Attachment not found.' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('fetchMedia', () => {
  it('fetches with the sign-in and returns a data: URL with the bytes and their type', async () => {
    const got = await fetchMedia({ serverUrl, token: 'tok' }, '/api/media/5');
    expect(got.contentType).toBe('image/png');
    expect(got.dataUrl).toBe(`data:image/png;base64,${PNG.toString('base64')}`);
    expect(seen.at(-1)).toEqual({ url: '/api/media/5', authorization: 'Bearer tok' });
  });

  it('a refusal is the server’s code and status', async () => {
    const err = await fetchMedia({ serverUrl, token: 'tok' }, '/api/media/6').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayFailure);
    expect((err as RelayFailure).error).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('a server that is not there is OFFLINE', async () => {
    const err = await fetchMedia({ serverUrl: 'http://127.0.0.1:1', token: 'tok' }, '/api/media/5').catch((e: unknown) => e);
    expect((err as RelayFailure).error.code).toBe('OFFLINE');
  });
});
