/**
 * The fake Twilio's media, as Twilio serves it: `GET /2010-04-01/Accounts/{Sid}/Messages/{MM}/Media/{ME}`
 * needs the account's HTTP Basic credentials (401 without: the core's check), and by default
 * answers 307 to short-lived storage on another host (here a second server), which refuses any
 * request that carries an Authorization header (a client that forwarded the credentials there
 * would leak them) and records that it did. `direct: true` serves the bytes without the redirect.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAKE_ACCOUNT_SID, type FakeTwilio, type FakeTwilioRequest } from './fake-twilio.js';

export interface FakeMediaItem {
  contentType: string;
  bytes: Buffer;
}

export async function addFakeTwilioMedia(twilio: FakeTwilio) {
  const items = new Map<string, FakeMediaItem & { direct: boolean }>();
  /** Requests the storage host received, and whether each carried an Authorization header. */
  const storageRequests: { path: string; authorization: boolean }[] = [];
  let seq = 0;

  const storage: Server = createServer((req, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://storage').pathname;
    storageRequests.push({ path, authorization: req.headers.authorization != null });
    if (req.headers.authorization != null) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return res.end('Authorization must not be sent to storage');
    }
    const item = items.get(path.replace(/^\/blob\//, ''));
    if (!item) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': item.contentType, 'content-length': String(item.bytes.length) });
    res.end(item.bytes);
  });
  await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
  const storageUrl = `http://127.0.0.1:${(storage.address() as AddressInfo).port}`;

  const mediaPath = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\/Media\/([^/]+)$/;
  twilio.addRoutes((req: FakeTwilioRequest, res: ServerResponse) => {
    const match = mediaPath.exec(req.path);
    if (!match || req.method !== 'GET') return false;
    const item = match[1] === FAKE_ACCOUNT_SID ? items.get(match[3]!) : undefined;
    if (!item) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 20404, message: 'Not found', status: 404 }));
    } else if (item.direct) {
      res.writeHead(200, { 'content-type': item.contentType, 'content-length': String(item.bytes.length) });
      res.end(item.bytes);
    } else {
      res.writeHead(307, { location: `${storageUrl}/blob/${match[3]}` });
      res.end();
    }
    return true;
  });

  return {
    storageRequests,
    /** Stores an attachment; returns the URL Twilio would put in MediaUrl{N}. */
    add(item: FakeMediaItem, options: { direct?: boolean } = {}): string {
      const sid = `ME${String(++seq).padStart(32, '0')}`;
      items.set(sid, { ...item, direct: options.direct ?? false });
      return `${twilio.baseUrl}/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/Messages/MM${String(seq).padStart(32, '0')}/Media/${sid}`;
    },
    /** Requests to the media endpoint itself (authorized or not). */
    apiRequests: () => twilio.requests.filter((r) => mediaPath.test(r.path)),
    close: () => new Promise<void>((resolve) => storage.close(() => resolve())),
  };
}
