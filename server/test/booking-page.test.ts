/**
 * The booking page behind {{calendarLink}} and Ari's scheduling step: open slots from the
 * recruiter's working hours shown in the candidate's time zone, a signed link per candidate,
 * a slot booked once (never twice), confirmed on the candidate's phone, announced to the
 * recruiter, visible on the candidate, completing Ari's booking step; phone-sized and escaped.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { first } from '../db/types.js';
import type { AppEvent } from '../lib/events.js';
import { bookingToken } from '../services/booking-links.js';
import { createHarness, type Harness } from './harness.js';
import { draftCampaign, HOUR, insertCandidates, MINUTE, orgIdOf, type ExtraCandidate } from './support/campaigns.js';

// Monday 2 March 2026, 10:00 in New York (15:00 UTC); the recruiter works 9–5 New York time.
const NOW = '2026-03-02T15:00:00Z';
const TUESDAY_9_NY = '2026-03-03T14:00:00.000Z';
const TUESDAY_930_NY = '2026-03-03T14:30:00.000Z';
const WEDNESDAY_9_NY = '2026-03-04T14:00:00.000Z';
const RECRUITER = 'Jordan Avery';

let h: Harness;
let serial = 0;

/** A new textable Acme candidate (New York unless told otherwise) and their booking link. */
async function fresh(options: Partial<ExtraCandidate> = {}) {
  serial++;
  const atsId = options.atsId ?? `book-${serial}`;
  const phone = options.phone ?? `+1646555${String(3500 + serial).padStart(4, '0')}`;
  await insertCandidates(h.db, 'acme', [{ firstName: 'Pat', ...options, atsId, phone }]);
  return { id: atsId, phone, link: await linkFor(atsId) };
}

async function linkFor(atsId: string, email = 'recruiter@acme.test') {
  const { organizations, recruiters } = h.db.t;
  const recruiter = (await first(h.db.orm.select().from(recruiters).where(eq(recruiters.email, email))))!;
  const org = (await first(h.db.orm.select().from(organizations).where(eq(organizations.id, recruiter.orgId))))!;
  const params = new URLSearchParams({ c: atsId, t: bookingToken(org.bookingSecret, recruiter.id, atsId, h.clock.now() + 14 * 86_400_000) });
  return `/book/${recruiter.bookingSlug}?${params}`;
}

async function open(path: string) {
  const res = await h.app.request(path);
  return { status: res.status, type: res.headers.get('content-type') ?? '', html: await res.text() };
}

