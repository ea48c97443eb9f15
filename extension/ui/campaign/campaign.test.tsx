// @vitest-environment happy-dom
/**
 * The campaign store and view against a scripted relay: Send/Save never submitted twice, a
 * scheduled message changed only when Save is pressed, pushed campaign.updated events, readable
 * refusals, the over-500 warning, and a sent campaign shown read-only.
 */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CampaignDetail } from '../../../shared/api';
import { testCampaign, testCampaignMessage, testCampaignStats, testReview } from '../../test-support/campaign';
import type { PushEvent } from '../../lib/protocol';
import type { Draft, Recipient } from './store';

type Handler = (input: Record<string, unknown>) => unknown;
const handlers = new Map<string, Handler>();
const calls: { name: string; input: Record<string, unknown> }[] = [];
let listener: ((e: PushEvent) => void) | null = null;

vi.mock('../../lib/relay', () => ({
  request: vi.fn(async (name: string, input: Record<string, unknown>) => {
    calls.push({ name, input });
    const handler = handlers.get(name);
    if (!handler) return { ok: false, error: { code: 'UNHANDLED', message: name, status: 500 } };
    const data = (await handler(input)) as { fail?: unknown } | null;
    return data && typeof data === 'object' && 'fail' in data ? { ok: false, error: data.fail } : { ok: true, data };
  }),
  subscribe: vi.fn((l: (e: PushEvent) => void) => {
    listener = l;
  }),
}));

const { createCampaignStore } = await import('./store');
const { CampaignView } = await import('./CampaignView');

const stats = testCampaignStats;
const campaign = (patch: Partial<CampaignDetail> = {}) => testCampaign({ excluded: { NO_CONSENT: 1 }, ...patch });
const message = testCampaignMessage;
const review = testReview({
  excluded: { NO_CONSENT: 1 },
  excludedCandidates: [{ id: '10003', firstName: 'Aisha', lastName: 'Khan', reason: 'NO_CONSENT' }],
  previews: [{ candidateId: '10001', name: 'Maria Garcia', body: 'Hi Maria', segments: 1 }],
  quietHours: { count: 0, window: { start: '08:00', end: '21:00' }, byTimeZone: [] },
});

const tick = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  handlers.clear();
  calls.length = 0;
  listener = null;
  handlers.set('campaigns.get', () => campaign());
  handlers.set('session.get', () => ({
    serverUrl: 'x',
    signedIn: true,
    recruiter: { licensed: true, organization: { assistantSubscribed: true, textingHours: { start: '08:00', end: '21:00' } } },
  }));
});

