/**
 * One campaign's state for the campaign screens (the Bulk Text popup and the toolbar popup use
 * the same store and components): the campaign, its recipients, which screen is open, the
 * forms' drafts, and every action the screens offer. Every request goes through the background
 * relay; every refusal becomes a readable sentence; an action already running is never started
 * twice (a double click does nothing).
 *
 * A form (Edit Campaign, Schedule Message, a scheduled message's edit) owns its draft from the
 * moment it opens (../form-draft.ts): live updates to the campaign or the message being edited
 * never write into what the recruiter is changing; they refresh an untouched form silently, and
 * otherwise raise "Updated elsewhere: Reload". Saving over a newer version is last-write-wins
 * (the server takes no expected version); the notice says so before Save is pressed, and Edit
 * Campaign sends only the fields the recruiter changed, so a change elsewhere to another field
 * stays.
 */
import { batch, computed, signal } from '@preact/signals';
import type { CampaignDetail, CampaignMessage, Review, Template } from '../../../shared/api';
import type { Outputs, PushEvent, RelayError, Result, Session } from '../../lib/protocol';
import { request, subscribe } from '../../lib/relay';
import { CAMPAIGN_POLL_MS, RECIPIENTS_PAGE, RECIPIENTS_REFRESH_AFTER_MS } from '../../lib/tuning';
import { createFormDraft, type FormDraft } from '../form-draft';
import { defaultLater, describeCampaignError, formatWhen, isoToLocal, localToIso, reasonLabel, recipientName } from './format';
import { plural } from '../format';

export type Recipient = Outputs['campaigns.recipients']['recipients'][number];
export type Sequence = Outputs['sequences.list']['sequences'][number];
export type SearchResult = Outputs['candidates.search']['candidates'][number];

/** What the Schedule Message form edits. */
export interface DraftFields {
  body: string;
  templateId: number | null;
  mode: 'now' | 'later';
  date: string;
  time: string;
}

export interface Draft extends DraftFields {
  /**
   * A scheduled message being changed: its Review is a preview (nothing saved, nothing other
   * viewers see) and it changes, in one request, only when the recruiter presses Save or Send.
   */
  editingId: number | null;
  /** A new message's draft on the server that the Review describes. */
  draftId: number | null;
  /** This form made the draft (Cancel deletes it again). */
  ownDraft: boolean;
}

/** What Edit Campaign edits. */
export interface CampaignFields {
  name: string;
  jobTitle: string;
  description: string;
  ari: boolean;
  sequenceId: number | null;
}

export type CampaignForm = FormDraft<CampaignFields>;
export type MessageForm = FormDraft<DraftFields>;

/**
 * The screen open now. A form's draft (`form`) lives here, not in the form's component, so a
 * re-render or a remount can never reset it; the Review keeps it for Edit (back to the form).
 */
export type Screen =
  | { kind: 'main' }
  | { kind: 'edit-campaign'; form: CampaignForm }
  | { kind: 'schedule'; draft: Draft; form: MessageForm }
  | { kind: 'review'; draft: Draft; form: MessageForm; message: CampaignMessage; review: Review };

export interface Flash {
  tone: 'success' | 'info' | 'warn' | 'error';
  text: string;
  details?: string[];
}

export type Confirm = { kind: 'delete-message'; messageId: number; fromReview: boolean } | { kind: 'delete-campaign' };

export interface CampaignPatch {
  name: string;
  jobTitle: string;
  description: string;
  assistant?: { enabled: boolean; sequenceId: number | null };
}

export interface CampaignStoreOptions {
  /** Shown until the first load answers (the Bulk Text popup has it from campaigns.create). */
  initial?: CampaignDetail | null;
  /** The campaign was deleted (the toolbar popup goes back to its list). */
  onDeleted?(): void;
}

export type CampaignStore = ReturnType<typeof createCampaignStore>;

export function campaignFields(c: CampaignDetail): CampaignFields {
  return { name: c.name, jobTitle: c.jobTitle ?? '', description: c.description ?? '', ari: c.assistant.enabled, sequenceId: c.assistant.sequenceId };
}

/** A message as the Schedule Message form shows it (a message without a time: now, with tomorrow's default ready). */
export function draftFields(message?: Pick<CampaignMessage, 'body' | 'templateId' | 'sendAt'>): DraftFields {
  const later = message?.sendAt ? isoToLocal(message.sendAt) : defaultLater();
  return { body: message?.body ?? '', templateId: message?.templateId ?? null, mode: message?.sendAt ? 'later' : 'now', date: later.date, time: later.time };
}

