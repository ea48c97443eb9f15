/**
 * The real server for bench/candidate-import.ts, in its own process: the demo seed in a fresh
 * DATABASE_PATH, then startServer() exactly as `npm run server` runs it. Answers `memory` with
 * this process's memory (after a full collection when asked, to see what is live), so the
 * benchmark can watch it while a file streams in.
 */
import { openDatabase } from '../../server/db/client.js';
import { startServer } from '../../server/main.js';
import { seedDemo } from '../../server/seed/demo.js';
import { serveChildBasics } from './child.js';

const path = process.env.DATABASE_PATH;
if (!path) throw new Error('DATABASE_PATH is required');
const seedDb = openDatabase(path);
await seedDemo(seedDb);
await seedDb.close();

const running = await startServer(process.env);
process.on('message', (raw) => {
  const message = raw as { type: string; gc?: boolean };
  if (message.type !== 'memory') return;
  // With gc: what is live (the process runs with --expose-gc), not what the collector has yet to free.
  if (message.gc) (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  process.send?.({ type: 'memory:done', rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers });
});
serveChildBasics(() => running.close());
process.send?.({ type: 'ready', port: running.config.port });
