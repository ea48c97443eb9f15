/** Notices (errors, warnings, confirmations) and the focus helper the screens share. */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { Alert, Check, Info } from './icons';
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
