/**
 * Random faults for the fake Twilio, from a seed: each destination number gets a script of what
 * its next creates answer, every step drawn with the same odds (a share of 5xx, half of them
 * after Twilio created the message, the client cannot tell which; a share of 429 with
 * Retry-After: 1; the rest created). Drawn per number and per attempt, not per request as they
 * come, so a run's faults do not depend on which instance sends what when: the same seed gives
 * every recipient the same answers, attempt by attempt, in every run.
 */
import { seededRandom } from '../../../fixtures/demo/random.js';
import type { FakeTwilio, Step } from './fake-twilio.js';

export interface FaultOdds {
  /** Share of creates answered 5xx; half of these after creating the message (502/504), half without (500/503). */
  serverError: number;
  /** Share of creates answered 429 (Retry-After: 1), nothing created. */
  rateLimited: number;
}

const CREATED_THEN_5XX: Step = 'create-then-5xx';
const REFUSED_5XX: Step[] = [
  { status: 500, message: 'Internal Server Error' },
  { status: 503, code: 20503, message: 'Service Unavailable' },
];
const RATE_LIMITED: Step = { status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '1' };

/** True for a step that leaves nothing created (the text must be sent again). */
const refused = (step: Step) => typeof step === 'object';

export interface FaultPlan {
  /** Each number's script, as drawn. */
  scripts: Map<string, Step[]>;
  /** The most refusals in a row that one number's first attempts get (its first text's longest retry chain). */
  longestRefusalRun: number;
}

export interface FaultsAnswered {
  creates: number;
  createdThen5xx: number;
  refused5xx: number;
  rateLimited: number;
}

/** What the creates the fake received were answered, by the plan (each number's creates took its script's steps in order). */
export function faultsAnswered(plan: FaultPlan, createsTo: string[]): FaultsAnswered {
  const taken = new Map<string, number>();
  const answered: FaultsAnswered = { creates: createsTo.length, createdThen5xx: 0, refused5xx: 0, rateLimited: 0 };
  for (const to of createsTo) {
    const i = taken.get(to) ?? 0;
    taken.set(to, i + 1);
    const step = plan.scripts.get(to)?.[i];
    if (step === CREATED_THEN_5XX) answered.createdThen5xx++;
    // By content, not identity: a plan may have crossed from another process (fake-twilio-process.ts).
    else if (typeof step === 'object' && step.status === 429) answered.rateLimited++;
    else if (step && refused(step)) answered.refused5xx++;
  }
  return answered;
}

/**
 * Scripts `stepsPerNumber` drawn steps for each number (later creates, past the script, succeed:
 * enough steps that a number's texts practically never get there).
 */
export function scriptRandomFaults(twilio: FakeTwilio, numbers: string[], odds: FaultOdds, seed: number, stepsPerNumber = 12): FaultPlan {
  const random = seededRandom(seed);
  const plan: FaultPlan = { scripts: new Map(), longestRefusalRun: 0 };
  let refusals = 0;
  for (const to of numbers) {
    const steps: Step[] = [];
    for (let i = 0; i < stepsPerNumber; i++) {
      const r = random();
      let step: Step = 'create';
      if (r < odds.serverError / 2) step = CREATED_THEN_5XX;
      else if (r < odds.serverError) step = REFUSED_5XX[refusals++ % REFUSED_5XX.length]!;
      else if (r < odds.serverError + odds.rateLimited) step = RATE_LIMITED;
      steps.push(step);
    }
    plan.scripts.set(to, steps);
    const run = steps.findIndex((s) => !refused(s));
    plan.longestRefusalRun = Math.max(plan.longestRefusalRun, run < 0 ? steps.length : run);
    twilio.script(to, steps);
  }
  return plan;
}
