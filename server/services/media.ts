/**
 * Pictures and files that come with candidates' texts. The inbound service records each as a
 * pending `message_media` row in the text's own transaction; this service then fetches the bytes
 * from the provider (`provider.fetchMedia`), stores them, and tells the organisation's clients
 * (`message.updated`). A fetch that fails for a passing reason is tried again with backoff; one
 * that keeps failing, or fails for good, leaves the attachment `failed` ("Attachment unavailable").
 * Clients read the bytes from our own API (routes/media.ts), never from the provider.
 */
import type { MessageMedia } from '../../shared/api.js';
import type { Db } from '../db/types.js';
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
  const stmt = {
    insert: db.stmt(
      `insert into message_media (org_id, message_id, idx, content_type, provider_url, status, created_at) values (?, ?, ?, ?, ?, 'pending', ?)
       returning id, content_type as "contentType", status`,
    ),
    ofMessage: db.stmt(`select id, content_type as "contentType", status from message_media where message_id = ? order by idx`),
    pending: db.stmt(
      `select id, org_id as "orgId", message_id as "messageId", provider_url as url, attempts from message_media where status = 'pending' order by id limit 100`,
    ),
    stored: db.stmt(
      `update message_media set status = 'stored', bytes = ?, size = ?, provider_url = null, attempts = attempts + 1 where id = ? and status = 'pending'`,
    ),
    failed: db.stmt(`update message_media set status = 'failed', provider_url = null, attempts = attempts + 1 where id = ? and status = 'pending'`),
    tried: db.stmt(`update message_media set attempts = attempts + 1 where id = ? and status = 'pending'`),
    message: db.stmt(`select ${MESSAGE_COLUMNS}, (select ats_id from candidates c where c.id = m.candidate_id) as "atsId" from messages m where m.id = ?`),
    file: db.stmt(`select content_type as "contentType", bytes, status from message_media where id = ? and org_id = ?`),
  };

  /** Attachments being fetched (or waiting for their retry) in this process. */
  const inFlight = new Set<number>();
  const retries = new Set<() => void>();
  let stopped = false;

  /** A text's attachments as its JSON carries them (the thread's SQL builds the same). */
  async function mediaOf(messageId: number): Promise<MessageMedia[]> {
    return (await db.all<{ id: number; contentType: string; status: MessageMedia['status'] }>(stmt.ofMessage, messageId)).map(mediaJson);
  }

  /** Records a text's attachments as pending inside the caller's transaction (`tx`); returns their JSON. */
  async function record(tx: Db, orgId: number, messageId: number, media: { url: string; contentType: string }[], now: number): Promise<MessageMedia[]> {
    const recorded: MessageMedia[] = [];
    for (const [idx, m] of media.entries()) {
      recorded.push(
        mediaJson((await tx.get<{ id: number; contentType: string; status: 'pending' }>(stmt.insert, orgId, messageId, idx, m.contentType, m.url, now))!),
      );
    }
    return recorded;
  }

  /** Fetches every pending attachment not already on its way (after an inbound text, and at start for those a restart left). */
  async function fetchPending(): Promise<void> {
    if (stopped) return;
    // inFlight is checked and set with no await in between, so two callers whose reads overlap
    // (two texts' pictures arriving together) still start each fetch once.
    for (const row of await db.all<PendingRow>(stmt.pending)) {
      if (stopped) return;
      if (inFlight.has(row.id)) continue;
      inFlight.add(row.id);
      fetchOne(row).catch((err: unknown) => {
        // Its outcome could not be recorded: the row is still pending, so a later fetchPending
        // (the next text with media, or a restart) tries it again.
        inFlight.delete(row.id);
        log.error('an attachment fetch could not be recorded', { media: row.id, error: err instanceof Error ? err.message : String(err) });
      });
    }
  }

  /** fetchPending from a timer or a start, where nobody awaits it: a failed read is logged. */
  function fetchPendingSoon(): void {
    fetchPending().catch((err: unknown) => log.error('pending attachments could not be read', { error: err instanceof Error ? err.message : String(err) }));
  }

  async function fetchOne(row: PendingRow): Promise<void> {
    let outcome: 'stored' | 'failed' | 'retry';
    try {
      if (!row.url || !provider.fetchMedia)
        throw new ProviderError({ kind: 'permanent', reason: 'UNKNOWN', code: 'NO_MEDIA', message: 'The provider cannot fetch attachments.' });
      const { bytes } = await provider.fetchMedia(row.url);
      await db.run(stmt.stored, bytes, bytes.length, row.id);
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
        await db.run(stmt.failed, row.id);
        outcome = 'failed';
      } else {
        await db.run(stmt.tried, row.id);
        outcome = 'retry';
      }
    }
    if (outcome === 'retry') {
      const wait = MEDIA_RETRY_FIRST_MS * 2 ** row.attempts;
      const cancel = clock.setTimeout(() => {
        retries.delete(cancel);
        inFlight.delete(row.id);
        fetchPendingSoon();
      }, wait);
      retries.add(cancel);
      return;
    }
    inFlight.delete(row.id);
    await publish(row.orgId, row.messageId);
  }

  async function publish(orgId: number, messageId: number) {
    if (!events.subscriberCount(orgId)) return;
    const found = await db.get<MessageRow & { atsId: string }>(stmt.message, messageId);
    if (!found) return;
    events.publish(orgId, { type: 'message.updated', data: messageJson(found, found.atsId, null, await mediaOf(messageId)) });
  }

  return {
    record,
    mediaOf,
    fetchPending,
    /** One attachment's bytes for the caller's organisation; 404 for another's, or one not (yet) stored. */
    async file(orgId: number, id: number): Promise<{ contentType: string; bytes: Buffer }> {
      const row = await db.get<{ contentType: string; bytes: Buffer | null; status: string }>(stmt.file, id, orgId);
      if (!row || row.status !== 'stored' || !row.bytes) throw notFound('Attachment');
      return { contentType: row.contentType, bytes: row.bytes };
    },
    start() {
      stopped = false;
      fetchPendingSoon();
    },
    stop() {
      stopped = true;
      for (const cancel of retries) cancel();
      retries.clear();
    },
  };
}

export type MediaService = ReturnType<typeof createMediaService>;

/** An attachment as a message's JSON carries it (the SQLite thread page's SQL builds the same). */
export function mediaJson(row: { id: number; contentType: string; status: MessageMedia['status'] }): MessageMedia {
  return { url: `/api/media/${row.id}`, contentType: row.contentType, status: row.status };
}
