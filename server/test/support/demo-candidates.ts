/**
 * Picking demo candidates for tests that share one app: each test takes candidates no other
 * test has touched, so it reads its own thread and its own simulated phone.
 */
import { demoCandidates, type DemoCandidate } from '../../../fixtures/demo/index.js';

/** The simulator's reserved numbers that fail (see server/providers/simulator.ts). */
export const FAILING_SUFFIXES = ['0196', '0197', '0198', '0199'];

/** "(212) 555-0101" as the server stores it. */
export const e164 = (displayed: string) => '+1' + displayed.replace(/\D/g, '');

/** Acme candidates who can be texted on `channel`, none of them on a failing simulator number. */
export function textableDemoCandidates(channel: 'sms' | 'whatsapp', exclude: string[] = ['10001', '10002']): DemoCandidate[] {
  return demoCandidates.filter(
    (c) =>
      c.org === 'acme' &&
      c.channel === channel &&
      c.phoneType === 'mobile' &&
      !!c.phone?.startsWith('(') &&
      !!c.consent &&
      !c.optedOut &&
      !FAILING_SUFFIXES.some((s) => c.phone!.endsWith(s)) &&
      !exclude.includes(c.atsId),
  );
}

/** A source of fresh candidates: `next()` never hands out the same one twice. */
export function candidatePool(channel: 'sms' | 'whatsapp' = 'sms', exclude?: string[]) {
  const pool = textableDemoCandidates(channel, exclude);
  return {
    next() {
      const c = pool.shift();
      if (!c) throw new Error(`no more textable ${channel} candidates in the demo data`);
      return { id: c.atsId, phone: e164(c.phone!), candidate: c };
    },
    get left() {
      return pool.length;
    },
  };
}
