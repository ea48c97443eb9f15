/**
 * Children of a benchmark: servers and the load generator each run in their own process (so
 * none shares another's event loop), started with tsx and driven over the IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Child {
  process: ChildProcess;
  /** Sends a message and resolves with the first reply of type `${type}:done`. */
  call<T = unknown>(type: string, payload?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Resolves with the first message of this type. */
  next<T = unknown>(type: string, timeoutMs?: number): Promise<T>;
  output(): string;
  stop(): Promise<void>;
}

interface Envelope {
  type: string;
  [key: string]: unknown;
}

/** Forks `file` (relative to bench/lib) under tsx; resolves once it sent {type:'ready'}. */
export async function startChild(
  file: string,
  env: Record<string, string | undefined> = {},
  options: { readyTimeoutMs?: number; execArgv?: string[] } = {},
): Promise<Child & { ready: Envelope }> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const child = fork(join(REPO_ROOT, 'bench', 'lib', file), [], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 20_000) output = output.slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const waiters: { type: string; resolve: (m: Envelope) => void; reject: (e: Error) => void }[] = [];
  // Messages nobody waits for yet are kept, so a reply that beats its waiter is not lost.
  const unclaimed: Envelope[] = [];
  child.on('message', (raw) => {
    const message = raw as Envelope;
    const i = waiters.findIndex((w) => w.type === message.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(message);
    else unclaimed.push(message);
  });
  child.on('exit', (code, signal) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`${file} exited (${code ?? signal}) while waiting for ${w.type}:\n${output.slice(-4000)}`));
  });

  function next<T>(type: string, timeoutMs = 120_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const early = unclaimed.findIndex((m) => m.type === type);
      if (early >= 0) return resolve(unclaimed.splice(early, 1)[0] as T);
      if (child.exitCode !== null) return reject(new Error(`${file} has exited:\n${output.slice(-4000)}`));
      const timer = setTimeout(() => {
        const i = waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
        reject(new Error(`${file}: no ${type} within ${timeoutMs} ms:\n${output.slice(-4000)}`));
      }, timeoutMs);
      const waiter = {
        type,
        resolve: (m: Envelope) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      waiters.push(waiter);
    });
  }

  const handle: Child = {
    process: child,
    next,
    call<T>(type: string, payload: Record<string, unknown> = {}, timeoutMs?: number) {
      const reply = next<T>(`${type}:done`, timeoutMs);
      child.send({ type, ...payload });
      return reply;
    },
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    const ready = await next<Envelope>('ready', readyTimeoutMs);
    return { ...handle, ready };
  } catch (err) {
    await handle.stop();
    throw err;
  }
}

/** A free TCP port on loopback (the OS picks; a tiny race with other processes is accepted). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** In a child: answers `cpu` with process.cpuUsage() and exits cleanly on SIGTERM. */
export function serveChildBasics(onStop: () => Promise<void> | void = () => {}) {
  process.on('message', (raw) => {
    const message = raw as Envelope;
    if (message.type === 'cpu') process.send?.({ type: 'cpu:done', usage: process.cpuUsage(), at: performance.now() });
  });
  const stop = async () => {
    try {
      await onStop();
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  // The parent going away takes us with it.
  process.once('disconnect', () => void stop());
}
