/** The recruiter's campaigns, grouped Draft, Scheduled, Sending, Sent, each with its counts. */
import type { Campaign } from '../../../shared/api';
import { formatDay, formatWhen } from '../../ui/campaign/format';
import { plural } from '../../ui/format';
import { ArrowLeft } from '../../ui/campaign/icons';

const GROUPS: [Campaign['status'], string][] = [
  ['draft', 'Draft'],
  ['scheduled', 'Scheduled'],
  ['sending', 'Sending'],
  ['sent', 'Sent'],
];

function Counts({ c }: { c: Campaign }) {
  const s = c.stats;
  if (c.status === 'sending') {
    const pct = s.total ? Math.round((s.done / s.total) * 100) : 0;
    return (
      <span class="te-pl-counts">
        <span class="te-pl-mini-bar" aria-hidden="true">
          <span style={{ width: `${pct}%` }} />
        </span>
        {s.done.toLocaleString('en-US')} of {s.total.toLocaleString('en-US')} settled · {s.sent} sent · {s.failed} failed
      </span>
    );
  }
  if (c.status === 'sent') {
    return (
      <span class="te-pl-counts">
        {s.sent} sent · {s.delivered} delivered · {s.failed} failed · {s.replied} replied
        {s.optedOut ? ` · ${s.optedOut} opted out` : ''}
      </span>
    );
  }
  return (
    <span class="te-pl-counts">
      {plural(c.recipients, 'candidate')} · {c.eligible.toLocaleString('en-US')} textable
      {c.status === 'scheduled' && c.nextSendAt ? ` · sends ${formatWhen(c.nextSendAt)}` : ''}
    </span>
  );
}

export function CampaignList({ campaigns, onOpen }: { campaigns: Campaign[]; onOpen(id: number): void }) {
  if (!campaigns.length) {
    return (
      <div class="te-pl-empty" data-testid="te-popup-empty">
        <p>
          <strong>No campaigns yet.</strong>
        </p>
        <p class="te-muted">In your ATS's candidate search, select candidates and choose Bulk Text to start one.</p>
      </div>
    );
  }
  return (
    <div class="te-pl-groups">
      {GROUPS.map(([status, label]) => {
        const items = campaigns.filter((c) => c.status === status);
        if (!items.length) return null;
        return (
          <section key={status} class="te-pl-group" aria-labelledby={`te-pl-${status}`} data-testid={`te-popup-group-${status}`}>
            <h2 id={`te-pl-${status}`} class="te-pl-group-title">
              {label} <span class="te-pl-group-count">{items.length}</span>
            </h2>
            <ul class="te-pl-list">
              {items.map((c) => (
                <li key={c.id}>
                  <button type="button" class="te-pl-item" onClick={() => onOpen(c.id)} data-testid="te-popup-campaign" data-campaign-id={c.id}>
                    <span class="te-pl-item-main">
                      <span class="te-pl-name">{c.name}</span>
                      <span class="te-pl-sub">
                        {c.jobTitle ? `${c.jobTitle} · ` : ''}
                        {c.sentAt ? `sent ${formatDay(c.sentAt)}` : `created ${formatDay(c.createdAt)}`}
                      </span>
                      <Counts c={c} />
                    </span>
                    <span class="te-pl-chevron" aria-hidden="true">
                      <ArrowLeft />
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}
