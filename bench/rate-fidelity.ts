/**
 * Rate-limit fidelity: a campaign long enough to run at the limit for a minute (and a second one
 * at Twilio's default of 1 segment per second for 30 s), measured where the texts arrive.
 *
 *   npm run bench -- rate-fidelity                           (simulator: its record of each hand-off)
 *   BENCH_PROVIDER=twilio npm run bench -- rate-fidelity     (the receiving side, over the network)
 *
 * With BENCH_PROVIDER=twilio the server runs with PROVIDER=twilio against the fake Twilio of the
 * tests (a real HTTP server), every request delayed by 0–40 ms of random "network" jitter on its
 * way, and each text is timed when the fake receives it: what a carrier counting per second sees.
 *
 * For each rate: achieved / configured segments in every full 10-second window (target 0.95 to
 * 1.00; at rates where a window holds fewer than 100 texts, over the whole run instead), and the most segments arriving in any sliding 1,000 ms window (target: never above the
 * rate). Env: BENCH_RATES (default "20:60,1:30", rate:seconds pairs), BENCH_JITTER_MS (default 40).
 */
import { pathToFileURL } from 'node:url';
import { countSegments } from '../shared/segments.js';
import { PACING_HEADROOM, PACING_LATE_SLACK_MS } from '../server/tuning.js';
import { createTwilioProvider } from '../server/providers/twilio.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, startFakeTwilio, type FakeTwilio } from '../server/test/support/fake-twilio.js';
import { startCampaignBench, waitFor } from './lib/campaign-app.js';
import { formatCount, round } from './lib/stats.js';
import type { BenchOptions, BenchResult } from './lib/types.js';

export const description = 'Achieved / configured send rate per 10 s window at 20/s and 1/s, and the most sent in any 1,000 ms';

const WINDOW_MS = 10_000;
const LOW = 0.95;
/** Texts a 10 s window must hold at the rate for one text more or less to move it by at most 1 %. */
const WINDOW_JUDGED_FROM = 100;
const HIGH = 1.0;
const BODY = 'Hi {{firstName}}, Acme Staffing has a {{jobTitle}} opening near you. Interested? Reply YES. Reply STOP to opt out.';

interface RateResult {
  rate: number;
  seconds: number;
  recipients: number;
  windows: number[];
  maxPerSecond: number;
  spanMs: number;
  segmentsPerText: number;
  /** Segments after the first text over the time from the first to the last, / rate: the sustained rate. */
  sustained: number;
}

/** The most segments in any half-open window [t, t + windowMs) of the (sorted) hand-offs. */
export function maxInSlidingWindow(sends: { at: number; segments: number }[], windowMs: number): number {
  let best = 0;
  let sum = 0;
  let start = 0;
  for (let end = 0; end < sends.length; end++) {
    sum += sends[end]!.segments;
    while (sends[end]!.at - sends[start]!.at >= windowMs) sum -= sends[start++]!.segments;
    best = Math.max(best, sum);
  }
  return best;
}

const TWILIO_MODE = process.env.BENCH_PROVIDER === 'twilio';
const JITTER_MS = Number(process.env.BENCH_JITTER_MS ?? 40);

/** Arrival times (ms) and bodies of the texts that reached the provider, oldest first. */
interface Receiver {
  count(): number;
  arrivals(): { at: number; body: string; phone: string }[];
  close(): Promise<void>;
}

/** The app with PROVIDER=twilio against the fake Twilio, each request delayed by 0–JITTER_MS ms. */
async function twilioBench(name: string, rate: number) {
  const fake: FakeTwilio = await startFakeTwilio({ now: () => Date.now() });
  const jittered = async (input: string | URL | Request, init?: RequestInit) => {
    await new Promise((r) => setTimeout(r, Math.random() * JITTER_MS));
    return fetch(input, init);
  };
  const bench = await startCampaignBench({
    name,
    env: {
      PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: FAKE_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
      TWILIO_SMS_FROM: '+15005550006',
      TWILIO_API_BASE_URL: fake.baseUrl,
      // Twilio needs an https address to report to (no callbacks are asked of the fake here).
      PUBLIC_URL: 'https://bench.test',
      SEND_RATE_PER_SECOND: String(rate),
    },
    provider: (config) => createTwilioProvider(config.twilio, { fetch: jittered as typeof fetch }),
  });
  // The demo organisations' own numbers would be the sender otherwise; the account's is the one in the env.
  bench.sqlite.prepare(`update organizations set sms_from = null, whatsapp_from = null`).run();
  const receiver: Receiver = {
    count: () => fake.created.length,
    arrivals: () => [...fake.created].sort((a, b) => a.createdAt - b.createdAt).map((m) => ({ at: m.createdAt, body: m.body, phone: m.to })),
    close: () => fake.close(),
  };
  return { bench, receiver };
}

