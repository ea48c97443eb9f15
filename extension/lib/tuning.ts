/**
 * The extension's tuning knobs: how long it caches, waits and polls. Each trades freshness or
 * responsiveness against requests to the server; none changes what the extension does. Limits
 * the server or the relay enforce (ids per look-up, a page's largest size) are protocol, not here.
 */

/**
 * How long a candidate's look-up answer is kept: by the background for every tab, and by the
 * phone badges for their view. Paging back and forth in a search asks the server once, and a
 * `candidate.updated` event replaces an answer sooner.
 */
export const LOOKUP_CACHE_MS = 10_000;

/** The event stream's reconnects: about this long after a drop, doubling (with jitter) up to the most, so a restarting server is not stormed. */
export const STREAM_RETRY_FIRST_MS = 1000;
export const STREAM_RETRY_MOST_MS = 30_000;

/** How long the live connection may be down before the Text Engagement tab says so: a brief blip or a server restart passes unsaid. */
export const UNREACHABLE_NOTICE_AFTER_MS = 2500;

/** A thread is read page by page: at most this many pages in one load, so a very long thread cannot keep the tab loading. */
export const THREAD_MAX_PAGES = 40;
/** Messages per page of a thread: the most the server gives at once (its default page is 100), so a long thread takes few requests. */
export const THREAD_PAGE_SIZE = 500;

/** Events come in bursts (Ari's text, then the candidate's update): Ari's state is asked for once the burst has passed. */
export const ASSISTANT_REFRESH_AFTER_MS = 250;

/** Recipients per page in a campaign's Candidates tab: a screenful and more, in one request. */
export const RECIPIENTS_PAGE = 100;

/** While a campaign sends, `campaign.updated` comes every half second: its recipients are read again at most this often. */
export const RECIPIENTS_REFRESH_AFTER_MS = 600;

/** While a campaign sends, its numbers are read this often too: a safety net should the event stream drop. */
export const CAMPAIGN_POLL_MS = 4000;

/** An update for a campaign the toolbar popup's list does not have: the list is read again once the burst has passed. */
export const CAMPAIGN_LIST_REFRESH_AFTER_MS = 500;

/** How often the options page asks about a running import (a large file takes seconds; the bar should move smoothly). */
export const IMPORT_POLL_MS = 400;

/** A page's events port that closed (the background restarted) is reopened after this. */
export const EVENTS_PORT_REOPEN_MS = 1000;
/** A page pings the background this often while its events port is open: Chrome stops an idle service worker after 30 s. */
export const EVENTS_PORT_PING_MS = 20_000;
/** The toolbar's unread count is asked for once a burst of events has passed, not once per event. */
export const UNREAD_REFRESH_AFTER_MS = 300;
