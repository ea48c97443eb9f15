/**
 * Reading a candidate's answer the way a person would: "Yep!", "nah not really", "2",
 * "about 5 years", "Tuesday after 2pm". Returns null when the answer isn't understood, so the
 * engine can ask again instead of guessing.
 */
import type { Expect } from '../../shared/sequences.js';

export type Understood =
  | { kind: 'yesno'; value: 'yes' | 'no'; display: string }
  | { kind: 'choice'; value: string; display: string }
  | { kind: 'number'; value: number; display: string }
  | { kind: 'text'; value: string; display: string }
  | { kind: 'datetime'; value: string; display: string };

const normalize = (text: string) => text.normalize('NFKC').toLowerCase().replace(/[’‘]/g, "'").replace(/\s+/g, ' ').trim();

const words = (text: string) =>
  normalize(text)
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .split(' ')
    .filter(Boolean);

const YES = new Set([
  'yes',
  'y',
  'yeah',
  'yea',
  'yep',
  'yup',
  'ya',
  'yah',
  'ye',
  'sure',
  'ok',
  'okay',
  'k',
  'absolutely',
  'definitely',
  'certainly',
  'correct',
  'affirmative',
  'si',
  'sí',
  'oui',
  'interested',
  'yess',
  'yesss',
  'yas',
  'totally',
  'indeed',
]);
/** "I am", "I do": a yes on their own, not inside a longer sentence ("...happy where I am now"). */
const SHORT_YES_PHRASES = ['i am', 'i do', 'i would', 'i will'];
const YES_PHRASES = [
  'of course',
  "i'm interested",
  'im interested',
  'still interested',
  'sounds good',
  'for sure',
  'why not',
  'i think so',
  "i'd like",
  "i'd love",
  'please do',
  'go ahead',
  'that works',
  'works for me',
  'no problem',
  'no worries',
];
const NO = new Set(['no', 'n', 'nope', 'nah', 'naw', 'negative', 'non', 'nay', 'pass']);
const NO_PHRASES = [
  'not interested',
  'no thanks',
  'no thank you',
  'not now',
  'not really',
  'not anymore',
  'no longer',
  'i am not',
  "i'm not",
  'im not',
  'found a job',
  'found another',
  'moved on',
  'already hired',
  'not at this time',
  "don't think so",
  'dont think so',
];
/** Answers that are neither: asked again rather than guessed. */
const UNSURE_PHRASES = [
  'not sure',
  'unsure',
  'maybe',
  'perhaps',
  "don't know",
  'dont know',
  'idk',
  'no idea',
  'not certain',
  'depends',
  'who is this',
  "what's this",
  'what is this',
];
const YES_EMOJI = /^(👍|👌|✅|🙌|💯|😀|😃|🙂|😊)+$/u;
const NO_EMOJI = /^(👎|❌|🙅|🚫)+$/u;

/** Marks the words of every occurrence of these phrases (whole words: "i do" is not in "i don't"). */
function markPhrases(w: string[], phrases: string[], used: boolean[], overlapping: boolean): boolean {
  let found = false;
  for (const phrase of phrases) {
    const pw = phrase.split(' ');
    for (let i = 0; i + pw.length <= w.length; i++) {
      if (!pw.every((x, j) => w[i + j] === x)) continue;
      if (!overlapping && pw.some((_, j) => used[i + j])) continue;
      pw.forEach((_, j) => (used[i + j] = true));
      found = true;
    }
  }
  return found;
}

