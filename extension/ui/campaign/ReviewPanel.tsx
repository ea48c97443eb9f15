/**
 * The Review (the scheduled message's summary, before it goes): the server's account of what
 * will happen — recipients, who is excluded and why, the texts as candidates will read them, segments, the
 * quiet-hours effect per time zone, the estimated finish, warnings — then Send (now) or Save
 * (later). The menu icon offers Edit and Delete.
 */
import type { CampaignMessage, Review } from '../../../shared/api';
import { ConfirmDelete } from './ConfirmDelete';
import { formatDuration, formatInZone, formatWhen, reasonLabel, recipientName } from './format';
import { plural } from '../format';
import { onlyTrusted } from '../trusted';
import { More, Send } from './icons';
import { MenuButton } from './MenuButton';
import { ElsewhereNotice, ErrorNotice, Notice, useFocusOnMount } from './Notice';
import type { CampaignStore, Draft, MessageForm } from './store';

function Excluded({ review }: { review: Review }) {
  const reasons = Object.entries(review.excluded);
  if (!reasons.length) return <p class="te-help">Nobody is excluded: every candidate in the campaign can be texted.</p>;
  return (
    <ul class="te-cv-reasons" data-testid="te-cv-review-excluded">
      {reasons.map(([reason, n]) => {
        const names = review.excludedCandidates.filter((c) => c.reason === reason).map(recipientName);
        return (
          <li key={reason}>
            <span class="te-cv-reason">{reasonLabel(reason)}</span>
            <span class="te-cv-reason-n">{n.toLocaleString('en-US')}</span>
            {reason === 'WHATSAPP_WINDOW_CLOSED' && (
              <span class="te-cv-reason-names">They haven't written in the last 24 hours: only an approved WhatsApp template, unedited, can reach them.</span>
            )}
            {names.length > 0 && (
              <span class="te-cv-reason-names">
                {names.slice(0, 8).join(', ')}
                {n > Math.min(8, names.length) ? ` and ${n - Math.min(8, names.length)} more` : ''}
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** "America/Los_Angeles" → "Los Angeles". */
const zoneName = (tz: string) => (tz.split('/').pop() ?? tz).replace(/_/g, ' ');

function Timing({ review, message }: { review: Review; message: CampaignMessage }) {
  const q = review.quietHours;
  const duration = review.estimatedCompletionAt ? Date.parse(review.estimatedCompletionAt) - Date.parse(review.startsAt) : null;
  return (
    <dl class="te-cv-details">
      <div>
        <dt>Starts</dt>
        <dd data-testid="te-cv-review-starts">{message.sendAt ? formatWhen(message.sendAt) : 'Now, when you press Send'}</dd>
      </div>
      <div>
        <dt>Estimated finish</dt>
        <dd>
          {review.estimatedCompletionAt
            ? `${formatWhen(review.estimatedCompletionAt)} (${(duration ?? 0) < 60_000 ? 'in under a minute' : `about ${formatDuration(duration ?? 0)}`})`
            : 'Nothing to send'}
        </dd>
      </div>
      <div>
        <dt>Texting hours</dt>
        <dd data-testid="te-cv-review-quiet">
          {q.window.start === '00:00' && q.window.end === '24:00'
            ? 'Any time of day (no quiet hours set).'
            : `${q.window.start}–${q.window.end} in each candidate's time zone.`}{' '}
          {q.count === 0 ? (
            q.window.start === '00:00' && q.window.end === '24:00' ? (
              ''
            ) : (
              'Everyone is inside their texting hours at the send time.'
            )
          ) : (
            <>
              {plural(q.count, 'recipient')} outside texting hours will wait for their window:
              <table class="te-cv-zones" data-testid="te-cv-review-zones">
                <thead>
                  <tr>
                    <th scope="col">Time zone</th>
                    <th scope="col">Waiting</th>
                    <th scope="col">Gets it at</th>
                    <th scope="col">Your time</th>
                  </tr>
                </thead>
                <tbody>
                  {q.byTimeZone.map((z) => (
                    <tr key={z.timeZone}>
                      <td title={z.timeZone}>{zoneName(z.timeZone)}</td>
                      <td>{z.count.toLocaleString('en-US')}</td>
                      <td>{formatInZone(z.sendsAt, z.timeZone)}</td>
                      <td>{formatInZone(z.sendsAt, Intl.DateTimeFormat().resolvedOptions().timeZone)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </dd>
      </div>
      {review.ratePerSecond != null && (
        <div>
          <dt>Sending rate</dt>
          <dd>{review.ratePerSecond} segments per second</dd>
        </div>
      )}
    </dl>
  );
}

export function ReviewPanel({
  store,
  draft,
  form,
  message,
  review,
}: {
  store: CampaignStore;
  draft: Draft;
  form: MessageForm;
  message: CampaignMessage;
  review: Review;
}) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const busy = store.busy.value;
  const later = message.sendAt != null;
  const c = store.confirm.value;
  const confirming = c?.kind === 'delete-message' && c.fromReview;
  const excludedTotal = Object.values(review.excluded).reduce((a, b) => a + b, 0);
  const targetId = draft.editingId ?? message.id;
  const segs = review.segments.min === review.segments.max ? `${review.segments.max}` : `${review.segments.min}–${review.segments.max}`;

  return (
    <section class="te-cv-form te-cv-review" aria-labelledby="te-cv-review-title" data-testid="te-cv-review-panel">
      <div class="te-cv-screen-head">
        <h3 id="te-cv-review-title" class="te-cv-screen-title" tabIndex={-1} ref={heading}>
          Review: Scheduled Message
        </h3>
        <MenuButton
          ariaLabel="Scheduled message actions"
          label={<More />}
          testId="te-cv-review-menu"
          items={[
            { label: 'Edit', testId: 'te-cv-review-edit', onSelect: () => store.backToForm() },
            {
              label: 'Delete',
              testId: 'te-cv-review-delete',
              danger: true,
              onSelect: () => (store.confirm.value = { kind: 'delete-message', messageId: targetId, fromReview: true }),
            },
          ]}
        />
      </div>
      {confirming && (
        <ConfirmDelete
          store={store}
          title={draft.editingId ? 'Delete this scheduled message?' : 'Delete this message?'}
          text={draft.editingId ? 'It will not be sent. This can’t be undone.' : 'It will not be saved.'}
          onConfirm={() => void store.deleteMessage(targetId, true)}
        />
      )}
      <ErrorNotice store={store} />
      <ElsewhereNotice form={form} what="message" onReload={() => store.reloadForm()} onLeave={() => void store.cancelSchedule()} />

      <dl class="te-cv-tiles">
        <div class="te-cv-tile">
          <dt>Recipients</dt>
          <dd>{review.recipients.toLocaleString('en-US')}</dd>
        </div>
        <div class="te-cv-tile is-ok">
          <dt>Will be texted</dt>
          <dd data-testid="te-cv-review-eligible">{review.eligible.toLocaleString('en-US')}</dd>
        </div>
        <div class={`te-cv-tile${excludedTotal ? ' is-warn' : ''}`}>
          <dt>Excluded</dt>
          <dd>{excludedTotal.toLocaleString('en-US')}</dd>
        </div>
      </dl>

      {review.warnings.length > 0 && (
        <div class="te-cv-warnings" data-testid="te-cv-review-warnings">
          {review.warnings.map((w) => (
            <Notice key={w.code} tone={w.code === 'NO_ELIGIBLE_RECIPIENTS' ? 'error' : 'warn'}>
              {w.message}
            </Notice>
          ))}
        </div>
      )}

      <section class="te-cv-section" aria-labelledby="te-cv-review-preview">
        <h4 id="te-cv-review-preview" class="te-cv-h">
          Preview
        </h4>
        {review.previews.length ? (
          <div class="te-cv-previews">
            {review.previews.map((p) => (
              <figure class="te-cv-preview" key={p.candidateId} data-testid="te-cv-preview">
                <figcaption>To {p.name}</figcaption>
                <p class="te-cv-bubble">{p.body}</p>
              </figure>
            ))}
          </div>
        ) : (
          <p class="te-help">No one would receive this message.</p>
        )}
        <p class="te-help" data-testid="te-cv-review-segments">
          {review.encoding} · {review.characters.toLocaleString('en-US')} characters at most · {segs} {review.segments.max === 1 ? 'segment' : 'segments'} per
          text · {plural(review.segments.total, 'segment')} in all
        </p>
      </section>

      <section class="te-cv-section" aria-labelledby="te-cv-review-excl">
        <h4 id="te-cv-review-excl" class="te-cv-h">
          Excluded
        </h4>
        <Excluded review={review} />
      </section>

      <section class="te-cv-section" aria-labelledby="te-cv-review-when">
        <h4 id="te-cv-review-when" class="te-cv-h">
          When
        </h4>
        <Timing review={review} message={message} />
      </section>

      <div class="te-cv-actions te-cv-actions-end te-cv-sticky">
        <button type="button" class="te-button" disabled={!!busy} onClick={() => void store.cancelSchedule()}>
          Cancel
        </button>
        <button type="button" class="te-button" disabled={!!busy} onClick={() => store.backToForm()} data-testid="te-cv-back-to-form">
          Back
        </button>
        <button
          type="button"
          class="te-button te-button-primary"
          disabled={!!busy || review.eligible === 0}
          onClick={onlyTrusted(() => void store.commit())}
          data-testid="te-cv-commit"
        >
          {!later && <Send />}
          {busy === 'commit' ? (later ? 'Saving…' : 'Sending…') : later ? 'Save' : 'Send'}
        </button>
      </div>
    </section>
  );
}
