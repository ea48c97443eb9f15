/**
 * "Sending" on the options page (administrators only): which numbers the organisation's texts go
 * out from, and whether sending is paused (the provider refused the account's credentials). An
 * empty field means the server's sender, set in its environment. Save acts on a person's own
 * click only (ui/trusted.ts).
 */
import { useEffect, useMemo } from 'preact/hooks';
import { request } from '../../lib/relay';
import { sendingPausedText, watchSendingState } from '../sending-state';
import { onlyTrusted, stayOnPage } from '../trusted';
import { createSendersStore, SENDER_FIELDS, SENDER_LABELS, type SenderField, type SendersStore } from './store';
import './sending.css';

const PLACEHOLDERS: Record<SenderField, string> = {
  smsFrom: '+15551234567',
  messagingServiceSid: 'MG…',
  whatsappFrom: '+15551234567',
};

const HINTS: Record<SenderField, string> = {
  smsFrom: 'A number on the account, in E.164 form. Empty: the server’s number (TWILIO_SMS_FROM).',
  messagingServiceSid: 'MG followed by 32 hex digits; texts go out from the service’s numbers. Empty: the server’s (TWILIO_MESSAGING_SERVICE_SID).',
  whatsappFrom: 'The number registered as your WhatsApp sender, in E.164 form. Empty: the server’s (TWILIO_WHATSAPP_FROM).',
};

function SenderInput({ store, field }: { store: SendersStore; field: SenderField }) {
  const refusal = store.refusal.value?.field === field ? store.refusal.value : null;
  const hintId = `te-sender-hint-${field}`;
  const errorId = `te-sender-error-${field}`;
  return (
    <label class="te-field">
      <span>{SENDER_LABELS[field]}</span>
      <input
        name={field}
        value={store.draft.fields[field].value}
        placeholder={PLACEHOLDERS[field]}
        spellcheck={false}
        autocomplete="off"
        aria-invalid={refusal ? true : undefined}
        aria-describedby={refusal ? `${errorId} ${hintId}` : hintId}
        onInput={(e) => store.change(field, e.currentTarget.value)}
      />
      {refusal && (
        <small id={errorId} class="te-sender-error" role="alert">
          {refusal.message}
        </small>
      )}
      <small id={hintId} class="te-muted">
        {HINTS[field]}
      </small>
    </label>
  );
}

export function SendingSection({ store: given }: { store?: SendersStore }) {
  const store = useMemo(() => given ?? createSendersStore(request), [given]);
  const abort = useMemo(() => new AbortController(), []);
  const sending = useMemo(() => watchSendingState(abort.signal), [abort]);
  useEffect(() => void store.load(), [store]);
  useEffect(() => () => abort.abort(), [abort]);
  const paused = sendingPausedText(sending.value);
  const formRefusal = store.refusal.value && !store.refusal.value.field ? store.refusal.value : null;
  return (
    <section class="te-card te-sending" aria-labelledby="sending-title">
      <h2 id="sending-title">Sending</h2>
      {paused && (
        <p class="te-notice te-notice-warn" role="status" data-testid="te-options-sending-paused">
          {paused}
        </p>
      )}
      <p class="te-muted" data-testid="te-sender-rule">
        SMS goes out through the organization’s Messaging Service, else its SMS number, else the server’s Messaging Service, else the server’s number; WhatsApp
        from the organization’s WhatsApp number, else the server’s. A number or Messaging Service belongs to one organization.
      </p>
      {!store.loaded.value ? (
        formRefusal ? (
          <p class="te-notice te-notice-error" role="alert">
            {formRefusal.message}
          </p>
        ) : (
          <p class="te-muted">Loading senders…</p>
        )
      ) : (
        <form class="te-sending-form" onSubmit={stayOnPage} aria-label="Senders" data-testid="te-senders-form">
          {SENDER_FIELDS.map((field) => (
            <SenderInput key={field} store={store} field={field} />
          ))}
          {formRefusal && (
            <p class="te-notice te-notice-error" role="alert">
              {formRefusal.message}
            </p>
          )}
          {store.saved.value && (
            <p class="te-notice te-notice-ok" role="status">
              Saved. New texts go out from these senders.
            </p>
          )}
          <div class="te-sending-actions">
            <button
              type="submit"
              class="te-button te-button-primary"
              disabled={store.busy.value || !store.draft.dirty.value}
              onClick={onlyTrusted(() => void store.save())}
            >
              {store.busy.value ? 'Saving…' : 'Save senders'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
