/**
 * Ari's sequences as data: steps with the text Ari sends, the answer each step expects, where
 * each answer leads, and what to record. Validated with zod, including the shape of the graph:
 * every branch must lead to a step that exists, every step must be reachable, and no loop may
 * be without an exit; and, when one is saved, what Ari will send (savingProblems).
 */
import { z } from 'zod';
import { MERGE_FIELDS, unknownMergeFields } from './merge-fields.js';

const StepId = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'Step ids are lowercase words, e.g. "availability".');

export const OutcomeSchema = z.union([
  z.object({ goto: StepId }).strict(),
  z
    .object({
      /** complete: the sequence reached its goal; handback: the recruiter should take it from here. */
      end: z.enum(['complete', 'handback']),
      say: z.string().min(1).max(1000).optional(),
      mark: z.enum(['interested', 'not_interested']).optional(),
    })
    .strict(),
]);
export type Outcome = z.infer<typeof OutcomeSchema>;

const Save = z.object({ key: z.string().regex(/^[a-z][a-zA-Z0-9_]{0,39}$/), label: z.string().min(1).max(80) });

export const ExpectSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('yesno'), yes: OutcomeSchema, no: OutcomeSchema }),
  z.object({
    type: z.literal('choice'),
    options: z
      .array(
        z.object({
          value: z.string().min(1).max(40),
          label: z.string().min(1).max(80),
          synonyms: z.array(z.string().min(1)).default([]),
          then: OutcomeSchema,
        }),
      )
      .min(2)
      .max(9),
  }),
  z.object({
    type: z.literal('number'),
    min: z.number().optional(),
    max: z.number().optional(),
    /** First matching range wins; `then` otherwise. */
    ranges: z.array(z.object({ min: z.number().optional(), max: z.number().optional(), then: OutcomeSchema })).default([]),
    then: OutcomeSchema,
  }),
  z.object({ type: z.literal('text'), then: OutcomeSchema }),
  /** Days and times ("Tuesday after 2pm", "weekday mornings"). */
  z.object({ type: z.literal('datetime'), then: OutcomeSchema }),
  /** Offers the recruiter's calendar: `then` once a slot is booked; `otherwise` if they reply instead. */
  z.object({ type: z.literal('booking'), then: OutcomeSchema, otherwise: OutcomeSchema }),
]);
export type Expect = z.infer<typeof ExpectSchema>;

export const StepSchema = z.object({
  id: StepId,
  /** What Ari sends on reaching the step (merge fields allowed, {{calendarLink}} included). */
  ask: z.string().min(1).max(1000),
  expect: ExpectSchema,
  save: Save.optional(),
});
export type Step = z.infer<typeof StepSchema>;

const SequenceShape = z.object({
  name: z.string().trim().min(1).max(120),
  kind: z.enum(['inbound', 'outbound']),
  description: z.string().max(500).optional(),
  start: StepId,
  steps: z.array(StepSchema).min(1).max(50),
  /** Said before asking again when an answer is not understood (at most twice, then hand back). */
  fallback: z.string().min(1).max(300).default("Sorry, I didn't catch that."),
  /** Sent once if the candidate goes quiet for this long. */
  reminder: z
    .object({
      afterMinutes: z
        .number()
        .int()
        .min(5)
        .max(7 * 24 * 60),
      text: z.string().min(1).max(500),
    })
    .optional(),
});

/**
 * A sequence as Ari reads it back from the database: its shape and its graph. The checks below
 * that apply only when a sequence is saved are left out, so one saved before a check was added
 * still runs.
 */
export const StoredSequenceSchema = SequenceShape.superRefine((seq, ctx) => {
  for (const problem of graphProblems(seq)) ctx.addIssue({ code: 'custom', message: problem });
});

/** A sequence that may be saved: its shape and graph, and what Ari will send and match (savingProblems). */
export const SequenceSchema = SequenceShape.superRefine((seq, ctx) => {
  for (const problem of graphProblems(seq)) ctx.addIssue({ code: 'custom', message: problem });
  for (const { path, message } of savingProblems(seq)) ctx.addIssue({ code: 'custom', path, message });
});
export type Sequence = z.infer<typeof SequenceSchema>;

type Path = (string | number)[];

/** Every outcome a step can lead to, with where it is in the step. */
function outcomeEntries(step: Step): { path: Path; outcome: Outcome }[] {
  const e = step.expect;
  switch (e.type) {
    case 'yesno':
      return [
        { path: ['expect', 'yes'], outcome: e.yes },
        { path: ['expect', 'no'], outcome: e.no },
      ];
    case 'choice':
      return e.options.map((o, i) => ({ path: ['expect', 'options', i, 'then'], outcome: o.then }));
    case 'number':
      return [...e.ranges.map((r, i) => ({ path: ['expect', 'ranges', i, 'then'], outcome: r.then })), { path: ['expect', 'then'], outcome: e.then }];
    case 'booking':
      return [
        { path: ['expect', 'then'], outcome: e.then },
        { path: ['expect', 'otherwise'], outcome: e.otherwise },
      ];
    default:
      return [{ path: ['expect', 'then'], outcome: e.then }];
  }
}

