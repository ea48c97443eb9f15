/** The Candidates tab: everyone in the campaign, whether they can be texted, what happened to their text. */
import { useEffect } from 'preact/hooks';
import { deliveryLabel, reasonLabel, recipientName } from './format';
import { formatPhone, plural } from '../format';
import { AddCandidates } from './AddCandidates';
import { Notice } from './Notice';
import type { CampaignStore, Recipient } from './store';

function Row({ store, r, editable }: { store: CampaignStore; r: Recipient; editable: boolean }) {
  const d = deliveryLabel(r.delivery);
  const channel = r.channel === 'whatsapp' ? 'WhatsApp' : 'SMS';
  const busy = store.busy.value;
  return (
    <li class="te-cv-recipient" data-testid="te-cv-recipient" data-candidate-id={r.id}>
      <div class="te-cv-recipient-main">
        <span class="te-cv-name">{recipientName(r)}</span>
        {r.phone && <span class="te-cv-phone">{formatPhone(r.phone)}</span>}
        <span class="te-cv-recipient-chips">
          {r.textable ? (
            <span class="te-cv-chip te-cv-chip-ok">Textable by {channel}</span>
          ) : (
            <span class="te-cv-chip te-cv-chip-bad" data-testid="te-cv-recipient-excluded">
              Excluded: {reasonLabel(r.reason)}
            </span>
          )}
          {r.delivery && <span class={`te-cv-chip te-cv-tone-${d.tone}`}>{d.text}</span>}
          {r.replied && <span class="te-cv-chip te-cv-chip-replied">Replied</span>}
        </span>
        {r.answers.length > 0 && (
          <dl class="te-cv-answers" aria-label={`Ari's answers from ${recipientName(r)}`}>
            {r.answers.map((a) => (
              <div key={a.key}>
                <dt>{a.label}</dt>
                <dd>{a.value}</dd>
              </div>
            ))}
          </dl>
        )}
      </div>
      {editable && (
        <button
          type="button"
          class="te-button te-cv-small te-button-danger"
          aria-label={`Remove ${recipientName(r)}`}
          disabled={!!busy}
          data-testid="te-cv-remove"
          onClick={() => void store.removeCandidate(r)}
        >
          {busy === `remove:${r.id}` ? 'Removing…' : 'Remove'}
        </button>
      )}
    </li>
  );
}

export function CandidatesTab({ store }: { store: CampaignStore }) {
  useEffect(() => {
    void store.loadRecipients();
  }, []);
  const list = store.recipients.value;
  const editable = store.unsent.value && store.licensed.value;
  const inCampaign = new Set(list?.items.map((r) => r.id) ?? []);
  return (
    <div class="te-cv-candidates">
      {editable && <AddCandidates store={store} inCampaign={inCampaign} />}
      <section aria-labelledby="te-cv-list-title">
        <div class="te-cv-section-head">
          <h3 id="te-cv-list-title" class="te-cv-h">
            In this campaign
          </h3>
          {list && <span class="te-muted">{plural(list.total, 'candidate')}</span>}
        </div>
        {!editable && store.campaign.value && !store.unsent.value && (
          <p class="te-help">This campaign has sent: candidates can no longer be added or removed.</p>
        )}
        {store.recipientsError.value && <Notice tone="error">{store.recipientsError.value}</Notice>}
        {!list && !store.recipientsError.value && <p class="te-muted te-cv-loading">Loading candidates…</p>}
        {list && list.items.length === 0 && <p class="te-muted">Nobody yet. Search above to add candidates.</p>}
        {list && list.items.length > 0 && (
          <ul class="te-cv-recipients">
            {list.items.map((r) => (
              <Row key={r.id} store={store} r={r} editable={editable} />
            ))}
          </ul>
        )}
        {list?.nextOffset != null && (
          <button type="button" class="te-button te-cv-more" onClick={() => void store.loadRecipients(true)}>
            Show more ({(list.total - list.items.length).toLocaleString('en-US')} more)
          </button>
        )}
      </section>
    </div>
  );
}
