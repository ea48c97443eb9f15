/** The Text Engagement panel: header, conversation, and the composer or the reason it can't be used. */
import { useEffect, useMemo } from 'preact/hooks';
import type { Candidate } from '../../../shared/api';
import { AnswersCard, AssistantBanner, HandbackNotice } from './Ari';
import { Composer } from './Composer';
import { Conversation } from './Conversation';
import { channelName, initials } from './format';
import { describeError, formatPhone, fullName } from '../../ui/format';
import { AriIcon, ChatIcon, InfoIcon } from './icons';
import {
  LoadingNotice,
  Notice,
  NotLicensedNotice,
  NotTextableNotice,
  OfflineNotice,
  SendingPausedNotice,
  SignedOutNotice,
  WhatsAppWindowNotice,
} from './Notices';
import { sendingPausedText, watchSendingState } from '../../ui/sending-state';
import { AddCandidateForm } from './capture/AddCandidateForm';
import type { CaptureStore } from './capture/store';
import { ConsentOrigin } from './consent/ConsentOrigin';
import type { ConsentStore } from './consent/store';
import type { ConversationStore } from './store';

function Header({ candidate, live }: { candidate: Candidate | null; live: boolean | null }) {
  if (!candidate) {
    return (
      <header class="te-conv-header">
        <span class="te-conv-avatar te-conv-brand" aria-hidden="true">
          <ChatIcon />
        </span>
        <div class="te-conv-who">
          <h2 class="te-conv-name">Text Engagement</h2>
          <p class="te-conv-sub">Texts with this candidate by SMS and WhatsApp</p>
        </div>
      </header>
    );
  }
  return (
    <header class="te-conv-header">
      <span class="te-conv-avatar" aria-hidden="true">
        {initials(candidate)}
      </span>
      <div class="te-conv-who">
        <h2 class="te-conv-name" data-testid="te-candidate-name">
          {fullName(candidate)}
        </h2>
        <p class="te-conv-sub">
          <span class="te-conv-phone">{formatPhone(candidate.phone)}</span>
          <span class={`te-conv-chip te-conv-chip-${candidate.channel}`} data-testid="te-channel">
            {channelName(candidate.channel)}
          </span>
          {candidate.assistant.active && (
            <span class="te-conv-chip te-conv-chip-ari">
              <AriIcon /> Ari
            </span>
          )}
        </p>
      </div>
      {live !== null && (
        <span class={`te-conv-live${live ? ' is-on' : ''}`} title={live ? 'New replies appear as they arrive' : 'Reconnecting to live updates'}>
          <span class="te-conv-live-dot" aria-hidden="true" />
          {live ? 'Live' : 'Reconnecting…'}
        </span>
      )}
    </header>
  );
}

/**
 * The composer, or what stands between the recruiter and Send (most fundamental first). The
 * server going quiet is said above the composer, which stays as it is: the recruiter keeps
 * typing into the same field (a field swapped for a notice would lose the keys typed meanwhile).
 */
function Bottom({ store, consent }: { store: ConversationStore; consent: ConsentStore }) {
  const sending = useSendingState();
  const paused = sendingPausedText(sending.value);
  return (
    <>
      {paused && <SendingPausedNotice text={paused} />}
      {!store.reachable.value && (
        <OfflineNotice
          message="The Text Engagement server isn't answering, so texts can't be sent right now. Your draft is kept."
          onRetry={() => void store.catchUp()}
        />
      )}
      <Blocker store={store} consent={consent} />
    </>
  );
}

/** The server's sending state while the view is shown. */
function useSendingState() {
  const abort = useMemo(() => new AbortController(), []);
  const state = useMemo(() => watchSendingState(abort.signal), [abort]);
  useEffect(() => () => abort.abort(), [abort]);
  return state;
}

function Blocker({ store, consent }: { store: ConversationStore; consent: ConsentStore }) {
  const c = store.candidate.value!;
  if (store.recruiter.value?.licensed === false) return <NotLicensedNotice candidate={c} />;
  // Licensed recruiters (who text, so hear "yes, text me") may record consent: the notice offers it when that's what's missing.
  if (!c.textable) return <NotTextableNotice candidate={c} consent={store.recruiter.value?.licensed ? consent : undefined} />;
  if (c.channel === 'whatsapp' && !store.whatsappWindowOpen.value) return <WhatsAppWindowNotice store={store} />;
  const origin = consent.origin.value;
  return <Composer store={store} footNote={origin && <ConsentOrigin origin={origin} />} />;
}

/** A candidate the server does not know: the recruiter adds them here, or learns why they can't. */
function NotInTextEngagement({ store, capture }: { store: ConversationStore; capture: CaptureStore }) {
  if (store.recruiter.value?.licensed === false) {
    return (
      <Notice kind="not-found" tone="neutral" icon={<InfoIcon />} title="Not in Text Engagement yet">
        <p>
          This candidate isn't in Text Engagement yet. You need a Text Engagement licence to add candidates; ask your administrator for one, or to import
          candidates from the ATS.
        </p>
      </Notice>
    );
  }
  return (
    <AddCandidateForm
      store={capture}
      country={store.recruiter.value?.organization.defaultCountry}
      addedElsewhere={store.addedElsewhere.value}
      onReload={() => void store.reload()}
    />
  );
}

export function Panel({ store, capture, consent }: { store: ConversationStore; capture: CaptureStore; consent: ConsentStore }) {
  const load = store.load.value;
  const candidate = store.candidate.value;
  let body;
  if (load.kind === 'signed-out') {
    body = <SignedOutNotice store={store} />;
  } else if (load.kind === 'loading' || (load.kind === 'ready' && !candidate)) {
    body = <LoadingNotice />;
  } else if (load.kind === 'error') {
    body =
      load.error.code === 'NOT_FOUND' ? (
        <NotInTextEngagement store={store} capture={capture} />
      ) : (
        <OfflineNotice message={describeError(load.error)} onRetry={() => void store.reload()} />
      );
  } else {
    body = (
      <>
        <AnswersCard store={store} />
        <Conversation messages={store.messages.value} candidate={candidate} />
        <div class="te-conv-bottom">
          {candidate!.assistant.active ? <AssistantBanner store={store} /> : store.handback.value && <HandbackNotice store={store} />}
          <Bottom store={store} consent={consent} />
        </div>
      </>
    );
  }
  return (
    <div class="te-root te-conv" data-state={load.kind} data-candidate-id={store.candidateId}>
      {/* Loaded means the background holds the event stream for us; it says when that drops. */}
      <Header candidate={load.kind === 'ready' ? candidate : null} live={load.kind === 'ready' ? store.connected.value !== false : null} />
      {body}
    </div>
  );
}
