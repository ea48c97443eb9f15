/**
 * shared/segments.ts is hand-written (to keep the content script small); Twilio's own
 * `sms-segments-calculator` is the reference it is checked against here.
 *
 * For every text we compare:
 *   encoding            ↔ reference `encodingName`
 *   segments            ↔ reference `segmentsCount`
 *   characters          ↔ number of reference graphemes
 *   remainingInSegment  ↔ free bits of the reference's last segment / bits per unit (7 or 16)
 *   nonGsmCharacters    ↔ reference `getNonGsmCharacters()`, de-duplicated, first-seen order
 */
import { describe, expect, it } from 'vitest';
import { SegmentedMessage } from 'sms-segments-calculator';
import { seededRandom } from '../fixtures/demo/random.js';
import { MAX_BODY_CHARACTERS, characterCount, countSegments, splitGraphemes, type SegmentInfo, type SmsEncoding } from './segments';

interface Comparable {
  encoding: SmsEncoding;
  segments: number;
  characters: number;
  remainingInSegment: number;
  nonGsmCharacters: string[];
}

function reference(text: string): Comparable & { graphemes: string[] } {
  const ref = new SegmentedMessage(text);
  const last = ref.segments[ref.segments.length - 1]!;
  const bitsPerUnit = ref.encodingName === 'GSM-7' ? 7 : 16;
  return {
    encoding: ref.encodingName,
    segments: ref.segmentsCount,
    characters: ref.graphemes.length,
    remainingInSegment: Math.floor(last.freeSizeInBits() / bitsPerUnit),
    nonGsmCharacters: [...new Set(ref.getNonGsmCharacters())],
    graphemes: ref.graphemes,
  };
}

function ours(text: string): Comparable {
  const info: SegmentInfo = countSegments(text);
  return {
    encoding: info.encoding,
    segments: info.segments,
    characters: info.characters,
    remainingInSegment: info.remainingInSegment,
    nonGsmCharacters: info.nonGsmCharacters,
  };
}

function expectSameAsReference(text: string): SegmentInfo {
  const { graphemes, ...ref } = reference(text);
  // Precondition: both sides agree on what a character is (see the corpus comment below).
  expect(splitGraphemes(text)).toEqual(graphemes);
  expect(ours(text)).toEqual(ref);
  return countSegments(text);
}

const a = (n: number) => 'a'.repeat(n);

/** Letters of a text, each once, in order (the non-GSM characters of a text in another script). */
const distinctLetters = (text: string) => [...new Set(text.replace(/[\s,.?!]/g, ''))];

const GSM_EXTENSION = ['€', '[', ']', '{', '}', '^', '~', '|', '\\', '\f'];

describe('countSegments: length boundaries (GSM-7 160/153, UCS-2 70/67)', () => {
  const cases: Array<[name: string, text: string, encoding: SmsEncoding, segments: number, remaining: number]> = [
    ['empty', '', 'GSM-7', 1, 160],
    ['1 GSM', 'a', 'GSM-7', 1, 159],
    ['159 GSM', a(159), 'GSM-7', 1, 1],
    ['160 GSM', a(160), 'GSM-7', 1, 0],
    ['161 GSM', a(161), 'GSM-7', 2, 153 * 2 - 161],
    ['153*2 GSM', a(306), 'GSM-7', 2, 0],
    ['153*2+1 GSM', a(307), 'GSM-7', 3, 152],
    ['153*3 GSM', a(459), 'GSM-7', 3, 0],
    ['153*3+1 GSM', a(460), 'GSM-7', 4, 152],
    ['1600 GSM', a(1600), 'GSM-7', 11, 153 * 11 - 1600],
    ['1 UCS-2', 'á', 'UCS-2', 1, 69],
    ['70 UCS-2 (one á)', 'á' + a(69), 'UCS-2', 1, 0],
    ['71 UCS-2 (one á)', 'á' + a(70), 'UCS-2', 2, 67 * 2 - 71],
    ['70 UCS-2 (á at the end)', a(69) + 'á', 'UCS-2', 1, 0],
    ['71 UCS-2 (á at the end)', a(70) + 'á', 'UCS-2', 2, 63],
    ['67*2 UCS-2', 'á' + a(133), 'UCS-2', 2, 0],
    ['67*2+1 UCS-2', 'á' + a(134), 'UCS-2', 3, 66],
    ['70 CJK', '中'.repeat(70), 'UCS-2', 1, 0],
    ['71 CJK', '中'.repeat(71), 'UCS-2', 2, 63],
    ['67*2 Cyrillic', 'ж'.repeat(134), 'UCS-2', 2, 0],
    ['67*2+1 Cyrillic', 'ж'.repeat(135), 'UCS-2', 3, 66],
  ];
  it.each(cases)('%s', (_name, text, encoding, segments, remaining) => {
    const info = expectSameAsReference(text);
    expect(info.encoding).toBe(encoding);
    expect(info.segments).toBe(segments);
    expect(info.remainingInSegment).toBe(remaining);
  });
});

