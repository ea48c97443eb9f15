/**
 * The campaign exclusion rule is written twice (campaign-exclusion.ts): in JavaScript for the
 * Review, in SQL for the counts of campaign summaries. Over every combination of what the rule
 * reads, and every organisation setting, the two give the same answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/types.js';
import type { candidates } from '../db/schema.js';
import { EXCLUSION_REASON_SQL, exclusionParams, exclusionReason } from '../services/campaign-exclusion.js';
import { WHATSAPP_WINDOW_MS } from '../../shared/whatsapp.js';
import type { Candidate, Organization } from '../services/textability.js';
import { openTestDatabase, type TestDatabase } from './support/test-db.js';

const AT = Date.parse('2026-03-03T15:00:00Z');
let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
});
afterAll(() => database.close());

describe('the campaign exclusion rule, in JavaScript and in SQL', () => {
  let org: Organization;
  let all: Candidate[];
  beforeAll(async () => {
    [org] = (await db.orm.insert(db.t.organizations).values({ slug: 'rule', name: 'Rule', bookingSecret: 'secret', createdAt: AT }).returning()) as [
      Organization,
    ];
    all = (await db.orm.insert(db.t.candidates).values(candidateRows(org.id)).returning()) as Candidate[];
  });

  it.each([
    [true, false],
    [true, true],
    [false, true],
    [false, false],
  ])('sms enabled %s, whatsapp enabled %s', async (smsEnabled, whatsappEnabled) => {
    const settings: Organization = { ...org, smsEnabled, whatsappEnabled };
    const bySql = new Map(
      (
        await db.all<{ id: number; reason: string | null }>(
          db.stmt(`select c.id as id, ${EXCLUSION_REASON_SQL} as reason from candidates c`),
          exclusionParams(settings, AT),
        )
      ).map((r) => [r.id, r.reason]),
    );
    const byJs = new Map(all.map((c) => [c.id, exclusionReason(c, settings, AT)]));
    expect(bySql).toEqual(byJs);
    // Every outcome occurs, so the comparison covers each branch.
    expect(new Set(byJs.values())).toEqual(
      new Set([
        'NO_MOBILE',
        'OPTED_OUT',
        'NO_CONSENT',
        ...(smsEnabled && whatsappEnabled ? [] : ['CHANNEL_DISABLED']),
        ...(whatsappEnabled ? ['WHATSAPP_WINDOW_CLOSED'] : []),
        ...(smsEnabled || whatsappEnabled ? [null] : []),
      ]),
    );
  });
});

/** A candidate for every combination of what the rule reads. */
function candidateRows(orgId: number) {
  const rows: (typeof candidates.$inferInsert)[] = [];
  for (const phone of [null, '', '+12125550001'])
    for (const optedOutAt of [null, AT - 1000])
      for (const consentAt of [null, AT - 1000])
        for (const channel of ['sms', 'whatsapp'] as const)
          for (const lastInboundAt of [null, AT - 3600_000, AT - WHATSAPP_WINDOW_MS + 1, AT - WHATSAPP_WINDOW_MS, AT - 2 * WHATSAPP_WINDOW_MS]) {
            const n = rows.length + 1;
            rows.push({
              orgId,
              atsId: `c${n}`,
              firstName: 'C',
              lastName: `${n}`,
              phone,
              optedOutAt,
              consentAt,
              channel,
              lastInboundAt,
              createdAt: AT,
              updatedAt: AT,
            });
          }
  return rows;
}