export function understandYesNo(text: string): 'yes' | 'no' | null {
  const n = normalize(text);
  const compact = n.replace(/\s+/g, '');
  if (YES_EMOJI.test(compact)) return 'yes';
  if (NO_EMOJI.test(compact)) return 'no';
  const w = words(text);
  if (!w.length) return null;
  const used = w.map(() => false);
  // Phrases first, and their words are spent: "not interested" holds the word "interested".
  const later = markPhrases(w, ['maybe later'], used, true);
  if (markPhrases(w, UNSURE_PHRASES, used, false)) return null;
  let no = markPhrases(w, NO_PHRASES, used, true) || later;
  let yes = markPhrases(w, YES_PHRASES, used, false);
  if (w.length <= 6) yes = markPhrases(w, SHORT_YES_PHRASES, used, false) || yes;
  // A long answer counts by its first word ("No, I've moved to Denver and..."); a short one by
  // any clear word in it ("I think yes").
  const considered = w.map((x, i) => (used[i] || (w.length > 6 && i > 0) ? null : x)).filter((x): x is string => x !== null);
  if (considered.some((x) => NO.has(x))) no = true;
  if (considered.some((x) => YES.has(x))) yes = true;
  // Both ("yes and no", "yes but not now") or neither: not understood, so Ari asks again.
  if (yes === no) return null;
  return yes ? 'yes' : 'no';
}

const ORDINALS: Record<string, number> = {
  first: 1,
  one: 1,
  second: 2,
  two: 2,
  third: 3,
  three: 3,
  fourth: 4,
  four: 4,
  fifth: 5,
  five: 5,
  sixth: 6,
  six: 6,
  seventh: 7,
  seven: 7,
  eighth: 8,
  eight: 8,
  ninth: 9,
  nine: 9,
};

