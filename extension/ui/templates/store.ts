/**
 * The options page's Templates section (administrators): the organisation's templates, and one
 * form at a time to create or edit one (name, body, WhatsApp content SID, content variable →
 * merge field rows). The server checks everything again (and asks the provider about the SID);
 * its refusal is shown as it says.
 */
import { batch, signal } from '@preact/signals';
// Types only: shared/api's schemas would bring zod into this page (the background checks requests).
import type { Template } from '../../../shared/api';
import type { Outputs, RequestInput, RequestName, Result } from '../../lib/protocol';

export type Requester = <N extends RequestName>(name: N, input: RequestInput<N>) => Promise<Result<Outputs[N]>>;

/** One content variable row: Twilio's placeholder name (`1` for `{{1}}`) and the merge field that fills it. */
export interface VariableRow {
  key: string;
  field: string;
}

export interface TemplateDraft {
  /** null: a new template. */
  id: number | null;
  name: string;
  body: string;
  contentSid: string;
  variables: VariableRow[];
}

export const emptyDraft = (): TemplateDraft => ({ id: null, name: '', body: '', contentSid: '', variables: [] });

export function draftOf(t: Template): TemplateDraft {
  return {
    id: t.id,
    name: t.name,
    body: t.body,
    contentSid: t.contentSid ?? '',
    variables: Object.entries(t.contentVariables ?? {}).map(([key, field]) => ({ key, field })),
  };
}

/** What the server is sent for a draft: no SID, no variables; blank rows are left out. */
export function payloadOf(d: TemplateDraft) {
  const sid = d.contentSid.trim();
  const variables = Object.fromEntries(d.variables.filter((v) => v.key.trim()).map((v) => [v.key.trim(), v.field]));
  return { name: d.name.trim(), body: d.body, contentSid: sid || null, contentVariables: sid ? variables : null };
}

export function createTemplatesStore(request: Requester) {
  const templates = signal<Template[] | null>(null);
  const draft = signal<TemplateDraft | null>(null);
  const error = signal<string | null>(null);
  const busy = signal(false);
  /** The template whose deletion waits for "Delete" to be confirmed. */
  const confirmingDelete = signal<number | null>(null);

  async function load() {
    const r = await request('templates.list', {});
    if (r.ok) templates.value = r.data.templates;
    else error.value = r.error.message;
  }

  function edit(d: TemplateDraft | null) {
    batch(() => {
      draft.value = d;
      error.value = null;
      confirmingDelete.value = null;
    });
  }

  function change(patch: Partial<TemplateDraft>) {
    if (draft.value) draft.value = { ...draft.value, ...patch };
  }

  async function save(): Promise<boolean> {
    const d = draft.value;
    if (!d || busy.value) return false;
    busy.value = true;
    error.value = null;
    const body = payloadOf(d);
    const r = d.id == null ? await request('templates.create', body) : await request('templates.update', { id: d.id, ...body });
    busy.value = false;
    if (!r.ok) {
      error.value = r.error.message;
      return false;
    }
    draft.value = null;
    await load();
    return true;
  }

  async function remove(id: number): Promise<boolean> {
    if (busy.value) return false;
    if (confirmingDelete.value !== id) {
      confirmingDelete.value = id;
      return false;
    }
    busy.value = true;
    const r = await request('templates.delete', { id });
    busy.value = false;
    confirmingDelete.value = null;
    if (!r.ok) {
      error.value = r.error.message;
      return false;
    }
    if (draft.value?.id === id) draft.value = null;
    await load();
    return true;
  }

  return { templates, draft, error, busy, confirmingDelete, load, edit, change, save, remove };
}

export type TemplatesStore = ReturnType<typeof createTemplatesStore>;
