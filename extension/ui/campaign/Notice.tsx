/** Notices (errors, warnings, confirmations) and the focus helper the screens share. */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { Alert, Check, Info } from './icons';
import type { FormDraft } from '../form-draft';
import type { CampaignStore } from './store';

export type Tone = 'success' | 'info' | 'warn' | 'error';

export function Notice({ tone, children, testId, role }: { tone: Tone; children: ComponentChildren; testId?: string; role?: 'alert' | 'status' }) {
  const Icon = tone === 'success' ? Check : tone === 'info' ? Info : Alert;
  return (
    <div class={`te-cv-notice te-cv-notice-${tone}`} role={role ?? (tone === 'error' ? 'alert' : undefined)} data-testid={testId}>
      <span class="te-cv-notice-icon">
        <Icon />
      </span>
      <div class="te-cv-notice-body">{children}</div>
    </div>
  );
}

/** The current screen's refusal, if any (always readable, never a code). */
export function ErrorNotice({ store }: { store: CampaignStore }) {
  const e = store.error.value;
  return e ? (
    <Notice tone="error" testId="te-cv-error">
      {e}
    </Notice>
  ) : null;
}

/** The confirmation after Send, Save, Delete...: focused when it appears, so it is read out. */
export function FlashNotice({ store }: { store: CampaignStore }) {
  const ref = useRef<HTMLDivElement>(null);
  const f = store.flash.value;
  const focus = store.focusFlash.value;
  useLayoutEffect(() => {
    if (focus && ref.current) ref.current.focus();
  }, [focus]);
  if (!f) return null;
  return (
    <div ref={ref} tabIndex={-1} class="te-cv-flash" data-testid="te-cv-flash" role="status">
      <Notice tone={f.tone}>
        <p>{f.text}</p>
        {f.details?.length ? (
          <ul class="te-cv-flash-list">
            {f.details.map((d) => (
              <li key={d}>{d}</li>
            ))}
          </ul>
        ) : null}
      </Notice>
      <button type="button" class="te-icon-button te-cv-flash-close" aria-label="Dismiss message" onClick={() => (store.flash.value = null)}>
        ×
      </button>
    </div>
  );
}

const GONE = {
  campaign: 'This campaign has started sending, so it can no longer be changed.',
  message: 'This message has been deleted or has started sending, so these changes can’t be saved.',
};

/**
 * A form's "Updated elsewhere: Reload": the server's version of what the form edits changed while
 * the recruiter had changes of their own, which it never replaces. Reload puts the server's
 * version in the form (discarding theirs); Save keeps theirs (last write wins: the server takes
 * no expected version). Polite (role=status) and never focused: typing goes on where it was.
 */
export function ElsewhereNotice({
  form,
  what,
  onReload,
  onLeave,
}: {
  form: Pick<FormDraft<object>, 'gone' | 'newer'>;
  what: 'campaign' | 'message';
  onReload(): void;
  onLeave(): void;
}) {
  if (form.gone.value) {
    return (
      <Notice tone="warn" testId="te-cv-elsewhere" role="status">
        <p>
          <strong>Updated elsewhere:</strong> {GONE[what]}
        </p>
        <p>
          <button type="button" class="te-button te-cv-small" onClick={onLeave} data-testid="te-cv-elsewhere-leave">
            Back to the campaign
          </button>
        </p>
      </Notice>
    );
  }
  if (!form.newer.value) return null;
  return (
    <Notice tone="warn" testId="te-cv-elsewhere" role="status">
      <p>
        <strong>Updated elsewhere:</strong>{' '}
        <button
          type="button"
          class="te-button te-cv-small"
          onClick={(e) => {
            // The button goes with the notice: focus stays in the form, on its first field.
            const field = e.currentTarget.closest('form')?.querySelector<HTMLElement>('input, textarea, select');
            onReload();
            field?.focus();
          }}
          data-testid="te-cv-elsewhere-reload"
        >
          Reload
        </button>
      </p>
      <p>
        Someone changed this {what} while you were editing it. Reload shows their version and discards your changes here; if you save, your changes replace
        theirs.
      </p>
    </Notice>
  );
}

/**
 * Moves focus to the element when the screen opens (its heading, tabindex=-1). In a layout effect,
 * as the screen is committed: a plain effect runs after the next paint, late enough to pull focus
 * away from a field the recruiter has already started typing in.
 */
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useLayoutEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}
