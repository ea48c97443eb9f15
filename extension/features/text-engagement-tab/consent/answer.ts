/**
 * The consent question's answer, as both forms ask it: "Add to Text Engagement" (with the
 * candidate's details) and "Record consent" (for a candidate already there without consent).
 * It has no default: the recruiter says whether the candidate agreed, and how.
 */

export const DEFAULT_CONSENT_SOURCE = 'Candidate agreed on the phone';

/** "granted": the candidate agreed (with where); "not-yet": they haven't, so nothing is stated. */
export type ConsentAnswer = 'granted' | 'not-yet';

/** The question's two fields, as errors name them. */
export type ConsentField = 'consent' | 'consentSource';

export const CONSENT_SAID_PLAINLY: Record<ConsentField, string> = {
  consent: 'Say whether the candidate agreed to receive texts.',
  consentSource: 'Say how the candidate agreed, e.g. "Candidate agreed on the phone".',
};

/** What the question can tell before asking the server: an answer, and for a yes, where it came from. */
export function checkConsentAnswer(answer: ConsentAnswer | null, source: string): Partial<Record<ConsentField, string>> {
  if (!answer) return { consent: CONSENT_SAID_PLAINLY.consent };
  if (answer === 'granted' && !source.trim()) return { consentSource: CONSENT_SAID_PLAINLY.consentSource };
  return {};
}
