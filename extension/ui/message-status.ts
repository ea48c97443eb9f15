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