async function simulatorBench(name: string, rate: number) {
  const bench = await startCampaignBench({ name, env: { SEND_RATE_PER_SECOND: String(rate) } });
  const count = bench.sqlite.prepare(`select count(*) as n from simulator_messages where direction = 'to-phone'`);
  const rows = bench.sqlite.prepare(`select created_at as at, body, phone from simulator_messages where direction = 'to-phone' order by created_at, id`);
  const receiver: Receiver = {
    count: () => (count.get() as { n: number }).n,
    arrivals: () => rows.all() as { at: number; body: string; phone: string }[],
    close: async () => {},
  };
  return { bench, receiver };
}

async function measureRate(rate: number, seconds: number, log: (l: string) => void): Promise<RateResult> {
  // One second more than the measured span, so the last full window ends before the campaign does.
  const recipients = rate * (seconds + 1);
  const { bench, receiver } = await (TWILIO_MODE ? twilioBench : simulatorBench)(`rate-fidelity-${rate}`, rate);
  try {
    const { atsIds } = bench.insertCandidates('R', recipients);
    const campaignId = await bench.createCampaign(`Rate ${rate}/s`, atsIds);
    const draft = await bench.api<{ message: { id: number }; review: { eligible: number; segments: { max: number } } }>(
      'POST',
      `/api/campaigns/${campaignId}/messages`,
      {
        body: BODY,
        sendAt: null,
      },
    );
    if (draft.review.eligible !== recipients) throw new Error(`expected ${recipients} eligible, the review says ${draft.review.eligible}`);
    log(`  ${rate}/s: ${formatCount(recipients)} recipients (about ${seconds + 1} s at the limit); Send…`);
    const t0 = performance.now();
    await bench.api('POST', `/api/campaigns/${campaignId}/messages/${draft.message.id}/schedule`);
    await waitFor(() => receiver.count() >= recipients, {
      timeoutMs: (seconds + 60) * 1000,
      everyMs: 10_000,
      log,
      what: `${recipients} hand-offs at ${rate}/s`,
      progress: () => `${formatCount(receiver.count())} of ${formatCount(recipients)} handed off after ${round((performance.now() - t0) / 1000, 1)} s`,
    });
    const rows = receiver.arrivals();
    const phones = new Set(rows.map((r) => r.phone)).size;
    if (rows.length !== recipients || phones !== recipients) throw new Error(`expected ${recipients} texts to as many phones, got ${rows.length} to ${phones}`);
    if (bench.logged.errors.length) throw new Error(`the server logged errors:\n${bench.logged.errors.join('\n')}`);
    const sends = rows.map((r) => ({ at: r.at, segments: countSegments(r.body).segments }));
    const first = sends[0]!.at;
    const last = sends[sends.length - 1]!.at;
    const windows: number[] = [];
    for (let start = first; start + WINDOW_MS <= last; start += WINDOW_MS) {
      let segments = 0;
      for (const s of sends) if (s.at >= start && s.at < start + WINDOW_MS) segments += s.segments;
      windows.push(segments / (rate * (WINDOW_MS / 1000)));
    }
    const result: RateResult = {
      rate,
      seconds,
      recipients,
      windows,
      maxPerSecond: maxInSlidingWindow(sends, 1000),
      spanMs: last - first,
      segmentsPerText: sends.reduce((a, s) => a + s.segments, 0) / sends.length,
      sustained: (sends.reduce((a, s) => a + s.segments, 0) - sends[0]!.segments) / ((last - first) / 1000) / rate,
    };
    log(`  ${rate}/s: windows ${windows.map((w) => round(w, 3)).join(', ')}; most in any 1,000 ms: ${result.maxPerSecond}`);
    return result;
  } finally {
    await bench.close();
    await receiver.close();
  }
}

