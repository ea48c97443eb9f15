/** The campaign's Overview tab: who is in it, its messages, progress while sending, results once sent. */
import { useEffect } from 'preact/hooks';
import { formatWhen, reasonLabel } from './format';
import { plural } from '../format';
import { Send } from './icons';
import { MessageCard } from './MessageCard';
import { Notice } from './Notice';
import { Progress } from './Progress';
import { ResultsChart } from './ResultsChart';
import { RECOMMENDED_MAX_RECIPIENTS } from '../../../shared/campaign-size';
import type { CampaignStore } from './store';

export function Overview({ store }: { store: CampaignStore }) {
  const c = store.campaign.value!;
  const excludedTotal = Object.values(c.excluded).reduce((a, b) => a + b, 0);
  const started = c.status === 'sending' || c.status === 'sent';
  const sequence = c.assistant.enabled ? store.sequences.value?.find((s) => s.id === c.assistant.sequenceId) : undefined;

  useEffect(() => {
    if (c.assistant.enabled) store.ensureSequences();
  }, [c.assistant.enabled]);

  return (
    <div class="te-cv-overview">
      {c.recipients > RECOMMENDED_MAX_RECIPIENTS && (
        <Notice tone="warn" testId="te-cv-size-warning" role="status">
          This campaign has {plural(c.recipients, 'candidate')}. We recommend {RECOMMENDED_MAX_RECIPIENTS} or fewer per campaign: consider splitting it.
        </Notice>
      )}

      <dl class="te-cv-tiles">
        <div class="te-cv-tile">
          <dt>Candidates</dt>
          <dd data-testid="te-cv-recipients">{c.recipients.toLocaleString('en-US')}</dd>
        </div>
        <div class="te-cv-tile is-ok">
          <dt>Can be texted</dt>
          <dd data-testid="te-cv-eligible">{c.eligible.toLocaleString('en-US')}</dd>
        </div>
        <div class={`te-cv-tile${excludedTotal ? ' is-warn' : ''}`}>
          <dt>Excluded</dt>
          <dd data-testid="te-cv-excluded">{excludedTotal.toLocaleString('en-US')}</dd>
        </div>
      </dl>
      {excludedTotal > 0 && (
        <div class="te-cv-excluded-reasons">
          <p class="te-help">{started ? 'Not texted:' : 'Excluded (kept in the list, never texted):'}</p>
          <ul class="te-cv-reason-chips" aria-label="Excluded candidates by reason">
            {Object.entries(c.excluded).map(([reason, n]) => (
              <li key={reason} class="te-cv-chip te-cv-chip-reason">
                {reasonLabel(reason)} <strong>{n.toLocaleString('en-US')}</strong>
              </li>
            ))}
          </ul>
        </div>
      )}

      {started && <Progress stats={c.stats} status={c.status} />}
      {c.status === 'sent' && (
        <section class="te-cv-card" aria-labelledby="te-cv-results-title">
          <h3 id="te-cv-results-title" class="te-cv-h">
            Results
          </h3>
          <ResultsChart stats={c.stats} />
        </section>
      )}

      <section class="te-cv-section" aria-labelledby="te-cv-messages-title">
        <div class="te-cv-section-head">
          <h3 id="te-cv-messages-title" class="te-cv-h">
            Messages
          </h3>
        </div>
        {c.messages.length ? (
          <div class="te-cv-messages">
            {c.messages.map((m) => (
              <MessageCard key={m.id} store={store} message={m} />
            ))}
          </div>
        ) : (
          <div class="te-cv-empty">
            <span class="te-cv-empty-icon">
              <Send />
            </span>
            <p>
              <strong>No message yet.</strong> Write one with Schedule Message: send it now or pick a time.
            </p>
          </div>
        )}
      </section>

      <section class="te-cv-section" aria-labelledby="te-cv-details-title">
        <h3 id="te-cv-details-title" class="te-cv-h">
          Details
        </h3>
        <dl class="te-cv-details">
          <div>
            <dt>Open role</dt>
            <dd data-testid="te-cv-job">{c.jobTitle || <span class="te-muted">Not set</span>}</dd>
          </div>
          <div>
            <dt>Description</dt>
            <dd>{c.description || <span class="te-muted">None</span>}</dd>
          </div>
          {(store.assistantSubscribed.value || c.assistant.enabled) && (
            <div>
              <dt>Ari</dt>
              <dd data-testid="te-cv-ari">{c.assistant.enabled ? `Answers replies${sequence ? ` with “${sequence.name}”` : ''}` : 'Off'}</dd>
            </div>
          )}
          <div>
            <dt>Created</dt>
            <dd>
              {c.createdBy.name}, {formatWhen(c.createdAt)}
            </dd>
          </div>
          {c.sentAt && (
            <div>
              <dt>Sent</dt>
              <dd>{formatWhen(c.sentAt)}</dd>
            </div>
          )}
        </dl>
      </section>
    </div>
  );
}
