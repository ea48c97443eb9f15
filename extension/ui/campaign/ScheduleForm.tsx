/**
 * Schedule Message: the message, and when (now, or a date and time in the recruiter's time zone)
 * → Review. The draft is the store's (`form`), kept through the Review and back; a live change
 * to the message being edited never replaces it (see ../form-draft.ts).
 */
import { recruiterTimeZone } from './format';
import { Clock, Send } from './icons';
import { MessageEditor } from './MessageEditor';
import { ElsewhereNotice, ErrorNotice, useFocusOnMount } from './Notice';
import type { CampaignStore, Draft, MessageForm } from './store';

export function ScheduleForm({ store, draft, form }: { store: CampaignStore; draft: Draft; form: MessageForm }) {
  const { body, templateId, mode, date, time } = form.fields;
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const zone = recruiterTimeZone();
  const hours = store.textingHours.value;
  const busy = store.busy.value;

  function submit(e: Event) {
    e.preventDefault();
    void store.toReview({ ...draft, body: body.value, templateId: templateId.value, mode: mode.value, date: date.value, time: time.value });
  }

  const editing = draft.editingId != null;
  return (
    <form class="te-cv-form" onSubmit={submit} aria-labelledby="te-cv-schedule-title" data-testid="te-cv-schedule-form" noValidate>
      <h3 id="te-cv-schedule-title" class="te-cv-screen-title" tabIndex={-1} ref={heading}>
        {editing ? 'Edit Scheduled Message' : 'Schedule Message'}
      </h3>
      <ErrorNotice store={store} />
      <ElsewhereNotice form={form} what="message" onReload={() => store.reloadForm()} onLeave={() => void store.cancelSchedule()} />
      <MessageEditor body={body} templateId={templateId} templates={store.templates.value} />

      <fieldset class="te-cv-when">
        <legend class="te-label">When</legend>
        <div class="te-cv-segmented" role="group" aria-label="When to send">
          <button
            type="button"
            class={`te-cv-seg${mode.value === 'now' ? ' is-on' : ''}`}
            aria-pressed={mode.value === 'now'}
            onClick={() => (mode.value = 'now')}
            data-testid="te-cv-when-now"
          >
            <Send /> Send now
          </button>
          <button
            type="button"
            class={`te-cv-seg${mode.value === 'later' ? ' is-on' : ''}`}
            aria-pressed={mode.value === 'later'}
            onClick={() => (mode.value = 'later')}
            data-testid="te-cv-when-later"
          >
            <Clock /> Schedule for later
          </button>
        </div>
        {mode.value === 'later' && (
          <div class="te-cv-datetime">
            <label class="te-field">
              <span>Date</span>
              <input class="te-input" type="date" required value={date.value} onInput={(e) => (date.value = e.currentTarget.value)} data-testid="te-cv-date" />
            </label>
            <label class="te-field">
              <span>Time</span>
              <input class="te-input" type="time" required value={time.value} onInput={(e) => (time.value = e.currentTarget.value)} data-testid="te-cv-time" />
            </label>
          </div>
        )}
        <p class="te-help" data-testid="te-cv-timezone">
          {mode.value === 'later' ? 'Date and time in your time zone: ' : 'Your time zone: '}
          <strong>{zone.label}</strong>.
          {hours &&
            !(hours.start === '00:00' && hours.end === '24:00') &&
            ` Candidates get texts only between ${hours.start} and ${hours.end} in their own time zone; the rest wait for their window.`}
        </p>
      </fieldset>

      <div class="te-cv-actions te-cv-sticky">
        <button type="submit" class="te-button te-button-primary" disabled={!!busy} data-testid="te-cv-review">
          {busy === 'review' ? 'Preparing review…' : 'Review'}
        </button>
        <button type="button" class="te-button" disabled={!!busy} onClick={() => void store.cancelSchedule()} data-testid="te-cv-cancel">
          Cancel
        </button>
      </div>
    </form>
  );
}
