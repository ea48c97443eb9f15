/**
 * A form's draft, owned by the form from the moment it opens: one signal per field (what the
 * inputs show and the recruiter types into), the server's version the form started from (`base`),
 * and what the server said since.
 *
 * The server's version of the same object may change while the form is open (a live event, a
 * reload after one). While the recruiter has changed nothing, the form follows it silently. Once
 * they have (`dirty`), nothing the server says is written into the fields: the newer version
 * waits in `newer` (the form says "Updated elsewhere: Reload"), and only `reload()` — the
 * recruiter's explicit choice — puts it in the fields, discarding their changes. Nothing else
 * writes the fields, so no re-render, remount or refetch can take typed characters away.
 */
import { batch, computed, signal, type ReadonlySignal, type Signal } from '@preact/signals';

export type FormFields<T> = { [K in keyof T]: Signal<T[K]> };

export interface FormDraft<T extends object> {
  /** The fields, one signal each: the inputs read and write these. */
  readonly fields: FormFields<T>;
  /** The server's version the fields started from (or were last reloaded from). */
  readonly base: ReadonlySignal<T>;
  /** A newer server version that arrived while the recruiter had changes; null otherwise. */
  readonly newer: ReadonlySignal<T | null>;
  /** The object is gone on the server (deleted, or no longer editable there). */
  readonly gone: ReadonlySignal<boolean>;
  /** The recruiter changed something (the fields differ from `base`). */
  readonly dirty: ReadonlySignal<boolean>;
  /** The fields' values now. */
  values(): T;
  /** The server's version now (null: gone): followed silently unless the recruiter has changes. */
  server(next: T | null): void;
  /** Our own write answered with this version: it is the new base; the fields stay as typed. */
  adopt(next: T): void;
  /** "Reload": the server's newest version replaces the fields (the recruiter asked for it). */
  reload(): void;
}

const shallowSame = <T extends object>(a: T, b: T) => (Object.keys(a) as (keyof T)[]).every((k) => Object.is(a[k], b[k]));

/** `same`: whether two versions are the same for this form (by default, field by field). */
export function createFormDraft<T extends object>(initial: T, same: (a: T, b: T) => boolean = shallowSame): FormDraft<T> {
  const keys = Object.keys(initial) as (keyof T)[];
  const fields = Object.fromEntries(keys.map((k) => [k, signal(initial[k])])) as unknown as FormFields<T>;
  const base = signal<T>(initial);
  const newer = signal<T | null>(null);
  const gone = signal(false);

  const values = (): T => Object.fromEntries(keys.map((k) => [k, fields[k].value])) as unknown as T;
  const dirty = computed(() => !same(values(), base.value));

  function write(next: T) {
    for (const k of keys) fields[k].value = next[k];
  }

  function server(next: T | null) {
    batch(() => {
      if (next === null) {
        gone.value = true;
        return;
      }
      gone.value = false;
      // Nothing new for this form (an update about something else, or our own write coming back).
      if (same(next, base.peek())) {
        newer.value = null;
        return;
      }
      if (!dirty.peek()) {
        write(next);
        base.value = next;
        newer.value = null;
      } else if (same(next, values())) {
        // The server now says what the recruiter typed: nothing to choose between.
        base.value = next;
        newer.value = null;
      } else {
        newer.value = next;
      }
    });
  }

  function adopt(next: T) {
    batch(() => {
      base.value = next;
      newer.value = null;
      gone.value = false;
    });
  }

  function reload() {
    const next = newer.peek() ?? base.peek();
    batch(() => {
      write(next);
      base.value = next;
      newer.value = null;
    });
  }

  return {
    fields,
    base,
    newer,
    gone,
    dirty,
    values,
    server,
    adopt,
    reload,
  };
}
