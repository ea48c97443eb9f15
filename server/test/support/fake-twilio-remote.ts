/**
 * The parent's handle on the fake Twilio in its own process (fake-twilio-process.ts): its address
 * for the servers, the faults scripted there, and a local copy of what it received, brought up to
 * date by `sync()` (only what is new since the last call crosses).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { raisePriority, REPO_ROOT } from './child-server.js';
import type { FaultPlan } from './fake-twilio-faults.js';
import type { FaultsRequest, RemoteCreate, RemoteLog, RemoteMessage } from './fake-twilio-process.js';
import type { Step } from './fake-twilio.js';

export interface RemoteFakeTwilio {
  baseUrl: string;
  /** Every POST it received so far (as of the last sync), in order of arrival. */
  posts: RemoteCreate[];
  /** Every message it created so far (as of the last sync). */
  created: RemoteMessage[];
  /** Brings `posts` and `created` up to date. */
  sync(): Promise<void>;
  scriptRandomFaults(request: FaultsRequest): Promise<FaultPlan>;
  /** Its last output (for failure messages). */
  output(): string;
  close(): Promise<void>;
}

/** `nice`: a scheduling priority for it (raisePriority), as for the servers it measures. */
export async function startRemoteFakeTwilio(options: { nice?: number; readyTimeoutMs?: number } = {}): Promise<RemoteFakeTwilio> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/test/support/fake-twilio-process.ts'], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (options.nice !== undefined && child.pid !== undefined) raisePriority(child.pid, options.nice);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf-8')).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ baseUrl: string; controlUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the fake Twilio process did not start in ${readyTimeoutMs} ms:\n${output}`)), readyTimeoutMs);
    void exited.then(() => reject(new Error(`the fake Twilio process exited before it was ready:\n${output}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as { baseUrl: string; controlUrl: string });
      } catch {
        reject(new Error(`the fake Twilio process printed ${line}:\n${output}`));
      }
    });
  });

  const control = async <T>(path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${ready.controlUrl}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`the fake Twilio's ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };

  const remote: RemoteFakeTwilio = {
    baseUrl: ready.baseUrl,
    posts: [],
    created: [],
    async sync() {
      const log = await control<RemoteLog>(`/log?posts=${remote.posts.length}&created=${remote.created.length}`);
      remote.posts.push(...log.posts);
      remote.created.push(...log.created);
    },
    async scriptRandomFaults(request) {
      const plan = await control<{ scripts: [string, Step[]][]; longestRefusalRun: number }>('/faults', request);
      return { scripts: new Map(plan.scripts), longestRefusalRun: plan.longestRefusalRun };
    },
    output: () => output,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
  return remote;
}
