/**
 * "Record consent" (consent/store.ts) against a scripted relay: offered only for NO_CONSENT, the
 * question answered before anything is sent, the statement sent once, refusals worded for the
 * recruiter, and where the candidate's consent came from, looked up once per consent.
 */
import { signal } from '@preact/signals';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Candidate, ConsentRecord } from '../../../../shared/api';
import { testCandidate } from '../../../test-support/candidate';

const relay = vi.hoisted(() => ({ request: vi.fn() }));
vi.mock('../../../lib/relay', () => ({ request: relay.request, subscribe: vi.fn() }));

const { createConsentStore, describeConsentRefusal } = await import('./store');
const { DEFAULT_CONSENT_SOURCE } = await import('./answer');

const ANANYA: Candidate = testCandidate({
  id: '10153',
  firstName: 'Ananya',
  lastName: 'Gupta',
  email: 'ananya.gupta@example.net',
  phone: '+16125550107',
  jobTitle: 'Forklift Operator',
  location: 'Minneapolis, MN',
  textable: false,
  reason: 'NO_CONSENT',
  timeZone: 'America/Chicago',
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
});
const ON_THE_PHONE = { status: 'granted' as const, source: DEFAULT_CONSENT_SOURCE, at: '2026-12-01T10:05:00.000Z' };
const GRANTED: Candidate = { ...ANANYA, consent: ON_THE_PHONE, textable: true, reason: null };
const JORDAN = { type: 'recruiter' as const, name: 'Jordan Avery' };

function record(consent: typeof ON_THE_PHONE, setBy: ConsentRecord['setBy']): ConsentRecord {
  return { ...consent, recordedAt: consent.at, setBy };
}

function setup(initial: Candidate | null = ANANYA) {
  const candidate = signal<Candidate | null>(initial);
  const onRecorded = vi.fn((saved: Candidate) => (candidate.value = saved));
  const life = new AbortController();
  const store = createConsentStore({ candidateId: '10153', candidate, onRecorded, signal: life.signal });
  return { store, candidate, onRecorded, life };
}

const callsOf = (name: string) => relay.request.mock.calls.filter(([n]) => n === name).map(([, input]) => input);

/** The relay answers each request with the handler for its name; unknown names fail. */
function answer(handlers: Record<string, (input: Record<string, unknown>) => unknown>) {
  relay.request.mockImplementation(async (name: string, input: Record<string, unknown>) => {
    const handler = handlers[name];
    return handler ? handler(input) : { ok: false, error: { code: 'UNHANDLED', message: name, status: 500 } };
  });
}

beforeEach(() => {
  relay.request.mockReset();
  answer({
    'candidates.consent': () => ({ ok: true, data: GRANTED }),
    'candidates.consentHistory': () => ({ ok: true, data: { candidateId: '10153', records: [record(ON_THE_PHONE, JORDAN)] } }),
  });
});

