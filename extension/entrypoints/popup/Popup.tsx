/**
 * The toolbar popup: who is signed in (or a way to sign in), the recruiter's campaigns grouped by
 * status with their counts, and a campaign opened in the same interface as the Bulk Text
 * Candidates popup. Live: pushed campaign.updated events move the numbers.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { Campaign } from '../../../shared/api';
import type { Session } from '../../lib/protocol';
import { request, subscribe } from '../../lib/relay';
import { CAMPAIGN_LIST_REFRESH_AFTER_MS } from '../../lib/tuning';
import { CampaignView } from '../../ui/campaign/CampaignView';
import { describeCampaignError } from '../../ui/campaign/format';
import { Phone } from '../../ui/campaign/icons';
import { Notice } from '../../ui/campaign/Notice';
import { createCampaignStore } from '../../ui/campaign/store';
import { sendingPausedText, watchSendingState } from '../../ui/sending-state';
import { CampaignList } from './CampaignList';

function CampaignScreen({ id, onBack }: { id: number; onBack(deleted?: boolean): void }) {
  const abort = useMemo(() => new AbortController(), [id]);
  const store = useMemo(() => createCampaignStore(id, abort.signal, { onDeleted: () => onBack(true) }), [id]);
  useEffect(() => {
    store.focusTitle.value++;
    return () => abort.abort();
  }, [id]);
  return <CampaignView store={store} onBack={() => onBack()} />;
}

export function Popup() {
  const session = useSignal<Session | null>(null);
  const campaigns = useSignal<Campaign[] | null>(null);
  const listError = useSignal<string | null>(null);
  const openId = useSignal<number | null>(null);
  const flash = useSignal<string | null>(null);
  const main = useRef<HTMLElement>(null);
  const viewAbort = useMemo(() => new AbortController(), []);
  const sending = useMemo(() => watchSendingState(viewAbort.signal), [viewAbort]);
  useEffect(() => () => viewAbort.abort(), [viewAbort]);

  async function loadList() {
    const r = await request('campaigns.list', { mine: true });
    if (r.ok) {
      campaigns.value = r.data.campaigns;
      listError.value = null;
    } else if (r.error.code === 'SIGNED_OUT') {
      campaigns.value = null;
    } else {
      listError.value = describeCampaignError(r.error);
    }
  }

  useEffect(() => {
    const abort = new AbortController();
    void request('session.get', {}).then((r) => {
      if (!r.ok) {
        listError.value = describeCampaignError(r.error);
        return;
      }
      session.value = r.data;
      if (r.data.signedIn) void loadList();
    });
    let listTimer: ReturnType<typeof setTimeout> | null = null;
    subscribe((event) => {
      if (event.type === 'session.changed') {
        session.value = event.data;
        openId.value = null;
        campaigns.value = null;
        if (event.data.signedIn) void loadList();
      } else if (event.type === 'campaign.updated' && campaigns.value) {
        const i = campaigns.value.findIndex((c) => c.id === event.data.id);
        if (i >= 0) {
          const next = campaigns.value.slice();
          next[i] = event.data;
          campaigns.value = next;
        } else if (!listTimer) {
          listTimer = setTimeout(() => {
            listTimer = null;
            void loadList();
          }, CAMPAIGN_LIST_REFRESH_AFTER_MS);
        }
      }
    }, abort.signal);
    return () => abort.abort();
  }, []);

  function open(id: number) {
    flash.value = null;
    openId.value = id;
  }

  function back(deleted = false) {
    const was = openId.value;
    // A deleted campaign leaves the list at once (not when the list next loads).
    if (deleted && campaigns.value) campaigns.value = campaigns.value.filter((c) => c.id !== was);
    openId.value = null;
    flash.value = deleted ? 'The campaign was deleted.' : null;
    void loadList().then(() => {
      requestAnimationFrame(() => {
        const item = main.current?.querySelector<HTMLElement>(`[data-campaign-id="${was}"]`);
        (item ?? main.current?.querySelector<HTMLElement>('.te-pl-item'))?.focus();
      });
    });
  }

  const s = session.value;
  const recruiter = s?.recruiter;
  return (
    <div class="te-popup te-root">
      <header class="te-popup-head">
        <span class="te-popup-logo" aria-hidden="true">
          <Phone size={18} />
        </span>
        <div class="te-popup-who">
          <h1 class="te-popup-title">Text Engagement</h1>
          {s && (
            <p class="te-popup-sub" data-testid="te-popup-session">
              {s.signedIn && recruiter ? `${recruiter.name} · ${recruiter.organization.name}` : 'Not signed in'}
            </p>
          )}
        </div>
        {s?.signedIn && (
          <button type="button" class="te-popup-link" onClick={() => void request('ui.openOptions', {})}>
            Account
          </button>
        )}
      </header>
      <main class="te-popup-main" ref={main}>
        {!s && !listError.value && <p class="te-muted te-cv-loading">Loading…</p>}
        {listError.value && <Notice tone="error">{listError.value}</Notice>}
        {s && !s.signedIn && (
          <div class="te-popup-signin" data-testid="te-popup-signed-out">
            <p>
              <strong>Sign in to see and edit your campaigns.</strong>
            </p>
            <p class="te-muted">Your campaigns, their schedules and live results appear here once you sign in to your Text Engagement server.</p>
            <button type="button" class="te-button te-button-primary" onClick={() => void request('ui.openOptions', {})} data-testid="te-popup-sign-in">
              Sign in
            </button>
          </div>
        )}
        {s?.signedIn && openId.value != null && <CampaignScreen key={openId.value} id={openId.value} onBack={back} />}
        {s?.signedIn && openId.value == null && (
          <>
            {sendingPausedText(sending.value) && (
              <Notice tone="warn" role="status" testId="te-popup-sending-paused">
                {sendingPausedText(sending.value)}
              </Notice>
            )}
            {recruiter && !recruiter.licensed && (
              <Notice tone="warn">You don't have a Text Engagement licence, so you can't send campaigns. Ask your administrator.</Notice>
            )}
            {flash.value && (
              <Notice tone="info" role="status">
                {flash.value}
              </Notice>
            )}
            {campaigns.value ? (
              <CampaignList campaigns={campaigns.value} onOpen={open} />
            ) : (
              !listError.value && <p class="te-muted te-cv-loading">Loading your campaigns…</p>
            )}
          </>
        )}
      </main>
    </div>
  );
}
