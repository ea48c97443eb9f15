// @vitest-environment happy-dom
/**
 * The panel's forms while live updates arrive, against a scripted relay: the composer keeps its
 * field (and every key typed into it) when the live connection goes quiet, and "Add to Text
 * Engagement" keeps what the recruiter entered when the candidate is added elsewhere meanwhile,
 * saying "Updated elsewhere" with a Reload that shows the conversation.
 */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PushEvent } from '../../lib/protocol';
import { UNREACHABLE_NOTICE_AFTER_MS } from '../../lib/tuning';
import { testCandidate } from '../../test-support/candidate';

type Handler = (input: Record<string, unknown>) => unknown;
const handlers = new Map<string, Handler>();
const listeners: ((e: PushEvent) => void)[] = [];

vi.mock('../../lib/relay', () => ({
  request: vi.fn(async (name: string, input: Record<string, unknown>) => {
    const handler = handlers.get(name);
    if (!handler) return { ok: false, error: { code: 'UNHANDLED', message: name, status: 500 } };
    return handler(input);
  }),
  subscribe: vi.fn((l: (e: PushEvent) => void) => {
    listeners.push(l);
  }),
}));

const { createConversationStore } = await import('./store');
const { createCaptureStore } = await import('./capture/store');
const { createConsentStore } = await import('./consent/store');
const { Panel } = await import('./Panel');

const LUCIA = testCandidate({ id: '10151', firstName: 'Lucia', lastName: 'Cruz', phone: '+18325550118' });
const ok = (data: unknown) => ({ ok: true, data });
const tick = () => new Promise((r) => setTimeout(r, 0));

let root: HTMLElement;
let known: boolean;

beforeEach(() => {
  handlers.clear();
  listeners.length = 0;
  known = true;
  handlers.set('session.get', () =>
    ok({ serverUrl: 'http://x', signedIn: true, recruiter: { id: 1, name: 'Jordan Avery', licensed: true, organization: { assistantSubscribed: false } } }),
  );
  handlers.set('candidates.get', () => (known ? ok(LUCIA) : { ok: false, error: { code: 'NOT_FOUND', message: 'Candidate not found.', status: 404 } }));
  handlers.set('messages.list', () => ok({ messages: [], nextCursor: null }));
  handlers.set('templates.list', () => ok({ templates: [] }));
  handlers.set('assistant.get', () => ok({ active: false, sequence: null, answers: [], booking: null, handback: null }));
  handlers.set('candidates.consentHistory', () => ok({ candidateId: '10151', records: [] }));
  root = document.createElement('div');
  document.body.append(root);
});

afterEach(() => {
  vi.useRealTimers();
  render(null, root);
  root.remove();
});

async function mount() {
  const life = new AbortController().signal;
  const capture = createCaptureStore({
    candidateId: '10151',
    readDetails: () => ({
      firstName: 'Lucia',
      lastName: 'Cruz',
      email: 'lucia@example.net',
      phone: '(832) 555-0118',
      phoneType: 'mobile',
      jobTitle: null,
      location: null,
    }),
    onSaved: (saved) => store.added(saved),
  });
  const store = createConversationStore('10151', life, { addFormDirty: () => capture.dirty.peek() });
  const consent = createConsentStore({ candidateId: '10151', candidate: store.candidate, onRecorded: (c) => store.changed(c), signal: life });
  await act(async () => {
    await store.reload();
    render(<Panel store={store} capture={capture} consent={consent} />, root);
    await tick();
  });
  return store;
}

const push = (event: PushEvent) => act(async () => listeners.forEach((l) => l(event)));
const q = <E extends HTMLElement = HTMLElement>(sel: string) => root.querySelector<E>(sel);

/** One character at a time, each an input event on the field as it is then. */
async function type(sel: string, text: string) {
  for (const ch of text) {
    await act(async () => {
      const el = q<HTMLInputElement | HTMLTextAreaElement>(sel)!;
      el.value += ch;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
  }
}

describe('the composer', () => {
  it('stays, with every key typed, when the live connection goes quiet: the notice is said above it and Send waits', async () => {
    await mount();
    await push({ type: 'stream.status', data: { connected: true } });
    const field = q<HTMLTextAreaElement>('textarea.te-conv-textarea')!;
    await type('textarea.te-conv-textarea', 'Are you free');

    vi.useFakeTimers();
    await push({ type: 'stream.status', data: { connected: false } });
    await act(async () => {
      vi.advanceTimersByTime(UNREACHABLE_NOTICE_AFTER_MS + 100);
    });
    expect(q('[data-notice=offline]')?.textContent).toContain('Your draft is kept');
    await type('textarea.te-conv-textarea', ' tomorrow?');

    expect(q('textarea.te-conv-textarea')).toBe(field);
    expect(field.value).toBe('Are you free tomorrow?');
    expect(q<HTMLButtonElement>('button.te-conv-send')!.disabled).toBe(true);

    await push({ type: 'stream.status', data: { connected: true } });
    expect(q('[data-notice=offline]')).toBeNull();
    expect(q('textarea.te-conv-textarea')).toBe(field);
    expect(q<HTMLButtonElement>('button.te-conv-send')!.disabled).toBe(false);
  });
});

describe('Add to Text Engagement', () => {
  const form = () => q<HTMLFormElement>('[data-testid=te-add-candidate]');
  const input = (name: string) => q<HTMLInputElement>(`[data-testid=te-add-candidate] input[name=${name}]`)!;

  it('keeps what the recruiter entered when the candidate is added elsewhere meanwhile, says so, and Reload shows the conversation', async () => {
    known = false;
    await mount();
    expect(form()).not.toBeNull();
    await act(async () => {
      input('phone').value = '';
      input('phone').dispatchEvent(new Event('input', { bubbles: true }));
    });
    await type('[data-testid=te-add-candidate] input[name=phone]', '(832) 555-01');

    known = true; // an import adds her
    await push({ type: 'candidates.updated', data: { ids: ['10151'] } });
    await act(async () => {
      await tick();
    });
    await type('[data-testid=te-add-candidate] input[name=phone]', '99');

    expect(form()).not.toBeNull();
    expect(input('phone').value).toBe('(832) 555-0199');
    expect(q('[data-notice=updated-elsewhere]')?.textContent).toContain('Updated elsewhere');

    await act(async () => {
      q<HTMLButtonElement>('[data-notice=updated-elsewhere] [data-action=reload]')!.click();
      await tick();
      await tick();
    });
    expect(form()).toBeNull();
    expect(q('textarea.te-conv-textarea')).not.toBeNull();
  });

  it('an untouched form gives way to the conversation at once', async () => {
    known = false;
    await mount();
    expect(form()).not.toBeNull();
    known = true;
    await push({ type: 'candidates.updated', data: { ids: ['10151'] } });
    await act(async () => {
      await tick();
      await tick();
    });
    expect(form()).toBeNull();
    expect(q('textarea.te-conv-textarea')).not.toBeNull();
  });
});
