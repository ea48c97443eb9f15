// @vitest-environment happy-dom
/**
 * "Sending is paused" in the popup and the Text Engagement tab, against a scripted relay: read
 * from GET /api/organization's `sending`, then kept current by the `organization.sending` event
 * (paused, then resumed), and absent while sending.
 */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SendingState } from '../../shared/api';
import type { PushEvent } from '../lib/protocol';

type Handler = (input: Record<string, unknown>) => unknown;
const handlers = new Map<string, Handler>();
const listeners: ((e: PushEvent) => void)[] = [];
vi.mock('../lib/relay', () => ({
  request: vi.fn(async (name: string, input: Record<string, unknown>) => {
    const handler = handlers.get(name);
    return handler ? { ok: true, data: await handler(input) } : { ok: false, error: { code: 'UNHANDLED', message: name, status: 500 } };
  }),
  subscribe: vi.fn((l: (e: PushEvent) => void, signal: AbortSignal) => {
    listeners.push(l);
    signal.addEventListener('abort', () => listeners.splice(listeners.indexOf(l), 1));
  }),
}));

const { Popup } = await import('../entrypoints/popup/Popup');
const { SendingPausedNotice } = await import('../features/text-engagement-tab/Notices');
const { sendingPausedText, watchSendingState } = await import('./sending-state');

const PAUSED: SendingState = { paused: true, reason: 'Twilio refused the credentials: Authenticate', since: '2026-03-03T18:00:00.000Z' };
const tick = () => new Promise((r) => setTimeout(r, 0));
let root: HTMLElement;
let sending: SendingState;

beforeEach(() => {
  handlers.clear();
  listeners.length = 0;
  sending = { paused: false };
  handlers.set('session.get', () => ({
    serverUrl: 'http://x',
    signedIn: true,
    recruiter: { id: 1, name: 'Jordan Avery', licensed: true, organization: { name: 'Acme' } },
  }));
  handlers.set('campaigns.list', () => ({ campaigns: [] }));
  handlers.set('organization.get', () => ({ name: 'Acme', sending }));
  root = document.createElement('div');
  document.body.append(root);
});

afterEach(() => {
  render(null, root);
  root.remove();
});

async function push(event: PushEvent) {
  await act(async () => {
    for (const l of [...listeners]) l(event);
    await tick();
  });
}

describe('the sentence', () => {
  it('names the reason and the time, and says the texts are kept', () => {
    const text = sendingPausedText(PAUSED, 'en-US');
    expect(text).toMatch(
      /^Sending is paused: Twilio refused the credentials: Authenticate since Mar 3, 2026, \d{1,2}:00 [AP]M; texts are kept and go out when it resumes\.$/,
    );
    expect(sendingPausedText({ paused: false })).toBeNull();
    expect(sendingPausedText(null)).toBeNull();
  });
});

describe('the popup', () => {
  it('shows the pause read from the organization, and drops it when the resumed event comes', async () => {
    sending = PAUSED;
    await act(async () => {
      render(<Popup />, root);
      await tick();
    });
    const notice = () => root.querySelector('[data-testid="te-popup-sending-paused"]');
    await vi.waitFor(() => expect(notice()).not.toBeNull());
    expect(notice()?.textContent).toBe(sendingPausedText(PAUSED));
    await push({ type: 'organization.sending', data: { paused: false } });
    expect(notice()).toBeNull();
  });

  it('appears when the paused event comes while it is open', async () => {
    await act(async () => {
      render(<Popup />, root);
      await tick();
    });
    expect(root.querySelector('[data-testid="te-popup-sending-paused"]')).toBeNull();
    await push({ type: 'organization.sending', data: PAUSED });
    expect(root.querySelector('[data-testid="te-popup-sending-paused"]')?.textContent).toContain('Sending is paused: Twilio refused the credentials');
  });
});

describe('the Text Engagement tab', () => {
  function Bottom({ abort }: { abort: AbortSignal }) {
    const state = watchSendingState(abort);
    function View() {
      const text = sendingPausedText(state.value);
      return text ? <SendingPausedNotice text={text} /> : null;
    }
    return <View />;
  }

  it('its notice follows the events: paused, then gone once resumed', async () => {
    const abort = new AbortController();
    await act(async () => {
      render(<Bottom abort={abort.signal} />, root);
      await tick();
    });
    expect(root.querySelector('[data-notice="sending-paused"]')).toBeNull();
    await push({ type: 'organization.sending', data: PAUSED });
    const notice = root.querySelector('[data-notice="sending-paused"]')!;
    expect(notice.getAttribute('role')).toBe('status');
    expect(notice.querySelector('.te-conv-notice-title')?.textContent).toBe('Sending is paused');
    expect(notice.textContent).toContain('texts are kept and go out when it resumes');
    await push({ type: 'organization.sending', data: { paused: false } });
    expect(root.querySelector('[data-notice="sending-paused"]')).toBeNull();
    abort.abort();
    expect(listeners).toHaveLength(0);
  });
});
