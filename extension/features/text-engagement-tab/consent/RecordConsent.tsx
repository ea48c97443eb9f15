/**
 * "Record consent", in the notice saying a candidate can't be texted for want of consent: a
 * button, then the consent question (the one "Add to Text Engagement" asks). Saved, the notice
 * gives way to the composer and the focus goes into it; "Not yet" or Cancel (Escape) closes the
 * question and gives the focus back to the button.
 */
import { useLayoutEffect, useRef } from 'preact/hooks';
import { ConsentQuestion } from './ConsentQuestion';
import type { ConsentStore } from './store';

let uid = 0;

const BUTTON = '[data-action="record-consent"]';

/**
 * Once the panel has re-rendered (Preact renders in a microtask; a timer comes after it, and,
 * unlike an animation frame, also in a tab that isn't painting), focuses `selector` in `root`.
 */
function focusLater(root: Node | undefined, selector: string) {
  if (!root) return;
  setTimeout(() => (root as ParentNode).querySelector<HTMLElement>(selector)?.focus(), 0);
}

export function RecordConsentButton({ store }: { store: ConsentStore }) {
  return (
    <button type="button" class="te-button te-button-primary" data-action="record-consent" onClick={() => store.begin()}>
      Record consent
    </button>
  );
}

export function RecordConsentForm({ store, firstName }: { store: ConsentStore; firstName: string }) {
  const ids = useRef<string | null>(null);
  ids.current ??= `te-consent-${++uid}`;
  const form = useRef<HTMLFormElement>(null);
  const saving = store.saving.value;

  // Opened from the button, which is gone now: the question takes the focus (before the first paint).
  useLayoutEffect(() => form.current?.querySelector<HTMLElement>('input[name="te-consent"]')?.focus(), []);

  async function submit(e: Event) {
    e.preventDefault();
    const root = form.current?.getRootNode();
    const outcome = await store.save();
    if (outcome === 'recorded') focusLater(root, 'textarea.te-conv-textarea');
    else if (outcome === 'nothing') focusLater(root, BUTTON);
    // The first field with a problem gets the focus, so a keyboard user lands on it.
    else focusLater(form.current ?? undefined, '[aria-invalid="true"]');
  }

  function cancel() {
    const root = form.current?.getRootNode();
    store.cancel();
    focusLater(root, BUTTON);
  }

  return (
    <form
      ref={form}
      class="te-conv-consent-form"
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !saving) {
          e.preventDefault();
          cancel();
        }
      }}
      aria-label="Record consent"
      noValidate
      data-testid="te-record-consent"
    >
      <ConsentQuestion
        idBase={ids.current}
        firstName={firstName}
        answer={store.answer.value}
        source={store.source.value}
        errors={store.errors.value}
        notYet="Nothing is recorded; they can’t be texted until they agree."
        onAnswer={store.setAnswer}
        onSource={store.setSource}
      />
      <div class="te-conv-add-actions">
        {store.formError.value && (
          <p class="te-conv-error" role="alert">
            {store.formError.value}
          </p>
        )}
        <button type="button" class="te-button" onClick={cancel} disabled={saving}>
          Cancel
        </button>
        <button type="submit" class="te-conv-send" disabled={saving}>
          {saving ? 'Recording…' : 'Record consent'}
        </button>
      </div>
    </form>
  );
}
