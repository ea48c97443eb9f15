/**
 * The server's tuning knobs: batch sizes, gathering windows, intervals. Each trades throughput or
 * latency against load; none changes what the server does. Settings an operator changes are in
 * config.ts (environment variables); limits the API promises (page sizes, file sizes) stay with
 * the API. Knobs of the send path that live with it: the outbox (batch, concurrency, retries and
 * their backoff) and campaign delivery (promotion batch, queue target, progress interval).
 */

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

// ── Ari ──
/** A candidate's replies are gathered this long before Ari answers, so "Yes" + "yes!" get one answer. */
export const ASSISTANT_GATHER_MS = 300;
/** Candidates known to have been texted, remembered to spare a query per reply; past this many the memory starts over. */
export const ASSISTANT_TEXTED_CACHE_SIZE = 100_000;

// ── Integration keys ──
/** Writing "last used" on every call would cost a write per sync request: once a minute is enough to read. */
export const API_KEY_LAST_USED_RESOLUTION_MS = 60_000;
