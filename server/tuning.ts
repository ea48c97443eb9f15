/**
 * The server's tuning knobs: batch sizes, gathering windows, intervals. Each trades throughput or
 * latency against load; none changes what the server does. Settings an operator changes are in
 * config.ts (environment variables); limits the API promises (page sizes, file sizes) stay with
 * the API. Knobs of the send path that live with it: the outbox (batch, concurrency, retries and
 * their backoff) and campaign delivery (promotion batch, queue target, progress interval).
 */

// ── Sending ──
/** Texts the dispatcher claims per round: one transaction marks them and one settles them, so fewer, larger rounds cost less. */
export const OUTBOX_BATCH = 500;
/**
 * Claims on texts still with the provider are renewed this many times per lease (DISPATCH_LEASE_MS):
 * every lease / 3, so two renewals can be missed (a stalled event loop, a database busy with the
 * other process) before the claim lapses and another process may recover the text, while a crashed
 * process's claims still lapse one lease after its last renewal. More often costs a write per renewal.
 */
export const OUTBOX_LEASE_RENEWALS = 3;
/**
 * A text the provider refused for a passing reason (rate limit, outage) is retried until its
 * validity ends (valid_until: the texting window); a text without one (a one-to-one text) until
 * this long after it was queued: 10 h, the longest Twilio itself keeps a message queued.
 */
export const OUTBOX_RETRY_HORIZON_MS = 36_000_000;
/** Backoff between those tries: from this, doubling, with jitter so retries do not arrive together... */
export const OUTBOX_RETRY_FIRST_MS = 2000;
/** ...up to this (a provider's Retry-After is honoured when longer): an outage's end is noticed within a minute. */
export const OUTBOX_RETRY_MOST_MS = 60_000;

// ── Reconciliation (services/reconciler.ts) ──
/** A handed-off text the provider's look-up did not find (yet) is asked about again after this, doubling... */
export const RECONCILE_RECHECK_FIRST_MS = 30_000;
/** ...up to this. */
export const RECONCILE_RECHECK_MOST_MS = 5 * 60_000;
/** Look-ups that themselves failed (not "not found") before a text is held as `unknown` for a person: about an hour of tries. */
export const RECONCILE_MAX_LOOKUP_FAILURES = 10;
/** A text still `sending` (the provider has it, no final report) this long after it went is fetched by its provider id... */
export const RECONCILE_AFTER_MS = 10 * 60_000;
/** ...and again, doubling, up to this apart, until its status is final. */
export const RECONCILE_MOST_MS = 6 * 3_600_000;
/** Texts reconciled per dispatcher round at most. */
export const RECONCILE_BATCH = 50;

// ── Sending paused (services/sending-state.ts) ──
/** After the provider refused the account's credentials, it is probed this often at first, doubling... */
export const SENDING_PROBE_FIRST_MS = 5000;
/** ...up to this. */
export const SENDING_PROBE_MOST_MS = 5 * 60_000;
/** Due campaign deliveries turned into texts per round. */
export const CAMPAIGN_PROMOTE_BATCH = 1000;
/** A promotion that found its campaigns locked (another instance promoting them, or an edit) tries again this much later. */
export const CAMPAIGN_PROMOTE_RETRY_MS = 100;
/** Campaign texts kept waiting in the outbox at most; the rest stay deliveries until closer to their turn (so a recipient removed or opted out meanwhile is never queued). */
export const CAMPAIGN_QUEUE_TARGET = 2000;
/** `campaign.updated` at most this often per campaign while it sends: live numbers without an event per text. */
export const CAMPAIGN_PUBLISH_INTERVAL_MS = 500;
/** Times a campaign text that expired unsent at the provider (its texting window closed while queued there) is re-armed for the next window. */
export const CAMPAIGN_MAX_REARMS = 3;
/** Recipients per insert statement when candidates are added (SQLite's limit on bound parameters). */
export const CAMPAIGN_INSERT_CHUNK = 500;

