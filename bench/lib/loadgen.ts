/**
 * The load generator, in its own process: N keep-alive connections, each posting one Twilio
 * inbound webhook after another (closed loop), every request a fresh MessageSid with a valid
 * X-Twilio-Signature. Counts what completes inside the measured window, after a warm-up.
 *
 * Protocol (IPC): parent sends {type:'run', ...LoadConfig}; we send {type:'window-start'} and
 * {type:'window-end'} at the window's edges (so the parent can sample the server's CPU), then
 * {type:'run:done', ...LoadResult}.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { computeTwilioSignature } from '../../server/providers/twilio-signature.js';
import { RawConnection, type RawResponse } from './raw-http.js';

export interface Sender {
  /** As Twilio sends it: "+12125550101" or "whatsapp:+12125550101". */
  from: string;
  to: string;
  /** Rough location fields Twilio adds for US numbers. */
  city?: string;
  state?: string;
  profileName?: string;
}

export interface LoadConfig {
  /** Where to connect, e.g. http://127.0.0.1:12345/webhooks/twilio/inbound. */
  url: string;
  /**
   * Several servers (instances of a cluster) with the same path: connection i goes to
   * urls[i % urls.length], so the connections, and with them the load, are spread round-robin.
   * Only with the raw client.
   */
  urls?: string[];
  /** The URL the signature covers (PUBLIC_URL + path). */
  signedUrl: string;
  authToken: string;
  accountSid: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  senders: Sender[];
  bodies: string[];
  /** 'raw' (default): the minimal client in raw-http.ts; 'node-http': node:http with a keep-alive Agent. */
  client?: 'raw' | 'node-http';
  /** Requests signed before the clock starts (more are signed on the fly). */
  presign?: number;
}

export interface LoadResult {
  requests: number;
  durationMs: number;
  requestsPerSecond: number;
  /** Latencies (ms) of the requests that completed inside the window. */
  latencies: number[];
  statuses: Record<string, number>;
  /** Non-2xx responses and transport errors inside the window (and in warm-up, counted apart). */
  errors: number;
  warmupErrors: number;
  errorSamples: string[];
  /** This process's CPU time over the window, as a share of one core. */
  cpuShare: number;
}

export function inboundParams(sid: string, sender: Sender, body: string, accountSid: string): Record<string, string> {
  const whatsapp = sender.from.startsWith('whatsapp:');
  const params: Record<string, string> = {
    ToCountry: 'US',
    ToState: 'DC',
    SmsMessageSid: sid,
    NumMedia: '0',
    ToCity: 'WASHINGTON',
    FromZip: '',
    SmsSid: sid,
    FromState: sender.state ?? '',
    SmsStatus: 'received',
    FromCity: sender.city ?? '',
    Body: body,
    FromCountry: 'US',
    To: sender.to,
    ToZip: '20001',
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: sid,
    AccountSid: accountSid,
    From: sender.from,
    ApiVersion: '2010-04-01',
  };
  if (whatsapp) {
    params.ProfileName = sender.profileName ?? '';
    params.WaId = sender.from.replace(/^whatsapp:\+/, '');
    params.MessageType = 'text';
  }
  return params;
}

