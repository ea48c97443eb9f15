/**
 * "Add to Text Engagement": the form's state for a candidate the server does not know yet,
 * pre-filled from the host's profile (through the adapter), saved with the upsert (PUT
 * /api/candidates/:atsId) through the background. The consent question has no default answer:
 * the recruiter says whether the candidate agreed, and where, or saves without consent.
 */
import { batch, computed, signal } from '@preact/signals';
import type { Candidate } from '../../../../shared/api';
import type { CandidateDetails } from '../../../hosts/types';
import type { RelayError, RequestInput } from '../../../lib/protocol';
import { request } from '../../../lib/relay';
import { checkConsentAnswer, CONSENT_SAID_PLAINLY, DEFAULT_CONSENT_SOURCE, type ConsentAnswer, type ConsentField } from '../consent/answer';
import { describeError } from '../../../ui/format';

export { DEFAULT_CONSENT_SOURCE, type ConsentAnswer };

/** The form's fields, as errors name them. "Not yet" here: saved without consent, so not textable. */
export type CaptureField = 'firstName' | 'lastName' | 'phone' | 'email' | ConsentField;

export interface CaptureOptions {
  candidateId: string;
  /** What the host's profile says (null when it can't be read): read when the form first shows. */
  readDetails(): CandidateDetails | null;
  /** Saved: the candidate as the server now has them. */
  onSaved(candidate: Candidate): void;
}

export type CaptureStore = ReturnType<typeof createCaptureStore>;

export function createCaptureStore({ candidateId, readDetails, onSaved }: CaptureOptions) {
  const firstName = signal('');
  const lastName = signal('');
  const phone = signal('');
  const email = signal('');
  const consent = signal<ConsentAnswer | null>(null);
  const consentSource = signal(DEFAULT_CONSENT_SOURCE);
  /** A number the profile lists that is not a mobile: said beside the phone field, not put in it. */
  const otherPhone = signal<string | null>(null);
  const saving = signal(false);
  /** Problems beside the fields they are about. */
  const errors = signal<Partial<Record<CaptureField, string>>>({});
  /** A problem that is about no one field (no licence, offline...), shown by the button. */
  const formError = signal<string | null>(null);
  /** Not shown but saved too, from the profile: templates say {{jobTitle}}. */
  let profileExtras: { jobTitle: string | null; location: string | null } = { jobTitle: null, location: null };
  let started = false;
  /** What the form was filled with from the profile: anything else is the recruiter's. */
  const prefill = signal<Record<'firstName' | 'lastName' | 'phone' | 'email', string> | null>(null);

  /** Fills the form from the host's profile, once (later visits keep what the recruiter typed). */
  function start() {
    if (started) return;
    started = true;
    const details = readDetails();
    const landline = details?.phoneType === 'landline';
    batch(() => {
      firstName.value = details?.firstName ?? '';
      lastName.value = details?.lastName ?? '';
      phone.value = details?.phone && !landline ? details.phone : '';
      otherPhone.value = landline ? details!.phone : null;
      email.value = details?.email ?? '';
      consent.value = null;
      consentSource.value = DEFAULT_CONSENT_SOURCE;
      errors.value = {};
      formError.value = null;
    });
    profileExtras = { jobTitle: details?.jobTitle ?? null, location: details?.location ?? null };
    prefill.value = { firstName: firstName.peek(), lastName: lastName.peek(), phone: phone.peek(), email: email.peek() };
  }

  /** The recruiter has entered something (changed a detail, answered the consent question). */
  const dirty = computed(() => {
    const p = prefill.value;
    if (!p) return false;
    return (
      consent.value !== null ||
      consentSource.value !== DEFAULT_CONSENT_SOURCE ||
      firstName.value !== p.firstName ||
      lastName.value !== p.lastName ||
      phone.value !== p.phone ||
      email.value !== p.email
    );
  });

  const fields = { firstName, lastName, phone, email, consentSource } as const;

  function set(field: keyof typeof fields, value: string) {
    batch(() => {
      fields[field].value = value;
      clearError(field);
    });
  }

  function setConsent(answer: ConsentAnswer) {
    batch(() => {
      consent.value = answer;
      clearError('consent');
    });
  }

  function clearError(field: CaptureField) {
    if (errors.value[field]) {
      const { [field]: _gone, ...rest } = errors.value;
      errors.value = rest;
    }
    formError.value = null;
  }

  /** What the form can tell before asking the server; the server judges the rest (a valid phone, an email). */
  function check(): Partial<Record<CaptureField, string>> {
    const found: Partial<Record<CaptureField, string>> = {};
    if (!firstName.value.trim()) found.firstName = SAID_PLAINLY.firstName;
    return { ...found, ...checkConsentAnswer(consent.value, consentSource.value) };
  }

  function body(): RequestInput<'candidates.upsert'>['candidate'] {
    const text = (v: string) => v.trim() || undefined;
    return {
      firstName: firstName.value.trim(),
      lastName: lastName.value.trim(),
      ...(text(phone.value) ? { phone: text(phone.value) } : {}),
      ...(text(email.value) ? { email: text(email.value) } : {}),
      ...(consent.value === 'granted' ? { consent: { status: 'granted' as const, source: consentSource.value.trim() } } : {}),
      ...(profileExtras.jobTitle ? { jobTitle: profileExtras.jobTitle } : {}),
      ...(profileExtras.location ? { location: profileExtras.location } : {}),
    };
  }

  /** Saves once (a second click while saving does nothing); true when the candidate was added. */
  async function save(): Promise<boolean> {
    if (saving.value) return false;
    const found = check();
    if (Object.keys(found).length) {
      batch(() => {
        errors.value = found;
        formError.value = null;
      });
      return false;
    }
    batch(() => {
      saving.value = true;
      errors.value = {};
      formError.value = null;
    });
    const r = await request('candidates.upsert', { id: candidateId, candidate: body() });
    saving.value = false;
    if (!r.ok) {
      const refusal = describeRefusal(r.error);
      if (refusal.field) errors.value = { [refusal.field]: refusal.message };
      else formError.value = refusal.message;
      return false;
    }
    // Should they be erased and shown here again, the form starts from the profile anew.
    started = false;
    onSaved(r.data);
    return true;
  }

  return { candidateId, firstName, lastName, phone, email, consent, consentSource, otherPhone, saving, errors, formError, dirty, start, set, setConsent, save };
}

