/**
 * "Templates" on the options page (administrators only): the organisation's message templates,
 * and a form to add or change one. A WhatsApp template carries the Content SID (`HX…`) of content
 * WhatsApp approved in the provider's console, and which merge field fills each of its numbered
 * variables; only those may open a WhatsApp conversation outside the 24-hour window. Save and
 * Delete act on a person's own click only (ui/trusted.ts); Delete asks once more.
 */
import { useEffect, useMemo } from 'preact/hooks';
import type { Template } from '../../../shared/api';
import { MERGE_FIELDS } from '../../../shared/merge-fields';
import { request } from '../../lib/relay';
import { onlyTrusted, stayOnPage } from '../trusted';
import { createTemplatesStore, draftOf, emptyDraft, type TemplatesStore } from './store';
import './templates.css';

function TemplateForm({ store }: { store: TemplatesStore }) {
  const d = store.draft.value!;
  const title = d.id == null ? 'New template' : `Edit “${d.name}”`;
  const setRow = (i: number, patch: Partial<{ key: string; field: string }>) =>
    store.change({ variables: d.variables.map((v, j) => (j === i ? { ...v, ...patch } : v)) });
  return (
    <form class="te-template-form" onSubmit={stayOnPage} aria-label={title} data-testid="te-template-form">
      <h3>{title}</h3>
      <label class="te-field">
        <span>Name</span>
        <input name="name" value={d.name} maxLength={100} onInput={(e) => store.change({ name: e.currentTarget.value })} />
      </label>
      <label class="te-field">
        <span>Text</span>
        <textarea name="body" rows={4} value={d.body} onInput={(e) => store.change({ body: e.currentTarget.value })} />
        <small class="te-muted">Merge fields: {MERGE_FIELDS.map((f) => `{{${f}}}`).join(' ')}</small>
      </label>
      <label class="te-field">
        <span>WhatsApp content SID (optional)</span>
        <input name="contentSid" placeholder="HX…" value={d.contentSid} onInput={(e) => store.change({ contentSid: e.currentTarget.value })} />
        <small class="te-muted">
          From the Content Template Builder, once WhatsApp approved it. Without one, the template is for SMS and open WhatsApp conversations.
        </small>
      </label>
      {d.contentSid.trim() && (
        <fieldset class="te-template-vars">
          <legend>Content variables</legend>
          {d.variables.map((v, i) => (
            <div class="te-template-var" key={i} data-testid="te-template-var">
              <label>
                <span>{'Variable {{…}}'}</span>
                <input name={`var-key-${i}`} value={v.key} size={6} onInput={(e) => setRow(i, { key: e.currentTarget.value })} />
              </label>
              <label>
                <span>Merge field</span>
                <select name={`var-field-${i}`} value={v.field} onChange={(e) => setRow(i, { field: e.currentTarget.value })}>
                  {MERGE_FIELDS.map((f) => (
                    <option key={f} value={f}>
                      {f}
                    </option>
                  ))}
                </select>
              </label>
              <button type="button" class="te-button" onClick={() => store.change({ variables: d.variables.filter((_, j) => j !== i) })}>
                Remove
              </button>
            </div>
          ))}
          <button
            type="button"
            class="te-button"
            onClick={() => store.change({ variables: [...d.variables, { key: String(d.variables.length + 1), field: 'firstName' }] })}
          >
            Add variable
          </button>
        </fieldset>
      )}
      {store.error.value && (
        <p class="te-notice te-notice-error" role="alert">
          {store.error.value}
        </p>
      )}
      <div class="te-template-actions">
        <button type="submit" class="te-button te-button-primary" disabled={store.busy.value} onClick={onlyTrusted(() => void store.save())}>
          {store.busy.value ? 'Saving…' : 'Save template'}
        </button>
        <button type="button" class="te-button" onClick={() => store.edit(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function TemplateRow({ store, t }: { store: TemplatesStore; t: Template }) {
  const confirming = store.confirmingDelete.value === t.id;
  return (
    <li class="te-template" data-testid="te-template">
      <div class="te-template-head">
        <strong class="te-template-name">{t.name}</strong>
        {t.contentSid && (
          <span class="te-template-tag" title={t.contentSid}>
            WhatsApp
          </span>
        )}
      </div>
      <p class="te-template-body">{t.body}</p>
      <div class="te-template-actions">
        <button type="button" class="te-button" aria-label={`Edit ${t.name}`} onClick={() => store.edit(draftOf(t))}>
          Edit
        </button>
        <button
          type="button"
          class={`te-button${confirming ? ' te-button-danger' : ''}`}
          aria-label={confirming ? `Confirm deleting ${t.name}` : `Delete ${t.name}`}
          disabled={store.busy.value}
          onClick={onlyTrusted(() => void store.remove(t.id))}
        >
          {confirming ? 'Delete: are you sure?' : 'Delete'}
        </button>
      </div>
    </li>
  );
}

export function TemplatesSection({ store: given }: { store?: TemplatesStore }) {
  const store = useMemo(() => given ?? createTemplatesStore(request), [given]);
  useEffect(() => void store.load(), [store]);
  const list = store.templates.value;
  return (
    <section class="te-card te-templates" aria-labelledby="templates-title">
      <h2 id="templates-title">Templates</h2>
      <p class="te-muted">Recruiters pick these in the composer and in campaigns. Texts already sent keep their text when a template changes or goes.</p>
      {list === null ? (
        <p class="te-muted">Loading templates…</p>
      ) : list.length === 0 ? (
        <p class="te-muted">No templates yet.</p>
      ) : (
        <ul class="te-template-list">
          {list.map((t) => (
            <TemplateRow key={t.id} store={store} t={t} />
          ))}
        </ul>
      )}
      {store.draft.value ? (
        <TemplateForm store={store} />
      ) : (
        <>
          {store.error.value && (
            <p class="te-notice te-notice-error" role="alert">
              {store.error.value}
            </p>
          )}
          <button type="button" class="te-button te-button-primary" onClick={() => store.edit(emptyDraft())}>
            New template
          </button>
        </>
      )}
    </section>
  );
}