describe('countSegments: GSM-7 extension characters (two septets, escape pair never split)', () => {
  it.each(GSM_EXTENSION.map((c) => [JSON.stringify(c), c]))('%s', (_name, c) => {
    // 158 + 2 = 160 septets: still one segment.
    expect(expectSameAsReference(a(158) + c)).toMatchObject({ encoding: 'GSM-7', segments: 1, remainingInSegment: 0 });
    // 159 + 2 = 161 septets: two.
    expect(expectSameAsReference(a(159) + c)).toMatchObject({ encoding: 'GSM-7', segments: 2 });
    // 80 of them fill one segment exactly; 81 do not.
    expect(expectSameAsReference(c.repeat(80))).toMatchObject({ segments: 1, remainingInSegment: 0, characters: 80 });
    expect(expectSameAsReference(c.repeat(81))).toMatchObject({ segments: 2, characters: 81 });
    // The escape pair starts at septet 153 of a 153-septet segment: it moves whole to segment 2,
    // so 306 septets need three segments, not two.
    expect(expectSameAsReference(a(152) + c + a(152))).toMatchObject({ segments: 3, remainingInSegment: 152 });
    // One earlier it fits exactly: 151 + 2 = 153, then 153.
    expect(expectSameAsReference(a(151) + c + a(153))).toMatchObject({ segments: 2, remainingInSegment: 0 });
    // Only extension characters: 76 pairs (152 septets) per segment, 1 septet wasted each time.
    expect(expectSameAsReference(c.repeat(153))).toMatchObject({ segments: 3, remainingInSegment: 151 });
    expect(expectSameAsReference(c.repeat(152))).toMatchObject({ segments: 2, remainingInSegment: 1 });
    // Extension characters are GSM: they do not switch to UCS-2 and are never listed as non-GSM.
    expect(countSegments(c).nonGsmCharacters).toEqual([]);
  });

  it('counts an extension character as one character but two septets', () => {
    const info = expectSameAsReference('Price: 5€ {approx}');
    expect(info.characters).toBe(18);
    expect(info.remainingInSegment).toBe(160 - 18 - 3);
  });

  it('counts extension characters as one UTF-16 unit once the message is UCS-2', () => {
    // 69 € would be 138 septets in GSM-7; with one non-GSM character they are 69 units.
    expect(expectSameAsReference('€'.repeat(69) + 'á')).toMatchObject({ encoding: 'UCS-2', segments: 1, remainingInSegment: 0 });
    expect(expectSameAsReference('€'.repeat(70) + 'á')).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });
});

