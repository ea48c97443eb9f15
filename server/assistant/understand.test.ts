/**
 * How Ari reads an answer: yes/no in their many spellings, choices by number, word, label,
 * synonym or ordinal, numbers in digits and words with range checks, days and times. An
 * answer that could mean either thing is not understood (null), so Ari asks again.
 */
import { describe, expect, it } from 'vitest';
import { ExpectSchema, type Expect } from '../../shared/sequences.js';
import { understand, understandChoice, understandDateTime, understandNumber, understandYesNo } from './understand.js';

describe('yes / no', () => {
  it.each([
    'yes',
    'Yes',
    'YES',
    'Yep!',
    'yup',
    'yeah sure',
    'Y',
    'ok',
    'k',
    'Sure thing',
    'Absolutely!',
    'yes!!!',
    'yes please',
    'Yes I am',
    'I am',
    'I do',
    'I think so',
    '👍',
    '👍👍',
    '✅',
    'Of course',
    "I'm interested",
    'I’m interested', // curly apostrophe from a phone keyboard
    'im interested',
    'Still interested!',
    'sounds good',
    'sure, why not',
    'no problem',
    'Yes, no problem',
    'Yes I’d love to hear more about the role and when it starts',
  ])('%j -> yes', (text) => {
    expect(understandYesNo(text)).toBe('yes');
  });

  it.each([
    'no',
    'No.',
    'N',
    'nope',
    'nah',
    'Nah, not really',
    'no thanks',
    'No thank you',
    'not interested',
    'I am not interested',
    "I'm not interested anymore",
    'not now',
    'maybe later',
    'I found another job',
    'I already found a job',
    'moved on',
    "I don't think so",
    'no way',
    '👎',
    "No, I've moved to Denver and I'm happy where I am now thanks",
  ])('%j -> no', (text) => {
    expect(understandYesNo(text)).toBe('no');
  });

  it.each([
    '',
    '   ',
    'hmm',
    'maybe',
    'Maybe',
    'perhaps',
    'not sure',
    "I'm not sure",
    "I don't know",
    'idk',
    'yes and no',
    'yes but not now',
    'what is this?',
    'who is this',
    'thanks',
    'Thank you',
    'please',
    'stop calling me at work',
    'yesterday',
    'know',
    'nobody',
    'on my way',
    '🤔',
  ])('%j is not understood (asked again, never guessed)', (text) => {
    expect(understandYesNo(text)).toBeNull();
  });
});

describe('choices', () => {
  const shifts = [
    { value: 'days', label: 'Days', synonyms: ['day', 'morning', 'mornings', 'first shift'] },
    { value: 'evenings', label: 'Evenings', synonyms: ['evening', 'swing', 'second shift', 'afternoon', 'afternoons'] },
    { value: 'nights', label: 'Nights', synonyms: ['night', 'overnight', 'graveyard', 'third shift'] },
    { value: 'flexible', label: 'Flexible', synonyms: ['any', 'anything', 'whatever', 'open', 'no preference', 'all'] },
  ];
  const roles = [
    { value: 'full_time', label: 'Full-time', synonyms: ['full time', 'fulltime', 'permanent'] },
    { value: 'part_time', label: 'Part-time', synonyms: ['part time', 'parttime'] },
    { value: 'temporary', label: 'Temporary or contract', synonyms: ['temp', 'contract', 'seasonal', 'temporary'] },
  ];

  it.each([
    // by number
    ['1', 'days'],
    ['2.', 'evenings'],
    [' 3 ', 'nights'],
    ['3 please', 'nights'],
    ['option 3', 'nights'],
    ['#4', 'flexible'],
    ['number 1', 'days'],
    // by value / label, any case
    ['days', 'days'],
    ['Evenings', 'evenings'],
    ['NIGHTS please', 'nights'],
    ['Days!', 'days'],
    ['I can do days', 'days'],
    ['Flexible', 'flexible'],
    // by synonym
    ['graveyard', 'nights'],
    ['first shift', 'days'],
    ['second shift', 'evenings'],
    ['Night shift', 'nights'],
    ['afternoons', 'evenings'],
    ['any shift works', 'flexible'],
    ['no preference', 'flexible'],
    // by ordinal
    ['first', 'days'],
    ['second', 'evenings'],
    ['the second one', 'evenings'],
    ['third', 'nights'],
    ['one', 'days'],
    ['2nd', 'evenings'],
    ['the 1st', 'days'],
    ['3rd option', 'nights'],
  ])('shift %j -> %s', (text, value) => {
    expect(understandChoice(text, shifts)).toBe(value);
  });

  it.each([
    ['1', 'full_time'],
    ['full time', 'full_time'],
    ['Full-time', 'full_time'],
    ['Part time', 'part_time'],
    ['parttime', 'part_time'],
    ['Temporary or contract', 'temporary'],
    ['contract work', 'temporary'],
    ['seasonal', 'temporary'],
    ['third', 'temporary'],
  ])('role %j -> %s', (text, value) => {
    expect(understandChoice(text, roles)).toBe(value);
  });

  it.each([
    ['5', 'no fifth option'],
    ['0', 'no option zero'],
    ['10', 'a number, not an option'],
    ['hmm', 'nothing'],
    ['I prefer days or nights', 'two options'],
    ['2 nights', 'number and label disagree'],
    ['i have 2 kids', 'a number that is not the answer'],
  ])('shift %j is not understood (%s)', (text) => {
    expect(understandChoice(text, shifts)).toBeNull();
  });
});

