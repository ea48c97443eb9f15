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

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';

const SINGLE = { 'GSM-7': 160, 'UCS-2': 70 } as const;
const MULTI = { 'GSM-7': 153, 'UCS-2': 67 } as const;

/** The longest body we accept, in characters (Twilio's own limit). */
export const MAX_BODY_CHARACTERS = 1600;

let segmenter: Intl.Segmenter | undefined;

export function splitGraphemes(text: string): string[] {
  segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  const out: string[] = [];
  for (const { segment } of segmenter.segment(text)) {
    // Carriers see CR and LF as two characters even though Unicode joins them.
    if (segment === '\r\n') out.push('\r', '\n');
    else out.push(segment);
  }
  return out;
}

function gsmSeptets(grapheme: string): number {
  if (grapheme.length !== 1) return 0;
  if (GSM_BASIC.includes(grapheme)) return 1;
  if (GSM_EXTENSION.includes(grapheme)) return 2;
  return 0;
}

export function countSegments(text: string): SegmentInfo {
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
  return splitGraphemes(text).length;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