describe('countSegments: emoji at UCS-2 boundaries (a grapheme is never split)', () => {
  const emoji: Array<[name: string, e: string]> = [
    ['single 😀', '😀'],
    ['BMP ✅', '✅'],
    ['with VS16 ❤️', '❤️'],
    ['skin tone 👍🏽', '👍🏽'],
    ['skin tone 🙏🏿', '🙏🏿'],
    ['ZWJ family 👨‍👩‍👧‍👦', '👨‍👩‍👧‍👦'],
    ['ZWJ 👩‍💻', '👩‍💻'],
    ['ZWJ rainbow flag 🏳️‍🌈', '🏳️‍🌈'],
    ['flag 🇺🇸', '🇺🇸'],
    ['flag 🇯🇵', '🇯🇵'],
  ];
  it.each(emoji)('%s', (_name, e) => {
    const n = e.length; // UTF-16 units
    expect(expectSameAsReference(e)).toMatchObject({ encoding: 'UCS-2', segments: 1, characters: 1, nonGsmCharacters: [e] });
    expect(expectSameAsReference(a(70 - n) + e)).toMatchObject({ segments: 1, remainingInSegment: 0 });
    expect(expectSameAsReference(a(71 - n) + e)).toMatchObject({ segments: 2 });
    // Fills segment 1 exactly, then 67 more.
    expect(expectSameAsReference(a(67 - n) + e + a(67))).toMatchObject({ segments: 2, remainingInSegment: 0 });
    if (n > 1) {
      // Straddles the 67-unit boundary: moves whole, so 134 units need three segments.
      expect(expectSameAsReference(a(66) + e + a(134 - 66 - n))).toMatchObject({ segments: 3 });
      expect(expectSameAsReference(a(68 - n) + e + a(66))).toMatchObject({ segments: 3 });
    }
  });

  it('emoji repeated across many segments', () => {
    for (const [, e] of emoji) {
      for (const count of [17, 33, 34, 35, 60, 67, 68, 100]) expectSameAsReference(e.repeat(count));
    }
  });

  it('a flag sequence pairs regional indicators from the start', () => {
    expect(expectSameAsReference('🇺🇸🇫🇷🇩')).toMatchObject({ characters: 3 });
  });

  it('keeps newer ZWJ sequences whole even where the reference splits them', () => {
    // The reference (grapheme-splitter 1.0.4, Unicode 10 rules) splits ❤️‍🔥 after the ZWJ into
    // "❤️‍" (3 units) and "🔥" (2 units); Intl.Segmenter (current Unicode) keeps it one
    // character of 5 units, which is what a phone shows. Here that changes the count:
    const text = a(64) + '❤️‍🔥' + a(63);
    const ref = new SegmentedMessage(text);
    expect(ref.graphemes).toHaveLength(129);
    expect(ref.segmentsCount).toBe(2); // "❤️‍" ends segment 1, "🔥" starts segment 2
    const info = countSegments(text);
    expect(info.characters).toBe(128);
    expect(info.encoding).toBe('UCS-2');
    expect(info.segments).toBe(3); // 64 | 5 + 62 | 1
    expect(info.remainingInSegment).toBe(66);
    for (const e of ['🏴‍☠️', '🧑🏻‍🤝‍🧑🏿', '🐦‍🔥', '🙂‍↔️']) expect(characterCount(e)).toBe(1);
  });
});