// ── Pacing (server/lib/pacer.ts) ──
/**
 * Fraction of a sender's rate actually scheduled. Texts are spaced 1000 / (rate × this) ms per
 * segment, so any 1,000 ms at the provider holds at most `rate` segments even when each one's
 * arrival is delayed by up to 1000 / 0.955 − 1000 ≈ 47 ms more than its neighbour's (network
 * jitter of 0–40 ms, plus timer lateness), while the achieved rate stays above 0.95 of the rate.
 */
export const PACING_HEADROOM = 0.955;
/**
 * A round claims the texts whose slots fall within this much of now; each then waits for its own
 * slot. Longer means fewer rounds at high rates; shorter lets a one-to-one text overtake sooner.
 */
export const PACING_LOOKAHEAD_MS = 250;
/**
 * A hand-off whose timer fired up to this late still goes, and the next text keeps its slot. A
 * one-second window at the provider holds more than the rate only when a text arrives ~47 ms
 * (PACING_HEADROOM's room) later, relative to its slot, than one a second after it: this much of
 * that is the sender's, the rest is left for the way there and the provider's side. Later than
 * this (the event loop was busy), the text takes a new slot (pacing: handOffAt), which costs the
 * rate one slot, so it must be rare: a few milliseconds' lateness is common on a busy machine.
 */
export const PACING_LATE_SLACK_MS = 20;

/**
 * A text is marked handed over (a database write that checks the claim is still this process's)
 * this long before its slot, so the write's time on a busy database never makes it late.
 */
export const HANDOFF_MARK_AHEAD_MS = 100;

// ── Media (services/media.ts) ──
/** Tries to fetch a picture or file of an incoming text from the provider before it shows as "Attachment unavailable". */
export const MEDIA_FETCH_ATTEMPTS = 3;
/** Wait before the second try, doubling after: a provider's storage that hiccups gets seconds, not milliseconds. */
export const MEDIA_RETRY_FIRST_MS = 5000;

// ── Events ──
/** A comment line on each event stream this often, so proxies and load balancers never see it idle (most close after 30-60 s). */
export const EVENTS_HEARTBEAT_MS = 15_000;
/**
 * Events waiting for a client that reads too slowly: past this the stream is closed rather than let
 * the server's memory grow; the client reconnects and reloads what it shows, as after any reconnect.
 */
export const EVENTS_MAX_QUEUED = 1000;
/** Changes to candidates' data are gathered this long before `candidates.updated`: an import of 100,000 rows becomes a few dozen events. */
export const CANDIDATE_CHANGES_WINDOW_MS = 250;
/** The most ids in one `candidates.updated`; more are split over several, so no event is megabytes. */
export const CANDIDATE_CHANGES_IDS_PER_EVENT = 1000;

// ── Imports ──
/** Rows per transaction: big enough to amortise the commit, small enough to keep the server responsive meanwhile. */
export const IMPORT_BATCH_ROWS = 500;
/** The import's spool is written and read in large chunks: far fewer waits on the disk than the 16 KB default. */
export const IMPORT_SPOOL_BUFFER_BYTES = 1024 * 1024;
/**
 * An import is held by the instance running it for this long, renewed with every batch and every
 * third of it: an instance that died has its imports failed this long after its last sign of life.
 */
export const IMPORT_LEASE_MS = 60_000;

// ── Ari ──
/** A candidate's replies are gathered this long before Ari answers, so "Yes" + "yes!" get one answer. */
export const ASSISTANT_GATHER_MS = 300;
/** A turn that failed (rolled back, so nothing of it happened) is tried again this much later, not in every round. */
export const ASSISTANT_TURN_RETRY_MS = 60_000;
/** Candidates known to have been texted, remembered to spare a query per reply; past this many the memory starts over. */
export const ASSISTANT_TEXTED_CACHE_SIZE = 100_000;

// ── Integration keys ──
/** Writing "last used" on every call would cost a write per sync request: once a minute is enough to read. */
export const API_KEY_LAST_USED_RESOLUTION_MS = 60_000;