describe('campaign store', () => {
  it('Send pressed twice schedules the message once', async () => {
    let release!: () => void;
    handlers.set('campaigns.createMessage', () => ({ message: message(), review }));
    handlers.set(
      'campaigns.scheduleMessage',
      () => new Promise((r) => (release = () => r({ message: message({ status: 'scheduled' }), review, confirmation: 'Your message is on its way.' }))),
    );
    const store = createCampaignStore(7, new AbortController().signal);
    await tick();
    store.openSchedule();
    const draft = (store.screen.value as { draft: Draft }).draft;
    expect(await store.toReview({ ...draft, body: 'Hi {{firstName}}', mode: 'now' })).toBe(true);
    expect(store.screen.value.kind).toBe('review');
    const first = store.commit();
    const second = store.commit();
    expect(await second).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(calls.filter((c) => c.name === 'campaigns.scheduleMessage')).toHaveLength(1);
    expect(store.screen.value.kind).toBe('main');
    expect(store.flash.value?.text).toBe('Your message is on its way.');
  });

  it('a scheduled message is changed only when Save is pressed, in one request; its Review is a preview that saves nothing', async () => {
    const scheduled = message({ id: 11, status: 'scheduled', sendAt: '2030-01-01T10:00:00.000Z' });
    handlers.set('campaigns.get', () => campaign({ status: 'scheduled', messages: [scheduled] }));
    handlers.set('campaigns.previewMessage', (i) => ({ message: { body: i.body as string, templateId: null, sendAt: i.sendAt as string }, review }));
    handlers.set('campaigns.updateMessage', (i) => ({
      message: message({ id: i.messageId as number, status: 'scheduled', body: i.body as string, sendAt: i.sendAt as string }),
      review,
    }));
    const store = createCampaignStore(7, new AbortController().signal);
    await tick();
    store.openSchedule(scheduled);
    const draft = (store.screen.value as { draft: Draft }).draft;
    expect([draft.editingId, draft.draftId, draft.mode]).toEqual([11, null, 'later']);
    await store.toReview({ ...draft, body: 'New text', date: '2030-01-02', time: '10:00' });
    expect(store.screen.value).toMatchObject({ kind: 'review', message: { id: 11, status: 'scheduled', body: 'New text' } });
    const reads = ['session.get', 'campaigns.get', 'templates.list', 'campaigns.previewMessage'];
    expect(calls.filter((c) => !reads.includes(c.name))).toEqual([]);
    expect(calls.filter((c) => c.name === 'campaigns.previewMessage').map((c) => c.input)).toEqual([
      { id: 7, body: 'New text', sendAt: expect.any(String), templateId: null },
    ]);

    // Save refused: nothing to clean up, the form's Review stays.
    handlers.set('campaigns.updateMessage', () => ({ fail: { code: 'MESSAGE_SENT', message: 'x', status: 409 } }));
    expect(await store.commit()).toBe(false);
    expect(store.screen.value.kind).toBe('review');
    handlers.set('campaigns.updateMessage', (i) => ({
      message: message({ id: i.messageId as number, status: 'scheduled', body: i.body as string, sendAt: i.sendAt as string }),
      review,
    }));
    expect(await store.commit()).toBe(true);
    const writes = calls.filter((c) => !reads.includes(c.name));
    expect(writes.map((c) => c.name)).toEqual(['campaigns.updateMessage', 'campaigns.updateMessage']);
    expect(writes[1]!.input).toMatchObject({ messageId: 11, body: 'New text' });
    expect(store.flash.value?.text).toMatch(/^Changes saved/);
  });

  it('shows refusals in words, and checks the form before asking the server', async () => {
    handlers.set('campaigns.createMessage', () => {
      throw new Error('unreachable');
    });
    const store = createCampaignStore(7, new AbortController().signal);
    await tick();
    store.openSchedule();
    const draft = (store.screen.value as { draft: Draft }).draft;
    expect(await store.toReview({ ...draft, body: '   ' })).toBe(false);
    expect(store.error.value).toBe('Write the message first.');
    expect(await store.toReview({ ...draft, body: 'Hi', mode: 'later', date: '2001-01-01', time: '10:00' })).toBe(false);
    expect(store.error.value).toMatch(/has passed/);
    expect(calls.map((c) => c.name)).not.toContain('campaigns.createMessage');

    handlers.set('campaigns.update', () => ({ fail: { code: 'CAMPAIGN_SENT', message: 'x', status: 409 } }));
    store.openEditCampaign();
    expect(await store.saveCampaign({ name: 'New', jobTitle: '', description: '' })).toBe(false);
    expect(store.error.value).toBe('This campaign has already sent, so it can no longer be changed.');
  });

  it('follows pushed campaign.updated events for its campaign only', async () => {
    const store = createCampaignStore(7, new AbortController().signal);
    await tick();
    listener!({ type: 'campaign.updated', data: campaign({ id: 8, name: 'Other' }) });
    expect(store.campaign.value?.name).toBe('Pickers');
    listener!({ type: 'campaign.updated', data: campaign({ status: 'sending', stats: { ...stats, total: 3, done: 2, sent: 2 } }) });
    expect(store.campaign.value?.status).toBe('sending');
    expect(store.campaign.value?.stats.done).toBe(2);
  });
});

describe('campaign view', () => {
  async function mount(detail: CampaignDetail) {
    handlers.set('campaigns.get', () => detail);
    const store = createCampaignStore(detail.id, new AbortController().signal, { initial: detail });
    const root = document.createElement('div');
    document.body.append(root);
    await act(async () => {
      render(<CampaignView store={store} />, root);
      await tick();
    });
    return { root, store };
  }

  it('warns above 500 recipients', async () => {
    const { root } = await mount(campaign({ recipients: 501, eligible: 480 }));
    expect(root.querySelector('[data-testid=te-cv-size-warning]')?.textContent).toContain('We recommend 500 or fewer');
    const { root: small } = await mount(campaign({ recipients: 500 }));
    expect(small.querySelector('[data-testid=te-cv-size-warning]')).toBeNull();
  });

  it('shows a sent campaign read-only, with its progress at 100% and a results chart', async () => {
    const sent = campaign({
      status: 'sent',
      sentAt: '2026-11-28T10:01:00.000Z',
      stats: { ...stats, total: 3, done: 3, sent: 2, delivered: 2, skipped: { NO_CONSENT: 1 } },
      messages: [message({ status: 'sent', editable: false, completedAt: '2026-11-28T10:01:00.000Z' })],
    });
    const { root } = await mount(sent);
    expect(root.querySelector('[data-testid=te-cv-progressbar]')?.getAttribute('aria-valuenow')).toBe('100');
    expect(root.querySelector('[data-testid=te-cv-chart] svg[role=img]')?.getAttribute('aria-label')).toContain('Delivered: 2');
    expect(root.querySelector('[data-testid=te-cv-message-menu]')).toBeNull();
    expect(root.querySelector('[data-testid=te-cv-actions]')).toBeNull();
    expect(root.querySelector('[data-testid=te-cv-schedule]')).toBeNull();
    expect(root.querySelectorAll('[data-testid=te-cv-readonly]').length).toBeGreaterThan(0);
  });

  it('offers Edit and Delete on a scheduled message while it is unsent', async () => {
    const { root } = await mount(campaign({ status: 'scheduled', messages: [message({ status: 'scheduled', sendAt: '2030-01-01T10:00:00.000Z' })] }));
    expect(root.querySelector('[data-testid=te-cv-message-edit]')?.textContent).toBe('Edit');
    expect(root.querySelector('[data-testid=te-cv-message-delete]')?.textContent).toBe('Delete');
  });
});