/** The fields the server's VALIDATION may name, as the form calls them. */
const FIELD_OF: Record<string, CaptureField> = {
  firstName: 'firstName',
  lastName: 'lastName',
  phone: 'phone',
  email: 'email',
  consent: 'consent',
  'consent.status': 'consent',
  'consent.source': 'consentSource',
};

/** What to say beside these fields whatever the server's words (they name its API fields). */
const SAID_PLAINLY: Partial<Record<CaptureField, string>> = {
  firstName: 'Enter the first name.',
  email: 'Enter a valid email address, or leave it empty.',
  ...CONSENT_SAID_PLAINLY,
};

/** A refusal, worded for the recruiter, and the field it is about (if any). */
export function describeRefusal(error: RelayError): { field?: CaptureField; message: string } {
  const field = error.field ? FIELD_OF[error.field] : undefined;
  if (error.code === 'VALIDATION' && field) {
    if (SAID_PLAINLY[field]) return { field, message: SAID_PLAINLY[field] };
    // The server says 'phone: "555" is not a valid phone number (...)': the field is shown already.
    const message = error.message.replace(/^[\w.]+: /, '');
    return { field, message: message.charAt(0).toUpperCase() + message.slice(1) };
  }
  switch (error.code) {
    case 'NOT_LICENSED':
      return { message: 'You need a Text Engagement licence to add candidates. Ask your administrator for one.' };
    case 'FORBIDDEN':
      return { message: error.message || 'You are not allowed to change this candidate’s data; ask your administrator.' };
    default:
      return { message: describeError(error) };
  }
}