describe('numbers', () => {
  it.each([
    ['5', 5],
    ['about 5 years', 5],
    ['five', 5],
    ['Five years', 5],
    ['ten years', 10],
    ['twenty', 20],
    ['twenty two', 22],
    ['Twenty-two', 22],
    ['fifty five', 55],
    ['I have 12 years', 12],
    ["I've been doing it for 8 yrs", 8],
    ['3.5', 3.5],
    ['2,5 years', 2.5],
    ['15+', 15],
    ['over 10', 10],
    ['a year', 1],
    ['about a year', 1],
    ['one and a half', 1.5],
    ['a year and a half', 1.5],
    ['1 year 6 months', 1.5],
    ['18 months', 1.5],
    ['six months', 0.5],
    ['6 months', 0.5],
    ['less than a year', 0],
    ['under a year', 0],
    ['a few months', 0],
    ['none', 0],
    ['zero', 0],
    ['no experience', 0],
    ['a couple of years', 2],
    ['a few years', 3],
  ])('%j -> %d', (text, value) => {
    expect(understandNumber(text)).toBe(value);
  });

  it.each(['hmm', 'not sure', 'no', 'a lot', ''])('%j is not a number', (text) => {
    expect(understandNumber(text)).toBeNull();
  });

  const years: Expect = ExpectSchema.parse({ type: 'number', min: 0, max: 60, then: { end: 'complete' } });

  it.each([
    ['5', 5],
    ['none', 0],
    ['60', 60],
    ['less than a year', 0],
  ])('in range 0..60: %j -> %d', (text, value) => {
    expect(understand(years, text)).toEqual({ kind: 'number', value, display: String(value) });
  });

  it.each(['61', '-1', 'a hundred years', '100'])('out of range 0..60: %j is not understood', (text) => {
    expect(understand(years, text)).toBeNull();
  });
});

describe('days and times', () => {
  it.each([
    ['Tuesday after 2pm', 'Tuesday, after 2 PM'],
    ['weekday mornings', 'Weekdays, mornings'],
    ['tomorrow at 10:30 am', 'Tomorrow, at 10:30 AM'],
    ['Mon or Wed', 'Monday, Wednesday'],
    ['Fridays before 11 a.m.', 'Friday, before 11 AM'],
    ['next week, afternoons', 'Next week, afternoons'],
    ['thurs at noon', 'Thursday, around noon'],
    ['anytime', 'Any time'],
    ['whenever', 'Any time'],
    ['Weekends only', 'Weekends'],
    ['in the evening', 'evenings'],
    ['at 9am', 'at 9 AM'],
    ['14:30', '14:30'],
    ['today', 'Today'],
  ])('%j -> %j', (text, value) => {
    expect(understandDateTime(text)).toBe(value);
  });

  it.each(['hello', '10', '2 weeks', 'yes'])('%j has no day or time', (text) => {
    expect(understandDateTime(text)).toBeNull();
  });
});

describe('understand(expect, text): what the engine asks for', () => {
  const parse = (e: unknown) => ExpectSchema.parse(e);

  it('yes/no gives a display value for the summary', () => {
    const e = parse({ type: 'yesno', yes: { end: 'complete' }, no: { end: 'complete' } });
    expect(understand(e, 'Yep!')).toEqual({ kind: 'yesno', value: 'yes', display: 'Yes' });
    expect(understand(e, 'nah')).toEqual({ kind: 'yesno', value: 'no', display: 'No' });
    expect(understand(e, 'what?')).toBeNull();
  });

  it('a choice is displayed by its label', () => {
    const e = parse({
      type: 'choice',
      options: [
        { value: 'days', label: 'Days', then: { end: 'complete' } },
        { value: 'nights', label: 'Nights', synonyms: ['graveyard'], then: { end: 'complete' } },
      ],
    });
    expect(understand(e, 'graveyard')).toEqual({ kind: 'choice', value: 'nights', display: 'Nights' });
    expect(understand(e, '3')).toBeNull();
  });

  it('free text takes anything but nothing', () => {
    const e = parse({ type: 'text', then: { end: 'complete' } });
    expect(understand(e, '  in two weeks  ')).toEqual({ kind: 'text', value: 'in two weeks', display: 'in two weeks' });
    expect(understand(e, '   ')).toBeNull();
    expect(understand(e, 'x'.repeat(400))!.display).toHaveLength(300);
  });

  it('days and times', () => {
    const e = parse({ type: 'datetime', then: { end: 'complete' } });
    expect(understand(e, 'Tuesday after 2pm')).toEqual({ kind: 'datetime', value: 'Tuesday, after 2 PM', display: 'Tuesday, after 2 PM' });
    expect(understand(e, 'whenever you like')).toMatchObject({ value: 'Any time' });
    expect(understand(e, 'not sure')).toBeNull();
  });

  it('a reply at a booking step is a reply (the "otherwise" branch), not a booking', () => {
    const e = parse({ type: 'booking', then: { end: 'complete' }, otherwise: { end: 'handback' } });
    expect(understand(e, 'Can we do Thursday at 3?')).toMatchObject({ kind: 'text', value: 'Can we do Thursday at 3?' });
  });
});
