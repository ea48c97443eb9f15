/** A sending campaign's progress bar and live counts (moved by pushed campaign.updated events). */
import type { CampaignStats } from '../../../shared/api';
import { plural } from '../format';

export function skippedTotal(stats: CampaignStats): number {
  return Object.values(stats.skipped).reduce((a, b) => a + b, 0);
}

export function Progress({ stats, status }: { stats: CampaignStats; status: 'sending' | 'sent' | string }) {
  const pct = stats.total ? Math.round((stats.done / stats.total) * 100) : status === 'sent' ? 100 : 0;
  const done = status === 'sent' || (stats.total > 0 && stats.done >= stats.total);
  const counts: [string, number, string][] = [
    ['Sent', stats.sent, 'sent'],
    ['Delivered', stats.delivered, 'delivered'],
    ['Failed', stats.failed, 'failed'],
    ['Replied', stats.replied, 'replied'],
    ['Opted out', stats.optedOut, 'opted-out'],
  ];
  return (
    <section class="te-cv-card te-cv-progress" aria-labelledby="te-cv-progress-title" data-testid="te-cv-progress">
      <div class="te-cv-card-head">
        <h3 id="te-cv-progress-title" class="te-cv-h">
          {done ? 'Sending complete' : 'Sending…'}
        </h3>
        <span class="te-cv-progress-pct" data-testid="te-cv-progress-pct">
          {pct}%
        </span>
      </div>
      <div
        class="te-cv-bar"
        role="progressbar"
        aria-label="Texts settled"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${stats.done} of ${stats.total} texts settled (${pct}%)`}
        data-testid="te-cv-progressbar"
      >
        <div class={`te-cv-bar-fill${done ? ' is-done' : ''}`} style={{ width: `${pct}%` }} />
      </div>
      <p class="te-cv-progress-text" aria-live="polite">
        {done
          ? `All ${plural(stats.total, 'text')} settled.`
          : `${stats.done.toLocaleString('en-US')} of ${plural(stats.total, 'text')} settled; the rest are on their way.`}
        {stats.queued > 0 && !done ? ` ${stats.queued.toLocaleString('en-US')} waiting (texting hours or rate).` : ''}
        {stats.unknown > 0 ? ` ${plural(stats.unknown, 'text')} need review.` : ''}
      </p>
      <dl class="te-cv-counts">
        {counts.map(([label, n, key]) => (
          <div class={`te-cv-count te-cv-count-${key}`} key={key} data-testid={`te-cv-count-${key}`}>
            <dt>{label}</dt>
            <dd>{n.toLocaleString('en-US')}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
