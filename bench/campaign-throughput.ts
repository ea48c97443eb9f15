/**
 * A campaign of 500, 5,000 and 50,000 recipients against the unthrottled simulator, end to end.
 *
 *   npm run bench -- campaign-throughput       (or: npx tsx bench/campaign-throughput.ts)
 *
 * Each size runs on a fresh database file (the demo seed plus that many textable SMS candidates,
 * inserted with one prepared statement in a transaction), with the whole server in this process
 * on the real system clock: createApp() + start(), SEND_RATE_PER_SECOND=unlimited, texting hours
 * 00:00–24:00 (PATCH /api/organization), CAMPAIGN_MAX_RECIPIENTS raised to the size. The campaign
 * is built through the API (create, add candidates in batches of 5,000, draft the message), then
 * the clock starts at the Send call (POST .../schedule) and stops when the last recipient's text
 * is handed to the simulator (its simulator_messages.created_at), and separately when the server
 * has recorded every text as delivered (the simulator reports sent after 300 ms and delivered
 * after 900 ms, so "all delivered" is at least 0.9 s after the last hand-off by construction).
 * Env: BENCH_SIZES (default 500,5000,50000).
 */
import { pathToFileURL } from 'node:url';
import { startCampaignBench, waitFor } from './lib/campaign-app.js';
import { formatCount, round } from './lib/stats.js';
import type { BenchOptions, BenchResult } from './lib/types.js';

export const description = 'Campaign of 500 / 5,000 / 50,000 recipients, unthrottled simulator: messages per second, Send to last hand-off';

const TARGET_SIZE = 50_000;
const TARGET_SECONDS = 10;
/**
 * Time per message at 50,000 may be at most this multiple of that at 5,000. (The 500 case is
 * reported against too, but is not the yardstick: it is over before the first delivery report is
 * due, 300 ms after the first hand-off, so it never carries the report traffic the others do.)
 */
const LINEAR_RATIO = 1.5;
const LINEAR_BASE = 5_000;
const BODY = 'Hi {{firstName}}, Acme Staffing is hiring a {{jobTitle}} near you: $19-$22/hr, weekly pay. Interested? Reply YES. Reply STOP to opt out.';

interface SizeResult {
  size: number;
  setupSeconds: number;
  insertMs: number;
  scheduleCallMs: number;
  firstHandoffMs: number;
  lastHandoffMs: number;
  allDeliveredMs: number;
  campaignSentMs: number | null;
  cpuShare: number;
  /** This process's CPU time from Send to all delivered: every piece of work each text causes. */
  cpuMs: number;
  /** Longest the event loop was blocked between Send and all delivered (no request could be answered meanwhile). */
  maxStallMs: number;
  p99StallMs: number;
  texts: number;
  distinctPhones: number;
}

