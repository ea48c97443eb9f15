/**
 * Helpers shared by the campaign tests: ids of the demo organisations and recruiters, extra
 * candidates written straight into the database, and small assertions on what reached phones.
 */
import { expect } from 'vitest';
import type { Db } from '../../db/client.js';
import type { Harness } from '../harness.js';

export const HOUR = 3600_000;
export const MINUTE = 60_000;

/** Phones the simulator fails on purpose (see providers/simulator.ts). */
export const SIMULATOR_FAILURE_SUFFIXES = ['0196', '0197', '0198', '0199'];

export async function orgIdOf(db: Db, slug: 'acme' | 'globex'): Promise<number> {
  return (await db.get<{ id: number }>(db.stmt('select id from organizations where slug = ?'), slug))!.id;
}

export async function recruiterIdOf(db: Db, email: string): Promise<number> {
  return (await db.get<{ id: number }>(db.stmt('select id from recruiters where email = ?'), email))!.id;
}

export interface ExtraCandidate {
  atsId: string;
  firstName?: string;
  lastName?: string;
  phone: string | null;
  timeZone?: string | null;
  consent?: boolean;
  optedOut?: boolean;
  channel?: 'sms' | 'whatsapp';
  jobTitle?: string | null;
}

/** Writes candidates directly (the ATS import is not what these tests are about). */
export async function insertCandidates(db: Db, org: 'acme' | 'globex', list: ExtraCandidate[], now = Date.parse('2026-01-01T00:00:00Z')): Promise<void> {
  const orgId = await orgIdOf(db, org);
  const insert = db.stmt(
    `insert into candidates (org_id, ats_id, first_name, last_name, phone, consent_at, consent_source, opted_out_at, opt_out_method,
       channel, time_zone, job_title, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  await db.tx(async (tx) => {
    for (const c of list) {
      await tx.run(
        insert,
        orgId,
        c.atsId,
        c.firstName ?? 'Test',
        c.lastName ?? `Candidate ${c.atsId}`,
        c.phone,
        c.consent === false ? null : now,
        c.consent === false ? null : 'application-form',
        c.optedOut ? now : null,
        c.optedOut ? 'keyword' : null,
        c.channel ?? 'sms',
        c.timeZone === undefined ? 'America/New_York' : c.timeZone,
        c.jobTitle === undefined ? 'Picker' : c.jobTitle,
        now,
        now,
      );
    }
  });
}

/** `count` textable SMS candidates with distinct New York numbers (+1 646 555 nnnn, nnnn from `first`). */
export function bulkCandidates(prefix: string, count: number, first = 2000, timeZone: string | null = 'America/New_York'): ExtraCandidate[] {
  return Array.from({ length: count }, (_, i) => ({
    atsId: `${prefix}${i + 1}`,
    firstName: 'Bulk',
    lastName: `${prefix}${String(i + 1).padStart(5, '0')}`,
    phone: `+1646555${String(first + i).padStart(4, '0')}`,
    timeZone,
  }));
}

export interface DemoTextable {
  atsId: string;
  phone: string;
  timeZone: string | null;
}

/** Acme's textable SMS candidates from the demo seed (the simulator's failing numbers left out unless asked). */
export async function textableSms(db: Db, options: { includeFailing?: boolean; org?: 'acme' | 'globex' } = {}): Promise<DemoTextable[]> {
  const rows = await db.all<DemoTextable>(
    db.stmt(
      `select c.ats_id as "atsId", c.phone as phone, c.time_zone as "timeZone" from candidates c join organizations o on o.id = c.org_id
       where o.slug = ? and c.phone is not null and c.consent_at is not null and c.opted_out_at is null and c.channel = 'sms'
       order by c.ats_id`,
    ),
    options.org ?? 'acme',
  );
  return options.includeFailing ? rows : rows.filter((r) => !SIMULATOR_FAILURE_SUFFIXES.includes(r.phone.slice(-4)));
}

/** Creates a campaign with these candidates and a message; returns their ids (not scheduled yet). */
export async function draftCampaign(
  h: Harness,
  input: { name?: string; jobTitle?: string | null; candidateIds: string[]; body?: string; sendAt?: string | null; email?: string },
) {
  const created = await h.api(
    'POST',
    '/api/campaigns',
    { name: input.name ?? 'Test campaign', jobTitle: input.jobTitle ?? null, candidateIds: input.candidateIds },
    { email: input.email },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const campaignId: number = created.body.campaign.id;
  const message = await h.api(
    'POST',
    `/api/campaigns/${campaignId}/messages`,
    { body: input.body ?? 'Hi {{firstName}}, we are hiring.', sendAt: input.sendAt ?? null },
    { email: input.email },
  );
  expect(message.status, JSON.stringify(message.body)).toBe(201);
  return { campaignId, messageId: message.body.message.id as number, review: message.body.review, created: created.body };
}

/** Drafts and schedules a campaign. */
export async function sendCampaign(h: Harness, input: Parameters<typeof draftCampaign>[1]) {
  const d = await draftCampaign(h, input);
  const scheduled = await h.api('POST', `/api/campaigns/${d.campaignId}/messages/${d.messageId}/schedule`, undefined, { email: input.email });
  expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200);
  return { ...d, scheduled: scheduled.body };
}

/** Texts the simulated phones received (to-phone), keyed by phone, each with its arrival times. */
export async function arrivalsByPhone(h: Harness): Promise<Map<string, { at: number; body: string }[]>> {
  const byPhone = new Map<string, { at: number; body: string }[]>();
  for (const m of await h.simulator.received()) {
    const list = byPhone.get(m.phone) ?? [];
    list.push({ at: m.createdAt, body: m.body });
    byPhone.set(m.phone, list);
  }
  return byPhone;
}

export async function phoneOf(db: Db, atsId: string, org: 'acme' | 'globex' = 'acme'): Promise<string> {
  return (await db.get<{ phone: string }>(
    db.stmt('select c.phone from candidates c join organizations o on o.id = c.org_id where o.slug = ? and c.ats_id = ?'),
    org,
    atsId,
  ))!.phone;
}

/** Wall-clock "HH:MM" of an instant in a zone. */
export function localTime(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
}

export const iso = (ms: number) => new Date(ms).toISOString();
