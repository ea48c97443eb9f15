import type { Message, MessageMedia } from '../../shared/api.js';
// Only the column names (the same on both engines) are read from this table, at load time.
// eslint-disable-next-line no-restricted-imports
import { messages } from '../db/schema.js';
import { sqlColumns } from '../lib/sql-rows.js';

export type MessageRow = typeof messages.$inferSelect;

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

export function senderLabel(row: Pick<MessageRow, 'sender'>, recruiterName: string | null | undefined): string | null {
  switch (row.sender) {
    case 'assistant':
      return 'Ari';
    case 'system':
      return 'Automatic reply';
    case 'recruiter':
      return recruiterName ?? null;
    default:
      return null;
  }
}

/** The columns a message's JSON is made of (a full row, or a thread read's narrow one). */
export type MessageJsonSource = Pick<
  MessageRow,
  | 'id'
  | 'direction'
  | 'channel'
  | 'body'
  | 'status'
  | 'encoding'
  | 'segments'
  | 'sender'
  | 'errorCode'
  | 'errorMessage'
  | 'campaignId'
  | 'createdAt'
  | 'sentAt'
  | 'deliveredAt'
>;

/** `media`: the text's pictures and files (services/media.ts `mediaOf`); outbound texts have none. */
export function messageJson(row: MessageJsonSource, candidateAtsId: string, recruiterName?: string | null, media: MessageMedia[] = []): Message {
  return {
    id: row.id,
    candidateId: candidateAtsId,
    direction: row.direction,
    channel: row.channel,
    body: row.body,
    status: row.status,
    encoding: row.encoding,
    segments: row.segments,
    sender: row.sender,
    senderName: senderLabel(row, recruiterName),
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    campaignId: row.campaignId,
    createdAt: new Date(row.createdAt).toISOString(),
    sentAt: iso(row.sentAt),
    deliveredAt: iso(row.deliveredAt),
    media,
  };
}

/** For the inbound service's compare-and-set of a status (the order's one home is shared/message-status.ts). */

/** Every `messages` column under its drizzle key: `select ${MESSAGE_COLUMNS}` (or `returning`) rows are MessageRows as they are. */
export const MESSAGE_COLUMNS = sqlColumns(messages);
