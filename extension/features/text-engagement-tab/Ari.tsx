/**
 * Ari in the panel: the banner while Ari handles the conversation (with the sequence and "Take
 * over"), why Ari handed it back, and the card above the thread with what Ari collected and the
 * candidate's upcoming booking.
 */
import type { Answer } from '../../lib/protocol';
import { formatDay, formatFull, formatTime } from './format';
import { AriIcon, CalendarIcon } from './icons';
import type { ConversationStore } from './store';

let zonedFormat: Intl.DateTimeFormat | undefined;
/** "10:00 AM EST": next to the candidate's own time in the answers, the zone says whose time it is. */
const zoned = (iso: string) =>
  (zonedFormat ??= new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' })).format(new Date(iso));

function Answers({ list }: { list: Answer[] }) {
  return (
    <dl class="te-conv-answers">
      {list.map((a) => (
        <div key={a.key} data-key={a.key}>
          <dt>{a.label}</dt>
          <dd>{a.value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function AssistantBanner({ store }: { store: ConversationStore }) {
  const c = store.candidate.value!;
  const id = c.assistant.sequenceId;
  const info = store.assistant.value;
  const name = store.sequences.value?.find((s) => s.id === id)?.name ?? (info?.sequence?.id === id ? info.sequence?.name : null);
  return (
    <div class="te-conv-ari" role="status" data-testid="te-ari-banner">
      <span class="te-conv-ari-icon">
        <AriIcon />
      </span>
      <div class="te-conv-ari-text">
        <strong>Ari is handling this conversation</strong>
        <span>
          {name && (
            <>
              Following <b data-testid="te-ari-sequence">{name}</b>.{' '}
            </>
          )}
          Ari answers {c.firstName || 'the candidate'}'s replies until you take over.
        </span>
        {store.assistantError.value && (
          <span class="te-conv-error" role="alert">
            {store.assistantError.value}
          </span>
        )}
      </div>
      <button type="button" class="te-button" disabled={store.assistantBusy.value} onClick={() => void store.setAssistant(false)}>
        Take over
      </button>
    </div>
  );
}

/** Ari stopped by itself: why, and what it collected, until the recruiter replies. */
export function HandbackNotice({ store }: { store: ConversationStore }) {
  const h = store.handback.value!;
  return (
    <div class={`te-conv-ari ${h.reason === 'COMPLETED' ? 'is-done' : 'is-back'}`} role="status" data-testid="te-ari-handback" data-reason={h.reason}>
      <span class="te-conv-ari-icon">
        <AriIcon />
      </span>
      <div class="te-conv-ari-text">
        <strong>{h.message}</strong>
        {h.summary.length ? <Answers list={h.summary} /> : <span>Ari didn't collect any answers.</span>}
        <span class="te-conv-ari-when">
          {h.reason === 'COMPLETED' ? 'Finished' : 'Handed back'} at{' '}
          <time dateTime={h.at} title={formatFull(h.at)}>
            {formatTime(h.at)}
          </time>{' '}
          · Your reply picks the conversation up.
        </span>
      </div>
    </div>
  );
}

/** Above the thread: the answers Ari collected and the upcoming booking, when there are any. */
export function AnswersCard({ store }: { store: ConversationStore }) {
  const info = store.assistant.value;
  const booking = info?.booking;
  if (!info || (!info.answers.length && !booking)) return null;
  return (
    <section class="te-conv-card" aria-label="What Ari collected" data-testid="te-ari-card">
      {booking && (
        <p class="te-conv-booked" data-testid="te-ari-booking">
          <CalendarIcon />
          <span>
            <b>Interview booked:</b>{' '}
            <time dateTime={booking.startsAt} title={formatFull(booking.startsAt)}>
              {formatDay(booking.startsAt)} at {zoned(booking.startsAt)}
            </time>
          </span>
        </p>
      )}
      {info.answers.length > 0 && (
        <div class="te-conv-card-answers">
          <span class="te-conv-card-title">
            <AriIcon /> Ari collected
          </span>
          <Answers list={info.answers} />
        </div>
      )}
    </section>
  );
}