describe('countSegments: scripts and accented Latin', () => {
  const cases: Array<[name: string, text: string, encoding: SmsEncoding, nonGsm: string[]]> = [
    ['plain English', 'Hi Ann, are you free for a call tomorrow at 10:30? Thanks!', 'GSM-7', []],
    ['é is GSM-7', 'Café résumé', 'GSM-7', []],
    ['á is not', 'Olá, tudo bem?', 'UCS-2', ['á']],
    ['Ç is GSM-7 but ç is not', 'Ça va? Français', 'UCS-2', ['ç']],
    ['GSM-7 accents', 'àèéìòùÄÖÑÜäöñüÅåÆæØøßÉ', 'GSM-7', []],
    ['non-GSM accents', 'áíóúâêîôûãõ', 'UCS-2', [...'áíóúâêîôûãõ']],
    ['Polish', 'Zażółć gęślą jaźń', 'UCS-2', ['ż', 'ó', 'ł', 'ć', 'ę', 'ś', 'ą', 'ź', 'ń']], // ñ is GSM-7, ń is not
    ['decomposed é (e + U+0301) is not GSM-7', 'Cafe\u0301', 'UCS-2', ['e\u0301']],
    ['Greek capitals in GSM-7', 'ΔΦΓΛΩΠΨΣΘΞ', 'GSM-7', []],
    ['Greek lower case', 'Ωω', 'UCS-2', ['ω']],
    ['CJK', '你好，明天面试见。', 'UCS-2', [...'你好，明天面试见。']],
    ['Japanese', 'こんにちは、面接の件です', 'UCS-2', [...'こんにちは、面接の件です']],
    ['Korean', '안녕하세요', 'UCS-2', [...'안녕하세요']],
    ['CJK outside the BMP', '𠀋𡈽', 'UCS-2', ['𠀋', '𡈽']],
    ['Cyrillic', 'Привет, как дела?', 'UCS-2', distinctLetters('Привет, как дела?')],
    ['Arabic', 'مرحبا بك في المقابلة', 'UCS-2', distinctLetters('مرحبا بك في المقابلة')],
    ['Hebrew', 'שלום', 'UCS-2', [...'שלום']],
    ['smart quotes are not GSM-7', '“Hello” it’s me', 'UCS-2', ['“', '”', '’']],
    ['tab is not GSM-7', 'a\tb', 'UCS-2', ['\t']],
    ['GSM punctuation and symbols', '@£$¥¤§¿¡_!"#%&\'()*+,-./:;<=>?', 'GSM-7', []],
  ];
  it.each(cases)('%s', (_name, text, encoding, nonGsm) => {
    const info = expectSameAsReference(text);
    expect(info.encoding).toBe(encoding);
    expect(info.nonGsmCharacters).toEqual(nonGsm);
  });

  it('long texts in each script', () => {
    for (const word of ['Привет ', '你好', 'مرحبا ', 'Olá ', 'Café ', 'e\u0301', '한국어 ']) {
      for (const n of [10, 11, 13, 14, 20, 23, 27, 30, 45, 67, 70, 100, 160, 300]) expectSameAsReference(word.repeat(n));
    }
  });
});

describe('countSegments: CR, LF and CRLF', () => {
  const cases: Array<[name: string, text: string, encoding: SmsEncoding, characters: number, segments: number]> = [
    ['LF', 'a\nb', 'GSM-7', 3, 1],
    ['CR', 'a\rb', 'GSM-7', 3, 1],
    ['CRLF counts as two', 'a\r\nb', 'GSM-7', 4, 1],
    ['LF CR', 'a\n\rb', 'GSM-7', 4, 1],
    ['only CRLF', '\r\n', 'GSM-7', 2, 1],
    ['CRLF filling 160', a(158) + '\r\n', 'GSM-7', 160, 1],
    ['CRLF crossing 160', a(159) + '\r\n', 'GSM-7', 161, 2],
    ['CRLF across the 153 boundary', a(152) + '\r\n' + a(152), 'GSM-7', 306, 2],
    ['CRLF across the 153 boundary (+1)', a(152) + '\r\n' + a(153), 'GSM-7', 307, 3],
    ['CRLF in UCS-2 filling 70', 'á' + a(67) + '\r\n', 'UCS-2', 70, 1],
    ['CRLF in UCS-2 crossing 70', 'á' + a(68) + '\r\n', 'UCS-2', 71, 2],
    ['CRLF across the 67 boundary', 'á' + a(65) + '\r\n' + a(66), 'UCS-2', 134, 2],
    ['many CRLF', 'line\r\n'.repeat(40), 'GSM-7', 240, 2],
    ['many LF in UCS-2', 'строка\n'.repeat(20), 'UCS-2', 140, 3],
  ];
  it.each(cases)('%s', (_name, text, encoding, characters, segments) => {
    expect(expectSameAsReference(text)).toMatchObject({ encoding, characters, segments });
  });
});

