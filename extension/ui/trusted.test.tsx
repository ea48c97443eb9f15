// @vitest-environment happy-dom
/**
 * Send, Save (schedule) and Delete act only on the person's own input (ui/trusted.ts): a script's
 * synthetic click, key press or submit does nothing; the same click or key from a person (a
 * trusted event: test-support/user-input.ts) acts once. In the composer, the WhatsApp template
 * notice, the campaign Review and the delete confirmations.
 */
import { signal } from '@preact/signals';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CampaignDetail, Template } from '../../shared/api';
import type { ConversationStore } from '../features/text-engagement-tab/store';
import { testCampaign, testCampaignMessage, testReview } from '../test-support/campaign';
import { testCandidate } from '../test-support/candidate';
import { userClick, userKeyDown } from '../test-support/user-input';

type Handler = (input: Record<string, unknown>) => unknown;
const handlers = new Map<string, Handler>();
const calls: string[] = [];
vi.mock('../lib/relay', () => ({
  request: vi.fn(async (name: string, input: Record<string, unknown>) => {
    calls.push(name);
    const handler = handlers.get(name);
    return handler ? { ok: true, data: await handler(input) } : { ok: false, error: { code: 'UNHANDLED', message: name, status: 500 } };
  }),
  subscribe: vi.fn(),
}));

const { onlyTrusted } = await import('./trusted');
const { Composer } = await import('../features/text-engagement-tab/Composer');
const { WhatsAppWindowNotice } = await import('../features/text-engagement-tab/Notices');
const { createCampaignStore } = await import('./campaign/store');
const { CampaignView } = await import('./campaign/CampaignView');

const tick = () => new Promise((r) => setTimeout(r, 0));
let root: HTMLElement;
beforeEach(() => {
  handlers.clear();
  calls.length = 0;
  root = document.createElement('div');
  document.body.append(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
});
const q = <E extends Element = HTMLElement>(sel: string) => root.querySelector<E & HTMLElement>(sel)!;

/** What a page script could do to a button or form it got hold of. */
async function scriptedAttempts(button: HTMLElement, field?: HTMLElement) {
  await act(async () => {
    button.click();
    button.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
    button.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    const form = button.closest('form');
    if (form) {
      form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
      form.requestSubmit?.();
    }
    field?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true, cancelable: true }));
    field?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', metaKey: true, bubbles: true, cancelable: true }));
    await tick();
  });
}

describe('onlyTrusted', () => {
  it('runs the handler for a trusted event only; an untrusted one is cancelled', () => {
    const handler = vi.fn();
    const guarded = onlyTrusted(handler);
    const synthetic = new MouseEvent('click', { cancelable: true });
    guarded(synthetic);
    expect(handler).not.toHaveBeenCalled();
    expect(synthetic.defaultPrevented).toBe(true);
    const real = new MouseEvent('click', { cancelable: true });
    Object.defineProperty(real, 'isTrusted', { value: true });
    guarded(real);
    expect(handler).toHaveBeenCalledExactlyOnceWith(real);
    expect(real.defaultPrevented).toBe(false);
  });
});

describe('the composer', () => {
  function fakeStore(patch: Partial<Record<string, unknown>> = {}) {
    const store = {
      candidate: signal(testCandidate({ id: '10001', firstName: 'Maria', lastName: 'Garcia' })),
      recruiter: signal(null),
      draft: signal('Hi Maria'),
      sending: signal(false),
      reachable: signal(true),
      sendError: signal(null),
      assistantError: signal(null),
      assistantBusy: signal(false),
      templates: signal<Template[]>([]),
      sequences: signal(null),
      setDraft: vi.fn(),
      send: vi.fn(async () => true),
      setAssistant: vi.fn(),
      ...patch,
    };
    return store;
  }

  it('sends nothing on a script’s click, Enter, Ctrl+Enter or submit; a person’s click on Send sends once, and so does their Ctrl+Enter or Cmd+Enter', async () => {
    const store = fakeStore();
    await act(async () => render(<Composer store={store as unknown as ConversationStore} />, root));
    const send = q('button.te-conv-send');
    const field = q('textarea');
    await scriptedAttempts(send, field);
    expect(store.send).not.toHaveBeenCalled();

    await act(async () => userClick(send));
    expect(store.send).toHaveBeenCalledTimes(1);
    await act(async () => userKeyDown(field, 'Enter', { ctrlKey: true }));
    expect(store.send).toHaveBeenCalledTimes(2);
    await act(async () => userKeyDown(field, 'Enter', { metaKey: true }));
    expect(store.send).toHaveBeenCalledTimes(3);
    // Enter alone is a new line, as before.
    await act(async () => userKeyDown(field, 'Enter'));
    expect(store.send).toHaveBeenCalledTimes(3);
  });

  it('outside the WhatsApp window, "Send template" sends the chosen template on a person’s click only', async () => {
    const template: Template = {
      id: 3,
      name: 'Interview invitation',
      body: 'Hi {{firstName}}',
      contentSid: 'HX' + '0'.repeat(32),
      contentVariables: { '1': 'firstName' },
      whatsappApproved: true,
    };
    const store = fakeStore({
      candidate: signal(testCandidate({ id: '10002', firstName: 'James', lastName: 'Lee', channel: 'whatsapp', whatsappWindowOpen: false })),
      templates: signal([template]),
    });
    await act(async () => render(<WhatsAppWindowNotice store={store as unknown as ConversationStore} />, root));
    await act(async () => userClick(q('input[name="te-approved-template"]')));
    const send = q('.te-conv-approved button[type="submit"]');
    expect((send as HTMLButtonElement).disabled).toBe(false);
    await scriptedAttempts(send);
    expect(store.send).not.toHaveBeenCalled();
    await act(async () => userClick(send));
    // By id alone: the server sends the template's approved content, unedited.
    expect(store.send).toHaveBeenCalledExactlyOnceWith({ body: template.body, templateId: 3, templateOnly: true });
  });
});

