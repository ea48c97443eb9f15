/**
 * The conversation store against a scripted relay: paging, live events, and sends that are
 * never made twice (one idempotency key per composed message, reused on retry).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Candidate, Message } from '../../../shared/api';
import type { PushEvent } from '../../lib/protocol';
import { testCandidate } from '../../test-support/candidate';

type Handler = (input: Record<string, unknown>) => unknown;
const handlers = new Map<string, Handler>();
const calls: { name: string; input: Record<string, unknown> }[] = [];
let listener: ((e: PushEvent) => void) | null = null;

vi.mock('../../lib/relay', () => ({
  request: vi.fn(async (name: string, input: Record<string, unknown>) => {
    calls.push({ name, input });
    const handler = handlers.get(name);
    if (!handler) return { ok: false, error: { code: 'UNHANDLED', message: name, status: 500 } };
    return handler(input);
  }),
  subscribe: vi.fn((l: (e: PushEvent) => void) => {
    listener = l;
  }),
}));

const { createConversationStore } = await import('./store');
const { describeError } = await import('../../ui/format');

const candidate: Candidate = testCandidate({ id: '10001', firstName: 'Maria', lastName: 'Garcia', phone: '+12125550101' });

function message(id: number, patch: Partial<Message> = {}): Message {
  return {
    id,
    candidateId: '10001',
    direction: 'outbound',
    channel: 'sms',
    body: `Message ${id}`,
    status: 'delivered',
    encoding: 'GSM-7',
    segments: 1,
    sender: 'recruiter',
    senderName: 'Jordan Avery',
    errorCode: null,
    errorMessage: null,
    campaignId: null,
    createdAt: new Date(1_700_000_000_000 + id * 1000).toISOString(),
    sentAt: null,
    deliveredAt: null,
    media: [],
    ...patch,
  };
}

const ok = (data: unknown) => ({ ok: true, data });
const tick = () => new Promise((r) => setTimeout(r, 0));

function standardServer(pages: Message[][] = [[message(1), message(2)]]) {
  handlers.set('session.get', () =>
    ok({
      serverUrl: 'http://x',
      signedIn: true,
      recruiter: { id: 1, name: 'Jordan Avery', licensed: true, calendarLink: 'http://x/book/j', organization: { assistantSubscribed: true } },
    }),
  );
  handlers.set('candidates.get', () => ok(candidate));
  handlers.set('templates.list', () => ok({ templates: [] }));
  handlers.set('messages.list', (input) => {
    const index = input.after === undefined ? 0 : pages.findIndex((p) => p[0] && p[0].id > (input.after as number));
    const page = pages[index] ?? [];
    return ok({ messages: page, nextCursor: index < pages.length - 1 ? page[page.length - 1]!.id : null });
  });
}

beforeEach(() => {
  handlers.clear();
  calls.length = 0;
  listener = null;
});

describe('conversation store', () => {
  it('reads every page, oldest first', async () => {
    standardServer([[message(1), message(2)], [message(3)], [message(4), message(5)]]);
    const store = createConversationStore('10001', new AbortController().signal);
    await store.reload();
    expect(store.load.value.kind).toBe('ready');
    expect(store.messages.value.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
    expect(calls.filter((c) => c.name === 'messages.list').map((c) => c.input.after)).toEqual([undefined, 2, 3]);
  });

  it('applies pushed events for this candidate only, and never moves a status backwards', async () => {
    standardServer();
    const store = createConversationStore('10001', new AbortController().signal);
    await store.reload();
    listener!({ type: 'message.created', data: message(3, { direction: 'inbound', sender: 'candidate', status: 'received', senderName: null }) });
    listener!({ type: 'message.created', data: message(4, { candidateId: '10002' }) });
    listener!({ type: 'message.updated', data: message(2, { status: 'sent', senderName: null }) });
    expect(store.messages.value.map((m) => [m.id, m.status])).toEqual([
      [1, 'delivered'],
      [2, 'delivered'],
      [3, 'received'],
    ]);
    listener!({ type: 'message.updated', data: message(2, { status: 'read', senderName: null }) });
    expect(store.messages.value[1]!.status).toBe('read');
    expect(store.messages.value[1]!.senderName).toBe('Jordan Avery');
    listener!({ type: 'candidate.updated', data: { ...candidate, textable: false, reason: 'OPTED_OUT', optedOut: true } });
    expect(store.candidate.value!.reason).toBe('OPTED_OUT');
    listener!({ type: 'candidate.updated', data: { ...candidate, id: '10002', firstName: 'James' } });
    expect(store.candidate.value!.firstName).toBe('Maria');
  });

  it('marks replies read while the panel is open', async () => {
    standardServer();
    handlers.set('messages.markRead', () => ok({ unreadCount: 0 }));
    const store = createConversationStore('10001', new AbortController().signal);
    await store.reload();
    listener!({ type: 'message.created', data: message(3, { direction: 'inbound', sender: 'candidate', status: 'received' }) });
    await tick();
    expect(calls.filter((c) => c.name === 'messages.markRead')).toHaveLength(0);
    store.setOpen(true);
    await tick();
    expect(calls.filter((c) => c.name === 'messages.markRead')).toHaveLength(1);
    listener!({ type: 'message.created', data: message(4, { direction: 'inbound', sender: 'candidate', status: 'received' }) });
    await tick();
    expect(calls.filter((c) => c.name === 'messages.markRead')).toHaveLength(2);
  });

  it('shows a sent text at once, sends it once however often Send is pressed, then shows the server copy', async () => {
    standardServer();
    let answer: (v: unknown) => void = () => undefined;
    handlers.set('messages.send', () => new Promise((r) => (answer = r)));
    const store = createConversationStore('10001', new AbortController().signal);
    await store.reload();
    store.setDraft('Hi {{firstName}}');
    const first = store.send();
    const second = store.send();
    expect(store.messages.value.at(-1)).toMatchObject({ pending: true, body: 'Hi Maria', status: 'sending' });
    expect(store.draft.value).toBe('');
    expect(store.sending.value).toBe(true);
    await tick();
    expect(calls.filter((c) => c.name === 'messages.send')).toHaveLength(1);
    answer(ok(message(3, { body: 'Hi Maria', status: 'queued' })));
    expect(await first).toBe(true);
    expect(await second).toBe(false);
    expect(store.messages.value.map((m) => [m.id, !!m.pending])).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
  });

  it('keeps the text and the idempotency key when a send fails, and retries with the same key', async () => {
    standardServer();
    const results = [
      { ok: false, error: { code: 'OFFLINE', message: "Can't reach the Text Engagement server at http://x.", status: 0 } },
      ok(message(3, { status: 'queued' })),
      ok(message(4, { status: 'queued' })),
    ];
    handlers.set('messages.send', () => results.shift());
    const store = createConversationStore('10001', new AbortController().signal);
    await store.reload();
    store.setDraft('Are you free tomorrow?');
    expect(await store.send()).toBe(false);
    expect(store.draft.value).toBe('Are you free tomorrow?');
    expect(store.sendError.value).toBe("Not sent. Can't reach the Text Engagement server at http://x.");
    expect(store.messages.value.some((m) => m.pending)).toBe(false);
    expect(await store.send()).toBe(true);
    store.setDraft('Another one');
    expect(await store.send()).toBe(true);
    const keys = calls.filter((c) => c.name === 'messages.send').map((c) => c.input.idempotencyKey);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[1]);
    expect(String(keys[0]).length).toBeGreaterThanOrEqual(8);
  });

  it('a signed-out session shows the sign-in notice and reloads when signed in again', async () => {
    standardServer();
    handlers.set('session.get', () => ok({ serverUrl: 'http://x', signedIn: false, recruiter: null }));
    const store = createConversationStore('10001', new AbortController().signal);
    await store.reload();
    expect(store.load.value.kind).toBe('signed-out');
    standardServer();
    listener!({ type: 'session.changed', data: { serverUrl: 'http://x', signedIn: true, recruiter: null } });
    await vi.waitFor(() => expect(store.load.value.kind).toBe('ready'));
  });

  it('hands off with the chosen sequence and offers the primary sequence first, then the outbound ones', async () => {
    standardServer();
    let running: { id: number; name: string } | null = null;
    handlers.set('assistant.get', () => ok(info({ active: !!running, sequence: running })));
    handlers.set('sequences.list', () =>
      ok({
        sequences: [
          { id: 7, name: 'Inbound: other', kind: 'inbound', primary: false },
          { id: 1, name: 'Inbound: first contact', kind: 'inbound', primary: true },
          { id: 2, name: 'Interest check and screening', kind: 'outbound', primary: false },
          { id: 3, name: 'Interview scheduling', kind: 'outbound', primary: false },
        ],
      }),
    );
    handlers.set('assistant.set', (input) => {
      running = input.active ? { id: input.sequenceId as number, name: 'Interview scheduling' } : null;
      return ok({ ...candidate, assistant: { active: input.active as boolean, sequenceId: (input.sequenceId as number) ?? null } });
    });
    const store = createConversationStore('10001', new AbortController().signal);
    await store.reload();
    await vi.waitFor(() => expect(store.sequences.value?.map((q) => q.id)).toEqual([1, 2, 3]));
    await store.setAssistant(true, 3);
    expect(calls.filter((c) => c.name === 'assistant.set').map((c) => c.input)).toEqual([{ candidateId: '10001', active: true, sequenceId: 3 }]);
    expect(store.candidate.value!.assistant).toEqual({ active: true, sequenceId: 3 });
    // What Ari is doing is asked again after the change.
    await vi.waitFor(() => expect(store.assistant.value?.sequence?.id).toBe(3));
    expect(calls.filter((c) => c.name === 'assistant.get')).toHaveLength(2);
    expect(store.candidate.value!.assistant).toEqual({ active: true, sequenceId: 3 });
  });

  it('learns from what Ari says that a campaign started it (no candidate update comes for that)', async () => {
    standardServer();
    let active = false;
    handlers.set('assistant.get', () => ok(info({ active, sequence: active ? { id: 3, name: 'Interview scheduling' } : null })));
    const store = createConversationStore('10001', new AbortController().signal);
    await store.reload();
    await vi.waitFor(() => expect(store.assistant.value).not.toBeNull());
    expect(store.candidate.value!.assistant.active).toBe(false);
    active = true;
    // Campaign texts reach the thread first as status updates.
    listener!({ type: 'message.updated', data: message(3, { campaignId: 9, status: 'sent' }) });
    await vi.waitFor(() => expect(store.candidate.value!.assistant).toEqual({ active: true, sequenceId: 3 }));
    // Later updates of the same text ask nothing more.
    const asked = calls.filter((c) => c.name === 'assistant.get').length;
    listener!({ type: 'message.updated', data: message(3, { campaignId: 9, status: 'delivered' }) });
    await new Promise((r) => setTimeout(r, 300));
    expect(calls.filter((c) => c.name === 'assistant.get')).toHaveLength(asked);
  });

  it("refreshes Ari's state once per burst of events about this candidate (updates, bookings, Ari's texts)", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      standardServer();
      let answers = 0;
      handlers.set('assistant.get', () => ok(info({ answers: Array.from({ length: answers }, (_, i) => ({ key: `k${i}`, label: `L${i}`, value: `v${i}` })) })));
      const store = createConversationStore('10001', new AbortController().signal);
      await store.reload();
      await vi.runAllTimersAsync();
      const asked = () => calls.filter((c) => c.name === 'assistant.get').length;
      expect(asked()).toBe(1);
      answers = 2;
      listener!({ type: 'message.created', data: message(3, { sender: 'assistant' }) });
      listener!({ type: 'candidate.updated', data: candidate });
      listener!({ type: 'booking.created', data: { id: 1, candidateId: '10001', startsAt: '2026-12-01T15:00:00.000Z', endsAt: '2026-12-01T15:30:00.000Z' } });
      await vi.runAllTimersAsync();
      expect(asked()).toBe(2);
      expect(store.assistant.value!.answers).toHaveLength(2);
      // Someone else's news, or the recruiter's own text: nothing to ask.
      listener!({ type: 'booking.created', data: { id: 2, candidateId: '10002', startsAt: '2026-12-01T15:00:00.000Z', endsAt: '2026-12-01T15:30:00.000Z' } });
      listener!({ type: 'candidate.updated', data: { ...candidate, id: '10002' } });
      listener!({ type: 'message.created', data: message(4) });
      await vi.runAllTimersAsync();
      expect(asked()).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows why Ari handed back until the recruiter replies; never after a take-over or an opt-out', async () => {
    standardServer([[message(1, { createdAt: '2026-11-01T10:00:00.000Z' })]]);
    const handback = { reason: 'NOT_UNDERSTOOD', message: 'Ari could not understand.', summary: [], at: '2026-11-01T10:05:00.000Z' };
    let current = info({ handback });
    handlers.set('assistant.get', () => ok(current));
    const store = createConversationStore('10001', new AbortController().signal);
    await store.reload();
    await vi.waitFor(() => expect(store.handback.value?.reason).toBe('NOT_UNDERSTOOD'));
    // While Ari runs again there is nothing to explain.
    store.candidate.value = { ...candidate, assistant: { active: true, sequenceId: 1 } };
    expect(store.handback.value).toBeNull();
    store.candidate.value = candidate;
    expect(store.handback.value).not.toBeNull();
    listener!({ type: 'message.created', data: message(2, { createdAt: '2026-11-01T10:06:00.000Z' }) });
    expect(store.handback.value).toBeNull();
    for (const reason of ['TAKEN_OVER', 'OPTED_OUT']) {
      current = info({ handback: { ...handback, reason, at: '2026-11-01T11:00:00.000Z' } });
      const other = createConversationStore('10001', new AbortController().signal);
      await other.reload();
      await vi.waitFor(() => expect(other.assistant.value?.handback?.reason).toBe(reason));
      expect(other.handback.value).toBeNull();
    }
  });

  it('a candidate the server does not know: NOT_FOUND; added from the tab, the conversation is ready at once', async () => {
    standardServer([]);
    const notFound = { ok: false, error: { code: 'NOT_FOUND', message: 'Candidate not found.', status: 404 } };
    handlers.set('candidates.get', () => notFound);
    handlers.set('messages.list', () => notFound);
    const store = createConversationStore('10151', new AbortController().signal);
    await store.reload();
    expect(store.load.value).toMatchObject({ kind: 'error', error: { code: 'NOT_FOUND' } });
    expect(store.notFound.value).toBe(true);

    const added = { ...candidate, id: '10151', firstName: 'Lucia', lastName: 'Cruz' };
    handlers.set('candidates.get', () => ok(added));
    handlers.set('messages.list', () => ok({ messages: [], nextCursor: null }));
    store.added(added);
    // The composer needs nothing more: ready before the reload answers.
    expect(store.load.value.kind).toBe('ready');
    expect(store.candidate.value).toEqual(added);
    expect(store.notFound.value).toBe(false);
    await vi.waitFor(() => expect(calls.filter((c) => c.name === 'templates.list')).toHaveLength(2));
    expect(store.load.value.kind).toBe('ready');
  });

  it('a server that answers in another shape: the tab shows the readable BAD_RESPONSE, not the data', async () => {
    standardServer();
    const badResponse = {
      code: 'BAD_RESPONSE',
      message:
        "The Text Engagement server's answer to GET /api/candidates/:id (candidates.get) is not what this extension expects (textable: Invalid input: expected boolean, received string). The server and the extension may be different versions: ask your administrator to update the older one.",
      status: 0,
    };
    handlers.set('candidates.get', () => ({ ok: false, error: badResponse }));
    const store = createConversationStore('10001', new AbortController().signal);
    await store.reload();
    expect(store.load.value).toEqual({ kind: 'error', error: badResponse });
    expect(describeError(badResponse)).toBe(badResponse.message);
  });

  it('candidates.updated naming this candidate reads them again; erased, the tab offers to add them again', async () => {
    standardServer();
    const store = createConversationStore('10001', new AbortController().signal);
    await store.reload();
    const gets = () => calls.filter((c) => c.name === 'candidates.get').length;
    const before = gets();

    // Others changed: nothing to read.
    listener!({ type: 'candidates.updated', data: { ids: ['10002', '10003'] } });
    await tick();
    expect(gets()).toBe(before);

    // An import gave them consent by WhatsApp: read again, shown.
    handlers.set('candidates.get', () => ok({ ...candidate, channel: 'whatsapp' }));
    listener!({ type: 'candidates.updated', data: { ids: ['10002', '10001'] } });
    await vi.waitFor(() => expect(store.candidate.value!.channel).toBe('whatsapp'));
    expect(gets()).toBe(before + 1);

    // Erased: nothing of theirs is kept.
    handlers.set('candidates.get', () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'Candidate not found.', status: 404 } }));
    listener!({ type: 'candidates.updated', data: { ids: ['10001'] } });
    await vi.waitFor(() => expect(store.notFound.value).toBe(true));
    expect(store.candidate.value).toBeNull();
    expect(store.messages.value).toEqual([]);

    // Imported again (elsewhere): the conversation comes back by itself.
    standardServer([]);
    listener!({ type: 'candidates.updated', data: { ids: ['10001'] } });
    await vi.waitFor(() => expect(store.load.value.kind).toBe('ready'));
    expect(store.candidate.value!.id).toBe('10001');
  });

  it('a change made from the tab (consent recorded) shows at once; a read that was on its way does not undo it', async () => {
    standardServer();
    const withoutConsent = { ...candidate, textable: false, reason: 'NO_CONSENT' as const };
    handlers.set('candidates.get', () => ok(withoutConsent));
    const store = createConversationStore('10001', new AbortController().signal);
    await store.reload();
    expect(store.candidate.value!.reason).toBe('NO_CONSENT');

    // An event's read is on its way (it will answer with the old state)...
    let answerRead!: (v: unknown) => void;
    handlers.set('candidates.get', () => new Promise((r) => (answerRead = r)));
    listener!({ type: 'candidates.updated', data: { ids: ['10001'] } });
    await vi.waitFor(() => expect(answerRead).toBeTypeOf('function'));
    // ...when the consent is recorded: shown at once.
    const granted = { ...candidate, consent: { status: 'granted' as const, source: 'Candidate agreed on the phone', at: '2026-12-01T10:00:00.000Z' } };
    store.changed(granted);
    expect(store.candidate.value).toEqual(granted);
    answerRead(ok(withoutConsent));
    await tick();
    expect(store.candidate.value).toEqual(granted);
    // Someone else's candidate is not this tab's.
    store.changed({ ...granted, id: '10002', firstName: 'Other' });
    expect(store.candidate.value!.firstName).toBe('Maria');
  });
});

function info(patch: Record<string, unknown> = {}) {
  return { active: false, sequence: null, stepId: null, handback: null, answers: [], booking: null, ...patch };
}