describe('countSegments: remainingInSegment and nonGsmCharacters', () => {
  it('remainingInSegment is what is free in the last segment', () => {
    expect(countSegments('hello').remainingInSegment).toBe(155);
    expect(countSegments('hello €').remainingInSegment).toBe(160 - 8);
    expect(countSegments(a(161)).remainingInSegment).toBe(145);
    expect(countSegments(a(152) + '€').remainingInSegment).toBe(6); // 154 septets: one segment
    expect(countSegments(a(152) + '€' + a(10)).remainingInSegment).toBe(141); // € moved to segment 2
    expect(countSegments('Привет').remainingInSegment).toBe(64);
    expect(countSegments('😀').remainingInSegment).toBe(68);
    expect(countSegments('á' + a(70)).remainingInSegment).toBe(63);
  });

  it('nonGsmCharacters lists each offending character once, in order of appearance', () => {
    expect(countSegments('ça ç à á ça 😀 😀').nonGsmCharacters).toEqual(['ç', 'á', '😀']);
    expect(countSegments('Hello world').nonGsmCharacters).toEqual([]);
    expect(countSegments('👨‍👩‍👧‍👦 and 🇺🇸').nonGsmCharacters).toEqual(['👨‍👩‍👧‍👦', '🇺🇸']);
  });
});

describe('characterCount', () => {
  it('counts characters as a person does', () => {
    expect(characterCount('')).toBe(0);
    expect(characterCount('hello')).toBe(5);
    expect(characterCount('€{}')).toBe(3);
    expect(characterCount('😀')).toBe(1);
    expect(characterCount('👍🏽')).toBe(1);
    expect(characterCount('👨‍👩‍👧‍👦')).toBe(1);
    expect(characterCount('🇺🇸🇫🇷')).toBe(2);
    expect(characterCount('e\u0301')).toBe(1);
    expect(characterCount('𠀋')).toBe(1);
    expect(characterCount('a\r\nb')).toBe(4); // CRLF is two characters to a carrier
    expect(characterCount('a\nb')).toBe(3);
  });

  it('agrees with countSegments().characters', () => {
    for (const text of ['', 'Hello', '😀👍🏽', 'a\r\n', 'Привет', a(1600)]) {
      expect(characterCount(text)).toBe(countSegments(text).characters);
    }
  });

  it('the limit is 1,600 characters', () => {
    expect(MAX_BODY_CHARACTERS).toBe(1600);
    expect(characterCount(a(MAX_BODY_CHARACTERS))).toBe(1600);
    expect(characterCount('😀'.repeat(MAX_BODY_CHARACTERS))).toBe(1600);
  });
});

/*
 * Seeded pseudo-random corpus.
 *
 * The reference splits graphemes with grapheme-splitter 1.0.4 (Unicode 10 rules, 2017); ours
 * uses Intl.Segmenter (Node 20's ICU, current Unicode). Where the two disagree on what a
 * character is, a character can land in a different segment, so those texts are excluded
 * from the exact comparison (their encoding is still compared, since it does not depend on the
 * split). With this seed and these alphabets the only disagreements come from Devanagari:
 *   - conjuncts, a consonant + virama (U+094D) + consonant such as स्त, न्द, त्त
 *     (one grapheme since Unicode 15.1, rule GB9c; grapheme-splitter splits after the virama);
 *   - a flag followed by two Devanagari vowel signs, e.g. 🇧🇷 + ि + ी (grapheme-splitter's
 *     regional-indicator look-back ends the grapheme after the first sign).
 * The test asserts that every excluded text contains Devanagari, so nothing else is skipped.
 * Other known disagreements (not drawn here, covered above): ZWJ sequences with emoji newer
 * than Unicode 10 (❤️‍🔥, 🏴‍☠️, 🧑🏻‍🤝‍🧑🏿, 🐦‍🔥, 🙂‍↔️) and a skin tone after a non-emoji (x🏻).
 */