/** Picks a slot on the page (the form's hidden fields come from the link). */
async function book(link: string, startsAt: string) {
  const url = new URL(link, 'http://te.test');
  const form = new URLSearchParams({ c: url.searchParams.get('c') ?? '', t: url.searchParams.get('t') ?? '', startsAt });
  const res = await h.app.request(url.pathname, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  return { status: res.status, html: await res.text() };
}

const phoneTexts = async (phone: string) => (await h.simulator.phoneMessages(phone, 1000)).filter((m) => m.direction === 'to-phone');
async function bookingsOf(atsId: string) {
  const { bookings, candidates } = h.db.t;
  const rows = await h.db.orm
    .select({ startsAt: bookings.startsAt, endsAt: bookings.endsAt })
    .from(bookings)
    .innerJoin(candidates, eq(candidates.id, bookings.candidateId))
    .where(eq(candidates.atsId, atsId));
  return rows.map((b) => ({ startsAt: new Date(b.startsAt).toISOString(), endsAt: new Date(b.endsAt).toISOString() }));
}
const bookingsAt = (iso: string) =>
  h.db.orm
    .select()
    .from(h.db.t.bookings)
    .where(eq(h.db.t.bookings.startsAt, Date.parse(iso)));
/** Slot buttons on a page: their value (the instant) and their text (the candidate's local time). */
const slotsOn = (html: string) =>
  [...html.matchAll(/<button name="startsAt" value="([^"]+)" aria-label="([^"]+)">([^<]+)<\/button>/g)].map((m) => ({
    startsAt: m[1]!,
    label: m[2]!,
    time: m[3]!,
  }));

async function assistantOf(id: string) {
  return (await h.api('GET', `/api/candidates/${id}/assistant`)).body;
}

describe('the booking page', () => {
  beforeAll(async () => {
    h = await createHarness({ now: NOW });
    await h.login();
  });
  afterAll(() => h.close());

  it('the link in a recruiter’s {{calendarLink}} opens the page for that candidate', async () => {
    const candidate = await fresh();
    const sent = await h.api('POST', `/api/candidates/${candidate.id}/messages`, { body: 'Hi {{firstName}}, book a call: {{calendarLink}}' });
    expect(sent.status).toBe(202);
    await h.advance(2000);
    const text = (await phoneTexts(candidate.phone))[0]!.body;
    const url = new URL(/https?:\/\/\S+/.exec(text)![0]);
    expect(url.origin).toBe('http://te.test');
    expect(url.pathname + url.search).toBe(candidate.link);
    const page = await open(url.pathname + url.search);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.html).toContain(`<h1>Book a time with ${RECRUITER}</h1>`);
    expect(page.html).toContain('Hi Pat, pick a time that suits you.');
    expect(page.html).toContain('Acme Staffing');
  });

  it('lists open slots from the recruiter’s working hours, in the candidate’s time zone', async () => {
    const pacific = await fresh({ timeZone: 'America/Los_Angeles' });
    const page = await open(pacific.link);
    expect(page.html).toContain('Times are shown in your time zone (America/Los Angeles)');
    const slots = slotsOn(page.html);
    // 9:00 AM in New York is 6:00 AM for a Pacific candidate.
    expect(slots.find((s) => s.startsAt === TUESDAY_9_NY)).toEqual({ startsAt: TUESDAY_9_NY, label: 'Tuesday, Mar 3 at 6:00 AM', time: '6:00 AM' });
    // A New York candidate sees the same instant at 9:00 AM.
    const local = slotsOn((await open((await fresh()).link)).html).find((s) => s.startsAt === TUESDAY_9_NY);
    expect(local?.time).toBe('9:00 AM');

    const starts = slots.map((s) => Date.parse(s.startsAt));
    // Nothing in the past or within the hour: the first is the next half hour an hour from now (Monday, New York).
    const halfHour = 30 * MINUTE;
    expect(Math.min(...starts)).toBe(Math.ceil((h.clock.now() + HOUR) / halfHour) * halfHour);
    expect(Math.min(...starts)).toBeLessThanOrEqual(Date.parse('2026-03-02T16:30:00Z'));
    // Half-hour slots 9:00–16:30 New York, weekdays only, two weeks ahead (DST included).
    for (const at of starts) {
      const ny = new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/New_York',
        weekday: 'short',
        hour: 'numeric',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(at);
      expect(ny).toMatch(/^(Mon|Tue|Wed|Thu|Fri) (09|1[0-6]):(00|30)$/);
    }
    expect(starts.some((at) => at > Date.parse('2026-03-09T00:00:00Z'))).toBe(true);
    expect(slots.find((s) => s.startsAt === '2026-03-09T13:00:00.000Z')?.time).toBe('6:00 AM'); // after the DST change
    // Grouped by the candidate's day.
    expect(page.html).toContain('<h2>Tuesday, Mar 3</h2>');
    expect(page.html).not.toContain('Saturday');
  });

  it('a tampered, foreign or incomplete link is a 404 page that reveals nothing', async () => {
    const candidate = await fresh();
    const url = new URL(candidate.link, 'http://te.test');
    const token = url.searchParams.get('t')!;
    const tampered = `/book/jordan-avery?c=${candidate.id}&t=${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const path of [
      tampered,
      `/book/jordan-avery?c=${candidate.id}`,
      `/book/jordan-avery?t=${token}`,
      `/book/nobody?c=${candidate.id}&t=${token}`,
      // Another candidate's link with this candidate's id.
      `/book/jordan-avery?c=${(await fresh()).id}&t=${token}`,
      // Another recruiter's page with this token.
      `/book/sam-patel?c=${candidate.id}&t=${token}`,
      // A correctly signed link for a candidate of another organisation.
      await linkFor('20001'),
    ]) {
      const page = await open(path);
      expect(page.status, path).toBe(404);
      expect(page.type).toMatch(/^text\/html/);
      expect(page.html).toContain('This booking link is not valid. Ask your recruiter for a new one.');
      expect(page.html).not.toContain('Pat');
    }
    const post = await book(tampered, TUESDAY_9_NY);
    expect(post.status).toBe(404);
    expect(await bookingsAt(TUESDAY_9_NY)).toEqual([]);
  });

  it('a post that is not a form it can read (multipart without its boundary) is a 400 page, not a server error', async () => {
    const candidate = await fresh();
    const url = new URL(candidate.link, 'http://te.test');
    const res = await h.app.request(url.pathname, { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: '--x\r\n\r\n' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('This booking form could not be read.');
    expect(await bookingsOf(candidate.id)).toEqual([]);
  });

  it('booking a slot: a confirmation page, a text on the phone, booking.created, and the candidate shows it', async () => {
    const candidate = await fresh({ timeZone: 'America/Los_Angeles' });
    const events: AppEvent[] = [];
    const off = h.deps.events.subscribe(await orgIdOf(h.db, 'acme'), (e) => events.push(e));
    const res = await book(candidate.link, TUESDAY_9_NY);
    off();
    expect(res.status).toBe(200);
    expect(res.html).toContain("You're booked");
    expect(res.html).toContain(`${RECRUITER} will see you on <strong>Tuesday, Mar 3 at 6:00 AM PST</strong>.`);

    await h.advance(2000);
    expect((await phoneTexts(candidate.phone)).map((m) => m.body)).toEqual([
      `You're booked with ${RECRUITER} on Tuesday, Mar 3 at 6:00 AM PST. Reply here if you need to change it.`,
    ]);
    const confirmation = (await first(h.db.orm.select().from(h.db.t.messages).where(eq(h.db.t.messages.toAddress, candidate.phone))))!;
    expect(confirmation).toMatchObject({ sender: 'system', status: 'delivered', encoding: 'GSM-7', segments: 1 });

    const created = events.filter((e) => e.type === 'booking.created');
    expect(created).toHaveLength(1);
    expect(created[0]!.data).toMatchObject({
      candidateId: candidate.id,
      recruiter: { name: RECRUITER },
      startsAt: TUESDAY_9_NY,
      endsAt: TUESDAY_930_NY,
      candidateTime: 'Tuesday, Mar 3 at 6:00 AM PST',
      recruiterTime: 'Tuesday, Mar 3 at 9:00 AM EST',
    });
    expect(events.some((e) => e.type === 'message.created')).toBe(true);

    expect((await assistantOf(candidate.id)).booking).toEqual({ startsAt: TUESDAY_9_NY, endsAt: TUESDAY_930_NY });
    expect(await bookingsOf(candidate.id)).toEqual([{ startsAt: TUESDAY_9_NY, endsAt: TUESDAY_930_NY }]);
    // The slot is no longer offered to anyone, and the candidate is told they have one.
    const again = await open(candidate.link);
    expect(slotsOn(again.html).map((s) => s.startsAt)).not.toContain(TUESDAY_9_NY);
    expect(again.html).toContain('You already have a time booked; picking another replaces it.');
    expect(slotsOn((await open((await fresh()).link)).html).map((s) => s.startsAt)).not.toContain(TUESDAY_9_NY);
  });

  it('the same slot booked twice: the second gets 409 and a "pick another" page, never two bookings', async () => {
    const earlier = await fresh();
    const second = await fresh();
    expect((await book(earlier.link, WEDNESDAY_9_NY)).status).toBe(200);
    const late = await book(second.link, WEDNESDAY_9_NY);
    expect(late.status).toBe(409);
    expect(late.html).toContain('<p class="error" role="alert">Someone just booked that time. Please pick another.</p>');
    // The page still offers the other times, with the form ready.
    expect(slotsOn(late.html).length).toBeGreaterThan(50);
    expect(slotsOn(late.html).map((s) => s.startsAt)).not.toContain(WEDNESDAY_9_NY);
    expect(late.html).toContain(`<input type="hidden" name="c" value="${second.id}">`);
    expect(await bookingsAt(WEDNESDAY_9_NY)).toHaveLength(1);
    expect(await bookingsOf(second.id)).toEqual([]);
    await h.advance(2000);
    expect(await phoneTexts(second.phone)).toEqual([]);
  });

  it('two candidates picking the same slot at the same moment: one booking', async () => {
    const a = await fresh();
    const b = await fresh();
    const slot = '2026-03-04T15:00:00.000Z';
    const results = await Promise.all([book(a.link, slot), book(b.link, slot)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await bookingsAt(slot)).toHaveLength(1);
  });

  it.each([
    ['outside working hours (3:00 AM New York)', '2026-03-03T08:00:00.000Z'],
    ['off the half-hour grid', '2026-03-03T14:10:00.000Z'],
    ['on a Saturday', '2026-03-07T14:00:00.000Z'],
    ['in the past', '2026-03-02T14:00:00.000Z'],
    ['within the hour', '2026-03-02T15:30:00.000Z'],
    ['beyond the two weeks shown', '2026-04-01T14:00:00.000Z'],
    ['not a time at all', 'tomorrow'],
    ['missing', ''],
  ])('a slot %s -> 409', async (_what, startsAt) => {
    const candidate = await fresh();
    const res = await book(candidate.link, startsAt);
    expect(res.status).toBe(409);
    expect(res.html).toContain('That time is no longer available. Please pick another.');
    expect(await bookingsOf(candidate.id)).toEqual([]);
  });

  it('booking again replaces the earlier booking (and frees its slot)', async () => {
    const candidate = await fresh();
    const firstSlot = '2026-03-05T14:00:00.000Z';
    const secondSlot = '2026-03-05T18:30:00.000Z';
    expect((await book(candidate.link, firstSlot)).status).toBe(200);
    expect((await book(candidate.link, secondSlot)).status).toBe(200);
    expect(await bookingsOf(candidate.id)).toEqual([{ startsAt: secondSlot, endsAt: '2026-03-05T19:00:00.000Z' }]);
    expect((await assistantOf(candidate.id)).booking).toEqual({ startsAt: secondSlot, endsAt: '2026-03-05T19:00:00.000Z' });
    // The first slot is open again.
    expect(slotsOn((await open((await fresh()).link)).html).map((s) => s.startsAt)).toContain(firstSlot);
    await h.advance(2000);
    expect((await phoneTexts(candidate.phone)).map((m) => m.body)).toEqual([
      `You're booked with ${RECRUITER} on Thursday, Mar 5 at 9:00 AM EST. Reply here if you need to change it.`,
      `You're booked with ${RECRUITER} on Thursday, Mar 5 at 1:30 PM EST. Reply here if you need to change it.`,
    ]);
  });

  it('an opted-out candidate can still book from an old link, but gets no text', async () => {
    const candidate = await fresh({ optedOut: true });
    expect((await book(candidate.link, '2026-03-06T14:00:00.000Z')).status).toBe(200);
    await h.advance(2000);
    expect(await phoneTexts(candidate.phone)).toEqual([]);
  });

  it('works on a phone: a viewport meta, big tap targets, plain forms', async () => {
    const page = await open((await fresh()).link);
    expect(page.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page.html).toMatch(/button \{[^}]*min-height: 44px/);
    expect(page.html).toContain('<form method="post" class="slots">');
    expect(page.html).not.toMatch(/<script/i);
  });

  it('every candidate and recruiter string is escaped', async () => {
    const evil = await fresh({ firstName: '<script>alert("pwned")</script>', atsId: `x"><img src=x onerror=alert(1)>` });
    const { organizations, recruiters } = h.db.t;
    await h.db.orm.update(recruiters).set({ name: 'Jo <b onmouseover="x()">Boss</b> & Co' }).where(eq(recruiters.email, 'recruiter@acme.test'));
    await h.db.orm
      .update(organizations)
      .set({ name: 'Acme <i>Staffing</i>' })
      .where(eq(organizations.id, await orgIdOf(h.db, 'acme')));
    try {
      const page = await open(evil.link);
      expect(page.status).toBe(200);
      expect(page.html).toContain('Hi &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;, pick a time');
      expect(page.html).toContain('Book a time with Jo &lt;b onmouseover=&quot;x()&quot;&gt;Boss&lt;/b&gt; &amp; Co');
      expect(page.html).toContain('Acme &lt;i&gt;Staffing&lt;/i&gt;');
      expect(page.html).toContain('<input type="hidden" name="c" value="x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">');
      expect(page.html).not.toMatch(/<script|<img|<b |<i>/i);

      const booked = await book(evil.link, '2026-03-10T14:00:00.000Z');
      expect(booked.status).toBe(200);
      expect(booked.html).toContain('Jo &lt;b onmouseover=&quot;x()&quot;&gt;Boss&lt;/b&gt; &amp; Co will see you on');
      expect(booked.html).not.toMatch(/<script|<img|<b |<i>/i);
      const taken = await book(await linkFor((await fresh()).id), '2026-03-10T14:00:00.000Z');
      expect(taken.status).toBe(409);
      expect(taken.html).not.toMatch(/<script|<img|<b |<i>/i);
    } finally {
      await h.db.orm.update(recruiters).set({ name: RECRUITER }).where(eq(recruiters.email, 'recruiter@acme.test'));
      await h.db.orm
        .update(organizations)
        .set({ name: 'Acme Staffing' })
        .where(eq(organizations.id, await orgIdOf(h.db, 'acme')));
    }
  });
});

