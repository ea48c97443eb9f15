/**
 * Whether the server may send texts now (GET /api/organization's `sending`, then the
 * `organization.sending` event): paused when the provider refused the account's credentials.
 * The popup and the Text Engagement tab say so; texts are kept and go out once it resumes.
 */
import { signal, type Signal } from '@preact/signals';
import type { SendingState } from '../../shared/api';
import { request, subscribe } from '../lib/relay';

/** The sending state, read once and kept current while `abort` is live; null until known (or signed out). */
export function watchSendingState(abort: AbortSignal): Signal<SendingState | null> {
  const state = signal<SendingState | null>(null);
  const load = () =>
    void request('organization.get', {}).then((r) => {
      if (!abort.aborted) state.value = r.ok ? r.data.sending : null;
    });
  load();
  subscribe((event) => {
    if (event.type === 'organization.sending') state.value = event.data;
    // Signed in or out, or the stream came back (an event may have been missed): read it again.
    else if (event.type === 'session.changed' || (event.type === 'stream.status' && event.data.connected)) load();
  }, abort);
  return state;
}

/** The sentence shown while paused, or null when sending. */
export function sendingPausedText(state: SendingState | null, locale?: string): string | null {
  if (!state?.paused) return null;
  const reason = state.reason ?? 'the provider refused the account';
  const since = state.since ? ` since ${new Date(state.since).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' })}` : '';
  return `Sending is paused: ${reason}${since}; texts are kept and go out when it resumes.`;
}
