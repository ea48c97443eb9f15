/** One campaign message on the Overview: what, when, its state, and (while unsent) Edit / Delete. */
import type { CampaignMessage } from '../../../shared/api';
import { formatWhen, messageStatusLabel } from './format';
import { Clock, Lock, More, Send } from './icons';
import { MenuButton } from './MenuButton';
import { ConfirmDelete } from './ConfirmDelete';
import type { CampaignStore } from './store';

export function MessageCard({ store, message }: { store: CampaignStore; message: CampaignMessage }) {
  const c = store.confirm.value;
  const confirming = c?.kind === 'delete-message' && c.messageId === message.id && !c.fromReview;
  const editable = message.editable && store.unsent.value;
  const when =
    message.status === 'sent'
      ? `Sent ${message.completedAt ? formatWhen(message.completedAt) : ''}`
      : message.status === 'sending'
        ? `Sending since ${message.startedAt ? formatWhen(message.startedAt) : 'now'}`
        : message.sendAt
          ? `Scheduled for ${formatWhen(message.sendAt)}`
          : message.status === 'scheduled'
            ? 'Sending now'
            : 'Not scheduled yet: open it to review and send';
  return (
    <article
      class={`te-cv-message is-${message.status}`}
      data-testid="te-cv-message"
      data-message-id={message.id}
      aria-label={`Campaign message: ${messageStatusLabel(message.status)}`}
    >
      <div class="te-cv-message-head">
        <span class={`te-cv-chip te-cv-chip-${message.status}`}>
          {message.status === 'sent' || message.status === 'sending' ? <Send /> : <Clock />}
          {messageStatusLabel(message.status)}
        </span>
        <span class="te-cv-message-when">{when}</span>
        {editable ? (
          <MenuButton
            ariaLabel="Message actions"
            label={<More />}
            testId="te-cv-message-menu"
            items={[
              { label: 'Edit', testId: 'te-cv-message-edit', onSelect: () => store.openSchedule(message) },
              {
                label: 'Delete',
                testId: 'te-cv-message-delete',
                danger: true,
                onSelect: () => (store.confirm.value = { kind: 'delete-message', messageId: message.id, fromReview: false }),
              },
            ]}
          />
        ) : (
          <span class="te-cv-readonly" data-testid="te-cv-readonly" title="Messages can't be changed once they start sending">
            <Lock /> Read-only
          </span>
        )}
      </div>
      <p class="te-cv-message-body">{message.body}</p>
      {confirming && (
        <ConfirmDelete
          store={store}
          title={message.status === 'draft' ? 'Delete this message?' : 'Delete this scheduled message?'}
          text="It will not be sent. This can't be undone."
          onConfirm={() => void store.deleteMessage(message.id, false)}
        />
      )}
    </article>
  );
}