describe('campaigns', () => {
  const campaign = testCampaign;
  const message = testCampaignMessage;
  const review = testReview();

  async function mount(detail: CampaignDetail) {
    handlers.set('session.get', () => ({
      serverUrl: 'x',
      signedIn: true,
      recruiter: { licensed: true, organization: { assistantSubscribed: false, textingHours: { start: '00:00', end: '24:00' } } },
    }));
    handlers.set('campaigns.get', () => detail);
    handlers.set('templates.list', () => ({ templates: [] }));
    const store = createCampaignStore(detail.id, new AbortController().signal, { initial: detail });
    await act(async () => {
      render(<CampaignView store={store} />, root);
      await tick();
    });
    return store;
  }

  it('the Review’s Send schedules nothing on a script’s click; a person’s click sends it once', async () => {
    handlers.set('campaigns.createMessage', () => ({ message: message(), review }));
    handlers.set('campaigns.scheduleMessage', () => ({ message: message({ status: 'scheduled' }), review, confirmation: 'Your message is on its way.' }));
    const store = await mount(campaign());
    await act(async () => {
      store.openSchedule();
      const draft = (store.screen.value as { draft: Parameters<typeof store.toReview>[0] }).draft;
      await store.toReview({ ...draft, body: 'Hi {{firstName}}', mode: 'now' });
    });
    const commit = q('[data-testid=te-cv-commit]');
    expect(commit.textContent).toContain('Send');
    await scriptedAttempts(commit);
    expect(calls).not.toContain('campaigns.scheduleMessage');
    expect(store.screen.value.kind).toBe('review');

    await act(async () => {
      userClick(commit);
      await tick();
    });
    expect(calls.filter((c) => c === 'campaigns.scheduleMessage')).toHaveLength(1);
  });

  it('Delete in a confirmation (a scheduled message, the campaign) deletes nothing on a script’s click; a person’s click does', async () => {
    handlers.set('campaigns.deleteMessage', () => null);
    handlers.set('campaigns.delete', () => null);
    const scheduled = message({ status: 'scheduled', sendAt: '2030-01-01T10:00:00.000Z' });
    const store = await mount(campaign({ status: 'scheduled', messages: [scheduled] }));

    await act(async () => {
      store.confirm.value = { kind: 'delete-message', messageId: scheduled.id, fromReview: false };
    });
    await scriptedAttempts(q('[data-testid=te-cv-confirm-delete]'));
    expect(calls).not.toContain('campaigns.deleteMessage');
    await act(async () => {
      userClick(q('[data-testid=te-cv-confirm-delete]'));
      await tick();
    });
    expect(calls.filter((c) => c === 'campaigns.deleteMessage')).toHaveLength(1);

    await act(async () => {
      store.confirm.value = { kind: 'delete-campaign' };
    });
    await scriptedAttempts(q('[data-testid=te-cv-confirm-delete]'));
    expect(calls).not.toContain('campaigns.delete');
    await act(async () => {
      userClick(q('[data-testid=te-cv-confirm-delete]'));
      await tick();
    });
    expect(calls.filter((c) => c === 'campaigns.delete')).toHaveLength(1);
  });
});
