/** The thread, oldest first: candidate's texts on the left, ours (recruiter, Ari, automatic) on the right. */
import type { Candidate } from '../../../shared/api';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { statusTone } from '../../ui/message-status';
import { dayKey, dayLabel, formatFull, formatTime, senderLabel, statusLabel } from './format';
import { fullName } from '../../ui/format';
import { AlertIcon, ChatIcon } from './icons';
import { MessageMedia } from './MessageMedia';
import type { ShownMessage } from './store';

function Bubble({ m, candidate }: { m: ShownMessage; candidate: Candidate | null }) {
  const inbound = m.direction === 'inbound';
  const tone = statusTone(m.status);
  const kind = inbound ? 'in' : m.sender === 'recruiter' ? 'out' : 'auto';
  return (
    <li class={`te-conv-msg te-conv-msg-${kind}${m.pending ? ' is-pending' : ''}`} data-message-id={m.pending ? undefined : m.id} data-direction={m.direction}>
      <div class="te-conv-meta">
        <span class="te-conv-sender">{senderLabel(m, candidate)}</span>
        <span aria-hidden="true">·</span>
        <time dateTime={m.createdAt} title={formatFull(m.createdAt)}>
          {formatTime(m.createdAt)}
        </time>
        {m.campaignId != null && <span class="te-conv-tag">Campaign</span>}
      </div>
      {/* A picture sent without words is the picture alone, with no empty bubble above it. */}
      {(m.body || !m.media.length) && <div class="te-conv-bubble">{m.body}</div>}
      <MessageMedia media={m.media} from={inbound && candidate ? fullName(candidate) : (senderLabel(m, candidate) ?? 'the candidate')} />
      {!inbound && (
        <div class={`te-conv-status te-conv-status-${tone}`} data-status={m.pending ? 'pending' : m.status}>
          {tone === 'bad' && <AlertIcon />}
          <span class="te-visually-hidden">Status: </span>
          {m.pending ? 'Sending…' : statusLabel(m.status)}
          {tone === 'bad' && m.errorMessage && <span class="te-conv-reason"> — {m.errorMessage}</span>}
          {m.status === 'unknown' && <span class="te-conv-reason"> — the provider hasn't confirmed whether this was sent</span>}
        </div>
      )}
    </li>
  );
}

export function Conversation({ messages, candidate }: { messages: ShownMessage[]; candidate: Candidate | null }) {
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const count = messages.length;

  // Stay at the newest message while the reader is there; leave them be when they scrolled up.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [count, messages[count - 1]?.status]);

  const onScroll = () => {
    const el = scroller.current;
    if (el) pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  };

  const name = candidate ? fullName(candidate) : 'the candidate';
  let lastDay = '';
  return (
    <div
      class="te-conv-thread"
      ref={scroller}
      onScroll={onScroll}
      tabIndex={0}
      role="log"
      aria-label={`Text conversation with ${name}`}
      aria-relevant="additions"
    >
      {count === 0 ? (
        <div class="te-conv-empty">
          <span class="te-conv-empty-icon">
            <ChatIcon />
          </span>
          <p class="te-conv-empty-title">No texts yet</p>
          <p class="te-muted">Messages you and {candidate?.firstName || 'the candidate'} exchange will appear here.</p>
        </div>
      ) : (
        <ol class="te-conv-list">
          {messages.map((m) => {
            const day = dayKey(m.createdAt);
            const divider = day !== lastDay;
            lastDay = day;
            return [
              divider && (
                <li key={`day-${day}`} class="te-conv-day">
                  <span>{dayLabel(m.createdAt)}</span>
                </li>
              ),
              <Bubble key={m.id} m={m} candidate={candidate} />,
            ];
          })}
        </ol>
      )}
    </div>
  );
}