/** Every outcome a step can lead to. */
export function outcomesOf(step: Step): Outcome[] {
  return outcomeEntries(step).map((e) => e.outcome);
}

const MAX_SYNONYMS = 50;
const MAX_SYNONYM_LENGTH = 80;

/**
 * What is checked when a sequence is saved, as a recruiter's text is when it is sent: every text
 * Ari sends (a question, what it says at an end, the fallback, the reminder) is something, and
 * uses only merge fields the server fills in (a blank one, or one whose unknown field is cut out,
 * would reach the phone empty or cut short); a choice's synonyms are bounded, since every reply to
 * the step is matched against each of them.
 */
function savingProblems(seq: z.infer<typeof SequenceShape>): { path: Path; message: string }[] {
  const texts: { path: Path; text: string }[] = [];
  seq.steps.forEach((step, i) => {
    texts.push({ path: ['steps', i, 'ask'], text: step.ask });
    for (const { path, outcome } of outcomeEntries(step))
      if ('say' in outcome && outcome.say !== undefined) texts.push({ path: ['steps', i, ...path, 'say'], text: outcome.say });
  });
  texts.push({ path: ['fallback'], text: seq.fallback });
  if (seq.reminder) texts.push({ path: ['reminder', 'text'], text: seq.reminder.text });

  const problems: { path: Path; message: string }[] = [];
  for (const { path, text } of texts) {
    if (!text.trim()) problems.push({ path, message: 'Write something for Ari to send; this text is blank.' });
    const unknown = unknownMergeFields(text);
    if (unknown.length) {
      const known = MERGE_FIELDS.map((f) => `{{${f}}}`).join(', ');
      problems.push({ path, message: `Unknown merge field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `{{${f}}}`).join(', ')}; use ${known}.` });
    }
  }
  seq.steps.forEach((step, i) => {
    if (step.expect.type !== 'choice') return;
    step.expect.options.forEach((option, j) => {
      const path = ['steps', i, 'expect', 'options', j, 'synonyms'];
      if (option.synonyms.length > MAX_SYNONYMS) problems.push({ path, message: `At most ${MAX_SYNONYMS} synonyms per choice.` });
      option.synonyms.forEach((synonym, k) => {
        if (synonym.length > MAX_SYNONYM_LENGTH) problems.push({ path: [...path, k], message: `A synonym is at most ${MAX_SYNONYM_LENGTH} characters.` });
      });
    });
  });
  return problems;
}

function graphProblems(seq: z.infer<typeof SequenceShape>): string[] {
  const problems: string[] = [];
  const ids = new Map<string, Step>();
  for (const step of seq.steps) {
    if (ids.has(step.id)) problems.push(`Step "${step.id}" is defined twice.`);
    ids.set(step.id, step);
  }
  if (!ids.has(seq.start)) problems.push(`The start step "${seq.start}" does not exist.`);
  const edges = new Map<string, string[]>();
  const exits = new Set<string>();
  for (const step of seq.steps) {
    const targets: string[] = [];
    for (const outcome of outcomesOf(step)) {
      if ('goto' in outcome) {
        if (!ids.has(outcome.goto)) problems.push(`Step "${step.id}" branches to "${outcome.goto}", which does not exist.`);
        else targets.push(outcome.goto);
      } else exits.add(step.id);
    }
    edges.set(step.id, targets);
    if (step.expect.type === 'choice') {
      const values = step.expect.options.map((o) => o.value.toLowerCase());
      if (new Set(values).size !== values.length) problems.push(`Step "${step.id}" has two choices with the same value.`);
    }
  }
  if (problems.length) return problems;

  const reachable = new Set<string>();
  const stack = [seq.start];
  while (stack.length) {
    const id = stack.pop()!;
    if (reachable.has(id)) continue;
    reachable.add(id);
    stack.push(...(edges.get(id) ?? []));
  }
  for (const step of seq.steps) if (!reachable.has(step.id)) problems.push(`Step "${step.id}" cannot be reached from the start.`);

  // A loop is fine while some step in it can leave it; a loop that can never end is not.
  for (const component of stronglyConnected(edges)) {
    const isLoop = component.length > 1 || (edges.get(component[0]!) ?? []).includes(component[0]!);
    if (!isLoop) continue;
    const members = new Set(component);
    const leaves = component.some((id) => exits.has(id) || (edges.get(id) ?? []).some((t) => !members.has(t)));
    if (!leaves) problems.push(`Steps ${component.map((id) => `"${id}"`).join(', ')} form a loop with no way out.`);
  }
  return problems;
}

/** Tarjan's algorithm: the graph's strongly connected components. */
function stronglyConnected(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component);
    }
  };
  for (const v of edges.keys()) if (!indices.has(v)) visit(v);
  return components;
}