async function runLoad(config: LoadConfig): Promise<LoadResult> {
  const target = new URL(config.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: config.connections, maxFreeSockets: config.connections });
  const sidPrefix = randomBytes(4).toString('hex');
  let counter = 0;

  interface Prepared {
    body: string;
    signature: string;
    raw: Buffer;
  }
  const pathAndQuery = target.pathname + target.search;
  const hostHeader = target.host;
  function sign(): Prepared {
    const n = counter++;
    const sid = `SM${sidPrefix}${n.toString(16).padStart(24, '0')}`;
    const sender = config.senders[n % config.senders.length]!;
    const text = config.bodies[Math.floor(n / config.senders.length) % config.bodies.length]!;
    const params = inboundParams(sid, sender, text, config.accountSid);
    const body = new URLSearchParams(params).toString();
    const signature = computeTwilioSignature(config.authToken, config.signedUrl, params);
    const raw = Buffer.from(
      `POST ${pathAndQuery} HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Twilio-Signature: ${signature}\r\nUser-Agent: TwilioProxy/1.1\r\n` +
        `I-Twilio-Idempotency-Token: ${sid}\r\nConnection: keep-alive\r\n\r\n${body}`,
    );
    return { body, signature, raw };
  }
  const presigned: Prepared[] = Array.from({ length: config.presign ?? 20_000 }, sign);
  let taken = 0;
  const nextRequest = (): Prepared => (taken < presigned.length ? presigned[taken++]! : sign());

  function postNodeHttp(r: Prepared): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: pathAndQuery,
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(r.body),
            'x-twilio-signature': r.signature,
            'user-agent': 'TwilioProxy/1.1',
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < 500) text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(r.body);
    });
  }

  const started = performance.now();
  const windowStart = started + config.warmupMs;
  const windowEnd = windowStart + config.durationMs;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  let errors = 0;
  let warmupErrors = 0;
  let cpuAtStart: NodeJS.CpuUsage | null = null;
  let cpuAtEnd: NodeJS.CpuUsage | null = null;

  // The window's edges, each marked once: by its timer or by the first request to notice it.
  const markStart = () => {
    if (cpuAtStart) return;
    cpuAtStart = process.cpuUsage();
    process.send?.({ type: 'window-start' });
  };
  const markEnd = () => {
    if (cpuAtEnd) return;
    markStart();
    cpuAtEnd = process.cpuUsage(cpuAtStart ?? undefined);
    process.send?.({ type: 'window-end' });
  };
  const edgeTimers = [setTimeout(markStart, config.warmupMs), setTimeout(markEnd, config.warmupMs + config.durationMs)];

  const useRaw = (config.client ?? 'raw') === 'raw';
  const connections: RawConnection[] = [];
  const servers = (config.urls?.length ? config.urls : [config.url]).map((u) => new URL(u));
  if (servers.length > 1 && !useRaw) throw new Error('several urls need the raw client');
  async function connectionLoop(index: number) {
    const server = servers[index % servers.length]!;
    const connection = new RawConnection(server.hostname, Number(server.port || 80));
    connections.push(connection);
    for (;;) {
      const now = performance.now();
      if (now >= windowEnd) break;
      if (now >= windowStart) markStart();
      const prepared = nextRequest();
      const t0 = performance.now();
      let status = 0;
      let failure: string | null = null;
      try {
        const res = useRaw ? await connection.request(prepared.raw) : await postNodeHttp(prepared);
        status = res.status;
        if (status < 200 || status > 299) failure = `${status} ${res.text.slice(0, 200)}`;
      } catch (err) {
        failure = `transport: ${err instanceof Error ? err.message : String(err)}`;
      }
      const t1 = performance.now();
      const inWindow = t1 >= windowStart && t1 <= windowEnd;
      if (failure) {
        if (inWindow) errors++;
        else warmupErrors++;
        if (errorSamples.length < 5) errorSamples.push(failure);
      }
      if (inWindow) {
        latencies.push(t1 - t0);
        statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
      }
    }
  }

  await Promise.all(Array.from({ length: config.connections }, (_, index) => connectionLoop(index)));
  markEnd();
  for (const t of edgeTimers) clearTimeout(t);
  agent.destroy();
  for (const c of connections) c.close();
  const cpu = cpuAtEnd ?? process.cpuUsage();
  return {
    requests: latencies.length,
    durationMs: config.durationMs,
    requestsPerSecond: latencies.length / (config.durationMs / 1000),
    latencies,
    statuses,
    errors,
    warmupErrors,
    errorSamples,
    cpuShare: (cpu.user + cpu.system) / 1000 / config.durationMs,
  };
}

// Run as a child: wait for the parent's instructions.
if (process.send && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.on('message', (raw) => {
    const message = raw as { type: string } & LoadConfig;
    if (message.type !== 'run') return;
    runLoad(message).then(
      (result) => process.send?.({ type: 'run:done', ...result }),
      (err) => process.send?.({ type: 'run:done', error: err instanceof Error ? err.stack : String(err) }),
    );
  });
  process.once('disconnect', () => process.exit(0));
  process.send({ type: 'ready' });
}