describe('forms while live updates arrive', () => {
  let root: HTMLElement;
  const q = <E extends HTMLElement = HTMLElement>(sel: string) => root.querySelector<E>(sel);
  const field = <E extends HTMLInputElement | HTMLTextAreaElement = HTMLInputElement>(sel: string) => q<E>(sel)!;

  async function mount(detail: CampaignDetail) {
    handlers.set('campaigns.get', () => detail);
    const store = createCampaignStore(detail.id, new AbortController().signal, { initial: detail });
    root = document.createElement('div');
    document.body.append(root);
    await act(async () => {
      render(<CampaignView store={store} />, root);
      await tick();
    });
    return store;
  }

  /** Types like a person: one character at a time, each an input event on the field as it is then. */
  async function type(sel: string, text: string) {
    for (const ch of text) {
      await act(async () => {
        const el = field(sel);
        el.value += ch;
        el.dispatchEvent(new Event('input', { bubbles: true }));
      });
    }
  }

  const push = (data: CampaignDetail) => act(async () => listener!({ type: 'campaign.updated', data }));
  const click = (sel: string) =>
    act(async () => {
      q(sel)!.click();
      await tick();
    });
  const notice = () => q('[data-testid=te-cv-elsewhere]')?.textContent ?? null;

  it('Edit Campaign: a rename elsewhere mid-typing keeps every typed character, says "Updated elsewhere", and Save sends only what was changed here', async () => {
    await mount(campaign());
    handlers.set('campaigns.update', (i) => campaign({ name: 'Renamed elsewhere', jobTitle: i.jobTitle as string }));
    await click('[data-testid=te-cv-edit-campaign]');
    await type('[data-testid=te-cv-job-input]', 'F');
    await push(campaign({ name: 'Renamed elsewhere', description: 'From the other tab', updatedAt: '2026-11-28T10:05:00.000Z' }));
    await type('[data-testid=te-cv-job-input]', 'orklift Operator');

    expect(field('[data-testid=te-cv-job-input]').value).toBe('Forklift Operator');
    expect(field('[data-testid=te-cv-name-input]').value).toBe('Pickers');
    expect(notice()).toContain('Updated elsewhere:');
    expect(q('[data-testid=te-cv-elsewhere-reload]')?.textContent).toBe('Reload');

    await click('[data-testid=te-cv-save-campaign]');
    expect(calls.filter((c) => c.name === 'campaigns.update').map((c) => c.input)).toEqual([{ id: 7, jobTitle: 'Forklift Operator' }]);
    expect(q('[data-testid=te-cv-flash]')?.textContent).toContain('Campaign saved.');
    expect(q('[data-testid=te-cv-title]')?.textContent).toBe('Renamed elsewhere');
  });

  it('Edit Campaign: Reload puts the version from elsewhere in the form; an untouched form follows it silently; progress alone is no news', async () => {
    await mount(campaign());
    await click('[data-testid=te-cv-edit-campaign]');
    // Untouched: the form follows the server without a word.
    await push(campaign({ name: 'Renamed once' }));
    expect(field('[data-testid=te-cv-name-input]').value).toBe('Renamed once');
    expect(notice()).toBeNull();

    await type('textarea[name=description]', 'Night shift');
    // An update that changes nothing the form shows (the numbers) says nothing.
    await push(campaign({ name: 'Renamed once', recipients: 4, eligible: 3 }));
    expect(notice()).toBeNull();
    await push(campaign({ name: 'Renamed twice', jobTitle: 'Picker' }));
    expect(field('textarea[name=description]').value).toBe('Night shift');
    expect(field('[data-testid=te-cv-name-input]').value).toBe('Renamed once');
    expect(notice()).toContain('Updated elsewhere');

    await click('[data-testid=te-cv-elsewhere-reload]');
    expect(field('[data-testid=te-cv-name-input]').value).toBe('Renamed twice');
    expect(field('[data-testid=te-cv-job-input]').value).toBe('Picker');
    expect(field('textarea[name=description]').value).toBe('');
    expect(notice()).toBeNull();
  });

  it('Edit Campaign: a campaign that starts sending elsewhere keeps the form as typed and says it can no longer be changed', async () => {
    await mount(campaign());
    await click('[data-testid=te-cv-edit-campaign]');
    await type('[data-testid=te-cv-name-input]', ' (night)');
    await push(campaign({ status: 'sending' }));
    expect(field('[data-testid=te-cv-name-input]').value).toBe('Pickers (night)');
    expect(notice()).toContain('can no longer be changed');
    await click('[data-testid=te-cv-elsewhere-leave]');
    expect(q('[data-testid=te-cv-edit-form]')).toBeNull();
  });

  it('Edit Campaign: Save is held while another action finishes (it would do nothing), then saves', async () => {
    let release!: () => void;
    handlers.set('campaigns.removeCandidate', () => null);
    const store = await mount(campaign());
    handlers.set('campaigns.get', () => new Promise((r) => (release = () => r(campaign({ recipients: 2 })))));
    handlers.set('campaigns.update', (i) => campaign({ jobTitle: i.jobTitle as string }));
    const removal = store.removeCandidate({ id: '10002', firstName: 'Li', lastName: 'Wei' } as Recipient);
    await click('[data-testid=te-cv-edit-campaign]');
    await type('[data-testid=te-cv-job-input]', 'Picker');
    const save = q<HTMLButtonElement>('[data-testid=te-cv-save-campaign]')!;
    expect(save.disabled).toBe(true);
    await act(async () => {
      release();
      await removal;
    });
    expect(save.disabled).toBe(false);
    await click('[data-testid=te-cv-save-campaign]');
    expect(calls.filter((c) => c.name === 'campaigns.update').map((c) => c.input)).toEqual([{ id: 7, jobTitle: 'Picker' }]);
  });

  it('Schedule Message: the body typed around live updates is kept, through the Review and back', async () => {
    handlers.set('campaigns.createMessage', (i) => ({ message: message({ body: i.body as string }), review }));
    handlers.set('templates.list', () => ({ templates: [] }));
    await mount(campaign());
    await click('[data-testid=te-cv-schedule]');
    await type('[data-testid=te-cv-body]', 'Hi {{first');
    await push(campaign({ recipients: 4 }));
    await type('[data-testid=te-cv-body]', 'Name}}, still keen?');
    expect(field<HTMLTextAreaElement>('[data-testid=te-cv-body]').value).toBe('Hi {{firstName}}, still keen?');
    await click('[data-testid=te-cv-review]');
    expect(q('[data-testid=te-cv-review-panel]')).not.toBeNull();
    // Our own draft coming back in an event is not news from elsewhere.
    await push(campaign({ messages: [message({ body: 'Hi {{firstName}}, still keen?' })] }));
    expect(notice()).toBeNull();
    await click('[data-testid=te-cv-back-to-form]');
    expect(field<HTMLTextAreaElement>('[data-testid=te-cv-body]').value).toBe('Hi {{firstName}}, still keen?');
    expect(notice()).toBeNull();
  });

  it('editing a scheduled message: a change elsewhere keeps what is typed and says so; Reload takes theirs; a deletion elsewhere is said too', async () => {
    const scheduled = message({ id: 11, status: 'scheduled', sendAt: '2030-01-01T10:00:00.000Z', body: 'Hi {{firstName}}' });
    handlers.set('templates.list', () => ({ templates: [] }));
    const store = await mount(campaign({ status: 'scheduled', messages: [scheduled] }));
    await act(async () => store.openSchedule(scheduled));
    await type('[data-testid=te-cv-body]', ', see you');
    await push(campaign({ status: 'scheduled', messages: [{ ...scheduled, body: 'Hello {{firstName}} (edited elsewhere)' }] }));
    await type('[data-testid=te-cv-body]', ' Monday');
    expect(field<HTMLTextAreaElement>('[data-testid=te-cv-body]').value).toBe('Hi {{firstName}}, see you Monday');
    expect(notice()).toContain('Updated elsewhere');

    await click('[data-testid=te-cv-elsewhere-reload]');
    expect(field<HTMLTextAreaElement>('[data-testid=te-cv-body]').value).toBe('Hello {{firstName}} (edited elsewhere)');
    expect(notice()).toBeNull();

    await type('[data-testid=te-cv-body]', '!');
    await push(campaign({ status: 'draft', messages: [] }));
    expect(field<HTMLTextAreaElement>('[data-testid=te-cv-body]').value).toBe('Hello {{firstName}} (edited elsewhere)!');
    expect(notice()).toContain('deleted or has started sending');
  });
});
