/**
 * One candidate's conversation as signals: the thread, the candidate's texting state, the
 * session, the draft, and what is in flight. Kept for the life of the profile view, so the
 * draft and the thread survive the host re-creating its Messages tab.
 */
import { batch, computed, signal } from '@preact/signals';
import type { Candidate, Message, Template } from '../../../shared/api';
import { renderMergeFields } from '../../../shared/merge-fields';
import { statusRank } from '../../../shared/message-status';
import { whatsappWindowOpenAt } from '../../../shared/whatsapp';
import type { AssistantInfo, Outputs, PushEvent, RelayError, Session } from '../../lib/protocol';
import { request, subscribe } from '../../lib/relay';
import { ASSISTANT_REFRESH_AFTER_MS, THREAD_MAX_PAGES, THREAD_PAGE_SIZE, UNREACHABLE_NOTICE_AFTER_MS } from '../../lib/tuning';
import { describeError } from '../../ui/format';

/** A message as shown: the server's, or our own optimistic copy until the server answers. */
export type ShownMessage = Message & { pending?: boolean };

export type Sequence = Outputs['sequences.list']['sequences'][number];

export type LoadState = { kind: 'loading' } | { kind: 'ready' } | { kind: 'signed-out' } | { kind: 'error'; error: RelayError };

function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export type ConversationStore = ReturnType<typeof createConversationStore>;

export interface ConversationOptions {
  /**
   * The recruiter has started filling in "Add to Text Engagement" (capture/store.ts): should the
   * candidate be added elsewhere meanwhile, the form stays and says so rather than vanishing.
   */
  addFormDirty?(): boolean;
}

