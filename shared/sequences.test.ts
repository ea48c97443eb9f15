/**
 * Sequence validation: the seeded ones are valid, and a malformed one is refused with a message
 * that names the problem (a branch to a missing step, a step no path reaches, a loop that can
 * never end, two steps with one id, a missing start, a bad id).
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { demoSequences, INTEREST_SCREENING, INTERVIEW_SCHEDULING, PRIMARY_INBOUND, REENGAGEMENT } from '../fixtures/demo/sequences.js';
import { outcomesOf, SequenceSchema } from './sequences.js';

type Input = z.input<typeof SequenceSchema>;

/** The messages of a refused sequence (fails the test if it was accepted). */
function problems(input: unknown): string[] {
  const result = SequenceSchema.safeParse(input);
  expect(result.success, 'the sequence should have been refused').toBe(false);
  return result.success ? [] : result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
}

/** A small valid sequence to break in one place per test. */
function base(): Input {
  return {
    name: 'Test',
    kind: 'outbound',
    start: 'a',
    steps: [
      { id: 'a', ask: 'Interested?', expect: { type: 'yesno', yes: { goto: 'b' }, no: { end: 'complete', mark: 'not_interested' } } },
      { id: 'b', ask: 'How many years?', expect: { type: 'number', min: 0, max: 60, then: { end: 'handback', mark: 'interested', say: 'Thanks!' } } },
    ],
  };
}

describe('the seeded sequences', () => {
  it.each([
    ['primary inbound', PRIMARY_INBOUND, 'inbound'],
    ['interest check and screening', INTEREST_SCREENING, 'outbound'],
    ['interview scheduling', INTERVIEW_SCHEDULING, 'outbound'],
    ['re-engagement', REENGAGEMENT, 'outbound'],
  ] as const)('%s is valid', (_name, definition, kind) => {
    const parsed = SequenceSchema.parse(definition);
    expect(parsed.kind).toBe(kind);
    expect(parsed.steps.some((s) => s.id === parsed.start)).toBe(true);
    // Every sequence can end: some outcome is an end.
    expect(parsed.steps.flatMap(outcomesOf).some((o) => 'end' in o)).toBe(true);
  });

  it('Acme has exactly one primary sequence, and it is the inbound one', () => {
    expect(demoSequences).toHaveLength(4);
    expect(demoSequences.filter((s) => s.primary).map((s) => s.definition.name)).toEqual([PRIMARY_INBOUND.name]);
    expect(demoSequences.filter((s) => !s.primary).every((s) => s.definition.kind === 'outbound')).toBe(true);
  });

  it('fills in defaults: the fallback text and empty synonym lists', () => {
    const parsed = SequenceSchema.parse({ ...base(), fallback: undefined });
    expect(parsed.fallback).toBe("Sorry, I didn't catch that.");
    const screening = SequenceSchema.parse(INTEREST_SCREENING);
    const shift = screening.steps.find((s) => s.id === 'shift')!;
    expect(shift.expect.type).toBe('choice');
  });

  it('the scheduling steps offer the calendar link; the screening saves its answers', () => {
    const scheduling = SequenceSchema.parse(INTERVIEW_SCHEDULING);
    expect(scheduling.steps.find((s) => s.expect.type === 'booking')!.ask).toContain('{{calendarLink}}');
    const screening = SequenceSchema.parse(INTEREST_SCREENING);
    expect(screening.steps.filter((s) => s.save).map((s) => s.save!.key)).toEqual(['availability', 'shift', 'experienceYears']);
    expect(screening.reminder?.afterMinutes).toBe(24 * 60);
  });
});

