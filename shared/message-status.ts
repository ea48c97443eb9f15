/**
 * How far an outbound text has come. Statuses only move forward: a provider's late report ("sent"
 * after "delivered"), or a thread page read before an event, never undoes a later one. The server
 * moves a message only from an earlier status (a compare-and-set in SQL); the extension keeps the
 * further of two copies. `unknown` (handed to the provider, outcome lost) stands with `sent`.
 */
import type { MessageStatus } from './api';

const RANK: Partial<Record<MessageStatus, number>> = { queued: 0, sending: 1, sent: 2, unknown: 2, delivered: 3, undelivered: 3, failed: 3, read: 4 };

/** The status's place in that order (0 for `received`, which has none). */
export const statusRank = (status: MessageStatus): number => RANK[status] ?? 0;

/** The outbound statuses a move to `to` may come from; none when `to` has no place in the order. */
export function statusesBefore(to: string): MessageStatus[] {
  const rank = RANK[to as MessageStatus];
  return rank === undefined ? [] : (Object.keys(RANK) as MessageStatus[]).filter((from) => RANK[from]! < rank);
}
