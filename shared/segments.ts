/**
 * SMS encoding and segment counting, the way carriers (and Twilio) count them.
 *
 * Hand-written rather than imported so the content script stays small; it is verified against
 * Twilio's own `sms-segments-calculator` in shared/segments.test.ts.
 *
 * GSM-7: 160 septets in one segment, 153 per segment once split (the rest is the concatenation
 * header); characters of the extension table take two septets. Anything outside GSM-7 makes
 * the whole message UCS-2: 70 UTF-16 code units in one segment, 67 once split. A character
 * (grapheme) is never split across two segments.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentInfo {
  encoding: SmsEncoding;
  /** Characters as a person counts them (graphemes). */
  characters: number;
  segments: number;
  /** Units (septets or UTF-16 code units) still free in the last segment. */
  remainingInSegment: number;
  /** Characters that force UCS-2, so the composer can point them out. */
  nonGsmCharacters: string[];
}

const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';

const SINGLE = { 'GSM-7': 160, 'UCS-2': 70 } as const;
const MULTI = { 'GSM-7': 153, 'UCS-2': 67 } as const;

/** The longest body we accept, in characters (Twilio's own limit). */
export const MAX_BODY_CHARACTERS = 1600;
/**
 * The longest body a request may carry, in UTF-16 code units: room for 1,600 characters that
 * each take several units (emoji sequences), and a bound checked before anything reads the body.
 */
export const MAX_BODY_CODE_UNITS = MAX_BODY_CHARACTERS * 4;

let segmenter: Intl.Segmenter | undefined;

/** Printable ASCII, tab and line breaks: every character is a grapheme of its own. */
const PLAIN_ASCII = /^[\t\n\r\x20-\x7e]*$/;
/**
 * Also one grapheme per character: Latin (accented letters included), Greek and Cyrillic letters,
 * none of which combine with a neighbour (combining marks start at U+0300 and are left out).
 * Names like José, Zoë or Дмитрий stay on this path; the segmenter is ~100× slower.
 */
const SIMPLE_TEXT = /^[\t\n\r\x20-\x7e\xa0-\u02ff\u0370-\u0482\u048a-\u052f]*$/;

export function splitGraphemes(text: string): string[] {
  // Most texts are simple, where the segmenter (slow) would split at every character anyway
  // (CR LF, its one joined pair, is split into two below in any case).
  if (SIMPLE_TEXT.test(text)) return text.split('');
  segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  const out: string[] = [];
  for (const { segment } of segmenter.segment(text)) {
    // Carriers see CR and LF as two characters even though Unicode joins them.
    if (segment === '\r\n') out.push('\r', '\n');
    else out.push(segment);
  }
  return out;
}

const SEPTETS = new Map<string, number>([...[...GSM_BASIC].map((c) => [c, 1] as const), ...[...GSM_EXTENSION].map((c) => [c, 2] as const)]);

function gsmSeptets(grapheme: string): number {
  if (grapheme.length !== 1) return 0;
  return SEPTETS.get(grapheme) ?? 0;
}

/** Septets of each ASCII character, 0 for the few outside GSM-7 (the backtick, tab, controls). */
const ASCII_SEPTETS = Uint8Array.from({ length: 128 }, (_, code) => gsmSeptets(String.fromCharCode(code)));

/** The common case without allocating: plain ASCII that GSM-7 covers (null otherwise). */
function countPlainGsm(text: string): SegmentInfo | null {
  if (!PLAIN_ASCII.test(text)) return null;
  let total = 0;
  for (let i = 0; i < text.length; i++) {
    const size = ASCII_SEPTETS[text.charCodeAt(i)]!;
    if (size === 0) return null;
    total += size;
  }
  if (total <= SINGLE['GSM-7']) {
    return { encoding: 'GSM-7', characters: text.length, segments: 1, remainingInSegment: SINGLE['GSM-7'] - total, nonGsmCharacters: [] };
  }
  const capacity = MULTI['GSM-7'];
  let segments = 1;
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const size = ASCII_SEPTETS[text.charCodeAt(i)]!;
    if (used + size > capacity) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return { encoding: 'GSM-7', characters: text.length, segments, remainingInSegment: capacity - used, nonGsmCharacters: [] };
}

export function countSegments(text: string): SegmentInfo {
  const plain = countPlainGsm(text);
  if (plain) return plain;
  const graphemes = splitGraphemes(text);
  const nonGsmCharacters = graphemes.filter((g) => gsmSeptets(g) === 0);
  const encoding: SmsEncoding = nonGsmCharacters.length ? 'UCS-2' : 'GSM-7';
  const sizes = graphemes.map((g) => (encoding === 'GSM-7' ? gsmSeptets(g) : g.length));
  const total = sizes.reduce((a, b) => a + b, 0);

  if (total <= SINGLE[encoding]) {
    return {
      encoding,
      characters: graphemes.length,
      segments: 1,
      remainingInSegment: SINGLE[encoding] - total,
      nonGsmCharacters: unique(nonGsmCharacters),
    };
  }
  const capacity = MULTI[encoding];
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > capacity) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return {
    encoding,
    characters: graphemes.length,
    segments,
    remainingInSegment: capacity - used,
    nonGsmCharacters: unique(nonGsmCharacters),
  };
}

/** Length as the 1,600-character limit counts it. */
export function characterCount(text: string): number {
  if (SIMPLE_TEXT.test(text)) return text.length;
  return splitGraphemes(text).length;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