describe('a booking link’s limits', () => {
  beforeAll(async () => {
    h = await createHarness({ now: NOW, start: false });
  });
  afterAll(() => h.close());

  it('books for 14 days (BOOKING_LINK_DAYS) after it is sent, then is a 410 page asking for a new one', async () => {
    const candidate = await fresh();
    expect((await open(candidate.link)).status).toBe(200);
    h.clock.set(h.clock.now() + 14 * 86_400_000 - 1000);
    expect((await open(candidate.link)).status).toBe(200);
    h.clock.set(h.clock.now() + 2000);
    const expired = await open(candidate.link);
    expect(expired.status).toBe(410);
    expect(expired.html).toContain('This booking link has expired. Ask your recruiter for a new one.');
    expect(expired.html).not.toContain('Pat');
    expect((await book(candidate.link, TUESDAY_9_NY)).status).toBe(410);
  });

  it('takes at most 10 bookings an hour from one candidate’s link (429), then again after the hour', async () => {
    const candidate = await fresh();
    for (let i = 0; i < 10; i++) expect((await book(candidate.link, 'not-a-slot')).status).toBe(409);
    const held = await book(candidate.link, 'not-a-slot');
    expect(held.status).toBe(429);
    expect(held.html).toContain('Too many bookings from this link for now.');
    // Another candidate's link is not held back.
    expect((await book((await fresh()).link, 'not-a-slot')).status).toBe(409);
    h.clock.set(h.clock.now() + 3600_000);
    expect((await book(candidate.link, 'not-a-slot')).status).toBe(409);
  });

  it('counts parallel posts from one link one after another, in the database (shared by every server instance)', async () => {
    const candidate = await fresh();
    const results = await Promise.all(Array.from({ length: 12 }, () => book(candidate.link, 'not-a-slot')));
    expect(results.map((r) => r.status).sort()).toEqual([...Array<number>(10).fill(409), 429, 429]);
    const counted = await h.sql.get('select count(*) as n from booking_attempts a join candidates c on c.id = a.candidate_id where c.ats_id = ?', candidate.id);
    expect(counted).toEqual({ n: 10 });
  });
});

