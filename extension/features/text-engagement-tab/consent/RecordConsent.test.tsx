// @vitest-environment happy-dom
/**
 * The notice saying a candidate can't be texted, with Record consent (consent/RecordConsent.tsx)
 * against a scripted relay: the button only where consent is missing and the recruiter may
 * record it, the question it opens (Escape closes it), and the line saying where consent came from.
 */
import { signal } from '@preact/signals';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Candidate } from '../../../../shared/api';

const relay = vi.hoisted(() => ({ request: vi.fn() }));
vi.mock('../../../lib/relay', () => ({ request: relay.request, subscribe: vi.fn() }));

const { createConsentStore } = await import('./store');
const { NotLicensedNotice, NotTextableNotice } = await import('../Notices');

const THIS_YEAR = new Date().getFullYear();
const ANANYA = {
  id: '10153',
  firstName: 'Ananya',
  lastName: 'Gupta',
  phone: '+16125550107',
  channel: 'sms',
  consent: null,
  textable: false,
  reason: 'NO_CONSENT',
} as unknown as Candidate;
const REVOKED = {
  ...ANANYA,
  reason: 'OPTED_OUT',
  optedOut: true,
  consent: { status: 'revoked', source: 'Candidate asked by email', at: `${THIS_YEAR}-03-04T12:00:00.000Z` },
} as Candidate;

let root: HTMLElement;
const tick = () => new Promise((r) => setTimeout(r, 0));

async function mount(candidate: Candidate, licensed = true) {
  const current = signal<Candidate | null>(candidate);
  const store = createConsentStore({ candidateId: candidate.id, candidate: current, onRecorded: vi.fn(), signal: new AbortController().signal });
  const view = () => (licensed ? <NotTextableNotice candidate={current.value!} consent={store} /> : <NotTextableNotice candidate={current.value!} />);
  await act(async () => {
    render(view(), root);
    await tick();
  });
  return { store };
}

const q = <E extends Element = HTMLElement>(sel: string) => root.querySelector<E & HTMLElement>(sel);

beforeEach(() => {
  relay.request.mockReset();
  relay.request.mockResolvedValue({
    ok: true,
    data: { candidateId: '10153', records: [{ ...REVOKED.consent, recordedAt: REVOKED.consent!.at, setBy: { type: 'key', name: 'Nightly ATS sync' } }] },
  });
  root = document.createElement('div');
  document.body.append(root);
});

afterEach(() => {
  render(null, root);
  root.remove();
});

describe('Record consent in the notice', () => {
  it('offers the button for a candidate without consent; it opens the consent question, and Escape closes it', async () => {
    await mount(ANANYA);
    expect(q('[data-notice="not-textable"]')!.textContent).toContain('If they have agreed (on the phone, say), record their consent');
    const button = q<HTMLButtonElement>('[data-action="record-consent"]')!;
    expect(button.textContent).toBe('Record consent');

    await act(async () => button.click());
    const form = q('[data-testid="te-record-consent"]')!;
    expect(form.querySelector('legend')!.textContent).toBe('Has Ananya agreed to receive text messages?');
    expect([...form.querySelectorAll('input[name="te-consent"]')].map((i) => (i as HTMLInputElement).value)).toEqual(['granted', 'not-yet']);
    expect(q('[data-action="record-consent"]')).toBeNull();

    // "Yes" shows where it came from, filled in.
    await act(async () => form.querySelector<HTMLInputElement>('input[value="granted"]')!.click());
    expect(q<HTMLInputElement>('input[name="consentSource"]')!.value).toBe('Candidate agreed on the phone');

    await act(async () => {
      form.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    });
    expect(q('[data-testid="te-record-consent"]')).toBeNull();
    expect(q('[data-action="record-consent"]')).not.toBeNull();
  });

  it('shows a refusal by the buttons, readably', async () => {
    const { store } = await mount(ANANYA);
    await act(async () => q<HTMLButtonElement>('[data-action="record-consent"]')!.click());
    await act(async () => q<HTMLInputElement>('input[value="granted"]')!.click());
    relay.request.mockResolvedValueOnce({
      ok: false,
      error: { code: 'OFFLINE', message: "Can't reach the Text Engagement server at http://localhost:8787.", status: 0 },
    });
    await act(async () => {
      q<HTMLFormElement>('[data-testid="te-record-consent"]')!.requestSubmit();
      await tick();
    });
    expect(q('[data-testid="te-record-consent"] [role="alert"]')!.textContent).toBe("Can't reach the Text Engagement server at http://localhost:8787.");
    expect(store.open.value).toBe(true);
  });

  it('no button where consent is not what is missing, or for whoever may not record it', async () => {
    await mount(REVOKED);
    expect(q('[data-action="record-consent"]')).toBeNull();
    render(null, root);
    await mount(ANANYA, false);
    expect(q('[data-action="record-consent"]')).toBeNull();
    expect(q('[data-notice="not-textable"]')!.textContent).toContain('You can text them once they give consent');
  });

  it('names where the candidate’s consent came from', async () => {
    await mount(REVOKED);
    await vi.waitFor(() =>
      expect(q('[data-testid="te-consent-origin"]')?.textContent).toBe('Consent: revoked by Nightly ATS sync — Candidate asked by email, Mar 4'),
    );
  });
});

describe('without a licence', () => {
  it('says why there is no Record consent', async () => {
    await act(async () => render(<NotLicensedNotice candidate={ANANYA} />, root));
    expect(q('[data-notice="not-licensed"]')!.textContent).toContain(
      "Ananya hasn't agreed to receive text messages yet, and recording their consent needs a licence too.",
    );
    await act(async () => render(<NotLicensedNotice candidate={{ ...ANANYA, reason: null, textable: true }} />, root));
    expect(q('[data-notice="not-licensed"]')!.textContent).not.toContain('consent');
  });
});
