/**
 * Pictures and files that come with candidates' texts. The inbound service records each as a
 * pending `message_media` row in the text's own transaction; this service then fetches the bytes
 * from the provider (`provider.fetchMedia`), stores them, and tells the organisation's clients
 * (`message.updated`). A fetch that fails for a passing reason is tried again with backoff; one
 * that keeps failing, or fails for good, leaves the attachment `failed` ("Attachment unavailable").
 * Clients read the bytes from our own API (routes/media.ts), never from the provider.
 */
import type { MessageMedia } from '../../shared/api.js';
import type { Deps } from '../deps.js';
import { ProviderError } from '../providers/types.js';
import { MEDIA_FETCH_ATTEMPTS, MEDIA_RETRY_FIRST_MS } from '../tuning.js';
import { notFound } from '../lib/errors.js';
import { MESSAGE_COLUMNS, messageJson, type MessageRow } from './message-json.js';

interface PendingRow {
  id: number;
  orgId: number;
  messageId: number;
  url: string | null;
  attempts: number;
}

/** The content types served inline (as pictures); everything else is a download. */
export const INLINE_IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export function createMediaService(deps: Deps) {
  const { db, clock, provider, events, log } = deps;
  const sqlite = db.$client;
  const stmt = {
    insert: sqlite.prepare(
      `insert into message_media (org_id, message_id, idx, content_type, provider_url, status, created_at) values (?, ?, ?, ?, ?, 'pending', ?)
       returning id, content_type as contentType, status`,
    ),
    ofMessage: sqlite.prepare(`select id, content_type as contentType, status from message_media where message_id = ? order by idx`),
    pending: sqlite.prepare(
      `select id, org_id as orgId, message_id as messageId, provider_url as url, attempts from message_media where status = 'pending' order by id limit 100`,
    ),
    stored: sqlite.prepare(
      `update message_media set status = 'stored', bytes = ?, size = ?, provider_url = null, attempts = attempts + 1 where id = ? and status = 'pending'`,
    ),
    failed: sqlite.prepare(`update message_media set status = 'failed', provider_url = null, attempts = attempts + 1 where id = ? and status = 'pending'`),
    tried: sqlite.prepare(`update message_media set attempts = attempts + 1 where id = ? and status = 'pending'`),
    message: sqlite.prepare(`select ${MESSAGE_COLUMNS}, (select ats_id from candidates c where c.id = m.candidate_id) as atsId from messages m where m.id = ?`),
    file: sqlite.prepare(`select content_type as contentType, bytes, status from message_media where id = ? and org_id = ?`),
  };

  /** Attachments being fetched (or waiting for their retry) in this process. */
  const inFlight = new Set<number>();
  const retries = new Set<() => void>();
  let stopped = false;

  function jsonOf(row: { id: number; contentType: string; status: MessageMedia['status'] }): MessageMedia {
    return { url: `/api/media/${row.id}`, contentType: row.contentType, status: row.status };
  }

  /** A text's attachments as its JSON carries them (the thread's SQL builds the same). */
  function mediaOf(messageId: number): MessageMedia[] {
    return (stmt.ofMessage.all(messageId) as { id: number; contentType: string; status: MessageMedia['status'] }[]).map(jsonOf);
  }

  /** Records a text's attachments as pending (inside the caller's transaction); returns their JSON. */
  function record(orgId: number, messageId: number, media: { url: string; contentType: string }[], now: number): MessageMedia[] {
    return media.map((m, idx) =>
      jsonOf(stmt.insert.get(orgId, messageId, idx, m.contentType, m.url, now) as { id: number; contentType: string; status: 'pending' }),
    );
  }

  /** Fetches every pending attachment not already on its way (after an inbound text, and at start for those a restart left). */
  function fetchPending(): void {
    if (stopped) return;
    for (const row of stmt.pending.all() as PendingRow[]) {
      if (inFlight.has(row.id)) continue;
      inFlight.add(row.id);
      void fetchOne(row);
    }
  }

  async function fetchOne(row: PendingRow): Promise<void> {
    let outcome: 'stored' | 'failed' | 'retry';
    try {
      if (!row.url || !provider.fetchMedia)
        throw new ProviderError({ kind: 'permanent', reason: 'UNKNOWN', code: 'NO_MEDIA', message: 'The provider cannot fetch attachments.' });
      const { bytes } = await provider.fetchMedia(row.url);
      stmt.stored.run(bytes, bytes.length, row.id);
      outcome = 'stored';
    } catch (err) {
      const passing = err instanceof ProviderError ? err.kind !== 'permanent' : true;
      const last = row.attempts + 1 >= MEDIA_FETCH_ATTEMPTS;
      log.warn('attachment not fetched', {
        media: row.id,
        attempt: row.attempts + 1,
        error: err instanceof Error ? err.message : String(err),
        final: !passing || last,
      });
      if (!passing || last) {
        stmt.failed.run(row.id);
        outcome = 'failed';
      } else {
        stmt.tried.run(row.id);
        outcome = 'retry';
      }
    }
    if (outcome === 'retry') {
      const wait = MEDIA_RETRY_FIRST_MS * 2 ** row.attempts;
      const cancel = clock.setTimeout(() => {
        retries.delete(cancel);
        inFlight.delete(row.id);
        fetchPending();
      }, wait);
      retries.add(cancel);
      return;
    }
    inFlight.delete(row.id);
    publish(row.orgId, row.messageId);
  }

  function publish(orgId: number, messageId: number) {
    if (!events.subscriberCount(orgId)) return;
    const found = stmt.message.get(messageId) as (MessageRow & { atsId: string }) | undefined;
    if (!found) return;
    events.publish(orgId, { type: 'message.updated', data: messageJson(found, found.atsId, null, mediaOf(messageId)) });
  }

  return {
    record,
    mediaOf,
    fetchPending,
    /** One attachment's bytes for the caller's organisation; 404 for another's, or one not (yet) stored. */
    file(orgId: number, id: number): { contentType: string; bytes: Buffer } {
      const row = stmt.file.get(id, orgId) as { contentType: string; bytes: Buffer | null; status: string } | undefined;
      if (!row || row.status !== 'stored' || !row.bytes) throw notFound('Attachment');
      return { contentType: row.contentType, bytes: row.bytes };
    },
    start() {
      stopped = false;
      fetchPending();
    },
    stop() {
      stopped = true;
      for (const cancel of retries) cancel();
      retries.clear();
    },
  };
}

export type MediaService = ReturnType<typeof createMediaService>;