export function createConversationStore(candidateId: string, signalOfView: AbortSignal, options: ConversationOptions = {}) {
  const load = signal<LoadState>({ kind: 'loading' });
  const session = signal<Session | null>(null);
  const candidate = signal<Candidate | null>(null);
  const messages = signal<ShownMessage[]>([]);
  const templates = signal<Template[]>([]);
  /** null until the first status from the background. */
  const connected = signal<boolean | null>(null);
  /** False once the live connection has been down for a couple of seconds. */
  const reachable = signal(true);
  let unreachableTimer: ReturnType<typeof setTimeout> | null = null;
  const open = signal(false);
  /** Added elsewhere (an import) while the recruiter was filling in "Add to Text Engagement": Reload shows them. */
  const addedElsewhere = signal(false);

  const draft = signal('');
  const draftTemplateId = signal<number | null>(null);
  const sending = signal(false);
  const sendError = signal<string | null>(null);
  const assistantBusy = signal(false);
  const assistantError = signal<string | null>(null);
  /** What Ari is doing, has collected and booked for this candidate; null until asked. */
  const assistant = signal<AssistantInfo | null>(null);
  /** The sequences a conversation can be handed to: the primary inbound one first, then the outbound ones. */
  const sequences = signal<Sequence[] | null>(null);

  /** The key for the message being composed; reused on retries of the same text. */
  let pendingKey: { key: string; body: string; templateId: number | null } | null = null;
  let localSeq = 0;
  let markReadInFlight = false;
  let markReadAgain = false;
  let loadSeq = 0;
  let dataSeq = 0;
  let infoSeq = 0;
  let infoTimer: ReturnType<typeof setTimeout> | null = null;

  const recruiter = computed(() => session.value?.recruiter ?? null);
  const whatsappWindowOpen = computed(() => {
    const c = candidate.value;
    if (!c || c.channel !== 'whatsapp') return true;
    if (!c.whatsappWindowOpen || !c.lastInboundAt) return false;
    return whatsappWindowOpenAt(Date.parse(c.lastInboundAt), Date.now());
  });

  // ── The thread ─────────────────────────────────────────────────────────────────────────
  function upsert(list: ShownMessage[], incoming: Message[]): ShownMessage[] {
    if (!incoming.length) return list;
    const byId = new Map(list.map((m) => [m.id, m]));
    for (const m of incoming) {
      if (m.candidateId !== candidateId) continue;
      const existing = byId.get(m.id);
      // Statuses only move forward: a stale copy (a page fetched before an event) never undoes one.
      if (existing && m.direction === 'outbound' && statusRank(m.status) < statusRank(existing.status)) continue;
      // Some status events come without the recruiter's name: keep the one we have.
      byId.set(m.id, existing && !m.senderName && existing.senderName ? { ...m, senderName: existing.senderName } : m);
    }
    const server = [...byId.values()].filter((m) => !m.pending).sort((a, b) => a.id - b.id);
    const local = [...byId.values()].filter((m) => m.pending);
    return [...server, ...local];
  }

  async function fetchAll(after: number | undefined): Promise<{ ok: true; messages: Message[] } | { ok: false; error: RelayError }> {
    const all: Message[] = [];
    let cursor = after;
    for (let page = 0; page < THREAD_MAX_PAGES; page++) {
      const r = await request('messages.list', { candidateId, limit: THREAD_PAGE_SIZE, ...(cursor ? { after: cursor } : {}) });
      if (!r.ok) return r;
      all.push(...r.data.messages);
      if (r.data.nextCursor == null) break;
      cursor = r.data.nextCursor;
    }
    return { ok: true, messages: all };
  }

  function lastServerId(): number | undefined {
    const ids = messages.value.filter((m) => !m.pending).map((m) => m.id);
    return ids.length ? Math.max(...ids) : undefined;
  }

  async function reload() {
    const seq = ++loadSeq;
    addedElsewhere.value = false;
    if (load.value.kind !== 'ready') load.value = { kind: 'loading' };
    const s = await request('session.get', {});
    if (seq !== loadSeq) return;
    if (!s.ok) {
      load.value = { kind: 'error', error: s.error };
      return;
    }
    session.value = s.data;
    if (!s.data.signedIn) {
      load.value = { kind: 'signed-out' };
      return;
    }
    void refreshAssistant();
    if (s.data.recruiter?.organization.assistantSubscribed && !sequences.value) void loadSequences();
    const [c, list, t] = await Promise.all([request('candidates.get', { id: candidateId }), fetchAll(undefined), request('templates.list', {})]);
    if (seq !== loadSeq) return;
    const failure = !c.ok ? c.error : !list.ok ? list.error : null;
    if (failure) {
      if (failure.code === 'SIGNED_OUT') load.value = { kind: 'signed-out' };
      else load.value = { kind: 'error', error: failure };
      return;
    }
    batch(() => {
      if (c.ok) candidate.value = c.data;
      if (list.ok) messages.value = upsert(messages.value, list.messages);
      if (t.ok) templates.value = t.data.templates;
      load.value = { kind: 'ready' };
    });
    maybeMarkRead();
  }

  /** After the event stream reconnects (or on "Try again"): fetch what it may have missed. */
  async function catchUp() {
    if (load.value.kind !== 'ready') return reload();
    void refreshAssistant();
    const [c, list] = await Promise.all([request('candidates.get', { id: candidateId }), fetchAll(lastServerId())]);
    batch(() => {
      if (c.ok) candidate.value = c.data;
      if (list.ok) messages.value = upsert(messages.value, list.messages);
      if (c.ok && list.ok) reachable.value = true;
      else if (!c.ok && c.error.code === 'SIGNED_OUT') load.value = { kind: 'signed-out' };
    });
    maybeMarkRead();
  }

  // ── Read receipts for the recruiter: replies seen while the panel is open ──────────────
  function maybeMarkRead() {
    if (!open.value || load.value.kind !== 'ready' || !candidate.value || candidate.value.unreadCount <= 0) return;
    if (markReadInFlight) {
      markReadAgain = true;
      return;
    }
    markReadInFlight = true;
    void request('messages.markRead', { candidateId }).then((r) => {
      markReadInFlight = false;
      if (r.ok && candidate.value) candidate.value = { ...candidate.value, unreadCount: r.data.unreadCount };
      if (markReadAgain) {
        markReadAgain = false;
        maybeMarkRead();
      }
    });
  }

  // ── Pushed events ──────────────────────────────────────────────────────────────────────
  function onEvent(event: PushEvent) {
    switch (event.type) {
      case 'message.created':
      case 'message.updated':
        if (event.data.candidateId !== candidateId) return;
        // A campaign with Enable ARI starts Ari with its text (which first shows up as an update);
        // Ari's own texts move it along.
        if ((event.data.sender === 'assistant' || event.data.campaignId != null) && !messages.value.some((m) => m.id === event.data.id)) refreshAssistantSoon();
        messages.value = upsert(messages.value, [event.data]);
        if (event.data.direction === 'inbound' && candidate.value) {
          candidate.value = { ...candidate.value, unreadCount: Math.max(1, candidate.value.unreadCount) };
          maybeMarkRead();
        }
        return;
      case 'candidate.updated':
        if (event.data.id !== candidateId) return;
        candidate.value = event.data;
        infoSeq++; // an answer asked before this update is older than it
        refreshAssistantSoon();
        maybeMarkRead();
        return;
      case 'candidates.updated':
        if (event.data.ids.includes(candidateId)) void dataChanged();
        return;
      case 'booking.created':
        if (event.data.candidateId === candidateId) refreshAssistantSoon();
        return;
      case 'session.changed': {
        const was = session.value;
        session.value = event.data;
        if (!event.data.signedIn) {
          loadSeq++;
          load.value = { kind: 'signed-out' };
        } else if (!was?.signedIn || was.recruiter?.id !== event.data.recruiter?.id || load.value.kind !== 'ready') {
          void reload();
        }
        return;
      }
      case 'stream.status': {
        const before = connected.value;
        connected.value = event.data.connected;
        if (event.data.connected) {
          if (unreachableTimer) clearTimeout(unreachableTimer);
          unreachableTimer = null;
          reachable.value = true;
          if (before === false) void catchUp();
        } else if (!unreachableTimer && reachable.value) {
          unreachableTimer = setTimeout(() => {
            unreachableTimer = null;
            if (connected.value === false) reachable.value = false;
          }, UNREACHABLE_NOTICE_AFTER_MS);
        }
        return;
      }
    }
  }
  subscribe(onEvent, signalOfView);
  signalOfView.addEventListener('abort', () => {
    if (unreachableTimer) clearTimeout(unreachableTimer);
    if (infoTimer) clearTimeout(infoTimer);
  });

  // ── Sending ────────────────────────────────────────────────────────────────────────────
  function setDraft(text: string, templateId?: number | null) {
    batch(() => {
      draft.value = text;
      if (templateId !== undefined) draftTemplateId.value = templateId;
      if (!text.trim()) draftTemplateId.value = null;
      sendError.value = null;
    });
  }

  /**
   * Sends `body` (the draft unless given). Never twice: one key per composed message, reused
   * when the same text is retried after a failure; nothing starts while a send is in flight.
   */
  /**
   * `templateOnly`: the template goes as it is, named by id alone (outside WhatsApp's window the
   * server sends its approved content); `body` is then only what the thread shows meanwhile.
   */
  async function send(input?: { body: string; templateId: number | null; templateOnly?: boolean }): Promise<boolean> {
    if (sending.value) return false;
    const fromDraft = !input;
    const body = input ? input.body : draft.value;
    const templateId = input ? input.templateId : draftTemplateId.value;
    if (!body.trim()) {
      sendError.value = 'Write a message first.';
      return false;
    }
    if (!pendingKey || pendingKey.body !== body || pendingKey.templateId !== templateId) {
      pendingKey = { key: newKey(), body, templateId };
    }
    const key = pendingKey.key;
    const c = candidate.value;
    const me = recruiter.value;
    const localId = -++localSeq;
    const now = new Date().toISOString();
    const optimistic: ShownMessage = {
      id: localId,
      candidateId,
      direction: 'outbound',
      channel: c?.channel ?? 'sms',
      body: renderMergeFields(body, {
        firstName: c?.firstName,
        lastName: c?.lastName,
        recruiterName: me?.name,
        calendarLink: me?.calendarLink,
      }),
      status: 'sending',
      encoding: 'GSM-7',
      segments: 1,
      sender: 'recruiter',
      senderName: me?.name ?? null,
      errorCode: null,
      errorMessage: null,
      campaignId: null,
      createdAt: now,
      sentAt: null,
      deliveredAt: null,
      media: [],
      pending: true,
    };
    batch(() => {
      sending.value = true;
      sendError.value = null;
      messages.value = [...messages.value, optimistic];
      if (fromDraft) {
        draft.value = '';
        draftTemplateId.value = null;
      }
    });

    const templateOnly = !!input?.templateOnly && templateId != null;
    const r = await request('messages.send', { candidateId, idempotencyKey: key, ...(templateOnly ? {} : { body }), ...(templateId ? { templateId } : {}) });
    batch(() => {
      sending.value = false;
      const rest = messages.value.filter((m) => m.id !== localId);
      if (r.ok) {
        pendingKey = null;
        messages.value = upsert(rest, [r.data]);
        return;
      }
      messages.value = rest;
      // The text comes back to the field so nothing typed is lost; the same key goes with it.
      if (fromDraft && !draft.value) {
        draft.value = body;
        draftTemplateId.value = templateId;
      }
      sendError.value = `Not sent. ${describeError(r.error)}`;
    });
    if (!r.ok) {
      // The refusal may be news about the candidate (opted out, window closed) or the session.
      if (r.error.code === 'SIGNED_OUT') load.value = { kind: 'signed-out' };
      else if (r.error.code !== 'OFFLINE') void refreshCandidate();
    }
    return r.ok;
  }

  async function refreshCandidate() {
    const c = await request('candidates.get', { id: candidateId });
    if (c.ok) candidate.value = c.data;
  }

  // ── Data from the ATS: added here, changed or erased elsewhere ─────────────────────────
  const notFound = computed(() => load.value.kind === 'error' && load.value.error.code === 'NOT_FOUND');

  /** The candidate was just added (from this tab): the conversation, empty, with the composer. */
  function added(saved: Candidate) {
    batch(() => {
      candidate.value = saved;
      messages.value = [];
      addedElsewhere.value = false;
      load.value = { kind: 'ready' };
    });
    // The templates (and anything else the tab shows) follow; the composer is there already.
    void reload();
  }

  /**
   * Changed from this tab (consent recorded): the server's answer is shown at once, so the
   * composer appears without waiting for the event. A read already on its way is older: dropped.
   */
  function changed(saved: Candidate) {
    if (saved.id !== candidateId) return;
    dataSeq++;
    candidate.value = saved;
  }

  /** Their data changed on the server (an import, an admin's edit, an erasure): read them again. */
  async function dataChanged() {
    const seq = ++dataSeq;
    const c = await request('candidates.get', { id: candidateId });
    if (seq !== dataSeq) return;
    if (c.ok) {
      // Added elsewhere (an import) while this tab offered to add them: load the conversation;
      // but what the recruiter has entered in the form stays until they choose (Reload or Add).
      if (notFound.value) {
        if (options.addFormDirty?.()) addedElsewhere.value = true;
        else void reload();
      } else candidate.value = c.data;
    } else if (c.error.code === 'NOT_FOUND') {
      // Erased: nothing of theirs is kept; the tab offers to add them again.
      loadSeq++;
      batch(() => {
        candidate.value = null;
        messages.value = [];
        assistant.value = null;
        load.value = { kind: 'error', error: c.error };
      });
    }
  }

  // ── Ari ────────────────────────────────────────────────────────────────────────────────
  /** Hands the conversation to Ari (with `sequenceId`, else the primary sequence), or takes it back. */
  async function setAssistant(active: boolean, sequenceId?: number) {
    if (assistantBusy.value) return;
    batch(() => {
      assistantBusy.value = true;
      assistantError.value = null;
    });
    const r = await request('assistant.set', { candidateId, active, ...(sequenceId ? { sequenceId } : {}) });
    batch(() => {
      assistantBusy.value = false;
      if (r.ok) candidate.value = r.data;
      else assistantError.value = describeError(r.error);
    });
    if (r.ok) void refreshAssistant();
  }

  /** The newest answer wins: an older request answering late never replaces it. */
  async function refreshAssistant() {
    const seq = ++infoSeq;
    const r = await request('assistant.get', { candidateId });
    if (!r.ok || seq !== infoSeq) return;
    const c = candidate.value;
    batch(() => {
      assistant.value = r.data;
      // A campaign starts Ari without a candidate update: the banner follows what Ari says.
      if (c && c.assistant.active !== r.data.active) candidate.value = { ...c, assistant: { active: r.data.active, sequenceId: r.data.sequence?.id ?? null } };
    });
  }

  /** Events come in bursts (Ari's text, then the candidate's update): one request for them. */
  function refreshAssistantSoon() {
    infoTimer ??= setTimeout(() => {
      infoTimer = null;
      void refreshAssistant();
    }, ASSISTANT_REFRESH_AFTER_MS);
  }

  async function loadSequences() {
    const r = await request('sequences.list', {});
    if (r.ok) sequences.value = r.data.sequences.filter((q) => q.primary || q.kind === 'outbound').sort((a, b) => +b.primary - +a.primary);
  }

  /** Why Ari stopped, until the recruiter replies (not shown after a take-over or an opt-out, which say so already). */
  const handback = computed(() => {
    const h = assistant.value?.handback;
    if (!h || candidate.value?.assistant.active || h.reason === 'TAKEN_OVER' || h.reason === 'OPTED_OUT') return null;
    const at = Date.parse(h.at);
    return messages.value.some((m) => m.sender === 'recruiter' && Date.parse(m.createdAt) > at) ? null : h;
  });

  function setOpen(value: boolean) {
    open.value = value;
    if (value) {
      if (load.value.kind === 'error') void reload();
      maybeMarkRead();
    }
  }

  return {
    candidateId,
    load,
    session,
    recruiter,
    candidate,
    messages,
    templates,
    connected,
    reachable,
    open,
    draft,
    draftTemplateId,
    sending,
    sendError,
    assistantBusy,
    assistantError,
    assistant,
    sequences,
    handback,
    whatsappWindowOpen,
    notFound,
    addedElsewhere,
    reload,
    added,
    changed,
    catchUp,
    setDraft,
    send,
    setAssistant,
    setOpen,
    openOptions: () => request('ui.openOptions', {}),
  };
}