describe('Record consent', () => {
  it('is offered for a candidate without consent only', () => {
    const { store, candidate } = setup();
    expect(store.recordable.value).toBe(true);
    candidate.value = { ...ANANYA, reason: 'OPTED_OUT', optedOut: true };
    expect(store.recordable.value).toBe(false);
    store.begin();
    expect(store.open.value).toBe(false);
    candidate.value = null;
    expect(store.recordable.value).toBe(false);
  });

  it('asks the question afresh each time, and asks for an answer (and how they agreed) before sending anything', async () => {
    const { store, onRecorded } = setup();
    store.begin();
    expect([store.open.value, store.answer.value, store.source.value]).toEqual([true, null, DEFAULT_CONSENT_SOURCE]);
    expect(await store.save()).toBe('open');
    expect(store.errors.value).toEqual({ consent: 'Say whether the candidate agreed to receive texts.' });
    store.setAnswer('granted');
    expect(store.errors.value).toEqual({});
    store.setSource('   ');
    expect(await store.save()).toBe('open');
    expect(store.errors.value).toEqual({ consentSource: 'Say how the candidate agreed, e.g. "Candidate agreed on the phone".' });
    store.setSource('Said yes at the job fair');
    expect(store.errors.value).toEqual({});
    // Cancelled and opened again: nothing of the last try stays.
    store.cancel();
    expect(store.open.value).toBe(false);
    store.begin();
    expect([store.answer.value, store.source.value, store.errors.value]).toEqual([null, DEFAULT_CONSENT_SOURCE, {}]);
    expect(callsOf('candidates.consent')).toEqual([]);
    expect(onRecorded).not.toHaveBeenCalled();
  });

  it('"Yes": records the consent with its source (trimmed), closes, and hands the candidate to the tab', async () => {
    const { store, onRecorded } = setup();
    store.begin();
    store.setAnswer('granted');
    store.setSource('  Candidate agreed on the phone ');
    expect(await store.save()).toBe('recorded');
    expect(callsOf('candidates.consent')).toEqual([{ id: '10153', consent: { status: 'granted', source: 'Candidate agreed on the phone' } }]);
    expect(onRecorded).toHaveBeenCalledWith(GRANTED);
    expect(store.open.value).toBe(false);
    expect(store.saving.value).toBe(false);
  });

  it('"Not yet": nothing to record; the question closes', async () => {
    const { store, onRecorded } = setup();
    store.begin();
    store.setAnswer('not-yet');
    expect(await store.save()).toBe('nothing');
    expect(store.open.value).toBe(false);
    expect(callsOf('candidates.consent')).toEqual([]);
    expect(onRecorded).not.toHaveBeenCalled();
  });

  it('records once however often it is pressed, and is not cancelled while saving', async () => {
    let respond!: (v: unknown) => void;
    answer({ 'candidates.consent': () => new Promise((r) => (respond = r)) });
    const { store } = setup();
    store.begin();
    store.setAnswer('granted');
    const first = store.save();
    expect(store.saving.value).toBe(true);
    expect(await store.save()).toBe('open');
    store.cancel();
    expect(store.open.value).toBe(true);
    respond({ ok: true, data: GRANTED });
    expect(await first).toBe('recorded');
    expect(callsOf('candidates.consent')).toHaveLength(1);
  });

  it('shows a refusal beside the question (a field it names) or the buttons (the rest), and keeps the answer', async () => {
    const { store, onRecorded } = setup();
    store.begin();
    store.setAnswer('granted');
    answer({
      'candidates.consent': () => ({
        ok: false,
        error: { code: 'NOT_LICENSED', message: 'You need a Text Engagement licence to record consent.', status: 403 },
      }),
    });
    expect(await store.save()).toBe('open');
    expect(store.formError.value).toBe('You need a Text Engagement licence to record consent. Ask your administrator for one.');
    expect([store.open.value, store.answer.value]).toEqual([true, 'granted']);
    // Changing the answer clears it.
    store.setSource('On the phone, Dec 1');
    expect(store.formError.value).toBeNull();

    answer({
      'candidates.consent': () => ({ ok: false, error: { code: 'VALIDATION', message: 'source: consent.source is required.', status: 400, field: 'source' } }),
    });
    expect(await store.save()).toBe('open');
    expect(store.errors.value).toEqual({ consentSource: 'Say how the candidate agreed, e.g. "Candidate agreed on the phone".' });
    expect(store.formError.value).toBeNull();
    expect(onRecorded).not.toHaveBeenCalled();
  });

  it('words every refusal for the recruiter', () => {
    expect(describeConsentRefusal({ code: 'VALIDATION', message: 'status: Invalid option', status: 400, field: 'status' })).toEqual({
      field: 'consent',
      message: 'Say whether the candidate agreed to receive texts.',
    });
    expect(describeConsentRefusal({ code: 'NOT_FOUND', message: 'Candidate not found.', status: 404 }, 'Ananya')).toEqual({
      message: 'Ananya is no longer in Text Engagement, so their consent can’t be recorded. Reload the page.',
    });
    expect(describeConsentRefusal({ code: 'OFFLINE', message: "Can't reach the Text Engagement server at http://x.", status: 0 })).toEqual({
      message: "Can't reach the Text Engagement server at http://x.",
    });
    expect(describeConsentRefusal({ code: 'SIGNED_OUT', message: 'Sign in first.', status: 401 })).toEqual({
      message: 'You are signed out of Text Engagement. Sign in and try again.',
    });
  });

  it('closes the question when the candidate gets consent elsewhere meanwhile (an import, another recruiter)', () => {
    const { store, candidate } = setup();
    store.begin();
    store.setAnswer('granted');
    candidate.value = { ...ANANYA, updatedAt: '2026-12-01T11:00:00.000Z' };
    expect(store.open.value).toBe(true);
    candidate.value = GRANTED;
    expect(store.open.value).toBe(false);
  });
});

