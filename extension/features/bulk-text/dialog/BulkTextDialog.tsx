/**
 * The Bulk Text Candidates popup: a modal dialog (focus kept inside, Escape closes) showing the
 * new campaign's Overview in the shared campaign interface, with the excluded candidates named
 * above it. Signed out or unlicensed, it says so instead.
 */
import { useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import { request } from '../../../lib/relay';
import { CampaignView } from '../../../ui/campaign/CampaignView';
import { reasonLabel } from '../../../ui/campaign/format';
import { plural } from '../../../ui/format';
import { Close, Phone } from '../../../ui/campaign/icons';
import { Notice } from '../../../ui/campaign/Notice';
import { createCampaignStore, type CampaignStore } from '../../../ui/campaign/store';
import { createBulkTextFlow, type BulkTextFlow } from './flow';
import { trapFocus } from './focus-trap';

function ExcludedNotice({ flow }: { flow: BulkTextFlow }) {
  const excluded = flow.excluded.value;
  if (!excluded) return null;
  const total = flow.ids.length;
  if (!excluded.length) {
    return (
      <Notice tone="success" testId="te-bt-selection">
        All {plural(total, 'selected candidate')} can be texted.
      </Notice>
    );
  }
  return (
    <Notice tone="warn" testId="te-bt-excluded">
      <p>
        <strong>
          {excluded.length.toLocaleString('en-US')} of the {plural(total, 'selected candidate')} can't be texted
        </strong>{' '}
        (no phone symbol), so {excluded.length === 1 ? 'this candidate is' : 'they are'} excluded from the texts:
      </p>
      {excluded.length <= 5 ? (
        <ul class="te-bt-excluded-list">
          {excluded.map((e) => (
            <li key={e.id} data-testid="te-bt-excluded-item">
              <span class="te-bt-excluded-name">{e.name}</span> — {reasonLabel(e.reason)}
            </li>
          ))}
        </ul>
      ) : (
        // Many: one line per reason, so the list stays short.
        <ul class="te-bt-excluded-list">
          {[...new Set(excluded.map((e) => e.reason))].map((reason) => {
            const names = excluded.filter((e) => e.reason === reason).map((e) => e.name);
            return (
              <li key={reason} data-testid="te-bt-excluded-group">
                <span class="te-bt-excluded-name">
                  {reasonLabel(reason)} ({names.length})
                </span>
                : {names.join(', ')}
              </li>
            );
          })}
        </ul>
      )}
    </Notice>
  );
}

function Ready({ flow, campaignStore }: { flow: BulkTextFlow; campaignStore: CampaignStore }) {
  const s = flow.state.value;
  return (
    <CampaignView
      store={campaignStore}
      titleId="te-bt-campaign-title"
      intro={
        <>
          <ExcludedNotice flow={flow} />
          {s.kind === 'ready' && s.warning && <Notice tone="warn">{s.warning}</Notice>}
        </>
      }
    />
  );
}

function Body({ flow, onClose, abort }: { flow: BulkTextFlow; onClose(): void; abort: AbortSignal }) {
  const s = flow.state.value;
  const ready = s.kind === 'ready' ? s : null;
  const campaignStore = useMemo(
    () => (ready ? createCampaignStore(ready.campaign.id, abort, { initial: ready.campaign, onDeleted: onClose }) : null),
    [ready?.campaign.id],
  );

  switch (s.kind) {
    case 'checking':
    case 'creating':
      return (
        <div class="te-bt-pending">
          <ExcludedNotice flow={flow} />
          <p class="te-muted te-bt-progress" role="status">
            <span class="te-bt-spinner" aria-hidden="true" />
            {s.kind === 'checking' ? `Checking the ${plural(flow.ids.length, 'selected candidate')}…` : 'Creating the campaign…'}
          </p>
        </div>
      );
    case 'signed-out':
      return (
        <Notice tone="info" testId="te-bt-signed-out" role="status">
          <p>
            <strong>You are signed out of Text Engagement.</strong> Sign in to create a bulk text campaign for the{' '}
            {plural(flow.ids.length, 'selected candidate')}.
          </p>
          <p>
            <button type="button" class="te-button te-button-primary" onClick={() => void request('ui.openOptions', {})} data-testid="te-bt-sign-in">
              Sign in to Text Engagement
            </button>
          </p>
        </Notice>
      );
    case 'unlicensed':
      return (
        <Notice tone="warn" testId="te-bt-unlicensed" role="status">
          <p>
            <strong>You can't send bulk texts.</strong> {s.message}
          </p>
        </Notice>
      );
    case 'error':
      return (
        <Notice tone="error" testId="te-bt-error">
          <p>The campaign could not be created. {s.message}</p>
          <p>
            <button type="button" class="te-button" onClick={() => void flow.run()}>
              Try again
            </button>
          </p>
        </Notice>
      );
    case 'ready':
      return campaignStore ? <Ready flow={flow} campaignStore={campaignStore} /> : null;
  }
}

export function BulkTextDialog({ ids, onClose }: { ids: string[]; onClose(): void }) {
  const abort = useMemo(() => new AbortController(), []);
  const flow = useMemo(() => createBulkTextFlow(ids, abort.signal), []);
  const dialog = useRef<HTMLDivElement>(null);
  const title = useRef<HTMLHeadingElement>(null);

  // Focus moves in as the dialog is committed, before a key pressed meanwhile lands elsewhere.
  useLayoutEffect(() => {
    title.current?.focus();
    const release = trapFocus(dialog.current!);
    return () => {
      release();
      abort.abort();
    };
  }, []);

  return (
    <div class="te-bt-backdrop">
      <div
        ref={dialog}
        class="te-bt-dialog te-root"
        role="dialog"
        aria-modal="true"
        aria-labelledby="te-bt-title"
        data-testid="te-bt-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape' && !e.defaultPrevented) {
            e.preventDefault();
            onClose();
          }
        }}
      >
        <div class="te-bt-head">
          <span class="te-bt-logo" aria-hidden="true">
            <Phone size={18} />
          </span>
          <div class="te-bt-head-text">
            <h2 id="te-bt-title" ref={title} tabIndex={-1}>
              Bulk Text Candidates
            </h2>
            <p class="te-bt-sub">Text Engagement · {plural(ids.length, 'candidate')} selected</p>
          </div>
          <button type="button" class="te-icon-button te-bt-close" aria-label="Close" title="Close (Esc)" onClick={onClose} data-testid="te-bt-close">
            <Close />
          </button>
        </div>
        <div class="te-bt-body">
          <Body flow={flow} onClose={onClose} abort={abort.signal} />
        </div>
      </div>
    </div>
  );
}
