/**
 * The real server as a child process (`node --import tsx server/main.ts`), for crash tests:
 * start it on a database file, talk to it over HTTP, SIGKILL it, start it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ChildServer {
  readonly pid: number;
  readonly url: string;
  /** The last few kilobytes it printed (for failure messages). */
  output(): string;
  /** How many lines it printed that contain `text` (counted as they came). */
  count(text: string): number;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  alive(): boolean;
}

/**
 * Raises a measured process's scheduling priority (a negative nice) where this process may (as
 * root, or with CAP_SYS_NICE), so that the test measures it and not the rest of a busy machine;
 * elsewhere it runs as it is. True when raised.
 */
export function raisePriority(pid: number, nice: number): boolean {
  try {
    setPriority(pid, nice);
    return true;
  } catch {
    return false;
  }
}

export async function startChildServer(
  env: Record<string, string>,
  options: { readyTimeoutMs?: number; /** A nice value for it once it is ready (raisePriority). */ nice?: number } = {},
): Promise<ChildServer> {
  const port = Number(env.PORT);
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PUBLIC_URL: url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const lines: string[] = [];
  let partial = '';
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf-8');
    log = (log + text).slice(-8000);
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    // Only warnings and errors are kept whole (the dispatcher's recovery notes among them).
    for (const line of parts) if (/ (warn|error) /.test(line)) lines.push(line);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });

  const server: ChildServer = {
    pid: child.pid!,
    url,
    output: () => log,
    count: (text) => lines.filter((l) => l.includes(text)).length,
    exited,
    alive: () => exitCode === undefined,
    async kill(signal = 'SIGKILL') {
      if (exitCode !== undefined) return;
      child.kill(signal);
      await exited;
    },
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (exitCode !== undefined) throw new Error(`the server exited (${exitCode}) before it was ready:\n${log}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) {
        // Only once it is up: compiling and starting at a raised priority would take the CPU from
        // the instances already running (as an instance starting on a machine of its own would not).
        if (options.nice !== undefined) raisePriority(server.pid, options.nice);
        return server;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.kill();
      throw new Error(`the server was not ready in time:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** JSON over HTTP with a bearer token. */
export async function call(base: string, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
