/**
 * The real server for bench/webhooks.ts, in its own process: seeds the demo into a fresh
 * DATABASE_PATH, gives every demo candidate with a phone one earlier text from their recruiter
 * (bench/lib/reply-context.ts), then runs startServer() exactly as
 * `npm run server` does (same env handling, same logger, dispatcher started). Answers `stats`
 * with what the webhooks left in the database.
 */
import { openDatabase } from '../../server/db/client.js';
import { sqliteHandle } from '../../server/db/sqlite.js';
import { startServer } from '../../server/main.js';
import { seedDemo } from '../../server/seed/demo.js';
import { giveCandidatesAnEarlierText } from './reply-context.js';
import { serveChildBasics } from './child.js';

const path = process.env.DATABASE_PATH;
if (!path) throw new Error('DATABASE_PATH is required');
const seedDb = openDatabase(path);
await seedDemo(seedDb);
const baseline = { id: await giveCandidatesAnEarlierText(seedDb) };
await seedDb.close();

const running = await startServer(process.env);
const sqlite = sqliteHandle(running.db);

process.on('message', (raw) => {
  const message = raw as { type: string };
  if (message.type !== 'stats') return;
  const count = (sql: string) => (sqlite.prepare(sql).get(baseline.id) as { n: number }).n;
  process.send?.({
    type: 'stats:done',
    inbound: count(`select count(*) as n from messages where direction = 'inbound' and id > ?`),
    outbound: count(`select count(*) as n from messages where direction = 'outbound' and id > ?`),
    webhookEvents: (sqlite.prepare(`select count(*) as n from webhook_events where kind = 'inbound'`).get() as { n: number }).n,
  });
});
serveChildBasics(() => running.close());
process.send?.({ type: 'ready', port: running.config.port });
