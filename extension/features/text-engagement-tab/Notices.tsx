/** What the panel says instead of failing: signed out, unreachable, no licence, not textable, WhatsApp window. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Candidate } from '../../../shared/api';
import { onlyTrusted, stayOnPage } from '../../ui/trusted';
import { ConsentOrigin } from './consent/ConsentOrigin';
import { RecordConsentButton, RecordConsentForm } from './consent/RecordConsent';
import type { ConsentStore } from './consent/store';
import { reasonSentence } from './format';
import { BlockIcon, ClockIcon, CloudOffIcon, KeyIcon, SendIcon } from './icons';
import type { ConversationStore } from './store';

type Tone = 'info' | 'warn' | 'error' | 'neutral';

export function Notice(props: {
  kind: string;
  tone: Tone;
  icon: ComponentChildren;
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
  extra?: Record<string, string>;
}) {
  return (
    <section class={`te-conv-notice te-conv-notice-${props.tone}`} role="status" data-notice={props.kind} {...props.extra}>
      <span class="te-conv-notice-icon">{props.icon}</span>
      <div class="te-conv-notice-text">
        <h3 class="te-conv-notice-title">{props.title}</h3>
        <div class="te-conv-notice-body">{props.children}</div>
        {props.actions && <div class="te-conv-notice-actions">{props.actions}</div>}
      </div>
    </section>
  );
}

export function SignedOutNotice({ store }: { store: ConversationStore }) {
  return (
    <Notice
      kind="signed-out"
      tone="info"
      icon={<KeyIcon />}
      title="Sign in to Text Engagement"
      actions={
        <button type="button" class="te-button te-button-primary" onClick={() => void store.openOptions()}>
          Open sign-in
        </button>
      }
    >
      <p>You're signed out, so this candidate's texts can't be shown or sent. Sign in on the extension's options page; this panel updates by itself.</p>
    </Notice>
  );
}

/** The provider refused the account (credentials): texts wait, and go out by themselves once it resumes. */
export function SendingPausedNotice({ text }: { text: string }) {
  return (
    <Notice kind="sending-paused" tone="warn" icon={<CloudOffIcon />} title="Sending is paused">
      <p>{text}</p>
    </Notice>
  );
}

export function OfflineNotice({ message, onRetry }: { message: string; onRetry(): void }) {
  return (
    <Notice
      kind="offline"
      tone="error"
      icon={<CloudOffIcon />}
      title="Can't reach Text Engagement"
      actions={
        <button type="button" class="te-button" onClick={onRetry}>
          Try again
        </button>
      }
    >
      <p>{message}</p>
    </Notice>
  );
}

export function NotLicensedNotice({ candidate }: { candidate?: Candidate }) {
  return (
    <Notice kind="not-licensed" tone="neutral" icon={<KeyIcon />} title="No Text Engagement licence">
      <p>You need a Text Engagement licence to send texts. You can still read this conversation; ask your administrator for a licence to reply.</p>
      {/* Why there is no Record consent here: it is for those who text. */}
      {candidate?.reason === 'NO_CONSENT' && (
        <p>{candidate.firstName || 'This candidate'} hasn't agreed to receive text messages yet, and recording their consent needs a licence too.</p>
      )}
    </Notice>
  );
}

/**
 * Why the candidate can't be texted. Without consent, a licensed recruiter can record it here
 * (`consent` given); whatever consent they have is named, since it may be why (a revocation).
 */
export function NotTextableNotice({ candidate, consent }: { candidate: Candidate; consent?: ConsentStore }) {
  const reason = candidate.reason ?? 'NO_MOBILE';
  const recordable = reason === 'NO_CONSENT' && consent?.recordable.value;
  const asking = recordable && consent.open.value;
  const { title, body } = reasonSentence(reason, candidate);
  const origin = consent?.origin.value;
  return (
    <Notice
      kind="not-textable"
      tone="warn"
      icon={<BlockIcon />}
      title={title}
      extra={{ 'data-reason': candidate.reason ?? '' }}
      actions={recordable && !asking ? <RecordConsentButton store={consent} /> : undefined}
    >
      <p>
        {recordable
          ? `${candidate.firstName || 'This candidate'} hasn't agreed to receive text messages yet. If they have agreed (on the phone, say), record their consent and you can text them at once.`
          : body}
      </p>
      {origin && <ConsentOrigin origin={origin} />}
      {asking && <RecordConsentForm store={consent} firstName={candidate.firstName} />}
    </Notice>
  );
}

/**
 * Outside the 24-hour WhatsApp window only a template with approved WhatsApp content may go, as it
 * is: offer exactly those, read-only, and send the chosen one by id (the server sends its content).
 */
export function WhatsAppWindowNotice({ store }: { store: ConversationStore }) {
  const c = store.candidate.value!;
  const approved = store.templates.value.filter((t) => t.contentSid != null);
  const [chosen, setChosen] = useState<number | null>(null);
  const template = approved.find((t) => t.id === chosen) ?? null;
  const sending = store.sending.value;
  const name = c.firstName || 'This candidate';
  const when = c.lastInboundAt ? `${name} last wrote on WhatsApp more than 24 hours ago.` : `${name} hasn't written to you on WhatsApp yet.`;

  return (
    <Notice kind="whatsapp-window" tone="warn" icon={<ClockIcon />} title="WhatsApp conversation window closed">
      <p>
        {when} WhatsApp allows free-form messages only within 24 hours of the candidate's last message, so start with an approved template, sent exactly as
        WhatsApp approved it (it cannot be edited). When {name} replies, you can write freely again.
      </p>
      {approved.length === 0 ? (
        <p class="te-conv-notice-em">
          Your organization has no WhatsApp templates yet (an administrator adds a template’s content SID in Options → Templates).
        </p>
      ) : (
        <form class="te-conv-approved" onSubmit={stayOnPage}>
          <fieldset>
            <legend>Approved templates</legend>
            {approved.map((t) => (
              <label key={t.id} class={`te-conv-choice${chosen === t.id ? ' is-chosen' : ''}`}>
                <input type="radio" name="te-approved-template" value={t.id} checked={chosen === t.id} onChange={() => setChosen(t.id)} />
                <span>
                  <span class="te-conv-choice-name">{t.name}</span>
                  <span class="te-conv-choice-body">{t.body}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <div class="te-conv-approved-actions">
            <span class="te-conv-help">Sends by WhatsApp</span>
            <button
              type="submit"
              class="te-conv-send"
              disabled={!template || sending}
              onClick={onlyTrusted((e) => {
                e.preventDefault();
                if (template) void store.send({ body: template.body, templateId: template.id, templateOnly: true });
              })}
            >
              {sending ? 'Sending…' : 'Send template'}
              <SendIcon />
            </button>
          </div>
          {store.sendError.value && (
            <p class="te-conv-error" role="alert">
              {store.sendError.value}
            </p>
          )}
        </form>
      )}
    </Notice>
  );
}

export const LoadingNotice = () => (
  <div class="te-conv-loading" role="status">
    <span class="te-conv-spinner" aria-hidden="true" />
    Loading the conversation…
  </div>
);