async function campaignOf(size: number, log: (l: string) => void, quiet = false): Promise<SizeResult> {
  const setupStarted = performance.now();
  const bench = await startCampaignBench({
    name: `campaign-throughput-${size}`,
    env: { SEND_RATE_PER_SECOND: 'unlimited', CAMPAIGN_MAX_RECIPIENTS: String(Math.max(5000, size)) },
  });
  try {
    const { atsIds, ms: insertMs } = bench.insertCandidates('T', size);
    const campaignId = await bench.createCampaign(`Throughput ${size}`, atsIds);
    const draft = await bench.api<{ message: { id: number }; review: { eligible: number; recipients: number } }>(
      'POST',
      `/api/campaigns/${campaignId}/messages`,
      {
        body: BODY,
        sendAt: null,
      },
    );
    if (draft.review.eligible !== size)
      throw new Error(`expected ${size} eligible recipients, the review says ${draft.review.eligible} of ${draft.review.recipients}`);
    const messageId = draft.message.id;
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    if (!quiet) log(`  ${formatCount(size)} recipients: set up in ${round(setupSeconds, 1)} s (candidates inserted in ${Math.round(insertMs)} ms); Send…`);

    // Hand-offs are counted from the simulator's table (a listener on the simulator would make it
    // read back every status change, which it does only for a watcher such as its own page).
    let handed = 0;
    let delivered = 0;
    // The simulator's table holds only this campaign's texts, ids from 1 up: max(id) is the count, in one index seek.
    const countHanded = bench.sqlite.prepare(`select coalesce(max(id), 0) as n from simulator_messages`);
    let polledAt = 0;
    const allHanded = () => {
      if (performance.now() - polledAt >= 100) {
        polledAt = performance.now();
        handed = (countHanded.get() as { n: number }).n;
      }
      return handed >= size;
    };
    bench.te.services.inbound.onStatusChange((row) => {
      if (row.campaignMessageId === messageId && row.status === 'delivered') delivered++;
    });

    // A 10 ms ticker: any longer gap between ticks is time the event loop could not run anything else.
    const gaps: number[] = [];
    let lastTick = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      gaps.push(now - lastTick - 10);
      lastTick = now;
    }, 10);
    const cpu0 = process.cpuUsage();
    const t0Wall = Date.now();
    const t0 = performance.now();
    await bench.api('POST', `/api/campaigns/${campaignId}/messages/${messageId}/schedule`);
    const scheduleCallMs = performance.now() - t0;
    const progress = () => `${formatCount(handed)} handed off, ${formatCount(delivered)} delivered after ${round((performance.now() - t0) / 1000, 1)} s`;
    const timeoutMs = 60_000 + size * 2;
    await waitFor(allHanded, { timeoutMs, progress, log: quiet ? undefined : log, what: 'the last hand-off' });
    const handedAt = performance.now(); // within 100 ms of the last hand-off (polled)
    const cpuToHandoff = process.cpuUsage(cpu0);
    await waitFor(() => delivered >= size, { timeoutMs, progress, log: quiet ? undefined : log, what: 'every delivery report' });
    const allDeliveredMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(ticker);
    gaps.sort((a, b) => a - b);

    const texts = bench.sqlite
      .prepare(
        `select count(*) as n, count(distinct phone) as phones, min(created_at) as first, max(created_at) as last from simulator_messages where direction = 'to-phone'`,
      )
      .get() as { n: number; phones: number; first: number; last: number };
    const recorded = bench.sqlite
      .prepare(`select count(*) as n, sum(status = 'delivered') as delivered from messages where campaign_message_id = ?`)
      .get(messageId) as { n: number; delivered: number };
    const cm = bench.sqlite.prepare(`select status, completed_at as "completedAt" from campaign_messages where id = ?`).get(messageId) as {
      status: string;
      completedAt: number | null;
    };
    if (texts.n !== size || texts.phones !== size) throw new Error(`expected ${size} texts to ${size} phones, the simulator has ${texts.n} to ${texts.phones}`);
    if (recorded.n !== size || recorded.delivered !== size)
      throw new Error(`expected ${size} delivered texts, the server recorded ${recorded.delivered} of ${recorded.n}`);
    if (bench.logged.errors.length) throw new Error(`the server logged errors:\n${bench.logged.errors.join('\n')}`);
    const result: SizeResult = {
      size,
      setupSeconds,
      insertMs,
      scheduleCallMs,
      firstHandoffMs: texts.first - t0Wall,
      lastHandoffMs: texts.last - t0Wall,
      allDeliveredMs,
      campaignSentMs: cm.status === 'sent' && cm.completedAt != null ? cm.completedAt - t0Wall : null,
      cpuShare: (cpu.user + cpu.system) / 1000 / allDeliveredMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxStallMs: Math.max(0, gaps[gaps.length - 1] ?? 0),
      p99StallMs: Math.max(0, gaps[Math.min(gaps.length - 1, Math.ceil(gaps.length * 0.99) - 1)] ?? 0),
      texts: texts.n,
      distinctPhones: texts.phones,
    };
    if (!quiet) {
      log(
        `  ${formatCount(size)}: Send call ${Math.round(scheduleCallMs)} ms, first hand-off ${result.firstHandoffMs} ms, last ${result.lastHandoffMs} ms ` +
          `(${formatCount(Math.round(size / (result.lastHandoffMs / 1000)))} msg/s; seen by polling at ${Math.round(handedAt - t0)} ms), all delivered ${Math.round(allDeliveredMs)} ms, CPU to last hand-off ${Math.round((cpuToHandoff.user + cpuToHandoff.system) / 1000)} ms, longest event-loop stall ${Math.round(result.maxStallMs)} ms`,
      );
    }
    return result;
  } finally {
    await bench.close();
  }
}

