/**
 * Actions → Edit Campaign: name, the open role, description, and Enable ARI (where the
 * organisation subscribes). The draft is the store's (`form`): what is typed stays until Save,
 * Cancel or the recruiter's Reload, whatever arrives from the server meanwhile.
 */
import { useEffect } from 'preact/hooks';
import { ElsewhereNotice, ErrorNotice, useFocusOnMount } from './Notice';
import type { CampaignForm, CampaignStore } from './store';

export function EditCampaignForm({ store, form }: { store: CampaignStore; form: CampaignForm }) {
  const { name, jobTitle, description, ari, sequenceId } = form.fields;
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const subscribed = store.assistantSubscribed.value;
  const sequences = store.sequences.value;

  useEffect(() => {
    if (subscribed) store.ensureSequences();
  }, [subscribed]);
  // Enable ARI picks the first outbound sequence unless one is chosen.
  useEffect(() => {
    if (ari.value && sequenceId.value == null && sequences?.length) sequenceId.value = sequences[0]!.id;
  }, [ari.value, sequences]);

  // Another action still finishing (a removal's refresh, say) holds Save too: pressed, it would do nothing.
  const busy = !!store.busy.value;
  const saving = store.busy.value === 'save-campaign';
  function submit(e: Event) {
    e.preventDefault();
    void store.saveCampaign({
      name: name.value,
      jobTitle: jobTitle.value,
      description: description.value,
      ...(subscribed ? { assistant: { enabled: ari.value, sequenceId: ari.value ? sequenceId.value : null } } : {}),
    });
  }

  return (
    <form class="te-cv-form" onSubmit={submit} aria-labelledby="te-cv-edit-title" data-testid="te-cv-edit-form" noValidate>
      <h3 id="te-cv-edit-title" class="te-cv-screen-title" tabIndex={-1} ref={heading}>
        Edit Campaign
      </h3>
      <ErrorNotice store={store} />
      <ElsewhereNotice form={form} what="campaign" onReload={() => store.reloadForm()} onLeave={() => store.leave()} />
      <label class="te-field">
        <span>Campaign name</span>
        <input
          class="te-input"
          name="name"
          required
          maxLength={120}
          value={name.value}
          onInput={(e) => (name.value = e.currentTarget.value)}
          data-testid="te-cv-name-input"
        />
      </label>
      <label class="te-field">
        <span>Open role</span>
        <input
          class="te-input"
          name="jobTitle"
          maxLength={120}
          placeholder="e.g. Warehouse Associate"
          value={jobTitle.value}
          onInput={(e) => (jobTitle.value = e.currentTarget.value)}
          aria-describedby="te-cv-job-help"
          data-testid="te-cv-job-input"
        />
        <span id="te-cv-job-help" class="te-help">
          The job this campaign is for. It fills {'{{jobTitle}}'} in messages (otherwise each candidate's own job is used).
        </span>
      </label>
      <label class="te-field">
        <span>Description</span>
        <textarea
          class="te-textarea"
          name="description"
          rows={3}
          maxLength={2000}
          value={description.value}
          onInput={(e) => (description.value = e.currentTarget.value)}
        />
      </label>
      {subscribed && (
        <fieldset class="te-cv-ari">
          <legend>Digital assistant</legend>
          <label class="te-cv-check">
            <input type="checkbox" checked={ari.value} onChange={(e) => (ari.value = e.currentTarget.checked)} data-testid="te-cv-ari-toggle" />
            <span>Enable ARI</span>
          </label>
          <p class="te-help">Ari answers candidates' replies to this campaign, following an outbound sequence.</p>
          {ari.value && (
            <label class="te-field">
              <span>Outbound sequence</span>
              {sequences && sequences.length === 0 ? (
                <span class="te-help">Your organization has no outbound sequences yet. Ask your administrator to create one.</span>
              ) : (
                <select
                  class="te-select"
                  value={sequenceId.value ?? ''}
                  disabled={!sequences}
                  onChange={(e) => (sequenceId.value = Number(e.currentTarget.value) || null)}
                  data-testid="te-cv-sequence"
                >
                  {!sequences && <option value="">Loading sequences…</option>}
                  {sequences?.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              )}
            </label>
          )}
        </fieldset>
      )}
      <div class="te-cv-actions te-cv-sticky">
        <button type="submit" class="te-button te-button-primary" disabled={busy} data-testid="te-cv-save-campaign">
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" class="te-button" disabled={saving} onClick={() => store.leave()}>
          Cancel
        </button>
      </div>
    </form>
  );
}
