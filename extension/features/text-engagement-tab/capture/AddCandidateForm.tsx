/**
 * "Add to Text Engagement", shown in the tab for a candidate the server does not know: the
 * profile's details to check, the consent question, and one button. Errors sit beside the field
 * they are about; the rest beside the button.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { PersonAddIcon } from '../icons';
import type { CaptureStore } from './store';

let uid = 0;

function Field(props: {
  id: string;
  label: string;
  field: 'firstName' | 'lastName' | 'phone' | 'email' | 'consentSource';
  store: CaptureStore;
  type?: string;
  autocomplete?: string;
  help?: ComponentChildren;
  wide?: boolean;
}) {
  const { id, field, store } = props;
  const error = store.errors.value[field];
  const helpId = props.help ? `${id}-help` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div class={`te-conv-add-field${props.wide ? ' is-wide' : ''}`}>
      <label class="te-conv-label" for={id}>
        {props.label}
      </label>
      <input
        id={id}
        name={field}
        class="te-conv-input"
        type={props.type ?? 'text'}
        autocomplete={props.autocomplete ?? 'off'}
        value={store[field].value}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={[errorId, helpId].filter(Boolean).join(' ') || undefined}
        onInput={(e) => store.set(field, (e.currentTarget as HTMLInputElement).value)}
      />
      {error && (
        <p id={errorId} class="te-conv-field-error" data-error-for={field}>
          {error}
        </p>
      )}
      {props.help && (
        <p id={helpId} class="te-conv-help">
          {props.help}
        </p>
      )}
    </div>
  );
}

/** `country`: the organisation's default country (ISO code), which a number without a country code is read in. */
export function AddCandidateForm({ store, country }: { store: CaptureStore; country?: string }) {
  const ids = useRef<string | null>(null);
  ids.current ??= `te-add-${++uid}`;
  const base = ids.current;
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => store.start(), [store]);

  const errors = store.errors.value;
  const consent = store.consent.value;
  const name = store.firstName.value.trim() || 'the candidate';
  const saving = store.saving.value;

  async function submit(e: Event) {
    e.preventDefault();
    if (await store.save()) return;
    // The first field with a problem gets the focus, so a keyboard user lands on it.
    requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  }

  const choice = (value: 'granted' | 'not-yet', title: string, detail: string) => (
    <label class={`te-conv-choice${consent === value ? ' is-chosen' : ''}`}>
      <input type="radio" name="te-consent" value={value} checked={consent === value} aria-invalid={errors.consent ? 'true' : undefined} onChange={() => store.setConsent(value)} />
      <span>
        <span class="te-conv-choice-name">{title}</span>
        <span class="te-conv-choice-body">{detail}</span>
      </span>
    </label>
  );

  return (
    <form ref={form} class="te-conv-add" onSubmit={submit} aria-labelledby={`${base}-title`} noValidate data-testid="te-add-candidate">
      <div class="te-conv-add-head">
        <span class="te-conv-notice-icon" aria-hidden="true">
          <PersonAddIcon />
        </span>
        <div>
          <h3 class="te-conv-notice-title" id={`${base}-title`}>
            Add to Text Engagement
          </h3>
          <p class="te-conv-add-intro">
            {store.firstName.value.trim() || 'This candidate'} isn't in Text Engagement yet. Check the details from their profile, then add them to text them.
          </p>
        </div>
      </div>

      <div class="te-conv-add-grid">
        <Field id={`${base}-first`} label="First name" field="firstName" store={store} autocomplete="off" />
        <Field id={`${base}-last`} label="Last name" field="lastName" store={store} />
        <Field
          id={`${base}-phone`}
          label="Mobile phone"
          field="phone"
          type="tel"
          store={store}
          help={
            store.otherPhone.value ? (
              <>
                The profile lists {store.otherPhone.value} as a home phone; texts need a mobile number.
              </>
            ) : country ? (
              `Texts go to this number. One without a country code is read as a ${country} number.`
            ) : (
              'Texts go to this number. Include the country code for numbers outside your country.'
            )
          }
        />
        <Field id={`${base}-email`} label="Email" field="email" type="email" store={store} />
      </div>

      <fieldset class="te-conv-add-consent" aria-describedby={errors.consent ? `${base}-consent-error` : undefined}>
        <legend>Has {name} agreed to receive text messages?</legend>
        {choice('granted', 'Yes, the candidate agreed to receive texts', 'Their consent is recorded with where it came from, your name and the time.')}
        {consent === 'granted' && (
          <div class="te-conv-add-source">
            <Field id={`${base}-source`} label="How did they agree?" field="consentSource" store={store} wide />
          </div>
        )}
        {choice('not-yet', 'Not yet', 'They are added without consent and can’t be texted until they agree.')}
        {errors.consent && (
          <p id={`${base}-consent-error`} class="te-conv-field-error" data-error-for="consent">
            {errors.consent}
          </p>
        )}
      </fieldset>

      <div class="te-conv-add-actions">
        {store.formError.value && (
          <p class="te-conv-error" role="alert">
            {store.formError.value}
          </p>
        )}
        <button type="submit" class="te-conv-send" disabled={saving}>
          {saving ? 'Adding…' : 'Add to Text Engagement'}
        </button>
      </div>
    </form>
  );
}