describe('malformed sequences are refused, naming the problem', () => {
  it('a branch to a step that does not exist', () => {
    const s = base();
    s.steps[0]!.expect = { type: 'yesno', yes: { goto: 'missing' }, no: { goto: 'b' } };
    expect(problems(s)).toContain('Step "a" branches to "missing", which does not exist.');
  });

  it('a step no path reaches', () => {
    const s = base();
    s.steps.push({ id: 'orphan', ask: 'Nobody asks me', expect: { type: 'text', then: { end: 'complete' } } });
    expect(problems(s)).toEqual(['Step "orphan" cannot be reached from the start.']);
  });

  it('a loop without an exit (a -> b -> a, yes and no both inside)', () => {
    const s: Input = {
      name: 'Endless',
      kind: 'outbound',
      start: 'a',
      steps: [
        { id: 'a', ask: 'A?', expect: { type: 'yesno', yes: { goto: 'b' }, no: { goto: 'b' } } },
        { id: 'b', ask: 'B?', expect: { type: 'yesno', yes: { goto: 'a' }, no: { goto: 'a' } } },
      ],
    };
    const found = problems(s);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^Steps "[ab]", "[ab]" form a loop with no way out\.$/);
  });

  it('a step that loops on itself forever', () => {
    const s: Input = {
      name: 'Self',
      kind: 'outbound',
      start: 'start',
      steps: [
        { id: 'start', ask: 'Hi', expect: { type: 'text', then: { goto: 'again' } } },
        { id: 'again', ask: 'Again?', expect: { type: 'text', then: { goto: 'again' } } },
      ],
    };
    expect(problems(s)).toEqual(['Steps "again" form a loop with no way out.']);
  });

  it('a loop whose only way out leads into another endless loop', () => {
    const s: Input = {
      name: 'Trap',
      kind: 'outbound',
      start: 'a',
      steps: [
        { id: 'a', ask: 'A?', expect: { type: 'yesno', yes: { goto: 'b' }, no: { goto: 'c' } } },
        { id: 'b', ask: 'B?', expect: { type: 'text', then: { goto: 'a' } } },
        { id: 'c', ask: 'C?', expect: { type: 'text', then: { goto: 'c' } } },
      ],
    };
    expect(problems(s)).toEqual(['Steps "c" form a loop with no way out.']);
  });

  it('a loop WITH an exit is accepted (asking again until the answer fits)', () => {
    const s: Input = {
      name: 'Confirm',
      kind: 'outbound',
      start: 'a',
      steps: [
        { id: 'a', ask: 'When can you start?', expect: { type: 'text', then: { goto: 'b' } }, save: { key: 'start', label: 'Start' } },
        { id: 'b', ask: 'Is that right?', expect: { type: 'yesno', yes: { end: 'complete' }, no: { goto: 'a' } } },
      ],
    };
    expect(SequenceSchema.safeParse(s).success).toBe(true);
    // A loop that leaves through a goto (not an end) counts as an exit too.
    const viaGoto: Input = {
      ...s,
      steps: [
        s.steps[0]!,
        { id: 'b', ask: 'Is that right?', expect: { type: 'yesno', yes: { goto: 'c' }, no: { goto: 'a' } } },
        { id: 'c', ask: 'Thanks', expect: { type: 'text', then: { end: 'handback' } } },
      ],
    };
    expect(SequenceSchema.safeParse(viaGoto).success).toBe(true);
  });

  it('two steps with the same id', () => {
    const s = base();
    s.steps.push({ id: 'b', ask: 'Again', expect: { type: 'text', then: { end: 'complete' } } });
    expect(problems(s)).toContain('Step "b" is defined twice.');
  });

  it('a start step that does not exist', () => {
    expect(problems({ ...base(), start: 'nowhere' })).toContain('The start step "nowhere" does not exist.');
  });

  it('no start at all', () => {
    const { start: _start, ...rest } = base();
    expect(problems(rest).join(' ')).toMatch(/^start: /);
  });

  it.each(['Intro', '1st', 'has space', '', 'x'.repeat(41), 'dash—em'])('a bad step id %j', (id) => {
    const s = base();
    s.steps[1]!.id = id;
    s.steps[0]!.expect = { type: 'yesno', yes: { goto: id }, no: { end: 'complete' } };
    expect(problems(s).join(' ')).toContain('Step ids are lowercase words');
  });

  it('two choices with the same value', () => {
    const s = base();
    s.steps[1]!.expect = {
      type: 'choice',
      options: [
        { value: 'days', label: 'Days', then: { end: 'complete' } },
        { value: 'Days', label: 'Day shift', then: { end: 'complete' } },
      ],
    };
    expect(problems(s)).toContain('Step "b" has two choices with the same value.');
  });

  it('every text Ari sends is something, with only the merge fields the server fills in', () => {
    const s = base();
    s.steps[0]!.ask = ' \n ';
    (s.steps[1]!.expect as { then: { say?: string } }).then.say = 'Thanks {{nickname}}!';
    s.fallback = '{{first_name}} {{firstName}}?';
    s.reminder = { afterMinutes: 60, text: '{{calendarLink}}' };
    expect(problems(s)).toEqual([
      'steps.0.ask: Write something for Ari to send; this text is blank.',
      'steps.1.expect.then.say: Unknown merge field {{nickname}}; use {{firstName}}, {{lastName}}, {{jobTitle}}, {{recruiterName}}, {{calendarLink}}.',
      'fallback: Unknown merge field {{first_name}}; use {{firstName}}, {{lastName}}, {{jobTitle}}, {{recruiterName}}, {{calendarLink}}.',
    ]);
  });

  it('a choice’s synonyms are bounded: every reply is matched against each of them', () => {
    const s = base();
    const choice = (synonyms: string[]) => ({
      type: 'choice' as const,
      options: [
        { value: 'days', label: 'Days', synonyms, then: { end: 'complete' as const } },
        { value: 'nights', label: 'Nights', then: { end: 'complete' as const } },
      ],
    });
    s.steps[1]!.expect = choice(Array.from({ length: 50 }, (_, i) => `day ${i}`));
    expect(SequenceSchema.safeParse(s).success).toBe(true);
    s.steps[1]!.expect = choice(Array.from({ length: 51 }, (_, i) => `day ${i}`));
    expect(problems(s).join(' ')).toMatch(/^steps\.1\.expect\.options\.0\.synonyms: /);
    s.steps[1]!.expect = choice(['d'.repeat(81)]);
    expect(problems(s).join(' ')).toMatch(/^steps\.1\.expect\.options\.0\.synonyms\.0: /);
  });

  it('shapes: no steps, unknown kind, unknown outcome keys, a reminder too soon', () => {
    expect(problems({ ...base(), steps: [] }).join(' ')).toMatch(/^steps: /);
    expect(problems({ ...base(), kind: 'sideways' }).join(' ')).toMatch(/^kind: /);
    const extra = base();
    (extra.steps[1]!.expect as { then: unknown }).then = { end: 'complete', jump: 'a' };
    expect(problems(extra).length).toBeGreaterThan(0);
    expect(problems({ ...base(), reminder: { afterMinutes: 1, text: 'Hello?' } }).join(' ')).toMatch(/^reminder\.afterMinutes: /);
  });

  it('reports every problem at once', () => {
    const s = base();
    s.steps[0]!.expect = { type: 'yesno', yes: { goto: 'gone' }, no: { goto: 'also_gone' } };
    s.steps.push({ id: 'a', ask: 'dup', expect: { type: 'text', then: { end: 'complete' } } });
    const found = problems(s);
    expect(found).toEqual(
      expect.arrayContaining([
        'Step "a" is defined twice.',
        'Step "a" branches to "gone", which does not exist.',
        'Step "a" branches to "also_gone", which does not exist.',
      ]),
    );
  });
});
