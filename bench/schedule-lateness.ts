/**
 * Lateness of scheduled starts: 100 small campaigns, each with one message scheduled for a time
 * spread over the next minute; for each, the first text's hand-off to the simulator minus its
 * sendAt.
 *
 *   npm run bench -- schedule-lateness       (or: npx tsx bench/schedule-lateness.ts)
 *
 * Env: BENCH_MESSAGES (default 100), BENCH_SPREAD_S (default 60), BENCH_RECIPIENTS (per
 * campaign, default 3).
 */
import { pathToFileURL } from 'node:url';
import { startCampaignBench, waitFor } from './lib/campaign-app.js';
import { round, summarize } from './lib/stats.js';
import type { BenchOptions, BenchResult } from './lib/types.js';
import { seededRandom } from '../fixtures/demo/random.js';

export const description = 'First hand-off minus sendAt for 100 campaign messages scheduled over a minute: p50/p99/max';

const TARGET_P99_MS = 1000;
/** Time to create and schedule everything before the first sendAt. */
const LEAD_MS = 6_000;

export async function run(options: BenchOptions = {}): Promise<BenchResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const count = Number(process.env.BENCH_MESSAGES ?? 100);
  const spreadMs = Number(process.env.BENCH_SPREAD_S ?? 60) * 1000;
  const perCampaign = Number(process.env.BENCH_RECIPIENTS ?? 3);
  const bench = await startCampaignBench({ name: 'schedule-lateness' });
  try {
    const rate = bench.config.sendRatePerSecond;
    log(`schedule-lateness: ${count} campaign messages × ${perCampaign} recipients, sendAt spread over ${spreadMs / 1000} s (send rate ${rate}/s)`);
    const { atsIds } = bench.insertCandidates('L', count * perCampaign);
    const campaigns: number[] = [];
    for (let i = 0; i < count; i++) campaigns.push(await bench.createCampaign(`Lateness ${i + 1}`, atsIds.slice(i * perCampaign, (i + 1) * perCampaign)));

    const random = seededRandom(20260302);
    const base = Date.now() + LEAD_MS;
    const step = spreadMs / count;
    const planned = campaigns.map((campaignId, i) => ({ campaignId, sendAt: Math.round(base + i * step + random() * step) }));
    const scheduled: { campaignId: number; messageId: number; sendAt: number; scheduledBy: number }[] = [];
    for (const p of planned) {
      const draft = await bench.api<{ message: { id: number } }>('POST', `/api/campaigns/${p.campaignId}/messages`, {
        body: 'Hi {{firstName}}, your interview for {{jobTitle}} is coming up. Reply C to confirm.',
        sendAt: new Date(p.sendAt).toISOString(),
      });
      await bench.api('POST', `/api/campaigns/${p.campaignId}/messages/${draft.message.id}/schedule`);
      scheduled.push({ ...p, messageId: draft.message.id, scheduledBy: Date.now() });
    }
    const lateScheduling = scheduled.filter((s) => s.scheduledBy >= s.sendAt).length;
    if (lateScheduling) throw new Error(`${lateScheduling} messages were scheduled only after their sendAt (the machine is too slow for a ${LEAD_MS} ms lead)`);
    log(
      `  all ${count} scheduled ${Math.round(base - Date.now())} ms before the first sendAt; waiting for the last (${Math.round((planned[planned.length - 1]!.sendAt - Date.now()) / 1000)} s)…`,
    );

    const texts = bench.sqlite.prepare(`select count(*) as n from simulator_messages where direction = 'to-phone'`);
    const total = count * perCampaign;
    await waitFor(() => (texts.get() as { n: number }).n >= total, {
      timeoutMs: spreadMs + LEAD_MS + 60_000,
      everyMs: 10_000,
      log,
      what: `all ${total} texts`,
      progress: () => `${(texts.get() as { n: number }).n} of ${total} texts handed off`,
    });

    const handOffs = bench.sqlite.prepare(
      `select min(sm.created_at) as first, max(sm.created_at) as last, count(*) as n
       from messages m join simulator_messages sm on sm.idempotency_key = 'te-msg-' || m.id
       where m.campaign_message_id = ?`,
    );
    const firstLate: number[] = [];
    const lastLate: number[] = [];
    for (const s of scheduled) {
      const h = handOffs.get(s.messageId) as { first: number; last: number; n: number };
      if (h.n !== perCampaign) throw new Error(`campaign message ${s.messageId}: ${h.n} texts, expected ${perCampaign}`);
      firstLate.push(h.first - s.sendAt);
      lastLate.push(h.last - s.sendAt);
    }
    if (bench.logged.errors.length) throw new Error(`the server logged errors:\n${bench.logged.errors.join('\n')}`);
    const first = summarize(firstLate);
    const last = summarize(lastLate);
    log(`  first hand-off after sendAt: p50 ${round(first.p50)} ms, p99 ${round(first.p99)} ms, max ${round(first.max)} ms, min ${round(first.min)} ms`);
    const pass = first.p99 < TARGET_P99_MS && first.min >= 0;
    return {
      name: 'schedule-lateness',
      title: 'Lateness of scheduled campaign starts',
      command: 'npm run bench -- schedule-lateness',
      target: `first text handed off less than ${TARGET_P99_MS} ms after sendAt at p99, and never before it`,
      pass,
      metrics: {
        'first hand-off − sendAt p50 ms': round(first.p50, 1),
        'first hand-off − sendAt p99 ms': round(first.p99, 1),
        'first hand-off − sendAt max ms': round(first.max, 1),
        'first hand-off − sendAt min ms': round(first.min, 1),
        'first hand-off − sendAt mean ms': round(first.mean, 1),
        [`last of ${perCampaign} hand-offs − sendAt p99 ms`]: round(last.p99, 1),
        'scheduled messages': count,
        'recipients each': perCampaign,
        'spread s': spreadMs / 1000,
        'send rate /s': Number.isFinite(rate) ? rate : 'unlimited',
      },
      notes: [
        `The server runs in the benchmark's own process (\`createApp()\` + \`start()\`, real system clock, built-in simulator at its default rate of ${rate} segments/s, default \`DISPATCH_IDLE_POLL_MS\` ${bench.config.dispatchIdlePollMs} ms), texting hours 00:00–24:00. ` +
          `${count} campaigns of ${perCampaign} textable candidates each are created through the API; then each gets one message with a \`sendAt\` spread over ${spreadMs / 1000} s starting ${LEAD_MS / 1000} s ahead (millisecond parts from a fixed PRNG), scheduled with Save.`,
        `Lateness is the earliest \`simulator_messages.created_at\` (the simulator's record of the hand-off) among the message's texts minus its \`sendAt\`; it covers the dispatcher's wake-up timer, promoting the deliveries to the outbox and the hand-off itself. ` +
          `A negative value would mean a text went early. The last of each message's ${perCampaign} texts is reported too.`,
      ],
    };
  } finally {
    await bench.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run();
  console.log(JSON.stringify(result, null, 2));
}