describe('booking from Ari’s scheduling step', () => {
  let sequenceIds: Record<string, number>;

  beforeAll(async () => {
    h = await createHarness({ now: NOW });
    sequenceIds = Object.fromEntries((await h.api('GET', '/api/sequences')).body.sequences.map((s: { name: string; id: number }) => [s.name, s.id]));
  });
  afterAll(() => h.close());

  async function launch(sequence: string, ids: string[]) {
    const { campaignId, messageId } = await draftCampaign(h, {
      name: sequence,
      jobTitle: 'Forklift Operator',
      candidateIds: ids,
      body: 'Hi {{firstName}}, would you like to interview for {{jobTitle}}? Reply YES or NO.',
    });
    expect((await h.api('PATCH', `/api/campaigns/${campaignId}`, { assistant: { enabled: true, sequenceId: sequenceIds[sequence] } })).status).toBe(200);
    expect((await h.api('POST', `/api/campaigns/${campaignId}/messages/${messageId}/schedule`)).status).toBe(200);
    await h.advance(2000);
    return campaignId;
  }

  async function reply(phone: string, body: string) {
    const before = (await phoneTexts(phone)).length;
    await h.simulator.reply(phone, body);
    await h.advance(2000);
    return (await phoneTexts(phone)).slice(before).map((m) => m.body);
  }

  it('the Interview scheduling sequence waiting in its booking step completes when the candidate books', async () => {
    const candidate = await fresh({ timeZone: 'America/Chicago' });
    const campaignId = await launch('Interview scheduling', [candidate.id]);
    const [offer] = await reply(candidate.phone, 'yes');
    const link = /https?:\/\/\S+/.exec(offer!)![0];
    // The candidate's own link (its token carries when it expires, counted from the send).
    expect(link.startsWith(`http://te.test${candidate.link.split('&t=')[0]}&t=`)).toBe(true);
    expect(await assistantOf(candidate.id)).toMatchObject({ active: true, stepId: 'book' });

    const page = await open(link.replace('http://te.test', ''));
    expect(slotsOn(page.html).find((s) => s.startsAt === TUESDAY_9_NY)?.time).toBe('8:00 AM');
    expect((await book(link, TUESDAY_9_NY)).status).toBe(200);
    await h.advance(2000);

    const texts = await phoneTexts(candidate.phone);
    expect(texts.at(-1)!.body).toBe(`You're booked with ${RECRUITER} on Tuesday, Mar 3 at 8:00 AM CST. Reply here if you need to change it.`);
    const confirmation = (await h.db.orm.select().from(h.db.t.messages).where(eq(h.db.t.messages.toAddress, candidate.phone))).at(-1)!;
    expect(confirmation.sender).toBe('assistant');

    const info = await assistantOf(candidate.id);
    expect(info).toMatchObject({ active: false, handback: { reason: 'COMPLETED' }, booking: { startsAt: TUESDAY_9_NY, endsAt: TUESDAY_930_NY } });
    const answers = Object.fromEntries(info.answers.map((a: { label: string; value: string }) => [a.label, a.value]));
    expect(answers).toEqual({ Interview: 'Tuesday, Mar 3 at 8:00 AM CST', Interest: 'Interested' });
    const recipients = (await h.api('GET', `/api/campaigns/${campaignId}/candidates`)).body.recipients;
    expect(Object.fromEntries(recipients[0].answers.map((a: { label: string; value: string }) => [a.label, a.value]))).toEqual(answers);
    // A reply afterwards is the recruiter's.
    expect(await reply(candidate.phone, 'Thanks, see you then!')).toEqual([]);
  });

  it('the re-engagement call booked from Ari’s link completes that sequence', async () => {
    const candidate = await fresh();
    await launch('Re-engage past applicants', [candidate.id]);
    await reply(candidate.phone, 'yes');
    await reply(candidate.phone, '1');
    await reply(candidate.phone, 'Brooklyn');
    const [offer] = await reply(candidate.phone, 'yes');
    expect(offer).toContain(`http://te.test${candidate.link.split('&t=')[0]}&t=`);
    expect((await book(candidate.link, '2026-03-11T14:00:00.000Z')).status).toBe(200);
    const info = await assistantOf(candidate.id);
    expect(info.handback.reason).toBe('COMPLETED');
    expect(info.answers.map((a: { label: string }) => a.label)).toEqual(['Looking for', 'Preferred location', 'Call booked', 'Interest']);
  });

  it('booking from the reminder’s link before answering the first question completes the sequence too', async () => {
    const candidate = await fresh();
    await launch('Interview scheduling', [candidate.id]);
    await h.advance(24 * HOUR + 5 * MINUTE);
    const reminder = (await phoneTexts(candidate.phone)).at(-1)!.body;
    expect(reminder).toMatch(/^Hi Pat, you can still pick an interview time here: http:\/\/te\.test\/book\/jordan-avery\?c=/);
    expect(await assistantOf(candidate.id)).toMatchObject({ active: true, stepId: 'interest' });
    expect((await book(/https?:\/\/\S+/.exec(reminder)![0], '2026-03-12T14:00:00.000Z')).status).toBe(200);
    const info = await assistantOf(candidate.id);
    expect(info).toMatchObject({ active: false, handback: { reason: 'COMPLETED' } });
    expect(info.answers.map((a: { label: string }) => a.label)).toEqual(['Interview', 'Interest']);
  });

  it('a booking while the recruiter has taken the conversation back leaves Ari out of it', async () => {
    const candidate = await fresh();
    await launch('Interview scheduling', [candidate.id]);
    await reply(candidate.phone, 'yes');
    expect((await h.api('POST', `/api/candidates/${candidate.id}/assistant`, { active: false })).status).toBe(200);
    expect((await book(candidate.link, '2026-03-12T15:00:00.000Z')).status).toBe(200);
    await h.advance(2000);
    const info = await assistantOf(candidate.id);
    expect(info).toMatchObject({ active: false, handback: { reason: 'TAKEN_OVER' }, booking: { startsAt: '2026-03-12T15:00:00.000Z' } });
    expect(info.answers).toEqual([]);
    const confirmation = (await h.db.orm.select().from(h.db.t.messages).where(eq(h.db.t.messages.toAddress, candidate.phone))).at(-1)!;
    expect(confirmation.body).toMatch(/^You're booked with/);
    expect(confirmation.sender).toBe('system');
  });
});
