/**
 * The real server for bench/candidate-import.ts, in its own process: the demo seed in a fresh
 * DATABASE_PATH, then startServer() exactly as `npm run server` runs it. Answers `memory` with
 * this process's memory, so the benchmark can watch it while a file streams in.
 */
import { openDatabase } from '../../server/db/client.js';
import { startServer } from '../../server/main.js';
import { seedDemo } from '../../server/seed/demo.js';
import { serveChildBasics } from './child.js';

const path = process.env.DATABASE_PATH;
if (!path) throw new Error('DATABASE_PATH is required');
const seedDb = openDatabase(path);
await seedDemo(seedDb);
seedDb.$client.close();

const running = await startServer(process.env);
process.on('message', (raw) => {
  if ((raw as { type: string }).type !== 'memory') return;
  const m = process.memoryUsage();
  process.send?.({ type: 'memory:done', rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers });
});
serveChildBasics(() => running.close());
process.send?.({ type: 'ready', port: running.config.port });