export function understandChoice(text: string, options: { value: string; label: string; synonyms: string[] }[]): string | null {
  const n = normalize(text);
  const w = words(text);
  // "2", "2.", "option 2", "#2", "2nd", "the 1st", "the second one"
  const digit = /^(?:the\s+)?(?:option\s*|#|number\s*)?(\d)(?:st|nd|rd|th)?\b/.exec(n.replace(/^[^\p{L}\p{N}#]+/u, ''));
  const index = digit ? Number(digit[1]) : w.length <= 3 ? w.map((x) => ORDINALS[x]).find((v) => v !== undefined) : undefined;
  const matches = options.filter((o) =>
    [o.value, o.label, ...o.synonyms].some((term) => {
      const t = normalize(term);
      return t && new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(t)}([^\\p{L}\\p{N}]|$)`, 'u').test(n);
    }),
  );
  if (index !== undefined && index >= 1 && index <= options.length) {
    const byIndex = options[index - 1]!.value;
    // "2 nights" when 2 is Evenings: two answers in one, so neither.
    return matches.every((m) => m.value === byIndex) ? byIndex : null;
  }
  return matches.length === 1 ? matches[0]!.value : null;
}

const NUMBER_WORDS: Record<string, number> = {
  zero: 0,
  none: 0,
  no: 0,
  one: 1,
  a: 1,
  an: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  couple: 2,
  few: 3,
  several: 4,
};

export function understandNumber(text: string): number | null {
  const n = normalize(text);
  const num = (s: string) => Number(s.replace(',', '.'));
  const oneDecimal = (x: number) => Math.round(x * 10) / 10;
  // "3 years", "2 yrs 6 months", "18 months": in years.
  const years = /(\d+(?:[.,]\d+)?)\s*(?:years?|yrs?)\b(?:\s*(?:and\s*)?(\d+)\s*(?:months?|mos?)\b)?/.exec(n);
  if (years) return oneDecimal(num(years[1]!) + (years[2] ? Number(years[2]) / 12 : 0));
  const months = /(\d+)\s*(?:months?|mos?)\b/.exec(n);
  if (months) return oneDecimal(Number(months[1]) / 12);
  if (/\b(half a year|six months)\b/.test(n)) return 0.5;
  if (/\b(less than (a|one) year|under (a|one) year|a few months|months)\b/.test(n)) return 0;
  const digits = /(-?\d+(?:[.,]\d+)?)/.exec(n);
  if (digits) return num(digits[1]!);
  const half = /\band a half\b/.test(n) ? 0.5 : 0;
  const w = words(text);
  for (let i = 0; i < w.length; i++) {
    const value = NUMBER_WORDS[w[i]!];
    if (value === undefined) continue;
    // "a"/"an"/"no" count only when followed by a unit ("a year", "no experience").
    if (['a', 'an', 'no'].includes(w[i]!) && !/^(year|yr|experience)/.test(w[i + 1] ?? '')) continue;
    const next = NUMBER_WORDS[w[i + 1] ?? ''];
    return (value >= 20 && next !== undefined && next < 10 ? value + next : value) + half;
  }
  return null;
}

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const DAY_ALIASES: Record<string, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  tues: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  thur: 'Thursday',
  thurs: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

/** Days and times in free text, normalised ("Tuesday, after 2 PM"); null if there are none. */
export function understandDateTime(text: string): string | null {
  const n = normalize(text);
  const parts: string[] = [];
  for (const d of DAYS) if (new RegExp(`\\b${d}s?\\b`).test(n)) parts.push(d[0]!.toUpperCase() + d.slice(1));
  for (const [alias, day] of Object.entries(DAY_ALIASES)) if (new RegExp(`\\b${alias}\\b\\.?`).test(n) && !parts.includes(day)) parts.push(day);
  for (const [re, label] of [
    [/\bweekdays?\b/, 'Weekdays'],
    [/\bweekends?\b/, 'Weekends'],
    [/\btoday\b/, 'Today'],
    [/\btomorrow\b/, 'Tomorrow'],
    [/\b(any ?time|anytime|whenever|flexible)\b/, 'Any time'],
    [/\bnext week\b/, 'Next week'],
  ] as const) {
    if (re.test(n)) parts.push(label);
  }
  const times: string[] = [];
  for (const m of n.matchAll(/\b(after|before|around|at|from|by)?\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)/g)) {
    const hour = Number(m[2]);
    if (hour < 1 || hour > 12) continue;
    const time = `${hour}${m[3] ? ':' + m[3] : ''} ${m[4]!.startsWith('a') ? 'AM' : 'PM'}`;
    times.push(m[1] ? `${m[1]} ${time}` : time);
  }
  for (const m of n.matchAll(/\b([01]?\d|2[0-3]):([0-5]\d)\b/g)) if (!times.some((t) => t.includes(`${Number(m[1])}:${m[2]}`))) times.push(`${m[1]}:${m[2]}`);
  for (const [re, label] of [
    [/\bmornings?\b/, 'mornings'],
    [/\bafternoons?\b/, 'afternoons'],
    [/\bevenings?\b/, 'evenings'],
    [/\bnoon\b|\blunch ?time\b/, 'around noon'],
  ] as const) {
    if (re.test(n)) times.push(label);
  }
  if (!parts.length && !times.length) return null;
  return [...parts, ...times].join(', ');
}

export function understand(expect: Expect, text: string): Understood | null {
  const trimmed = text.trim();
  if (!trimmed) return null;
  switch (expect.type) {
    case 'yesno': {
      const v = understandYesNo(trimmed);
      return v ? { kind: 'yesno', value: v, display: v === 'yes' ? 'Yes' : 'No' } : null;
    }
    case 'choice': {
      const v = understandChoice(trimmed, expect.options);
      const option = expect.options.find((o) => o.value === v);
      return option ? { kind: 'choice', value: option.value, display: option.label } : null;
    }
    case 'number': {
      const v = understandNumber(trimmed);
      if (v == null) return null;
      if ((expect.min !== undefined && v < expect.min) || (expect.max !== undefined && v > expect.max)) return null;
      return { kind: 'number', value: v, display: String(v) };
    }
    case 'datetime': {
      const v = understandDateTime(trimmed);
      return v ? { kind: 'datetime', value: v, display: v } : null;
    }
    case 'text':
    case 'booking':
      return { kind: 'text', value: trimmed, display: trimmed.slice(0, 300) };
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