export async function run(options: BenchOptions = {}): Promise<BenchResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const sizes = (process.env.BENCH_SIZES ?? `500,5000,${TARGET_SIZE}`)
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a - b);
  log(`campaign-throughput: warm-up campaign of 300 (not reported), then ${sizes.map(formatCount).join(', ')}`);
  await campaignOf(300, log, true);
  const results: SizeResult[] = [];
  for (const size of sizes) results.push(await campaignOf(size, log));

  const msPerMessage = (r: SizeResult) => r.lastHandoffMs / r.size;
  // The cost per text: CPU from Send until its last delivery report is applied. Wall time to the
  // last hand-off is not comparable across sizes: a small campaign is handed off before its
  // delivery reports arrive and applies them afterwards, a large one applies them while sending.
  const cpuPerMessage = (r: SizeResult) => r.cpuMs / r.size;
  const smallest = results[0]!;
  const largest = results[results.length - 1]!;
  const ratio = cpuPerMessage(largest) / cpuPerMessage(smallest);
  const base = results.find((r) => r.size === LINEAR_BASE && r !== largest);
  const baseRatio = base ? cpuPerMessage(largest) / cpuPerMessage(base) : null;
  const wallRatio = base ? msPerMessage(largest) / msPerMessage(base) : null;
  const target = results.find((r) => r.size === TARGET_SIZE);
  const fastEnough = target ? target.lastHandoffMs < TARGET_SECONDS * 1000 : false;
  const linear = baseRatio == null || baseRatio <= LINEAR_RATIO;

  const metrics: Record<string, number | string> = {};
  if (target) {
    metrics[`${formatCount(TARGET_SIZE)}: Send to last hand-off s`] = round(target.lastHandoffMs / 1000, 2);
    metrics[`${formatCount(TARGET_SIZE)}: messages/s`] = Math.round(target.size / (target.lastHandoffMs / 1000));
  }
  if (base) metrics[`CPU ms/message ratio ${formatCount(largest.size)} / ${formatCount(base.size)}`] = round(baseRatio!, 2);
  metrics[`CPU ms/message ratio ${formatCount(largest.size)} / ${formatCount(smallest.size)}`] = round(ratio, 2);
  if (base) metrics[`wall ms/message ratio ${formatCount(largest.size)} / ${formatCount(base.size)} (Send to last hand-off)`] = round(wallRatio!, 2);
  for (const r of results) {
    const k = formatCount(r.size);
    metrics[`${k}: messages/s (Send to last hand-off)`] = Math.round(r.size / (r.lastHandoffMs / 1000));
    metrics[`${k}: wall ms/message (Send to last hand-off)`] = round(msPerMessage(r), 3);
    metrics[`${k}: CPU ms/message (Send to all delivered)`] = round(cpuPerMessage(r), 3);
    metrics[`${k}: Send call ms`] = Math.round(r.scheduleCallMs);
    metrics[`${k}: first hand-off ms`] = r.firstHandoffMs;
    metrics[`${k}: last hand-off ms`] = r.lastHandoffMs;
    metrics[`${k}: all delivered ms`] = Math.round(r.allDeliveredMs);
    metrics[`${k}: campaign marked sent ms`] = r.campaignSentMs ?? 'not sent';
    metrics[`${k}: process CPU (share of one core)`] = round(r.cpuShare, 2);
    metrics[`${k}: longest event-loop stall ms`] = Math.round(r.maxStallMs);
    metrics[`${k}: event-loop stall p99 ms`] = Math.round(r.p99StallMs);
  }

  return {
    name: 'campaign-throughput',
    title: 'Campaign throughput: 500, 5,000 and 50,000 recipients, end to end',
    command: 'npm run bench -- campaign-throughput',
    target: `${formatCount(TARGET_SIZE)} recipients from Send to last hand-off in under ${TARGET_SECONDS} s; CPU ms per message at ${formatCount(TARGET_SIZE)} at most ${LINEAR_RATIO}× that at ${formatCount(LINEAR_BASE)}`,
    pass: fastEnough && linear,
    metrics,
    notes: [
      `Cost growing linearly is judged on CPU ms per message, ${formatCount(TARGET_SIZE)} against ${formatCount(LINEAR_BASE)}: this process's CPU time from Send until the last "delivered" report is applied, ` +
        `which counts the same work for every text at every size (its delivery row, promotion, claim, hand-off, outcome, two reports). Wall ms/message to the last hand-off is reported too but is not comparable across sizes: ` +
        `a campaign of 500 or 5,000 is handed off before most of its delivery reports are due (300 ms and 900 ms after each hand-off) and applies them afterwards, while a 50,000 campaign applies 100,000 reports while it is still sending, on the same core.`,
      `Where the time goes (CPU profile of the 50,000 run: \`BENCH_SIZES=50000 node --cpu-prof --import tsx bench/campaign-throughput.ts\`): roughly 40% applying the simulator's 100,000 delivery reports (each logged as a webhook and applied with a compare-and-set update, a batch per transaction), ` +
        `45% the dispatcher (promoting deliveries into outbox texts, claiming, handing off, recording outcomes) and the rest the Send call's review and delivery rows; nearly all of it is SQLite statement time. ` +
        `The dispatcher yields to the event loop between rounds, so reports, webhooks and API requests are served while a campaign sends.`,
      `History: the first run of this benchmark, before the performance work that came with it (prepared statements in the per-text paths, batched simulator records and reports, indexed early-report look-ups, ` +
        `fast segment counting), handed off 5,000 recipients in 19.7 s (253 messages/s, a 5.7 s Send call) on this machine; 50,000 took 45 s after the first fixes alone.`,
      `The server runs in the benchmark's own process (\`createApp()\` + \`start()\`, real system clock, built-in simulator provider, \`SEND_RATE_PER_SECOND=unlimited\`), on a fresh WAL database file per size under \`.tmp/bench/\`: ` +
        `the demo seed plus N textable SMS candidates written with one prepared INSERT in a transaction (phones over 8 US area codes, half with an explicit time zone, half left to the area code). ` +
        `Texting hours are set to 00:00–24:00 through \`PATCH /api/organization\` and \`CAMPAIGN_MAX_RECIPIENTS\` is raised to N, so nothing is held back or refused.`,
      `The campaign is built through the API as recruiter@acme.test (create with the first 5,000 candidates, \`POST /candidates\` in batches of 5,000, draft the message; the review must find all N eligible). ` +
        `Timing starts at the Send call (\`POST /api/campaigns/:id/messages/:messageId/schedule\`, which itself writes the N delivery rows) and ends at the last \`simulator_messages.created_at\` ` +
        `(the simulator's record of the hand-off). "All delivered" is when the server has applied every "delivered" report (the simulator reports sent after 300 ms and delivered after 900 ms, through the same pipeline as Twilio's webhooks), so it trails the last hand-off by at least 0.9 s.`,
      `Checked after each size: exactly N texts to N distinct phones in the simulator, N campaign texts recorded delivered, no error logged by the server. A 300-recipient campaign runs first as a warm-up (JIT) and is not reported. ` +
        `"Process CPU" is this process's CPU time from Send to all delivered over that wall time (the server is single-threaded; near 1.0 means CPU-bound). ` +
        `"Longest event-loop stall" is the longest the process could not run anything else in that time (the largest gap between the ticks of a 10 ms interval timer, less its 10 ms): no API request or webhook could be answered meanwhile.`,
    ],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run();
  console.log(JSON.stringify(result, null, 2));
}
