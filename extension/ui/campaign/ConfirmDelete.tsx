/**
 * "Delete …?" asked in place: focused when it appears; Escape or Cancel keeps everything; Delete
 * acts only on the person's own click or key (ui/trusted.ts).
 */
import { useLayoutEffect, useRef } from 'preact/hooks';
import { onlyTrusted } from '../trusted';
import type { CampaignStore } from './store';

let counter = 0;

export function ConfirmDelete({
  store,
  title,
  text,
  onConfirm,
  confirmLabel = 'Delete',
}: {
  store: CampaignStore;
  title: string;
  text: string;
  onConfirm(): void;
  confirmLabel?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const id = useRef(`te-confirm-${++counter}`).current;
  // As it is committed, not after paint: keys pressed meanwhile must not be pulled elsewhere.
  useLayoutEffect(() => {
    ref.current?.focus();
  }, []);
  const busy = store.busy.value;
  const cancel = () => {
    store.confirm.value = null;
  };
  return (
    <div
      ref={ref}
      tabIndex={-1}
      class="te-cv-confirm"
      role="group"
      aria-labelledby={`${id}-t`}
      aria-describedby={`${id}-d`}
      data-testid="te-cv-confirm"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          cancel();
        }
      }}
    >
      <p id={`${id}-t`} class="te-cv-confirm-title">
        {title}
      </p>
      <p id={`${id}-d`} class="te-cv-confirm-text">
        {text}
      </p>
      <div class="te-cv-actions">
        <button
          type="button"
          class="te-button te-cv-danger-solid"
          disabled={!!busy}
          onClick={onlyTrusted(() => onConfirm())}
          data-testid="te-cv-confirm-delete"
        >
          {busy?.startsWith('delete') ? 'Deleting…' : confirmLabel}
        </button>
        <button type="button" class="te-button" disabled={!!busy} onClick={cancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