describe('where the consent came from', () => {
  it('is looked up once per consent, and names who stated it', async () => {
    const { store, candidate } = setup();
    expect(store.origin.value).toBeNull();
    expect(callsOf('candidates.consentHistory')).toEqual([]);

    candidate.value = GRANTED;
    // Shown once the history answers, with who said so (the line doesn't change under the recruiter's eyes).
    expect(store.origin.value).toBeNull();
    await vi.waitFor(() => expect(store.origin.value).toEqual({ ...ON_THE_PHONE, setBy: JORDAN }));
    expect(callsOf('candidates.consentHistory')).toEqual([{ id: '10153' }]);

    // Other changes to the candidate (an unread reply, say) don't ask again.
    candidate.value = { ...GRANTED, unreadCount: 1 };
    candidate.value = { ...GRANTED, unreadCount: 0 };
    expect(callsOf('candidates.consentHistory')).toHaveLength(1);

    // A new statement: asked again; never shown in the previous one's name meanwhile.
    const fromTheAts = { status: 'granted' as const, source: 'application-form', at: '2026-12-02T09:00:00.000Z' };
    answer({
      'candidates.consentHistory': () => ({
        ok: true,
        data: { candidateId: '10153', records: [record(fromTheAts, { type: 'key', name: 'Nightly ATS sync' }), record(ON_THE_PHONE, JORDAN)] },
      }),
    });
    candidate.value = { ...GRANTED, consent: fromTheAts };
    expect(store.origin.value).toBeNull();
    await vi.waitFor(() => expect(store.origin.value).toEqual({ ...fromTheAts, setBy: { type: 'key', name: 'Nightly ATS sync' } }));
    expect(callsOf('candidates.consentHistory')).toHaveLength(2);
  });

  it('an older answer arriving late is dropped; a statement the history does not list stays unnamed', async () => {
    const pending: ((v: unknown) => void)[] = [];
    answer({ 'candidates.consentHistory': () => new Promise((r) => pending.push(r)) });
    const { store, candidate } = setup(GRANTED);
    const other = { status: 'granted' as const, source: 'Text reply', at: '2026-12-03T09:00:00.000Z' };
    candidate.value = { ...GRANTED, consent: other };
    expect(pending).toHaveLength(2);
    // The second (current) answer lists only the older statement: nobody is named.
    pending[1]!({ ok: true, data: { candidateId: '10153', records: [record(ON_THE_PHONE, JORDAN)] } });
    await vi.waitFor(() => expect(store.origin.value).toEqual({ ...other, setBy: null }));
    pending[0]!({ ok: true, data: { candidateId: '10153', records: [record(other, { type: 'recruiter', name: 'Someone Else' })] } });
    await new Promise((r) => setTimeout(r, 0));
    expect(store.origin.value).toEqual({ ...other, setBy: null });
  });

  it('a failed look-up leaves the line unnamed; nothing is asked once the view is gone', async () => {
    answer({ 'candidates.consentHistory': () => ({ ok: false, error: { code: 'OFFLINE', message: 'offline', status: 0 } }) });
    const { store, candidate, life } = setup(GRANTED);
    await vi.waitFor(() => expect(store.origin.value).toEqual({ ...ON_THE_PHONE, setBy: null }));
    expect(callsOf('candidates.consentHistory')).toHaveLength(1);
    life.abort();
    candidate.value = { ...GRANTED, consent: { ...ON_THE_PHONE, source: 'Another' } };
    expect(callsOf('candidates.consentHistory')).toHaveLength(1);
  });
});
