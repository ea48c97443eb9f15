/**
 * "Consent: granted by Jordan Avery — Candidate agreed on the phone, Dec 1": one quiet line
 * saying what the candidate's consent rests on, beside the composer (or the notice saying why
 * they can't be texted), so the recruiter texting them can tell.
 */
import { formatDate, formatFull } from '../format';
import type { ConsentOrigin as Origin } from './store';

export function ConsentOrigin({ origin }: { origin: Origin }) {
  // Who stated it, when the history says so: a recruiter's or a key's name; "the candidate" for their STOP or START.
  const by = origin.setBy ? (origin.setBy.type === 'candidate' ? 'the candidate' : origin.setBy.name) : null;
  return (
    <p class="te-conv-consent" data-testid="te-consent-origin" data-status={origin.status} title={`Stated ${formatFull(origin.at)}`}>
      Consent: {origin.status}
      {by && ` by ${by}`} — {origin.source}, {formatDate(origin.at)}
    </p>
  );
}
