/** "Add candidates": search Text Engagement's candidates and add them (only while the campaign is unsent). */
import { useSignal } from '@preact/signals';
import { reasonLabel, recipientName } from './format';
import { Search } from './icons';
import type { CampaignStore, SearchResult } from './store';

export function AddCandidates({ store, inCampaign }: { store: CampaignStore; inCampaign: Set<string> }) {
  const query = useSignal('');
  const results = useSignal<SearchResult[] | null>(null);
  const searching = useSignal(false);
  const message = useSignal<string | null>(null);

  async function run(e: Event) {
    e.preventDefault();
    if (searching.value) return;
    const q = query.value.trim();
    if (!q) {
      message.value = 'Type a name, email, phone number or ATS id to search.';
      return;
    }
    searching.value = true;
    message.value = null;
    const r = await store.search(q);
    searching.value = false;
    if (!r.ok) {
      message.value = r.message;
      results.value = null;
      return;
    }
    results.value = r.candidates;
    if (!r.candidates.length) message.value = `No candidates match “${q}”.`;
  }

  const busy = store.busy.value;
  return (
    <section class="te-cv-add" aria-labelledby="te-cv-add-title">
      <h3 id="te-cv-add-title" class="te-cv-h">
        Add candidates
      </h3>
      <form class="te-cv-search" role="search" onSubmit={run}>
        <label class="te-visually-hidden" for="te-cv-search-input">
          Search candidates to add
        </label>
        <input
          id="te-cv-search-input"
          class="te-input"
          type="search"
          placeholder="Search by name, email, phone or id"
          value={query.value}
          onInput={(e) => (query.value = e.currentTarget.value)}
          data-testid="te-cv-search-input"
        />
        <button type="submit" class="te-button" disabled={searching.value} data-testid="te-cv-search-button">
          <Search />
          {searching.value ? 'Searching…' : 'Search'}
        </button>
      </form>
      {message.value && (
        <p class="te-help" role="status">
          {message.value}
        </p>
      )}
      {results.value && results.value.length > 0 && (
        <ul class="te-cv-results" aria-label="Search results">
          {results.value.map((c) => {
            const already = inCampaign.has(c.id);
            return (
              <li key={c.id} class="te-cv-result">
                <div class="te-cv-person">
                  <span class="te-cv-name">{recipientName(c)}</span>
                  <span class={`te-cv-chip ${c.textable ? 'te-cv-chip-ok' : 'te-cv-chip-bad'}`}>
                    {c.textable ? `Textable by ${c.channel === 'whatsapp' ? 'WhatsApp' : 'SMS'}` : reasonLabel(c.reason)}
                  </span>
                </div>
                <button
                  type="button"
                  class="te-button te-cv-small"
                  disabled={already || !!busy}
                  aria-label={already ? `${recipientName(c)} is already in the campaign` : `Add ${recipientName(c)}`}
                  data-testid="te-cv-add-candidate"
                  onClick={() => void store.addCandidates([c.id])}
                >
                  {already ? 'Added' : 'Add'}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