describe('countSegments: seeded random corpus against the reference', () => {
  const POOLS: Record<string, string[]> = {
    gsm: [...'@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'],
    extension: GSM_EXTENSION,
    newline: ['\n', '\r', '\r\n'],
    latin: [...'áíóúâêîôûãõçÀÈÌÒÙÁÍÓÚłśźżąęőűşğıčřžšđ'],
    cyrillic: [...'АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюяёЁ'],
    greek: [...'αβγδεζηθικλμνξοπρστυφχψω'],
    cjk: [...'你好世界中文字符測試日本語ひらがなカタカナ한국어漢字𠀋𡈽𪚲'],
    arabic: [...'مرحبابالعالمالعربية'],
    hebrew: [...'שלוםעולם'],
    emoji: ['😀', '🎉', '🚀', '✅', '❤️', '👍', '🙏', '😂', '🔥', '💯', '🫠', '☎️', '✈️'],
    skinTone: ['👍🏻', '👋🏽', '🙏🏿', '👩🏾', '🧑🏼', '💪🏽'],
    zwj: ['👨‍👩‍👧‍👦', '👩‍💻', '👨‍🍳', '🏳️‍🌈', '👩‍👩‍👦', '🧑‍🚀', '👁️‍🗨️'],
    flags: ['🇺🇸', '🇬🇧', '🇫🇷', '🇯🇵', '🇧🇷', '🇮🇳', '🇩🇪'],
    combining: ['e\u0301', 'a\u0308', 'n\u0303', 'o\u0302\u0323'],
    devanagari: [...'नमस्तेहिन्दी'],
  };
  const POOL_NAMES = Object.keys(POOLS);
  // Lengths (in code points) near every boundary, ±4.
  const TARGETS = [1, 10, 60, 67, 70, 134, 150, 153, 160, 201, 306, 320, 459, 600];

  function corpus(seed: number, size: number): string[] {
    const random = seededRandom(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const texts: string[] = [];
    for (let i = 0; i < size; i++) {
      // 40%: GSM-7 only (extension characters and line breaks included); else GSM mixed with two alphabets.
      const alphabets = random() < 0.4 ? ['gsm', 'gsm', 'gsm', 'extension', 'newline'] : ['gsm', 'gsm', pick(POOL_NAMES), pick(POOL_NAMES)];
      const target = pick(TARGETS) + Math.floor(random() * 9) - 4;
      let text = '';
      let codePoints = 0;
      while (codePoints < target) {
        const piece = pick(POOLS[pick(alphabets)]!);
        text += piece;
        codePoints += [...piece].length;
      }
      texts.push(text);
    }
    return texts;
  }

  const SIZE = 4000;
  const texts = corpus(20240611, SIZE);

  it('is deterministic', () => {
    expect(corpus(20240611, 50)).toEqual(texts.slice(0, 50));
  });

  // The reference is slow (about 6 ms for a 600-character text), so the corpus runs in chunks.
  const CHUNK = 1000;
  const chunks = Array.from({ length: SIZE / CHUNK }, (_, i) => [i * CHUNK, (i + 1) * CHUNK] as const);
  it.each(chunks)('matches the reference on corpus strings %i to %i', { timeout: 120_000 }, (from, to) => {
    const mismatches: Array<{ text: string; ours: Comparable; reference: Comparable }> = [];
    const excluded: string[] = [];
    const seen = { 'GSM-7': 0, 'UCS-2': 0, multiSegment: 0 };
    for (const text of texts.slice(from, to)) {
      const { graphemes, ...ref } = reference(text);
      const mine = ours(text);
      if (splitGraphemes(text).join('\u0000') !== graphemes.join('\u0000')) {
        excluded.push(text);
        if (mine.encoding !== ref.encoding) mismatches.push({ text, ours: mine, reference: ref });
        continue;
      }
      seen[mine.encoding]++;
      if (mine.segments > 1) seen.multiSegment++;
      if (JSON.stringify(mine) !== JSON.stringify(ref)) mismatches.push({ text, ours: mine, reference: ref });
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    // Exclusions are only the documented Devanagari cases, and few.
    expect(excluded.filter((text) => !/[\u0900-\u097f]/.test(text))).toEqual([]);
    expect(excluded.length).toBeLessThan(CHUNK * 0.05);
    // The corpus really exercises both encodings and multi-segment messages.
    expect(seen['GSM-7']).toBeGreaterThan(CHUNK * 0.3);
    expect(seen['UCS-2']).toBeGreaterThan(CHUNK * 0.3);
    expect(seen.multiSegment).toBeGreaterThan(CHUNK * 0.5);
  });
});
