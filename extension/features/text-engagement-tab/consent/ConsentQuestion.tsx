/**
 * "Has Lucia agreed to receive text messages?": yes (and how: a field filled with "Candidate
 * agreed on the phone"), or not yet. The same question, markup and words wherever consent is
 * asked (adding a candidate, recording consent later), so recruiters learn it once.
 */
import { TextField } from '../TextField';
import type { ConsentAnswer, ConsentField } from './answer';

export function ConsentQuestion(props: {
  /** Unique within the page: the source field's and the error's ids start with it. */
  idBase: string;
  /** The candidate's first name, if known. */
  firstName: string;
  answer: ConsentAnswer | null;
  source: string;
  errors: Partial<Record<ConsentField, string>>;
  /** What "Not yet" does here (the candidate is added without consent; nothing is recorded). */
  notYet: string;
  onAnswer(answer: ConsentAnswer): void;
  onSource(source: string): void;
}) {
  const { idBase, answer, errors } = props;
  const errorId = errors.consent ? `${idBase}-consent-error` : undefined;

  const choice = (value: ConsentAnswer, title: string, detail: string) => (
    <label class={`te-conv-choice${answer === value ? ' is-chosen' : ''}`}>
      <input
        type="radio"
        name="te-consent"
        value={value}
        checked={answer === value}
        aria-invalid={errors.consent ? 'true' : undefined}
        onChange={() => props.onAnswer(value)}
      />
      <span>
        <span class="te-conv-choice-name">{title}</span>
        <span class="te-conv-choice-body">{detail}</span>
      </span>
    </label>
  );

  return (
    <fieldset class="te-conv-add-consent" aria-describedby={errorId}>
      <legend>Has {props.firstName.trim() || 'the candidate'} agreed to receive text messages?</legend>
      {choice('granted', 'Yes, the candidate agreed to receive texts', 'Their consent is recorded with where it came from, your name and the time.')}
      {answer === 'granted' && (
        <div class="te-conv-add-source">
          <TextField
            id={`${idBase}-source`}
            label="How did they agree?"
            name="consentSource"
            value={props.source}
            error={errors.consentSource}
            onInput={props.onSource}
            wide
          />
        </div>
      )}
      {choice('not-yet', 'Not yet', props.notYet)}
      {errors.consent && (
        <p id={errorId} class="te-conv-field-error" data-error-for="consent">
          {errors.consent}
        </p>
      )}
    </fieldset>
  );
}
