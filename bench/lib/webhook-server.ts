/**
 * The real server for bench/webhooks.ts, in its own process: seeds the demo into a fresh
 * DATABASE_PATH, gives every demo candidate with a mobile one earlier text from their recruiter
 * (so the benchmark's webhooks are replies in an existing conversation, as most inbound texts
 * are, and Ari does not greet them as first-time texters), then runs startServer() exactly as
 * `npm run server` does (same env handling, same logger, dispatcher started). Answers `stats`
 * with what the webhooks left in the database.
 */
import { openDatabase } from '../../server/db/client.js';
import { sqliteHandle } from '../../server/db/sqlite.js';
import { startServer } from '../../server/main.js';
import { seedDemo } from '../../server/seed/demo.js';
import { serveChildBasics } from './child.js';

const path = process.env.DATABASE_PATH;
if (!path) throw new Error('DATABASE_PATH is required');
const seedDb = openDatabase(path);
await seedDemo(seedDb);
const earlier = Date.now() - 3600_000;
const seedSqlite = sqliteHandle(seedDb);
seedSqlite.transaction(() => {
  const people = seedSqlite
    .prepare(
      `select c.id, c.org_id, c.first_name, c.phone, c.channel, o.sms_from, o.whatsapp_from, o.whatsapp_enabled,
              (select r.id from recruiters r where r.org_id = c.org_id order by r.id limit 1) as recruiter_id
       from candidates c join organizations o on o.id = c.org_id where c.phone is not null`,
    )
    .all() as {
    id: number;
    org_id: number;
    first_name: string;
    phone: string;
    channel: 'sms' | 'whatsapp';
    sms_from: string;
    whatsapp_from: string | null;
    whatsapp_enabled: number;
    recruiter_id: number;
  }[];
  const insert = seedSqlite.prepare(
    `insert into messages (org_id, candidate_id, direction, channel, body, encoding, segments, status, sender, recruiter_id,
       from_address, to_address, provider_sid, idempotency_key, attempts, created_at, sent_at, delivered_at, updated_at)
     values (?, ?, 'outbound', ?, ?, 'GSM-7', 1, 'delivered', 'recruiter', ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
  );
  const conversation = seedSqlite.prepare(
    `insert into conversations (org_id, candidate_id, unread_count, last_message_at, created_at) values (?, ?, 0, ?, ?) on conflict do nothing`,
  );
  for (const p of people) {
    const whatsapp = p.channel === 'whatsapp' && p.whatsapp_enabled && p.whatsapp_from;
    const sid = `SMbench${String(p.id).padStart(27, '0')}`;
    insert.run(
      p.org_id,
      p.id,
      whatsapp ? 'whatsapp' : 'sms',
      `Hi ${p.first_name}, are you still interested in the role you applied for?`,
      p.recruiter_id,
      whatsapp ? p.whatsapp_from : p.sms_from,
      p.phone,
      sid,
      `recruiter:${p.recruiter_id}:bench-${p.id}`,
      earlier,
      earlier + 800,
      earlier + 4000,
      earlier + 4000,
    );
    conversation.run(p.org_id, p.id, earlier, earlier);
  }
})();
const baseline = seedSqlite.prepare(`select coalesce(max(id), 0) as id from messages`).get() as { id: number };
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
