/**
 * The composer: "Message" field with the channel in its help text, a character and segment
 * counter, template / Ari / calendar-link tools below it, and Send (or Ctrl/Cmd+Enter), which
 * send only on the person's own click or keys (ui/trusted.ts).
 */
import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';
import type { Template } from '../../../shared/api';
import { countSegments, MAX_BODY_CHARACTERS } from '../../../shared/segments';
import { channelName } from './format';
import { plural } from '../../ui/format';
import { onlyTrusted, stayOnPage } from '../../ui/trusted';
import { AriIcon, CalendarIcon, SendIcon, TemplateIcon } from './icons';
import { ToolMenu } from './Menu';
import type { ConversationStore } from './store';

let uid = 0;

function Counter({ text, whatsapp }: { text: string; whatsapp: boolean }) {
  const info = countSegments(text);
  const over = info.characters > MAX_BODY_CHARACTERS;
  const chars = plural(info.characters, 'character');
  const label = whatsapp || !text ? chars : `${chars} · ${plural(info.segments, 'segment')} (${info.encoding})`;
  const why =
    info.encoding === 'UCS-2' && !whatsapp ? `Uses UCS-2 (fewer characters per segment) because of: ${info.nonGsmCharacters.slice(0, 8).join(' ')}` : undefined;
  return (
    <span class={`te-conv-counter${over ? ' is-over' : ''}`} title={why} data-testid="te-counter">
      {label}
      {over && ` — over the ${MAX_BODY_CHARACTERS.toLocaleString('en-US')} limit`}
    </span>
  );
}

/** `footNote`: a quiet line under the field (where the candidate's consent came from). */
export function Composer({ store, footNote }: { store: ConversationStore; footNote?: ComponentChildren }) {
  const field = useRef<HTMLTextAreaElement>(null);
  const ids = useRef<{ field: string; help: string } | null>(null);
  ids.current ??= { field: `te-msg-${++uid}`, help: `te-msg-help-${uid}` };

  const candidate = store.candidate.value!;
  const recruiter = store.recruiter.value;
  const text = store.draft.value;
  const sending = store.sending.value;
  // The server isn't answering (said above): typing goes on, Send waits for it.
  const offline = !store.reachable.value;
  const whatsapp = candidate.channel === 'whatsapp';
  const over = countSegments(text).characters > MAX_BODY_CHARACTERS;
  const canHandOff = !!recruiter?.organization.assistantSubscribed && !candidate.assistant.active;
  const error = store.sendError.value ?? (candidate.assistant.active ? null : store.assistantError.value);

  /** Puts `insert` at the caret (or over the selection) and leaves the caret after it. */
  function insertAtCursor(insert: string, templateId?: number) {
    const el = field.current;
    const current = store.draft.value;
    const start = el?.selectionStart ?? current.length;
    const end = el?.selectionEnd ?? current.length;
    const before = current.slice(0, start);
    const after = current.slice(end);
    const pad = before && !/\s$/.test(before) ? ' ' : '';
    const padAfter = after && !/^\s/.test(after) ? ' ' : '';
    const next = before + pad + insert + padAfter + after;
    store.setDraft(next, templateId);
    const caret = (before + pad + insert).length;
    requestAnimationFrame(() => {
      if (!el) return;
      el.focus();
      el.setSelectionRange(caret, caret);
    });
  }

  function pickTemplate(t: Template) {
    if (!store.draft.value.trim()) {
      store.setDraft(t.body, t.id);
      requestAnimationFrame(() => {
        field.current?.focus();
        field.current?.setSelectionRange(t.body.length, t.body.length);
      });
    } else insertAtCursor(t.body, t.id);
  }

  async function submit(e: Event) {
    e.preventDefault();
    if (store.sending.value || over || !store.reachable.value) return;
    const ok = await store.send();
    if (ok) field.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit(e);
  }

  const { field: fieldId, help: helpId } = ids.current;
  return (
    <form class="te-conv-composer" onSubmit={stayOnPage} aria-label="Send a text">
      <div class="te-conv-field-head">
        <label class="te-conv-label" for={fieldId}>
          Message
        </label>
        <Counter text={text} whatsapp={whatsapp} />
      </div>
      <div class="te-conv-field">
        <textarea
          ref={field}
          id={fieldId}
          class="te-conv-textarea"
          rows={3}
          value={text}
          placeholder={`Write a text to ${candidate.firstName || 'the candidate'}…`}
          aria-describedby={helpId}
          onInput={(e) => store.setDraft((e.currentTarget as HTMLTextAreaElement).value)}
          onKeyDown={onlyTrusted(onKeyDown)}
        />
        <div class="te-conv-toolbar">
          <div class="te-conv-tools" role="group" aria-label="Add to the message">
            <ToolMenu
              label="Insert a message template"
              menuLabel="Message templates"
              icon={<TemplateIcon />}
              text="Template"
              empty="Your organization has no message templates yet."
              disabled={sending}
              items={store.templates.value.map((t) => ({
                key: t.id,
                name: (
                  <>
                    {t.name}
                    {t.contentSid && (
                      <span class="te-conv-tag" title="Has approved WhatsApp content: may open a WhatsApp conversation">
                        WhatsApp
                      </span>
                    )}
                  </>
                ),
                body: t.body,
                pick: () => pickTemplate(t),
              }))}
            />
            {canHandOff && (
              <ToolMenu
                label="Hand off to Ari"
                menuLabel="Ari's sequences"
                icon={<AriIcon />}
                text="Hand off to Ari"
                heading={`Ari answers ${candidate.firstName || 'the candidate'} with the sequence you choose:`}
                empty={store.sequences.value ? 'Your organization has no sequences for Ari yet.' : 'Loading sequences…'}
                disabled={store.assistantBusy.value}
                items={(store.sequences.value ?? []).map((q) => ({
                  key: q.id,
                  name: (
                    <>
                      {q.name}
                      {q.primary && <span class="te-conv-tag te-conv-tag-default">Default</span>}
                    </>
                  ),
                  body: q.description,
                  pick: () => void store.setAssistant(true, q.id),
                }))}
              />
            )}
            <button
              type="button"
              class="te-conv-tool"
              aria-label="Insert your calendar link"
              title="Insert your calendar link"
              disabled={!recruiter?.calendarLink || sending}
              onClick={() => recruiter?.calendarLink && insertAtCursor(recruiter.calendarLink)}
            >
              <CalendarIcon />
              <span class="te-conv-tool-text">Calendar</span>
            </button>
          </div>
          <button
            type="submit"
            class="te-conv-send"
            disabled={sending || !text.trim() || over || offline}
            aria-keyshortcuts="Control+Enter Meta+Enter"
            title="Send (Ctrl+Enter)"
            onClick={onlyTrusted((e) => void submit(e))}
          >
            {sending ? 'Sending…' : 'Send'}
            <SendIcon />
          </button>
        </div>
      </div>
      <div class="te-conv-foot">
        <span id={helpId} class="te-conv-help">
          Sends by {channelName(candidate.channel)}
          <span class="te-conv-kbd-hint"> · Ctrl+Enter to send</span>
        </span>
        {footNote}
        {error && (
          <p class="te-conv-error" role="alert">
            {error}
          </p>
        )}
      </div>
    </form>
  );
}
