/**
 * What Bulk Text does before the campaign exists: who is signed in, which of the selected
 * candidates can be texted (the same look-up the phone symbols use), and — only after the
 * excluded ones are named — the new campaign with the selected candidates.
 */
import { signal } from '@preact/signals';
import type { CampaignDetail } from '../../../../shared/api';
import type { Outputs } from '../../../lib/protocol';
import { request, subscribe } from '../../../lib/relay';
import { describeCampaignError } from '../../../ui/campaign/format';

export interface Excluded {
  id: string;
  name: string;
  reason: string;
}

export type FlowState =
  | { kind: 'checking' }
  | { kind: 'signed-out' }
  | { kind: 'unlicensed'; message: string }
  | { kind: 'creating' }
  | { kind: 'ready'; campaign: CampaignDetail; warning: string | null }
  | { kind: 'error'; message: string };

export type BulkTextFlow = ReturnType<typeof createBulkTextFlow>;

const UNLICENSED = 'Only recruiters with a Text Engagement licence can send bulk texts. Ask your administrator for a licence.';

export function defaultCampaignName(now = new Date()): string {
  const when = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit' }).format(now);
  return `Bulk text – ${when}`;
}

export function createBulkTextFlow(ids: string[], abort: AbortSignal) {
  const state = signal<FlowState>({ kind: 'checking' });
  /** The selected candidates without the phone symbol, and why (known before anything is created). */
  const excluded = signal<Excluded[] | null>(null);
  const textable = signal(0);
  let running = false;

  async function run() {
    if (running || abort.aborted) return;
    running = true;
    try {
      state.value = { kind: 'checking' };
      const session = await request('session.get', {});
      if (abort.aborted) return;
      if (!session.ok) return void (state.value = { kind: 'error', message: describeCampaignError(session.error) });
      if (!session.data.signedIn) return void (state.value = { kind: 'signed-out' });
      if (session.data.recruiter && !session.data.recruiter.licensed) return void (state.value = { kind: 'unlicensed', message: UNLICENSED });

      const found = await request('candidates.lookup', { ids });
      if (abort.aborted) return;
      if (!found.ok) return void fail(found.error);
      excluded.value = namesOfExcluded(ids, found.data);
      textable.value = found.data.candidates.filter((c) => c.textable).length;

      state.value = { kind: 'creating' };
      const created = await request('campaigns.create', { name: defaultCampaignName(), candidateIds: ids });
      if (abort.aborted) return;
      if (!created.ok) return void fail(created.error);
      state.value = { kind: 'ready', campaign: created.data.campaign, warning: created.data.candidates?.warning?.message ?? null };
    } finally {
      running = false;
    }
  }

  function fail(error: { code: string; message: string; status: number }) {
    if (error.code === 'SIGNED_OUT' || error.status === 401) state.value = { kind: 'signed-out' };
    else if (error.code === 'NOT_LICENSED') state.value = { kind: 'unlicensed', message: error.message || UNLICENSED };
    else state.value = { kind: 'error', message: describeCampaignError(error) };
  }

  // Signing in (in the options page) while this says "signed out" carries on by itself.
  subscribe((event) => {
    if (event.type === 'session.changed' && event.data.signedIn && state.value.kind === 'signed-out') void run();
  }, abort);

  void run();
  return { ids, state, excluded, textable, run };
}

function namesOfExcluded(ids: string[], found: Outputs['candidates.lookup']): Excluded[] {
  const byId = new Map(found.candidates.map((c) => [c.id, c]));
  const out: Excluded[] = [];
  for (const id of ids) {
    const c = byId.get(id);
    if (!c) out.push({ id, name: `Candidate ${id}`, reason: 'NOT_IN_TEXT_ENGAGEMENT' });
    else if (!c.textable) out.push({ id, name: `${c.firstName} ${c.lastName}`.trim(), reason: c.reason ?? 'NO_MOBILE' });
  }
  return out;
}
