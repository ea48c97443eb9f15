// @vitest-environment happy-dom
/**
 * The campaign store and view against a scripted relay: Send/Save never submitted twice, a
 * scheduled message changed only when Save is pressed, pushed campaign.updated events, readable
 * refusals, the over-500 warning, and a sent campaign shown read-only.
 */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CampaignDetail, CampaignMessage, Review } from '../../../shared/api';
import type { PushEvent } from '../../lib/protocol';
import type { Draft } from './store';

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

const stats = { recipients: 3, queued: 0, sent: 0, delivered: 0, failed: 0, unknown: 0, skipped: {}, replied: 0, optedOut: 0, total: 0, done: 0 };

function campaign(patch: Partial<CampaignDetail> = {}): CampaignDetail {
  return {
    id: 7,
    name: 'Pickers',
    jobTitle: null,
    description: null,
    status: 'draft',
    assistant: { enabled: false, sequenceId: null },
    createdBy: { id: 1, name: 'Jordan Avery' },
    createdAt: '2026-11-28T10:00:00.000Z',
    updatedAt: '2026-11-28T10:00:00.000Z',
    sentAt: null,
    recipients: 3,
    eligible: 2,
    excluded: { NO_CONSENT: 1 },
    stats,
    nextSendAt: null,
    messages: [],
    ...patch,
  };
}

function message(patch: Partial<CampaignMessage> = {}): CampaignMessage {
  return {
    id: 11,
    campaignId: 7,
    body: 'Hi {{firstName}}',
    templateId: null,
    sendAt: null,
    status: 'draft',
    editable: true,
    createdAt: '2026-11-28T10:00:00.000Z',
    scheduledAt: null,
    startedAt: null,
    completedAt: null,
    ...patch,
  };
}

const review: Review = {
  recipients: 3,
  eligible: 2,
  excluded: { NO_CONSENT: 1 },
  excludedCandidates: [{ id: '10003', firstName: 'Aisha', lastName: 'Khan', reason: 'NO_CONSENT' }],
  encoding: 'GSM-7',
  characters: 8,
  segments: { min: 1, max: 1, total: 2 },
  previews: [{ candidateId: '10001', name: 'Maria Garcia', body: 'Hi Maria', segments: 1 }],
  quietHours: { count: 0, window: { start: '08:00', end: '21:00' }, byTimeZone: [] },
  startsAt: '2026-11-28T10:00:00.000Z',
  estimatedCompletionAt: '2026-11-28T10:00:01.000Z',
  ratePerSecond: 50,
  warnings: [],
};

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
