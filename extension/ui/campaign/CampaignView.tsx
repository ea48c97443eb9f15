/**
 * The Text Engagement campaign interface, the same in the Bulk Text Candidates popup and in the
 * toolbar popup: the campaign's header (name, status, Schedule Message, Actions), then either the
 * Overview and Candidates tabs or the screen being worked on (Edit Campaign, Schedule Message,
 * Review).
 */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { CandidatesTab } from './CandidatesTab';
import { ConfirmDelete } from './ConfirmDelete';
import { EditCampaignForm } from './EditCampaignForm';
import { campaignStatusLabel } from './format';
import { ArrowLeft, ChevronDown, Lock } from './icons';
import { MenuButton } from './MenuButton';
import { FlashNotice, Notice } from './Notice';
import { Overview } from './Overview';
import { ReviewPanel } from './ReviewPanel';
import { ScheduleForm } from './ScheduleForm';
import type { CampaignStore } from './store';

const TABS = [
  ['overview', 'Overview'],
  ['candidates', 'Candidates'],
] as const;

function Tabs({ store }: { store: CampaignStore }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const current = store.tab.value;
  const select = (i: number) => {
    store.tab.value = TABS[i]![0];
    refs.current[i]?.focus();
  };
  return (
    <div
      class="te-cv-tabs"
      role="tablist"
      aria-label="Campaign"
      onKeyDown={(e) => {
        const i = TABS.findIndex(([k]) => k === current);
        if (e.key === 'ArrowRight') select((i + 1) % TABS.length);
        else if (e.key === 'ArrowLeft') select((i - 1 + TABS.length) % TABS.length);
        else if (e.key === 'Home') select(0);
        else if (e.key === 'End') select(TABS.length - 1);
        else return;
        e.preventDefault();
      }}
    >
      {TABS.map(([key, label], i) => (
        <button
          key={key}
          ref={(el) => {
            refs.current[i] = el;
          }}
          type="button"
          role="tab"
          id={`te-cv-tab-${key}`}
          class="te-cv-tab"
          aria-selected={current === key}
          aria-controls={`te-cv-panel-${key}`}
          tabIndex={current === key ? 0 : -1}
          data-testid={`te-cv-tab-${key}`}
          onClick={() => (store.tab.value = key)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}

function Header({ store, onBack, titleId }: { store: CampaignStore; onBack?: () => void; titleId: string }) {
  const c = store.campaign.value!;
  const main = store.screen.value.kind === 'main';
  const canEdit = store.unsent.value && store.licensed.value;
  const title = useRef<HTMLHeadingElement>(null);
  const focusTitle = store.focusTitle.value;
  useLayoutEffect(() => {
    if (focusTitle) title.current?.focus();
  }, [focusTitle]);
  return (
    <div class="te-cv-header">
      {onBack && (
        <button
          type="button"
          class="te-icon-button te-cv-back"
          aria-label="Back to campaigns"
          title="Back to campaigns"
          onClick={onBack}
          data-testid="te-cv-back"
        >
          <ArrowLeft />
        </button>
      )}
      <div class="te-cv-title-wrap">
        <h2 id={titleId} ref={title} tabIndex={-1} class="te-cv-title" data-testid="te-cv-title">
          {c.name}
        </h2>
        <p class="te-cv-subtitle">
          <span class={`te-cv-chip te-cv-chip-${c.status}`} data-testid="te-cv-status">
            {campaignStatusLabel(c.status)}
          </span>
          {c.jobTitle && <span class="te-cv-role">{c.jobTitle}</span>}
        </p>
      </div>
      {main && canEdit && (
        <div class="te-cv-header-actions">
          <button type="button" class="te-button te-button-primary" onClick={() => store.openSchedule()} data-testid="te-cv-schedule">
            Schedule Message
          </button>
          <MenuButton
            label={
              <>
                Actions <ChevronDown />
              </>
            }
            testId="te-cv-actions"
            items={[
              { label: 'Edit Campaign', testId: 'te-cv-edit-campaign', onSelect: () => store.openEditCampaign() },
              { label: 'Delete Campaign', testId: 'te-cv-delete-campaign', danger: true, onSelect: () => (store.confirm.value = { kind: 'delete-campaign' }) },
            ]}
          />
        </div>
      )}
      {main && !store.unsent.value && (
        <span class="te-cv-readonly" title="A campaign can't be changed once it sends">
          <Lock /> Read-only
        </span>
      )}
    </div>
  );
}

/** The nearest scrolling ancestor (the dialog's body, the popup's main area). */
function scroller(el: HTMLElement | null): HTMLElement | null {
  for (let p = el?.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowY;
    if ((o === 'auto' || o === 'scroll') && p.scrollHeight > p.clientHeight) return p;
  }
  return null;
}

export function CampaignView({
  store,
  onBack,
  intro,
  titleId = 'te-cv-title',
}: {
  store: CampaignStore;
  onBack?: () => void;
  intro?: ComponentChildren;
  titleId?: string;
}) {
  const root = useRef<HTMLDivElement>(null);
  const kind = store.screen.value.kind;
  // A new screen starts at its top (not where the last one was scrolled to).
  useLayoutEffect(() => {
    const box = scroller(root.current);
    if (box) box.scrollTop = 0;
  }, [kind]);
  const c = store.campaign.value;
  if (!c) {
    return (
      <div class="te-cv te-root">
        {intro}
        {store.loadError.value ? <Notice tone="error">{store.loadError.value}</Notice> : <p class="te-muted te-cv-loading">Loading the campaign…</p>}
      </div>
    );
  }
  const s = store.screen.value;
  const confirm = store.confirm.value;
  return (
    <div class="te-cv te-root" ref={root} data-testid="te-cv" data-campaign-id={c.id} data-status={c.status}>
      <Header store={store} onBack={onBack} titleId={titleId} />
      {s.kind === 'main' && intro}
      {!store.licensed.value && <Notice tone="warn">You need a Text Engagement licence to change or send campaigns. Ask your administrator for one.</Notice>}
      {store.loadError.value && <Notice tone="error">{store.loadError.value}</Notice>}
      {s.kind === 'main' && <FlashNotice store={store} />}
      {s.kind === 'main' && confirm?.kind === 'delete-campaign' && (
        <ConfirmDelete
          store={store}
          title="Delete this campaign?"
          text="The campaign, its candidate list and its unsent messages are deleted. This can't be undone."
          confirmLabel="Delete Campaign"
          onConfirm={() => void store.deleteCampaign()}
        />
      )}
      {s.kind === 'main' && store.error.value && <Notice tone="error">{store.error.value}</Notice>}
      {s.kind === 'main' && (
        <>
          <Tabs store={store} />
          <div
            class="te-cv-panel"
            role="tabpanel"
            id={`te-cv-panel-${store.tab.value}`}
            aria-labelledby={`te-cv-tab-${store.tab.value}`}
            data-testid={`te-cv-panel-${store.tab.value}`}
          >
            {store.tab.value === 'overview' ? <Overview store={store} /> : <CandidatesTab store={store} />}
          </div>
        </>
      )}
      {s.kind === 'edit-campaign' && <EditCampaignForm store={store} form={s.form} />}
      {s.kind === 'schedule' && <ScheduleForm key="schedule" store={store} draft={s.draft} form={s.form} />}
      {s.kind === 'review' && <ReviewPanel key={`review-${s.message.id}`} store={store} draft={s.draft} form={s.form} message={s.message} review={s.review} />}
    </div>
  );
}
