/**
 * "Add to Text Engagement" (capture/store.ts) against a scripted relay: pre-filled from the
 * host's profile, the consent question answered before anything is sent, the upsert's body, and
 * refusals shown beside the field they are about.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Candidate } from '../../../../shared/api';
import type { CandidateDetails } from '../../../hosts/types';

const relay = vi.hoisted(() => ({ request: vi.fn() }));
vi.mock('../../../lib/relay', () => ({ request: relay.request, subscribe: vi.fn() }));

const { createCaptureStore, DEFAULT_CONSENT_SOURCE, describeRefusal } = await import('./store');

const LUCIA: CandidateDetails = {
  firstName: 'Lucia',
  lastName: 'Cruz',
  email: 'lucia.cruz@example.net',
  phone: '(832) 555-0118',
  phoneType: 'mobile',
  jobTitle: 'Warehouse Associate',
  location: 'Houston, TX',
};

const saved = { id: '10151', firstName: 'Lucia', lastName: 'Cruz', textable: true } as Candidate;

function setup(details: CandidateDetails | null = LUCIA) {
  const onSaved = vi.fn();
  const readDetails = vi.fn(() => details);
  const store = createCaptureStore({ candidateId: '10151', readDetails, onSaved });
  return { store, onSaved, readDetails };
}

const upserts = () => relay.request.mock.calls.filter(([name]) => name === 'candidates.upsert').map(([, input]) => input);

beforeEach(() => {
  relay.request.mockReset();
  relay.request.mockResolvedValue({ ok: true, data: saved });
});

describe('Add to Text Engagement', () => {
  it('is filled from the profile once; what the recruiter typed stays on later visits', () => {
    const { store, readDetails } = setup();
    store.start();
    expect([store.firstName.value, store.lastName.value, store.phone.value, store.email.value]).toEqual([
      'Lucia',
      'Cruz',
      '(832) 555-0118',
      'lucia.cruz@example.net',
    ]);
    expect(store.consent.value).toBeNull();
    expect(store.consentSource.value).toBe(DEFAULT_CONSENT_SOURCE);
    store.set('phone', '(832) 555-0199');
    store.start();
    expect(store.phone.value).toBe('(832) 555-0199');
    expect(readDetails).toHaveBeenCalledTimes(1);
  });

  it('does not offer a landline as the mobile, and says what the profile lists', () => {
    const { store } = setup({ ...LUCIA, phone: '+44 20 7946 0321', phoneType: 'landline' });
    store.start();
    expect(store.phone.value).toBe('');
    expect(store.otherPhone.value).toBe('+44 20 7946 0321');
  });

  it('a profile it cannot read leaves the form empty', () => {
    const { store } = setup(null);
    store.start();
    expect([store.firstName.value, store.lastName.value, store.phone.value, store.email.value]).toEqual(['', '', '', '']);
  });

  it('asks the consent question (and for a first name) before sending anything', async () => {
    const { store, onSaved } = setup({ ...LUCIA, firstName: '' });
    store.start();
    expect(await store.save()).toBe(false);
    expect(store.errors.value).toEqual({ firstName: 'Enter the first name.', consent: 'Say whether the candidate agreed to receive texts.' });
    store.set('firstName', 'Lucia');
    store.setConsent('granted');
    expect(store.errors.value).toEqual({});
    store.set('consentSource', '  ');
    expect(await store.save()).toBe(false);
    expect(store.errors.value.consentSource).toMatch(/Say how the candidate agreed/);
    expect(upserts()).toEqual([]);
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('"Yes": saves the details with the consent and its source, and the profile\'s job and location', async () => {
    const { store, onSaved } = setup();
    store.start();
    store.setConsent('granted');
    store.set('email', '  ');
    expect(await store.save()).toBe(true);
    expect(upserts()).toEqual([
      {
        id: '10151',
        candidate: {
          firstName: 'Lucia',
          lastName: 'Cruz',
          phone: '(832) 555-0118',
          consent: { status: 'granted', source: DEFAULT_CONSENT_SOURCE },
          jobTitle: 'Warehouse Associate',
          location: 'Houston, TX',
        },
      },
    ]);
    expect(onSaved).toHaveBeenCalledWith(saved);
  });

  it('"Not yet": saves without consent', async () => {
    const { store, onSaved } = setup();
    store.start();
    store.setConsent('not-yet');
    expect(await store.save()).toBe(true);
    expect(upserts()[0]!.candidate).not.toHaveProperty('consent');
    expect(upserts()[0]!.candidate).toMatchObject({ firstName: 'Lucia', email: 'lucia.cruz@example.net', phone: '(832) 555-0118' });
    expect(onSaved).toHaveBeenCalledTimes(1);
  });

  it('saves once however often it is pressed', async () => {
    let answer!: (v: unknown) => void;
    relay.request.mockImplementation(() => new Promise((r) => (answer = r)));
    const { store } = setup();
    store.start();
    store.setConsent('granted');
    const first = store.save();
    expect(await store.save()).toBe(false);
    expect(store.saving.value).toBe(true);
    answer({ ok: true, data: saved });
    expect(await first).toBe(true);
    expect(upserts()).toHaveLength(1);
  });

  it("shows the server's refusal beside the field it names; others beside the button", async () => {
    const { store, onSaved } = setup();
    store.start();
    store.setConsent('granted');
    relay.request.mockResolvedValueOnce({
      ok: false,
      error: {
        code: 'VALIDATION',
        message: 'phone: "555" is not a valid phone number (numbers without a country code are read as US).',
        status: 400,
        field: 'phone',
      },
    });
    expect(await store.save()).toBe(false);
    expect(store.errors.value).toEqual({ phone: '"555" is not a valid phone number (numbers without a country code are read as US).' });
    expect(store.formError.value).toBeNull();
    // Typing in the field clears its error.
    store.set('phone', '(832) 555-0118');
    expect(store.errors.value).toEqual({});

    relay.request.mockResolvedValueOnce({
      ok: false,
      error: { code: 'NOT_LICENSED', message: 'You need a Text Engagement licence to add candidates.', status: 403 },
    });
    expect(await store.save()).toBe(false);
    expect(store.formError.value).toBe('You need a Text Engagement licence to add candidates. Ask your administrator for one.');
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('words every refusal for the recruiter', () => {
    expect(describeRefusal({ code: 'VALIDATION', message: 'email: email is not an email address.', status: 400, field: 'email' })).toEqual({
      field: 'email',
      message: 'Enter a valid email address, or leave it empty.',
    });
    expect(describeRefusal({ code: 'VALIDATION', message: 'consent.source: consent.source is required.', status: 400, field: 'consent.source' })).toEqual({
      field: 'consentSource',
      message: 'Say how the candidate agreed, e.g. "Candidate agreed on the phone".',
    });
    expect(
      describeRefusal({ code: 'VALIDATION', message: 'lastName: Too big: expected string to have <=100 characters', status: 400, field: 'lastName' }),
    ).toEqual({
      field: 'lastName',
      message: 'Too big: expected string to have <=100 characters',
    });
    const forbidden = 'This candidate is already in Text Engagement; only administrators (or the ATS sync) can change their data.';
    expect(describeRefusal({ code: 'FORBIDDEN', message: forbidden, status: 403 })).toEqual({ message: forbidden });
    expect(describeRefusal({ code: 'OFFLINE', message: "Can't reach the Text Engagement server at http://x.", status: 0 })).toEqual({
      message: "Can't reach the Text Engagement server at http://x.",
    });
    // A field the form does not show: beside the button, as the server said it.
    expect(describeRefusal({ code: 'VALIDATION', message: 'timeZone: "Mars/Base" is not an IANA time zone.', status: 400, field: 'timeZone' })).toEqual({
      message: 'timeZone: "Mars/Base" is not an IANA time zone.',
    });
  });
});
