/**
 * Gives every demo candidate with a phone one earlier text from their recruiter (delivered an
 * hour ago), so a benchmark's inbound webhooks are replies in an existing conversation, as most
 * inbound texts are, and Ari does not greet them as first-time texters (a greeting is a send,
 * which the webhook benchmarks do not measure). Portable SQL: runs on SQLite and PostgreSQL.
 * Returns the highest message id afterwards: what the benchmark's webhooks add comes after it.
 */
import type { Db } from '../../server/db/types.js';

interface Person {
  id: number;
  org_id: number;
  first_name: string;
  phone: string;
  channel: 'sms' | 'whatsapp';
  sms_from: string;
  whatsapp_from: string | null;
  /** 0/1 on SQLite, a boolean on PostgreSQL. */
  whatsapp_enabled: number | boolean;
  recruiter_id: number;
}

export async function giveCandidatesAnEarlierText(db: Db, now = Date.now()): Promise<number> {
  const earlier = now - 3600_000;
  await db.tx(
    async (tx) => {
      const people = await tx.all<Person>(
        tx.stmt(
          `select c.id, c.org_id, c.first_name, c.phone, c.channel, o.sms_from, o.whatsapp_from, o.whatsapp_enabled,
                  (select r.id from recruiters r where r.org_id = c.org_id order by r.id limit 1) as recruiter_id
           from candidates c join organizations o on o.id = c.org_id where c.phone is not null order by c.id`,
        ),
      );
      const insert = tx.stmt(
        `insert into messages (org_id, candidate_id, direction, channel, body, encoding, segments, status, sender, recruiter_id,
           from_address, to_address, provider_sid, idempotency_key, attempts, created_at, sent_at, delivered_at, updated_at)
         values (?, ?, 'outbound', ?, ?, 'GSM-7', 1, 'delivered', 'recruiter', ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
      );
      const conversation = tx.stmt(
        `insert into conversations (org_id, candidate_id, unread_count, last_message_at, created_at) values (?, ?, 0, ?, ?) on conflict do nothing`,
      );
      for (const p of people) {
        const whatsapp = p.channel === 'whatsapp' && Boolean(p.whatsapp_enabled) && p.whatsapp_from;
        await tx.run(
          insert,
          p.org_id,
          p.id,
          whatsapp ? 'whatsapp' : 'sms',
          `Hi ${p.first_name}, are you still interested in the role you applied for?`,
          p.recruiter_id,
          whatsapp ? p.whatsapp_from : p.sms_from,
          p.phone,
          `SMbench${String(p.id).padStart(27, '0')}`,
          `recruiter:${p.recruiter_id}:bench-${p.id}`,
          earlier,
          earlier + 800,
          earlier + 4000,
          earlier + 4000,
        );
        await tx.run(conversation, p.org_id, p.id, earlier, earlier);
      }
    },
    // A benchmark's fixture, written once before the measurement: one key for the whole load.
    { write: true, locks: [['startup', 'bench-reply-context']] },
  );
  const last = await db.get<{ id: number }>(db.stmt(`select coalesce(max(id), 0) as id from messages`));
  return Number(last?.id ?? 0);
}
