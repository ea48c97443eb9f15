import type { MessageStatus } from '../../shared/api';

/** A text's status as recruiters read it: the same words in the conversation and in campaigns. */
export const MESSAGE_STATUS_LABELS: Record<MessageStatus, string> = {
  queued: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  undelivered: 'Not delivered',
  failed: 'Failed',
  received: 'Received',
  unknown: 'Needs review',
};

/** How a text is doing, for its colour: delivered (or read), not delivered, on its way, or lost and for a person to review. */
export type StatusTone = 'pending' | 'ok' | 'bad' | 'review';
export function statusTone(status: MessageStatus): StatusTone {
  if (status === 'failed' || status === 'undelivered') return 'bad';
  if (status === 'unknown') return 'review';
  if (status === 'delivered' || status === 'read') return 'ok';
  return 'pending';
}
