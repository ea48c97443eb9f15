/**
 * The keyword rule shared/keywords.ts keeps: a reply that is exactly one of STOP, STOPALL,
 * UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT (any case, surrounding spaces/punctuation
 * ignored) opts the candidate out; START, UNSTOP, YES opt back in; HELP, INFO get a help text.
 * "Please stop calling me at work" is not an opt-out.
 */
import { describe, expect, it } from 'vitest';
import { classifyKeyword, normalizeKeyword, type KeywordAction } from './keywords';

const OPT_OUT = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'];
const OPT_IN = ['START', 'UNSTOP', 'YES'];
const HELP = ['HELP', 'INFO'];

/** Every spelling of a keyword a candidate might send: cases, and spaces/punctuation around it. */
function variants(keyword: string): string[] {
  const lower = keyword.toLowerCase();
  const title = keyword[0] + lower.slice(1);
  const spongebob = [...lower].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
  const cases = [keyword, lower, title, spongebob];
  const wrappers: Array<(w: string) => string> = [
    (w) => w,
    (w) => ` ${w} `,
    (w) => `  ${w}.  `,
    (w) => `${w}!!`,
    (w) => `${w}!!!`,
    (w) => `¡${w}!`,
    (w) => `¿${w}?`,
    (w) => `"${w}"`,
    (w) => `'${w}'`,
    (w) => `(${w})`,
    (w) => `...${w}...`,
    (w) => `${w},`,
    (w) => `\t${w}\n`,
    (w) => `${w}\r\n`,
    (w) => `\u00a0${w}\u00a0`, // no-break space
    (w) => `“${w}”`, // smart quotes
    (w) => `*${w}*`,
    (w) => `-${w}-`,
  ];
  return cases.flatMap((c) => wrappers.map((wrap) => wrap(c)));
}

function expectAll(keywords: string[], action: KeywordAction) {
  for (const keyword of keywords) {
    for (const reply of variants(keyword)) {
      expect.soft(classifyKeyword(reply), JSON.stringify(reply)).toBe(action);
    }
  }
}

describe('classifyKeyword', () => {
  it('opt-out keywords, any case, surrounding spaces/punctuation ignored', () => {
    expectAll(OPT_OUT, 'opt-out');
  });

  it.each([
    'stop',
    ' Stop. ',
    'STOP!!',
    '¡stop!',
    'Stop\n',
    'sToP',
    'unsubscribe.',
    'Cancel!',
    'end',
    'Quit.',
    'revoke',
    'OptOut',
    'stopall',
    'ＳＴＯＰ', // full-width letters are the same letters (NFKC)
  ])('%j opts out', (reply) => {
    expect(classifyKeyword(reply)).toBe('opt-out');
  });

  it('a trailing or leading emoji is ignored like punctuation', () => {
    // Debatable: the rule names spaces and punctuation only. An emoji carries no words, and
    // treating "stop 🙏" as anything but STOP would ignore an unmistakable opt-out, so symbols
    // around the keyword are ignored too (shared/keywords.ts strips every non-letter, non-digit).
    expect(classifyKeyword('stop 🙏')).toBe('opt-out');
    expect(classifyKeyword('🛑 STOP')).toBe('opt-out');
    expect(classifyKeyword('help 🙂')).toBe('help');
  });

  it('opt-in keywords', () => {
    expectAll(OPT_IN, 'opt-in');
  });

  it('help keywords', () => {
    expectAll(HELP, 'help');
  });

  it.each([
    'Please stop calling me at work',
    'stop it',
    'Stop it!',
    'I want to cancel my interview',
    'cancel my application',
    'The end',
    'the end.',
    "don't STOP",
    'do not stop',
    'STOPPED',
    'stops',
    'nonstop',
    'unsubscribe me',
    'Unsubscribe me please',
    'yes please',
    'Yes, 3pm works',
    'yess',
    'help me find the address',
    'I need help',
    'more info please',
    'START DATE?',
    'restart',
    'S T O P',
    'S.T.O.P',
    'STOP STOP',
    'stop.stop',
    'stop1',
    '1 stop',
    // Not in the rule's list (only OPTOUT, as one word), so not a keyword:
    'opt out',
    'opt-out',
    'endless',
    'quitting',
    '',
    '   ',
    '\n\t',
    '!!!',
    '🙏',
  ])('%j is not a keyword', (reply) => {
    expect(classifyKeyword(reply)).toBeNull();
  });
});

describe('normalizeKeyword', () => {
  it('strips surrounding non-letters and upper-cases, keeping inner text as is', () => {
    expect(normalizeKeyword('  ¡stop!  ')).toBe('STOP');
    expect(normalizeKeyword("don't stop.")).toBe("DON'T STOP");
    expect(normalizeKeyword('S T O P')).toBe('S T O P');
    expect(normalizeKeyword('')).toBe('');
    expect(normalizeKeyword('...')).toBe('');
    expect(normalizeKeyword('ＳＴＯＰ')).toBe('STOP');
  });
});
