/**
 * Carrier keywords in a candidate's reply. Only a reply that is exactly the keyword counts:
 * case, surrounding spaces and punctuation are ignored, so "Stop." opts out but
 * "Please stop calling me at work" does not.
 */

export type KeywordAction = 'opt-out' | 'opt-in' | 'help';

const OPT_OUT = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'];
const OPT_IN = ['START', 'UNSTOP', 'YES'];
const HELP = ['HELP', 'INFO'];

export function normalizeKeyword(body: string): string {
  // Strip everything that is not a letter or digit from both ends (spaces, punctuation, emoji).
  return body
    .normalize('NFKC')
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')
    .toUpperCase();
}

export function classifyKeyword(body: string): KeywordAction | null {
  const word = normalizeKeyword(body);
  if (OPT_OUT.includes(word)) return 'opt-out';
  if (OPT_IN.includes(word)) return 'opt-in';
  if (HELP.includes(word)) return 'help';
  return null;
}
