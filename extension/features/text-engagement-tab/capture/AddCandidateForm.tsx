/**
 * "Add to Text Engagement", shown in the tab for a candidate the server does not know: the
 * profile's details to check, the consent question, and one button. Errors sit beside the field
 * they are about; the rest beside the button.
 */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { ConsentQuestion } from '../consent/ConsentQuestion';
import { InfoIcon, PersonAddIcon } from '../icons';
import { Notice } from '../Notices';
import { TextField } from '../TextField';
import type { CaptureStore } from './store';

let uid = 0;

/** One of the candidate's details, as the store holds it and its errors name it. */
function Field(props: {
  id: string;
  label: string;
  field: 'firstName' | 'lastName' | 'phone' | 'email';
  store: CaptureStore;
  type?: string;
  autocomplete?: string;
  help?: ComponentChildren;
}) {
  const { field, store } = props;
  return (
    <TextField
      id={props.id}
      label={props.label}
      name={field}
      value={store[field].value}
      error={store.errors.value[field]}
      onInput={(value) => store.set(field, value)}
      type={props.type}
      autocomplete={props.autocomplete}
      help={props.help}
    />
  );
}

/**
 * `country`: the organisation's default country (ISO code), which a number without a country code is read in.
 * `addedElsewhere`: the candidate was added meanwhile (an import, another recruiter) while this form had the
 * recruiter's input: it stays, and says so; Reload shows the conversation (discarding the input).
 */
export function AddCandidateForm({
  store,
  country,
  addedElsewhere = false,
  onReload,
}: {
  store: CaptureStore;
  country?: string;
  addedElsewhere?: boolean;
  onReload?(): void;
}) {
  const ids = useRef<string | null>(null);
  ids.current ??= `te-add-${++uid}`;
  const base = ids.current;
  const form = useRef<HTMLFormElement>(null);
  // Filled from the profile before the first paint (a plain effect waits for an animation
  // frame, which a background tab may not get for a while): the form never shows empty first.
  useLayoutEffect(() => store.start(), [store]);

  const errors = store.errors.value;
  const saving = store.saving.value;

  async function submit(e: Event) {
    e.preventDefault();
    if (await store.save()) return;
    // The first field with a problem gets the focus, so a keyboard user lands on it.
    requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  }

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

      {addedElsewhere && (
        <Notice
          kind="updated-elsewhere"
          tone="warn"
          icon={<InfoIcon />}
          title="Updated elsewhere"
          actions={
            <button type="button" class="te-button" onClick={onReload} data-action="reload">
              Reload
            </button>
          }
        >
          <p>
            {store.firstName.value.trim() || 'This candidate'} has been added to Text Engagement meanwhile (by an import, say). Reload shows their conversation
            and discards what you entered here; Add to Text Engagement saves your details over the ones just added.
          </p>
        </Notice>
      )}

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
              <>The profile lists {store.otherPhone.value} as a home phone; texts need a mobile number.</>
            ) : country ? (
              `Texts go to this number. One without a country code is read as a ${country} number.`
            ) : (
              'Texts go to this number. Include the country code for numbers outside your country.'
            )
          }
        />
        <Field id={`${base}-email`} label="Email" field="email" type="email" store={store} />
      </div>

      <ConsentQuestion
        idBase={base}
        firstName={store.firstName.value}
        answer={store.consent.value}
        source={store.consentSource.value}
        errors={{ consent: errors.consent, consentSource: errors.consentSource }}
        notYet="They are added without consent and can’t be texted until they agree."
        onAnswer={store.setConsent}
        onSource={(value) => store.set('consentSource', value)}
      />

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