export async function run(options: BenchOptions = {}): Promise<BenchResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const plan = (process.env.BENCH_RATES ?? '20:60,1:30').split(',').map((p) => {
    const [rate, seconds] = p.split(':').map(Number);
    if (!Number.isInteger(rate) || rate! <= 0 || !Number.isInteger(seconds) || seconds! < 10) throw new Error(`BENCH_RATES: bad entry "${p}"`);
    return { rate: rate!, seconds: seconds! };
  });
  log(`rate-fidelity: ${plan.map((p) => `${p.rate}/s for ${p.seconds} s`).join(', ')}`);
  const results: RateResult[] = [];
  for (const p of plan) results.push(await measureRate(p.rate, p.seconds, log));

  const metrics: Record<string, number | string> = {};
  let pass = true;
  for (const r of results) {
    const k = `${r.rate}/s`;
    const lo = Math.min(...r.windows);
    const hi = Math.max(...r.windows);
    // A 10 s window counts whole texts: at 1/s it holds 9 or 10 of the 9.55 an evenly paced
    // sender sends, so below WINDOW_JUDGED_FROM texts a window the sustained rate is judged instead.
    const judgedByWindow = r.rate * (WINDOW_MS / 1000) >= WINDOW_JUDGED_FROM;
    const achievedOk = judgedByWindow ? r.windows.length > 0 && lo >= LOW : r.sustained >= LOW;
    const ok = achievedOk && hi <= HIGH && r.maxPerSecond <= r.rate;
    pass &&= ok;
    metrics[`${k}: achieved/configured, lowest 10 s window`] = round(lo, 3);
    metrics[`${k}: achieved/configured, highest 10 s window`] = round(hi, 3);
    metrics[`${k}: most segments in any 1,000 ms (limit ${r.rate})`] = r.maxPerSecond;
    metrics[`${k}: sustained over the whole run (achieved/configured)`] = round(r.sustained, 4);
    metrics[`${k}: every full window`] = r.windows.map((w) => round(w, 3)).join(', ');
    metrics[`${k}: recipients`] = r.recipients;
    metrics[`${k}: first to last hand-off s`] = round(r.spanMs / 1000, 2);
    metrics[`${k}: segments per text`] = round(r.segmentsPerText, 2);
  }
  return {
    // Its own section of docs/BENCHMARKS.md: the receiving side's numbers sit beside the simulator's.
    name: TWILIO_MODE ? 'rate-fidelity-twilio' : 'rate-fidelity',
    title: TWILIO_MODE
      ? 'Rate-limit fidelity at the receiving side (Twilio mode, even pacing)'
      : 'Rate-limit fidelity: achieved / configured per 10-second window',
    command: TWILIO_MODE ? 'BENCH_PROVIDER=twilio npm run bench -- rate-fidelity' : 'npm run bench -- rate-fidelity',
    target: `achieved / configured between ${LOW.toFixed(2)} and ${HIGH.toFixed(2)} in every full 10 s window (below ${WINDOW_JUDGED_FROM} texts a window, e.g. 1/s: over the whole run, since a window counts whole texts), and never more than the rate in any 1,000 ms`,
    pass,
    metrics,
    notes: [
      ...(TWILIO_MODE
        ? [
            `Twilio mode: \`PROVIDER=twilio\` against the tests' fake Twilio (a real HTTP server on this machine); every request to it is delayed by a random 0–${JITTER_MS} ms before it leaves (network jitter), and each text is timed when the fake receives it (its \`created[].createdAt\`), so the numbers are what the receiving side sees.`,
            `Texts are spaced evenly: one segment every 1 / (${PACING_HEADROOM} × rate) s (\`PACING_HEADROOM\`), so 1,000 ms at the receiver holds at most the rate even when neighbouring texts' delays differ by up to ${Math.floor(1000 / PACING_HEADROOM - 1000 - PACING_LATE_SLACK_MS)} ms; hence achieved ≈ ${PACING_HEADROOM} at best. A hand-off whose timer fires more than ${PACING_LATE_SLACK_MS} ms late moves the rest of the sender's schedule back by the delay (or, when another process has claimed slots since, takes the next free slot), so only the delay is lost.`,
            'At 1/s a 10 s window holds 9 or 10 texts (one every 1.047 s), so a window can read 0.9 with nothing lost: below 100 texts a window, the sustained rate over the whole run is what is judged.',
            "Before even pacing (a sliding window), issue 13 reported 28–39 texts within one second at the receiving side at 20/s: a whole second's budget left at once, then jitter.",
          ]
        : []),
      `The server runs in the benchmark's own process (\`createApp()\` + \`start()\`, real system clock, built-in simulator), on a fresh database file per rate, with \`SEND_RATE_PER_SECOND\` set to the rate and texting hours 00:00–24:00. ` +
        `A campaign of rate × (seconds + 1) textable SMS candidates is sent at once through the API (single-segment GSM-7 texts, so segments = texts), so it runs at the limit for the whole span measured.`,
      `Windows are cut from the first hand-off, 10 s each; a window is "full" when the campaign was still sending at its end. Achieved is the segments whose \`simulator_messages.created_at\` (the simulator's record of the hand-off) falls in the window, ` +
        `over rate × 10. "Sustained" is every segment after the first text's over the time from the first to the last hand-off, over the rate (texts are spaced evenly, so there is no first-second burst to leave out). The 1,000 ms check slides over every hand-off: the most segments with timestamps less than 1,000 ms apart. Delivery reports, promotion of deliveries into the outbox and everything else run alongside, as in production.`,
    ],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run();
  console.log(JSON.stringify(result, null, 2));
}
