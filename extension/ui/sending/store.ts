/**
 * The options page's Sending section (administrators): the organisation's own senders (SMS
 * number, Messaging Service, WhatsApp number) as a form draft (ui/form-draft.ts), saved through
 * PATCH /api/organization. An empty field is sent as null: the server's sender (from its
 * environment) applies. The server checks everything again; its refusal is kept with the field
 * it names, and the fields keep what was typed.
 */
import { signal } from '@preact/signals';
// Types only: shared/api's schemas would bring zod into this page (the background checks requests).
import type { Recruiter } from '../../../shared/api';
import { createFormDraft } from '../form-draft';
import type { Requester } from '../templates/store';

export type Senders = Recruiter['organization']['senders'];
export type SenderField = keyof Senders;
/** The form's fields: what the inputs show ('' for none). */
export type SenderFields = Record<SenderField, string>;

/** In the order the form shows them (and the sender rule reads): SMS, then WhatsApp. */
export const SENDER_FIELDS: readonly SenderField[] = ['smsFrom', 'messagingServiceSid', 'whatsappFrom'];

export const SENDER_LABELS: Record<SenderField, string> = {
  smsFrom: 'SMS number',
  messagingServiceSid: 'Messaging Service SID',
  whatsappFrom: 'WhatsApp number',
};

const isSenderField = (field: string | undefined): field is SenderField => !!field && Object.hasOwn(SENDER_LABELS, field);

export const fieldsOf = (s: Senders): SenderFields => ({
  smsFrom: s.smsFrom ?? '',
  messagingServiceSid: s.messagingServiceSid ?? '',
  whatsappFrom: s.whatsappFrom ?? '',
});

/** A field's value as the server takes it: numbers without the spaces, dashes, dots and brackets people write them with; '' is null. */
function senderValue(field: SenderField, typed: string): string | null {
  const value = field === 'messagingServiceSid' ? typed.trim() : typed.replace(/[\s().-]/g, '');
  return value || null;
}

/** What the server is sent: only the fields that differ from the version the form started from. */
export function payloadOf(values: SenderFields, base: SenderFields): Partial<Senders> {
  const changes: Partial<Senders> = {};
  for (const field of SENDER_FIELDS) {
    const value = senderValue(field, values[field]);
    if (value !== (base[field] || null)) changes[field] = value;
  }
  return changes;
}

export interface SenderRefusal {
  message: string;
  /** The field the server named, shown beside it; absent: about the form as a whole. */
  field?: SenderField;
}

/** The server's words, with the field it names in a 400 ("smsFrom: Use an E.164 number…") said as the form labels it. */
function refusalOf(error: { message: string; field?: string }): SenderRefusal {
  if (!isSenderField(error.field)) return { message: error.message };
  const prefix = `${error.field}: `;
  const message = error.message.startsWith(prefix) ? `${SENDER_LABELS[error.field]}: ${error.message.slice(prefix.length)}` : error.message;
  return { message, field: error.field };
}

export function createSendersStore(request: Requester) {
  const draft = createFormDraft<SenderFields>(fieldsOf({ smsFrom: null, messagingServiceSid: null, whatsappFrom: null }));
  const loaded = signal(false);
  const refusal = signal<SenderRefusal | null>(null);
  const busy = signal(false);
  /** The last save went through (cleared by the next change or save). */
  const saved = signal(false);

  async function load() {
    const r = await request('organization.get', {});
    if (!r.ok) {
      refusal.value = { message: r.error.message };
      return;
    }
    draft.server(fieldsOf(r.data.senders));
    loaded.value = true;
  }

  function change(field: SenderField, value: string) {
    draft.fields[field].value = value;
    saved.value = false;
    // A refusal about this field is about a value no longer there.
    if (refusal.value?.field === field) refusal.value = null;
  }

  async function save(): Promise<boolean> {
    if (busy.value) return false;
    const changes = payloadOf(draft.values(), draft.base.peek());
    if (Object.keys(changes).length === 0) return false;
    busy.value = true;
    refusal.value = null;
    saved.value = false;
    const r = await request('organization.update', changes);
    busy.value = false;
    if (!r.ok) {
      refusal.value = refusalOf(r.error);
      return false;
    }
    // The server's version (numbers as it stores them) becomes what the fields show.
    draft.adopt(fieldsOf(r.data.senders));
    draft.reload();
    saved.value = true;
    return true;
  }

  return { draft, loaded, refusal, busy, saved, load, change, save };
}

export type SendersStore = ReturnType<typeof createSendersStore>;