/** The same message for the form: the date and time count only when it is for later. */
export function sameDraft(a: DraftFields, b: DraftFields): boolean {
  return a.body === b.body && a.templateId === b.templateId && a.mode === b.mode && (a.mode === 'now' || (a.date === b.date && a.time === b.time));
}

export function createCampaignStore(id: number, abort: AbortSignal, options: CampaignStoreOptions = {}) {
  const campaign = signal<CampaignDetail | null>(options.initial ?? null);
  const loadError = signal<string | null>(null);
  const session = signal<Session | null>(null);
  const tab = signal<'overview' | 'candidates'>('overview');
  const screen = signal<Screen>({ kind: 'main' });
  const flash = signal<Flash | null>(null);
  /** The action running now (its name), or null. */
  const busy = signal<string | null>(null);
  /** The current screen's last refusal. */
  const error = signal<string | null>(null);
  const confirm = signal<Confirm | null>(null);
  const recipients = signal<{ items: Recipient[]; total: number; nextOffset: number | null } | null>(null);
  const recipientsError = signal<string | null>(null);
  const templates = signal<Template[] | null>(null);
  const sequences = signal<Sequence[] | null>(null);
  const live = signal<boolean | null>(null);
  /** Bumped when focus should move to the confirmation (after Send, Save, Delete). */
  const focusFlash = signal(0);
  /** Bumped when focus should go back to the campaign's title (a form was left without saving). */
  const focusTitle = signal(0);

  const unsent = computed(() => {
    const c = campaign.value;
    return !!c && (c.status === 'draft' || c.status === 'scheduled');
  });
  const licensed = computed(() => session.value?.recruiter?.licensed !== false);
  const assistantSubscribed = computed(() => !!session.value?.recruiter?.organization.assistantSubscribed);
  const textingHours = computed(() => session.value?.recruiter?.organization.textingHours ?? null);

  function fail(e: RelayError) {
    error.value = describeCampaignError(e);
  }

  /** Runs one action at a time; a second press while one runs is ignored. */
  async function act<T>(name: string, run: () => Promise<Result<T>>, done: (data: T) => void | Promise<void>): Promise<boolean> {
    if (busy.value || abort.aborted) return false;
    busy.value = name;
    error.value = null;
    try {
      const result = await run();
      if (abort.aborted) return false;
      if (!result.ok) {
        fail(result.error);
        return false;
      }
      await done(result.data);
      return true;
    } finally {
      busy.value = null;
      // What arrived while our own write was under way is looked at now (see reconcile).
      reconcile();
    }
  }

  /** Every version of the campaign the store takes (answers, events): the open form hears of it. */
  function setCampaign(next: CampaignDetail) {
    campaign.value = next;
    reconcile();
  }

  /**
   * The open form learns what the server now says about the object it edits: the campaign (Edit
   * Campaign), or the message being changed (its edit, or the draft the Review made). Skipped
   * while one of our own writes is under way (its answer and its echo are not news from
   * elsewhere); looked at again when it ends.
   */
  function reconcile() {
    const s = screen.peek();
    const c = campaign.peek();
    if (!c || busy.peek()) return;
    if (s.kind === 'edit-campaign') {
      s.form.server(c.status === 'draft' || c.status === 'scheduled' ? campaignFields(c) : null);
    } else if (s.kind === 'schedule' || s.kind === 'review') {
      const tracked = s.draft.editingId ?? s.draft.draftId;
      if (tracked == null) return;
      const m = c.messages.find((x) => x.id === tracked);
      s.form.server(m && m.editable && (m.status === 'draft' || m.status === 'scheduled') ? draftFields(m) : null);
    }
  }

  async function reload() {
    const r = await request('campaigns.get', { id });
    if (abort.aborted) return;
    if (r.ok) {
      setCampaign(r.data);
      loadError.value = null;
    } else if (r.error.status === 404) {
      loadError.value = 'This campaign no longer exists.';
    } else if (!campaign.value) {
      loadError.value = describeCampaignError(r.error);
    }
  }

  async function loadRecipients(more = false) {
    const offset = more ? (recipients.value?.nextOffset ?? 0) : 0;
    const limit = more ? RECIPIENTS_PAGE : Math.max(RECIPIENTS_PAGE, recipients.value?.items.length ?? 0);
    const r = await request('campaigns.recipients', { id, limit: Math.min(limit, 500), offset });
    if (abort.aborted) return;
    if (!r.ok) {
      recipientsError.value = describeCampaignError(r.error);
      return;
    }
    recipientsError.value = null;
    recipients.value = {
      items: more && recipients.value ? [...recipients.value.items, ...r.data.recipients] : r.data.recipients,
      total: r.data.total,
      nextOffset: r.data.nextOffset,
    };
  }

  let recipientsTimer: ReturnType<typeof setTimeout> | null = null;
  function refreshRecipientsSoon() {
    if (!recipients.value || recipientsTimer) return;
    recipientsTimer = setTimeout(() => {
      recipientsTimer = null;
      void loadRecipients();
    }, RECIPIENTS_REFRESH_AFTER_MS);
  }

  function show(next: Screen) {
    batch(() => {
      error.value = null;
      confirm.value = null;
      screen.value = next;
    });
  }

  /** Back to the tabs without saving anything. */
  function leave() {
    show({ kind: 'main' });
    focusTitle.value++;
  }

  function say(f: Flash, focus = false) {
    flash.value = f;
    if (focus) focusFlash.value++;
  }

  // ── Edit Campaign ─────────────────────────────────────────────────────────────────────
  let sequencesAsked = false;
  /** The organisation's outbound sequences (for Enable ARI), asked once. */
  function ensureSequences() {
    if (sequencesAsked) return;
    sequencesAsked = true;
    void request('sequences.list', {}).then((r) => {
      if (abort.aborted) return;
      if (r.ok) sequences.value = r.data.sequences.filter((s) => s.kind === 'outbound');
      else sequencesAsked = false;
    });
  }

  function openEditCampaign() {
    const c = campaign.value;
    if (!c) return;
    flash.value = null;
    show({ kind: 'edit-campaign', form: createFormDraft(campaignFields(c)) });
    if (assistantSubscribed.value) ensureSequences();
  }

  /**
   * Saves Edit Campaign: only what the recruiter changed from the version the form started from
   * (or was reloaded from), so a change made elsewhere to another field meanwhile stays. A field
   * changed both here and elsewhere: this save wins (the form said "Updated elsewhere" first).
   */
  function saveCampaign(patch: CampaignPatch) {
    const name = patch.name.trim();
    if (!name) {
      error.value = 'Give the campaign a name.';
      return Promise.resolve(false);
    }
    if (patch.assistant?.enabled && !patch.assistant.sequenceId) {
      error.value = 'Choose the outbound sequence Ari should follow, or turn Enable ARI off.';
      return Promise.resolve(false);
    }
    const s = screen.value;
    const base = s.kind === 'edit-campaign' ? s.form.base.value : null;
    const jobTitle = patch.jobTitle.trim();
    const description = patch.description.trim();
    const assistant = patch.assistant ? { enabled: patch.assistant.enabled, sequenceId: patch.assistant.enabled ? patch.assistant.sequenceId : null } : null;
    const changes = {
      ...(!base || name !== base.name ? { name } : {}),
      ...(!base || jobTitle !== base.jobTitle.trim() ? { jobTitle: jobTitle || null } : {}),
      ...(!base || description !== base.description.trim() ? { description: description || null } : {}),
      ...(assistant && (!base || assistant.enabled !== base.ari || (assistant.enabled && assistant.sequenceId !== base.sequenceId)) ? { assistant } : {}),
    };
    if (!Object.keys(changes).length) {
      // Nothing to send (and nothing to put over a change made elsewhere).
      show({ kind: 'main' });
      say({ tone: 'info', text: 'Nothing was changed.' }, true);
      return Promise.resolve(true);
    }
    return act(
      'save-campaign',
      () => request('campaigns.update', { id, ...changes }),
      (data) => {
        show({ kind: 'main' });
        setCampaign(data);
        say({ tone: 'success', text: 'Campaign saved.' }, true);
      },
    );
  }

  // ── Schedule Message → Review → Send / Save ───────────────────────────────────────────
  function draftFor(message?: CampaignMessage): Draft {
    return {
      ...draftFields(message),
      editingId: message && message.status !== 'draft' ? message.id : null,
      draftId: message && message.status === 'draft' ? message.id : null,
      ownDraft: false,
    };
  }

  function openSchedule(message?: CampaignMessage) {
    flash.value = null;
    const draft = draftFor(message);
    show({ kind: 'schedule', draft, form: createFormDraft<DraftFields>(draftFields(message), sameDraft) });
    if (!templates.value) {
      void request('templates.list', {}).then((r) => {
        if (r.ok && !abort.aborted) templates.value = r.data.templates;
      });
    }
  }

  /** What the form says, checked before anything is asked of the server. */
  function sendAtOf(draft: Draft): { ok: true; sendAt: string | null } | { ok: false; message: string } {
    if (draft.mode === 'now') return { ok: true, sendAt: null };
    const iso = localToIso(draft.date, draft.time);
    if (!iso) return { ok: false, message: 'Pick the date and time to send it.' };
    if (Date.parse(iso) <= Date.now()) return { ok: false, message: 'That time has passed: pick a later time, or choose Send now.' };
    return { ok: true, sendAt: iso };
  }

  function toReview(draft: Draft) {
    if (!draft.body.trim()) {
      error.value = 'Write the message first.';
      return Promise.resolve(false);
    }
    const when = sendAtOf(draft);
    if (!when.ok) {
      error.value = when.message;
      return Promise.resolve(false);
    }
    const fields = { body: draft.body, sendAt: when.sendAt, templateId: draft.templateId };
    const s = screen.value;
    const form = s.kind === 'schedule' || s.kind === 'review' ? s.form : createFormDraft<DraftFields>(draftFields(), sameDraft);
    if (draft.editingId) return previewEdit(draft, form, draft.editingId, fields);
    return act(
      'review',
      () =>
        draft.draftId ? request('campaigns.updateMessage', { id, messageId: draft.draftId, ...fields }) : request('campaigns.createMessage', { id, ...fields }),
      (data) => {
        const next: Draft = { ...draft, draftId: data.message.id, ownDraft: draft.ownDraft || !draft.draftId };
        // The draft on the server is ours, as the recruiter wrote it: the version the form now starts from.
        form.adopt(draftFields(data.message));
        show({ kind: 'review', draft: next, form, message: data.message, review: data.review });
      },
    );
  }

  /** The Review of a scheduled message's edit, asked without saving anything. */
  function previewEdit(draft: Draft, form: MessageForm, editingId: number, fields: { body: string; sendAt: string | null; templateId: number | null }) {
    const editing = campaign.value?.messages.find((m) => m.id === editingId);
    if (!editing) {
      error.value = 'This message no longer exists.';
      return Promise.resolve(false);
    }
    return act(
      'review',
      () => request('campaigns.previewMessage', { id, ...fields }),
      (data) => show({ kind: 'review', draft, form, message: { ...editing, ...data.message }, review: data.review }),
    );
  }

  /** Send (now) or Save (later): the reviewed message is committed; back to the Overview. */
  function commit() {
    const s = screen.value;
    if (s.kind !== 'review') return Promise.resolve(false);
    const { draft, message } = s;
    const later = message.sendAt != null;
    const done = async (text: string) => {
      await reload();
      batch(() => {
        show({ kind: 'main' });
        tab.value = 'overview';
        say({ tone: 'success', text }, true);
      });
      if (recipients.value) void loadRecipients();
    };
    if (draft.editingId) {
      const editingId = draft.editingId;
      return act(
        'commit',
        () => request('campaigns.updateMessage', { id, messageId: editingId, body: message.body, sendAt: message.sendAt, templateId: message.templateId }),
        async (data) => {
          await done(
            data.message.sendAt
              ? `Changes saved. Your message is scheduled for ${formatWhen(data.message.sendAt)} (your time).`
              : 'Your message is on its way.',
          );
        },
      );
    }
    return act(
      'commit',
      () => request('campaigns.scheduleMessage', { id, messageId: message.id }),
      (data) =>
        done(
          later && data.message.sendAt
            ? `Saved. Your message is scheduled for ${formatWhen(data.message.sendAt)} (your time).`
            : data.confirmation || 'Your message is on its way.',
        ),
    );
  }

  /** Back from the Review to the Schedule Message form (the menu's Edit), with what the recruiter wrote. */
  function backToForm() {
    const s = screen.value;
    if (s.kind === 'review') show({ kind: 'schedule', draft: s.draft, form: s.form });
  }

  /**
   * "Reload" in the "Updated elsewhere" notice: the server's version replaces the open form's
   * draft (the recruiter's changes are discarded: they asked for it). From the Review, back to
   * the form with it.
   */
  function reloadForm() {
    const s = screen.value;
    if (s.kind === 'main') return;
    s.form.reload();
    if (s.kind === 'review') show({ kind: 'schedule', draft: s.draft, form: s.form });
  }

  /** Leaves the form or the Review without saving (a draft made here is not kept). */
  async function cancelSchedule() {
    const s = screen.value;
    if ((s.kind === 'schedule' || s.kind === 'review') && s.draft.ownDraft && s.draft.draftId && !busy.value) {
      busy.value = 'cancel';
      await request('campaigns.deleteMessage', { id, messageId: s.draft.draftId });
      busy.value = null;
      void reload();
    }
    leave();
  }

  function deleteMessage(messageId: number, fromReview: boolean) {
    const s = screen.value;
    return act(
      'delete-message',
      () => request('campaigns.deleteMessage', { id, messageId }),
      async () => {
        await reload();
        batch(() => {
          show({ kind: 'main' });
          tab.value = 'overview';
          say(
            {
              tone: 'info',
              text:
                fromReview && s.kind === 'review' && !s.draft.editingId
                  ? 'The message was deleted and not saved.'
                  : 'The scheduled message was deleted. It will not be sent.',
            },
            true,
          );
        });
      },
    );
  }

  function deleteCampaign() {
    return act(
      'delete-campaign',
      () => request('campaigns.delete', { id }),
      () => {
        confirm.value = null;
        options.onDeleted?.();
      },
    );
  }

  // ── Candidates ────────────────────────────────────────────────────────────────────────
  function removeCandidate(r: Recipient) {
    return act(
      `remove:${r.id}`,
      () => request('campaigns.removeCandidate', { id, candidateId: r.id }),
      async () => {
        if (recipients.value) {
          recipients.value = { ...recipients.value, items: recipients.value.items.filter((x) => x.id !== r.id), total: recipients.value.total - 1 };
        }
        say({ tone: 'info', text: `${recipientName(r)} was removed from the campaign.` });
        await reload();
      },
    );
  }

  async function search(query: string): Promise<{ ok: true; candidates: SearchResult[] } | { ok: false; message: string }> {
    const r = await request('candidates.search', { query: query.trim(), limit: 10 });
    return r.ok ? { ok: true, candidates: r.data.candidates } : { ok: false, message: describeCampaignError(r.error) };
  }

  function addCandidates(ids: string[]) {
    return act(
      'add',
      () => request('campaigns.addCandidates', { id, candidateIds: ids }),
      async (data) => {
        const details = [
          ...data.excluded.map((e) => `${recipientName(e)}: ${reasonLabel(e.reason)}`),
          ...(data.notFound.length ? [`Not found in Text Engagement: ${data.notFound.join(', ')}`] : []),
        ];
        const parts = [data.added ? `Added ${plural(data.added, 'candidate')}.` : 'Nobody new was added.'];
        if (data.alreadyIn) parts.push(`${plural(data.alreadyIn, 'candidate')} already in the campaign.`);
        if (data.excluded.length) parts.push(`${plural(data.excluded.length, 'candidate')} can't be texted and will be skipped:`);
        say({
          tone: data.warning ? 'warn' : data.excluded.length ? 'info' : 'success',
          text: [parts.join(' '), data.warning?.message].filter(Boolean).join(' '),
          details,
        });
        await Promise.all([reload(), loadRecipients()]);
      },
    );
  }

  // ── Live updates ──────────────────────────────────────────────────────────────────────
  subscribe((event: PushEvent) => {
    if (event.type === 'campaign.updated' && event.data.id === id) {
      setCampaign(event.data);
      refreshRecipientsSoon();
    } else if (event.type === 'candidate.updated' && recipients.value?.items.some((r) => r.id === event.data.id)) {
      // Ari collected an answer (or the candidate opted out): the recipient's row changes.
      refreshRecipientsSoon();
    } else if (event.type === 'session.changed') {
      session.value = event.data;
    } else if (event.type === 'stream.status') {
      const was = live.value;
      live.value = event.data.connected;
      // Back after a gap: what was missed meanwhile.
      if (event.data.connected && was === false) void reload();
    }
  }, abort);

  // A safety net while texts go out: if the event stream drops, the numbers still move.
  const poll = setInterval(() => {
    const c = campaign.value;
    if (c && (c.status === 'sending' || (c.status === 'scheduled' && c.messages.some((m) => m.status === 'scheduled' && !m.sendAt)))) void reload();
  }, CAMPAIGN_POLL_MS);
  abort.addEventListener('abort', () => {
    clearInterval(poll);
    if (recipientsTimer) clearTimeout(recipientsTimer);
  });

  void request('session.get', {}).then((r) => {
    if (r.ok && !abort.aborted) session.value = r.data;
  });
  void reload();

  return {
    id,
    campaign,
    loadError,
    session,
    tab,
    screen,
    flash,
    focusFlash,
    focusTitle,
    busy,
    error,
    confirm,
    recipients,
    recipientsError,
    templates,
    sequences,
    live,
    unsent,
    licensed,
    assistantSubscribed,
    textingHours,
    reload,
    loadRecipients,
    show,
    leave,
    say,
    ensureSequences,
    openEditCampaign,
    saveCampaign,
    openSchedule,
    toReview,
    commit,
    backToForm,
    reloadForm,
    cancelSchedule,
    deleteMessage,
    deleteCampaign,
    removeCandidate,
    search,
    addCandidates,
  };
}
