/**
 * The fake Twilio in a process of its own (`node --import tsx` this file), for measures taken at
 * the provider's side: when a create arrives is read off this process's clock, on an event loop
 * that does nothing else, as at a real provider, not off the test's, which is busy reading event
 * streams and polling the servers it measures (a pause there would bunch the arrivals it records).
 *
 * It prints one line, `{"baseUrl":…,"controlUrl":…}`, once both listen. The control server (its
 * own port, never the app's) answers the test (fake-twilio-remote.ts):
 *   POST /faults {numbers, odds, seed}  scripts random faults per number (fake-twilio-faults.ts), answers the plan
 *   GET  /log?posts=N&created=M         the creates received and messages created from those offsets on
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeTwilio } from './fake-twilio.js';
import { scriptRandomFaults, type FaultOdds } from './fake-twilio-faults.js';

/** A create as the test reads it: where it went, from whom, what it said, when it arrived. */
export interface RemoteCreate {
  path: string;
  from: string | undefined;
  to: string | undefined;
  body: string | undefined;
  at: number;
}
export interface RemoteMessage {
  sid: string;
  to: string;
  body: string;
}
export interface RemoteLog {
  posts: RemoteCreate[];
  created: RemoteMessage[];
}
export interface FaultsRequest {
  numbers: string[];
  odds: FaultOdds;
  seed: number;
}

const twilio = await startFakeTwilio({ now: Date.now });

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf-8'));
}

function answer(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const control = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://control');
  void (async () => {
    if (req.method === 'POST' && url.pathname === '/faults') {
      const { numbers, odds, seed } = (await readJson(req)) as FaultsRequest;
      const plan = scriptRandomFaults(twilio, numbers, odds, seed);
      return answer(res, 200, { scripts: [...plan.scripts], longestRefusalRun: plan.longestRefusalRun });
    }
    if (req.method === 'GET' && url.pathname === '/log') {
      const posts = twilio.posts().slice(Number(url.searchParams.get('posts') ?? 0));
      const created = twilio.created.slice(Number(url.searchParams.get('created') ?? 0));
      const log: RemoteLog = {
        posts: posts.map((r) => ({ path: r.path, from: r.form.From, to: r.form.To, body: r.form.Body, at: r.at })),
        created: created.map((m) => ({ sid: m.sid, to: m.to, body: m.body })),
      };
      return answer(res, 200, log);
    }
    answer(res, 404, { error: 'no such control endpoint' });
  })().catch((err: unknown) => answer(res, 400, { error: String(err) }));
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
console.log(JSON.stringify({ baseUrl: twilio.baseUrl, controlUrl }));

// The test ends it with SIGTERM (or dies, closing stdin's pipe): either way, leave.
const leave = () => {
  control.close();
  void twilio.close().finally(() => process.exit(0));
};
process.once('SIGTERM', leave);
process.stdin.once('end', leave);
process.stdin.resume();
