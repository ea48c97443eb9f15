/**
 * "Record consent" for a candidate the server knows but can't text for want of consent
 * (added with "Not yet", or synced from the ATS without it): the consent question's state, saved
 * with POST /api/candidates/:atsId/consent through the background. And where the candidate's
 * current consent came from (who stated it), read from their consent history whenever it changes.
 */
import { batch, computed, effect, signal, untracked, type ReadonlySignal } from '@preact/signals';
import type { Candidate, ConsentRecord } from '../../../../shared/api';
import type { RelayError } from '../../../lib/protocol';
import { request } from '../../../lib/relay';
import { describeError } from '../../../ui/format';
import { checkConsentAnswer, CONSENT_SAID_PLAINLY, DEFAULT_CONSENT_SOURCE, type ConsentAnswer, type ConsentField } from './answer';

export interface ConsentStoreOptions {
  candidateId: string;
  /** The candidate as the tab shows them (null while unknown). */
  candidate: ReadonlySignal<Candidate | null>;
  /** Recorded: the candidate as the server now has them (textable, unless something else stands in the way). */
  onRecorded(candidate: Candidate): void;
  /** The profile view's life: the history look-ups stop with it. */
  signal: AbortSignal;
}

/** The candidate's current consent, and who stated it when the history says so. */
export type ConsentOrigin = NonNullable<Candidate['consent']> & { setBy: ConsentRecord['setBy'] | null };

/** What `save` did: recorded it, closed the form with nothing to record ("Not yet"), or kept it open (a problem is shown). */
export type SaveOutcome = 'recorded' | 'nothing' | 'open';

export type ConsentStore = ReturnType<typeof createConsentStore>;

const keyOf = (c: NonNullable<Candidate['consent']>) => `${c.status}\u0000${c.source}\u0000${Date.parse(c.at)}`;

export function createConsentStore({ candidateId, candidate, onRecorded, signal: life }: ConsentStoreOptions) {
  /** The question is shown (the recruiter pressed Record consent). */
  const open = signal(false);
  const answer = signal<ConsentAnswer | null>(null);
  const source = signal(DEFAULT_CONSENT_SOURCE);
  const saving = signal(false);
  /** Problems beside the question. */
  const errors = signal<Partial<Record<ConsentField, string>>>({});
  /** A problem about no one field (no licence, offline...), shown by the buttons. */
  const formError = signal<string | null>(null);
  /** Who stated the consent with this key (see keyOf), from the history; null when it can't tell. */
  const statedBy = signal<{ key: string; setBy: ConsentRecord['setBy'] | null } | null>(null);

  /** Only a candidate without consent can be given it here; a STOP is the candidate's to lift. */
  const recordable = computed(() => candidate.value?.reason === 'NO_CONSENT');

  /** Shown once the history has answered (or failed), so the line doesn't change under the recruiter's eyes. */
  const origin = computed<ConsentOrigin | null>(() => {
    const c = candidate.value?.consent;
    const by = statedBy.value;
    return c && by?.key === keyOf(c) ? { ...c, setBy: by.setBy } : null;
  });

  function begin() {
    if (!recordable.value) return;
    batch(() => {
      open.value = true;
      answer.value = null;
      source.value = DEFAULT_CONSENT_SOURCE;
      errors.value = {};
      formError.value = null;
    });
  }

  function cancel() {
    if (saving.value) return;
    batch(() => {
      open.value = false;
      errors.value = {};
      formError.value = null;
    });
  }

  function setAnswer(value: ConsentAnswer) {
    batch(() => {
      answer.value = value;
      clearError('consent');
    });
  }

  function setSource(value: string) {
    batch(() => {
      source.value = value;
      clearError('consentSource');
    });
  }

  function clearError(field: ConsentField) {
    if (errors.value[field]) {
      const { [field]: _gone, ...rest } = errors.value;
      errors.value = rest;
    }
    formError.value = null;
  }

  /** Saves once (a second click while saving does nothing). "Not yet" has nothing to record: the form just closes. */
  async function save(): Promise<SaveOutcome> {
    if (saving.value || !open.value) return 'open';
    const found = checkConsentAnswer(answer.value, source.value);
    if (Object.keys(found).length) {
      batch(() => {
        errors.value = found;
        formError.value = null;
      });
      return 'open';
    }
    if (answer.value === 'not-yet') {
      cancel();
      return 'nothing';
    }
    batch(() => {
      saving.value = true;
      errors.value = {};
      formError.value = null;
    });
    const r = await request('candidates.consent', { id: candidateId, consent: { status: 'granted', source: source.value.trim() } });
    saving.value = false;
    if (!r.ok) {
      const refusal = describeConsentRefusal(r.error, candidate.value?.firstName);
      if (refusal.field) errors.value = { [refusal.field]: refusal.message };
      else formError.value = refusal.message;
      return 'open';
    }
    open.value = false;
    onRecorded(r.data);
    return 'recorded';
  }

  // ── Where the consent came from ─────────────────────────────────────────────────────────
  let lookedUp: string | null = null;
  let seq = 0;

  async function lookUpOrigin(key: string) {
    const mine = ++seq;
    const r = await request('candidates.consentHistory', { id: candidateId });
    if (mine !== seq || life.aborted) return;
    // Newest first; the candidate's consent is the latest statement, but match it exactly
    // rather than guess (an older statement recorded late sits in the history too). Not
    // found, or not answered: the line says what the candidate's record says, without a name.
    const record = r.ok ? r.data.records.find((x) => keyOf(x) === key) : undefined;
    statedBy.value = { key, setBy: record?.setBy ?? null };
  }

  // Follows the candidate only (the rest is read untracked).
  const stop = effect(() => {
    const c = candidate.value;
    untracked(() => {
      // Consent was given elsewhere meanwhile (or the candidate was erased): no question to ask.
      if (open.value && c?.reason !== 'NO_CONSENT') cancel();
      const key = c?.consent ? keyOf(c.consent) : null;
      if (key === lookedUp) return;
      lookedUp = key;
      if (key) void lookUpOrigin(key);
      else seq++;
    });
  });
  life.addEventListener('abort', stop, { once: true });

  return { candidateId, open, answer, source, saving, errors, formError, recordable, origin, begin, cancel, setAnswer, setSource, save };
}

/** A refusal of the consent statement, worded for the recruiter, and the field it is about (if any). */
export function describeConsentRefusal(error: RelayError, firstName?: string): { field?: ConsentField; message: string } {
  if (error.code === 'VALIDATION') {
    if (error.field === 'source') return { field: 'consentSource', message: CONSENT_SAID_PLAINLY.consentSource };
    if (error.field === 'status') return { field: 'consent', message: CONSENT_SAID_PLAINLY.consent };
  }
  switch (error.code) {
    case 'NOT_LICENSED':
      return { message: 'You need a Text Engagement licence to record consent. Ask your administrator for one.' };
    case 'FORBIDDEN':
      return { message: error.message || 'You are not allowed to change this candidate’s data; ask your administrator.' };
    case 'NOT_FOUND':
      return { message: `${firstName?.trim() || 'This candidate'} is no longer in Text Engagement, so their consent can’t be recorded. Reload the page.` };
    default:
      return { message: describeError(error) };
  }
}
