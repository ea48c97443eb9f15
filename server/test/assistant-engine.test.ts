/**
 * Ari on live conversations, end to end through the API and the simulator's phones: a table of
 * conversations per seeded sequence (what the candidate says, what Ari answers, where it ends),
 * started by a campaign with Enable ARI, by the composer's hand-off and by a candidate who texts
 * first; the misunderstood and the silent candidate; STOP and take-over mid-sequence; replies
 * arriving together; the outbox, the WhatsApp window, stored answers, timing; the admin API.
 */
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { first } from '../db/types.js';
import { createHarness, type Harness } from './harness.js';
import { draftCampaign, HOUR, insertCandidates, MINUTE, orgIdOf, type ExtraCandidate } from './support/campaigns.js';

type Reason = 'COMPLETED' | 'HANDED_BACK' | 'NOT_UNDERSTOOD' | 'TAKEN_OVER' | 'OPTED_OUT';
type SequenceName = 'Inbound: first contact' | 'Interest check and screening' | 'Interview scheduling' | 'Re-engage past applicants';

const CAMPAIGN_BODY = 'Hi {{firstName}}, this is {{recruiterName}} at Acme. Are you still interested in the {{jobTitle}} role? Reply YES or NO.';
const JOB = 'Warehouse Associate';
const RECRUITER = 'Jordan Avery';

/** One app per describe: the helpers below work on whichever is current. */
let h: Harness;
let sequenceIds: Record<SequenceName, number>;
let serial = 0;

async function setUp(now?: string) {
  h = await createHarness(now ? { now } : {});
  const list = await h.api('GET', '/api/sequences');
  expect(list.status).toBe(200);
  sequenceIds = Object.fromEntries(list.body.sequences.map((s: { name: string; id: number }) => [s.name, s.id])) as Record<SequenceName, number>;
}

/** A new textable Acme candidate in New York (unless told otherwise), on their own phone. */
async function fresh(options: Partial<ExtraCandidate> & { firstName?: string } = {}) {
  serial++;
  const atsId = `ari-${serial}`;
  const phone = options.phone ?? `+1646555${String(3000 + serial).padStart(4, '0')}`;
  await insertCandidates(h.db, 'acme', [{ atsId, phone, firstName: options.firstName ?? 'Dana', ...options }]);
  return { id: atsId, phone, firstName: options.firstName ?? 'Dana' };
}

const phoneTexts = async (phone: string) => (await h.simulator.phoneMessages(phone, 1000)).filter((m) => m.direction === 'to-phone');
const bodies = async (phone: string) => (await phoneTexts(phone)).map((m) => m.body);

/** The candidate texts from their phone; returns what reached their phone in the next two seconds. */
async function say(phone: string, text: string, wait = 2000): Promise<string[]> {
  const before = (await phoneTexts(phone)).length;
  await h.simulator.reply(phone, text);
  await h.advance(wait);
  return (await bodies(phone)).slice(before);
}

async function assistantOf(id: string) {
  const res = await h.api('GET', `/api/candidates/${id}/assistant`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as {
    active: boolean;
    sequence: { id: number; name: string } | null;
    stepId: string | null;
    handback: { reason: Reason; message: string; summary: { key: string; label: string; value: string }[]; at: string } | null;
    answers: { key: string; label: string; value: string }[];
    booking: { startsAt: string; endsAt: string } | null;
  };
}

const asRecord = (answers: { label: string; value: string }[]) => Object.fromEntries(answers.map((a) => [a.label, a.value]));

/** A campaign with Enable ARI and `sequence`, sent now to these candidates; their texts delivered. */
async function launch(sequence: SequenceName, ids: string[], body = CAMPAIGN_BODY) {
  const { campaignId, messageId } = await draftCampaign(h, { name: `Ari: ${sequence}`, jobTitle: JOB, candidateIds: ids, body });
  const enabled = await h.api('PATCH', `/api/campaigns/${campaignId}`, { assistant: { enabled: true, sequenceId: sequenceIds[sequence] } });
  expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
  expect(enabled.body.assistant).toEqual({ enabled: true, sequenceId: sequenceIds[sequence] });
  const scheduled = await h.api('POST', `/api/campaigns/${campaignId}/messages/${messageId}/schedule`);
  expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200);
  await h.advance(2000);
  return campaignId;
}

async function recipientAnswers(campaignId: number, id: string) {
  const res = await h.api('GET', `/api/campaigns/${campaignId}/candidates?limit=500`);
  expect(res.status).toBe(200);
  const row = res.body.recipients.find((r: { id: string }) => r.id === id);
  return asRecord(row.answers);
}

interface Conversation {
  title: string;
  sequence: SequenceName;
  /** campaign: Enable ARI; handoff: the composer's Ari icon; texts-first: the candidate writes first. */
  via: 'campaign' | 'handoff' | 'texts-first';
  /** What the candidate says, and a piece of Ari's one answer (null: Ari says nothing). */
  turns: [says: string, ari: string | null][];
  /** Where it ends: still running at a step, or handed back for a reason. */
  end: { step: string } | { handback: Reason };
  answers: Record<string, string>;
}

const GREETING = `Hi Dana, this is Ari, the recruiting assistant for ${RECRUITER}'s team. Are you asking about a job opening? Reply YES or NO.`;

const conversations: Conversation[] = [
  // ---- Interest check and screening ----
  {
    title: 'interested: screened (start date, shift, experience), handed back with a summary',
    sequence: 'Interest check and screening',
    via: 'campaign',
    turns: [
      ['Yes', 'Great! When could you start? (for example: right away, in 2 weeks)'],
      ['In 2 weeks', 'Which shift do you prefer? Reply 1 for Days, 2 for Evenings, 3 for Nights, 4 for Flexible.'],
      ['nights', 'Last question: how many years of experience do you have in a similar role?'],
      ['about 5 years', `Thanks Dana! ${RECRUITER} will review your answers and be in touch soon.`],
    ],
    end: { handback: 'HANDED_BACK' },
    answers: { 'Available to start': 'In 2 weeks', 'Shift preference': 'Nights', 'Years of experience': '5', Interest: 'Interested' },
  },
  {
    title: 'interested, with casual spellings, a shift by number and no experience',
    sequence: 'Interest check and screening',
    via: 'campaign',
    turns: [
      ['Yep! 👍', 'When could you start?'],
      ['right away', 'Which shift do you prefer?'],
      ['2', 'how many years of experience'],
      ['none yet', 'will review your answers'],
    ],
    end: { handback: 'HANDED_BACK' },
    answers: { 'Available to start': 'right away', 'Shift preference': 'Evenings', 'Years of experience': '0', Interest: 'Interested' },
  },
  {
    title: 'experience out of range is asked again, then a number in words',
    sequence: 'Interest check and screening',
    via: 'campaign',
    turns: [
      ['yeah sure', 'When could you start?'],
      ['next month', 'Which shift'],
      ['graveyard', 'how many years'],
      ['99', "Sorry, I didn't quite get that. Last question: how many years of experience"],
      ['twenty two', 'will review your answers'],
    ],
    end: { handback: 'HANDED_BACK' },
    answers: { 'Available to start': 'next month', 'Shift preference': 'Nights', 'Years of experience': '22', Interest: 'Interested' },
  },
  {
    title: 'not interested: thanked, marked not interested',
    sequence: 'Interest check and screening',
    via: 'campaign',
    turns: [['No thanks', "Thanks for letting us know, Dana. We'll keep you in mind for future roles."]],
    end: { handback: 'COMPLETED' },
    answers: { Interest: 'Not interested' },
  },
  {
    title: 'found another job: not interested',
    sequence: 'Interest check and screening',
    via: 'campaign',
    turns: [['I found another job, sorry', "We'll keep you in mind"]],
    end: { handback: 'COMPLETED' },
    answers: { Interest: 'Not interested' },
  },
  {
    title: 'stops halfway: waits at the shift question',
    sequence: 'Interest check and screening',
    via: 'campaign',
    turns: [
      ['Of course', 'When could you start?'],
      ['Monday', 'Which shift'],
    ],
    end: { step: 'shift' },
    answers: { 'Available to start': 'Monday' },
  },

  // ---- Interview scheduling ----
  {
    title: 'wants an interview: gets the calendar link and waits for the booking',
    sequence: 'Interview scheduling',
    via: 'campaign',
    turns: [['yes please', 'Pick a time that works for you: http://te.test/book/jordan-avery?c=']],
    end: { step: 'book' },
    answers: {},
  },
  {
    title: 'proposes their own time instead of booking: handed back to confirm it',
    sequence: 'Interview scheduling',
    via: 'campaign',
    turns: [
      ['Sure', 'Pick a time that works for you:'],
      ['Can we do Thursday at 3?', `Thanks! I've passed that on to ${RECRUITER}, who will confirm a time with you.`],
    ],
    end: { handback: 'HANDED_BACK' },
    answers: { Interview: 'Can we do Thursday at 3?', Interest: 'Interested' },
  },
  {
    title: 'no interview: thanked, not interested',
    sequence: 'Interview scheduling',
    via: 'campaign',
    turns: [['nope', 'No problem, Dana. Thanks for your time!']],
    end: { handback: 'COMPLETED' },
    answers: { Interest: 'Not interested' },
  },

  // ---- Re-engage past applicants ----
  {
    title: 'open to roles: type, place, a call, the calendar link',
    sequence: 'Re-engage past applicants',
    via: 'campaign',
    turns: [
      ['yes', 'What are you looking for? Reply 1 for Full-time, 2 for Part-time, 3 for Temporary or contract.'],
      ['part time', 'Which city or area would you like to work in?'],
      ['Denver, CO', `Would you like a quick call with ${RECRUITER} about current openings? Reply YES or NO.`],
      ['sure', 'Great, pick a time here: http://te.test/book/jordan-avery?c='],
    ],
    end: { step: 'book' },
    answers: { 'Looking for': 'Part-time', 'Preferred location': 'Denver, CO' },
  },
  {
    title: 'open to roles but no call: handed back, interested',
    sequence: 'Re-engage past applicants',
    via: 'campaign',
    turns: [
      ['Yes I am', 'What are you looking for?'],
      ['the first one', 'Which city or area'],
      ['Chicago', 'quick call'],
      ['no', "Thanks! We'll text you when a matching role opens."],
    ],
    end: { handback: 'HANDED_BACK' },
    answers: { 'Looking for': 'Full-time', 'Preferred location': 'Chicago', Interest: 'Interested' },
  },
  {
    title: 'not open to roles',
    sequence: 'Re-engage past applicants',
    via: 'campaign',
    turns: [['nah', "Understood, Dana. We won't bother you about openings for now."]],
    end: { handback: 'COMPLETED' },
    answers: { Interest: 'Not interested' },
  },

  // ---- Inbound: first contact (primary) ----
  {
    title: 'handed off from the composer: Ari greets first, learns the role and start, hands back',
    sequence: 'Inbound: first contact',
    via: 'handoff',
    turns: [
      ['yes', 'Which role are you interested in?'],
      ['Forklift operator', 'Thanks! When are you available to start?'],
      ['next Monday', `Got it. ${RECRUITER} will review and reply here shortly.`],
    ],
    end: { handback: 'HANDED_BACK' },
    answers: { 'Role wanted': 'Forklift operator', Availability: 'next Monday', Interest: 'Interested' },
  },
  {
    title: 'texts first about a job: the primary sequence starts by itself',
    sequence: 'Inbound: first contact',
    via: 'texts-first',
    turns: [
      ['Hi, I saw your job ad on Indeed', GREETING],
      ['Yes!', 'Which role are you interested in?'],
      ['Barista', 'When are you available to start?'],
    ],
    end: { step: 'availability' },
    answers: { 'Role wanted': 'Barista' },
  },
  {
    title: 'texts first about something else: handed back',
    sequence: 'Inbound: first contact',
    via: 'texts-first',
    turns: [
      ['Hello, is this Acme?', 'Are you asking about a job opening?'],
      ['no, about my paycheck', `Thanks! I'll let ${RECRUITER} know you wrote; they'll reply here soon.`],
    ],
    end: { handback: 'HANDED_BACK' },
    answers: {},
  },
];

describe('Ari runs the seeded sequences (a table of conversations)', () => {
  beforeAll(() => setUp());
  afterAll(() => h.close());

  it('the four seeded sequences are listed, the inbound one primary', async () => {
    const list = await h.api('GET', '/api/sequences');
    expect(list.body.sequences.map((s: { name: string; kind: string; primary: boolean }) => [s.name, s.kind, s.primary])).toEqual([
      ['Inbound: first contact', 'inbound', true],
      ['Interest check and screening', 'outbound', false],
      ['Interview scheduling', 'outbound', false],
      ['Re-engage past applicants', 'outbound', false],
    ]);
  });

  it.each(conversations.map((c) => [`${c.sequence} via ${c.via}: ${c.title}`, c] as const))('%s', async (_title, c) => {
    const candidate = await fresh();
    let campaignId: number | null = null;
    if (c.via === 'campaign') {
      campaignId = await launch(c.sequence, [candidate.id]);
      // The campaign's text is the first question; Ari answers the reply.
      expect(await bodies(candidate.phone)).toEqual([`Hi Dana, this is ${RECRUITER} at Acme. Are you still interested in the ${JOB} role? Reply YES or NO.`]);
    } else if (c.via === 'handoff') {
      const handed = await h.api('POST', `/api/candidates/${candidate.id}/assistant`, { active: true });
      expect(handed.status, JSON.stringify(handed.body)).toBe(200);
      expect(handed.body.assistant).toEqual({ active: true, sequenceId: sequenceIds[c.sequence] });
      await h.advance(2000);
      expect(await bodies(candidate.phone)).toEqual([GREETING]);
    }

    for (const [says, ari] of c.turns) {
      const answered = await say(candidate.phone, says);
      if (ari === null) expect(answered, `after ${JSON.stringify(says)}`).toEqual([]);
      else {
        expect(answered, `after ${JSON.stringify(says)}`).toHaveLength(1);
        expect(answered[0], `after ${JSON.stringify(says)}`).toContain(ari);
      }
    }

    const info = await assistantOf(candidate.id);
    expect(info.sequence).toEqual({ id: sequenceIds[c.sequence], name: c.sequence });
    if ('step' in c.end) {
      expect(info).toMatchObject({ active: true, stepId: c.end.step, handback: null });
    } else {
      expect(info).toMatchObject({ active: false, stepId: null, handback: { reason: c.end.handback } });
      expect(asRecord(info.handback!.summary)).toEqual(c.answers);
      expect(info.handback!.message.length).toBeGreaterThan(10);
    }
    expect(asRecord(info.answers)).toEqual(c.answers);
    if (campaignId != null) expect(await recipientAnswers(campaignId, candidate.id)).toEqual(c.answers);

    // Once handed back, Ari stays out of it.
    if ('handback' in c.end) expect(await say(candidate.phone, 'Thanks! One more question...')).toEqual([]);
  });

  it('the calendar link Ari sends is the recruiter’s booking page for this candidate, and it opens', async () => {
    const candidate = await fresh();
    await launch('Interview scheduling', [candidate.id]);
    const [text] = await say(candidate.phone, 'yes');
    const url = new URL(/https?:\/\/\S+/.exec(text!)![0]);
    expect(url.pathname).toBe('/book/jordan-avery');
    expect(url.searchParams.get('c')).toBe(candidate.id);
    const page = await h.app.request(url.pathname + url.search);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`Book a time with ${RECRUITER}`);
  });

  it('a candidate who texts first in two quick messages is greeted once', async () => {
    const candidate = await fresh();
    await h.simulator.reply(candidate.phone, 'Hi');
    await h.advance(100);
    await h.simulator.reply(candidate.phone, 'I saw your job ad');
    await h.advance(3000);
    expect(await bodies(candidate.phone)).toEqual([GREETING]);
    expect(await say(candidate.phone, 'yes')).toEqual(['Which role are you interested in?']);
  });

  it('an unknown number texting first is not greeted (no consent on record)', async () => {
    const phone = '+16465554999';
    await h.simulator.reply(phone, 'Hi, are you hiring?');
    await h.advance(3000);
    expect(await bodies(phone)).toEqual([]);
  });

  it('a hand-off can name another sequence; the recruiter’s own texts never start Ari by themselves', async () => {
    const candidate = await fresh();
    const handed = await h.api('POST', `/api/candidates/${candidate.id}/assistant`, { active: true, sequenceId: sequenceIds['Re-engage past applicants'] });
    expect(handed.status).toBe(200);
    await h.advance(2000);
    expect(await bodies(candidate.phone)).toEqual(['Are you open to new job opportunities? Reply YES or NO.']);
    expect(await say(candidate.phone, 'yes')).toEqual([expect.stringContaining('What are you looking for?')]);

    // Someone the recruiter already texted replies: that is the recruiter's conversation.
    const other = await fresh();
    expect((await h.api('POST', `/api/candidates/${other.id}/messages`, { body: 'Hi Dana, quick question about your shift.' })).status).toBe(202);
    await h.advance(2000);
    expect(await say(other.phone, 'Hi! Sure, what is it?')).toEqual([]);
    expect((await assistantOf(other.id)).active).toBe(false);
  });

  it('handing off twice to the same sequence does not greet twice; handing off again after a take-over starts afresh', async () => {
    const candidate = await fresh();
    expect((await h.api('POST', `/api/candidates/${candidate.id}/assistant`, { active: true })).status).toBe(200);
    expect((await h.api('POST', `/api/candidates/${candidate.id}/assistant`, { active: true })).status).toBe(200);
    await h.advance(2000);
    expect(await bodies(candidate.phone)).toEqual([GREETING]);
    expect((await h.api('POST', `/api/candidates/${candidate.id}/assistant`, { active: false })).status).toBe(200);
    // Same instant (a quick double click on the fake clock): still one greeting per hand-off, no error.
    expect((await h.api('POST', `/api/candidates/${candidate.id}/assistant`, { active: true })).status).toBe(200);
    await h.advance(2000);
    expect(await bodies(candidate.phone)).toEqual([GREETING, GREETING]);
    expect(await assistantOf(candidate.id)).toMatchObject({ active: true, stepId: 'intro' });
  });

  it('hand off, take over and hand off again in one millisecond: a greeting each time, no error', async () => {
    const candidate = await fresh();
    for (const active of [true, false, true]) {
      expect((await h.api('POST', `/api/candidates/${candidate.id}/assistant`, { active })).status).toBe(200);
    }
    await h.advance(2000);
    expect(await bodies(candidate.phone)).toEqual([GREETING, GREETING]);
    expect(await assistantOf(candidate.id)).toMatchObject({ active: true, stepId: 'intro' });
  });

  it('a hand-off is refused for a candidate who cannot be texted, and for a WhatsApp candidate whose window is closed', async () => {
    const opted = await fresh({ optedOut: true });
    const refused = await h.api('POST', `/api/candidates/${opted.id}/assistant`, { active: true });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('OPTED_OUT');
    const wa = await fresh({ channel: 'whatsapp' });
    const closed = await h.api('POST', `/api/candidates/${wa.id}/assistant`, { active: true });
    expect(closed.status).toBe(409);
    expect(closed.body.error.code).toBe('WHATSAPP_WINDOW_CLOSED');
    const unknownSequence = await h.api('POST', `/api/candidates/${(await fresh()).id}/assistant`, { active: true, sequenceId: 99999 });
    expect(unknownSequence.status).toBe(404);
    const unlicensed = await h.api('POST', `/api/candidates/${(await fresh()).id}/assistant`, { active: true }, { email: 'nolicense@acme.test' });
    expect(unlicensed.status).toBe(403);
    expect(unlicensed.body.error.code).toBe('NOT_LICENSED');
  });
});

describe('the misunderstood candidate', () => {
  beforeAll(() => setUp());
  afterAll(() => h.close());

  it('is asked again at most twice, then handed back NOT_UNDERSTOOD', async () => {
    const candidate = await fresh();
    await launch('Interest check and screening', [candidate.id]);
    const again = `Sorry, I didn't quite get that. Are you still interested in the ${JOB} role? Reply YES or NO.`;
    expect(await say(candidate.phone, 'what is this about?')).toEqual([again]);
    expect(await say(candidate.phone, 'hmm')).toEqual([again]);
    expect(await say(candidate.phone, 'banana')).toEqual([`Thanks, Dana. I'll pass this to ${RECRUITER}, who will reply here.`]);
    const info = await assistantOf(candidate.id);
    expect(info).toMatchObject({ active: false, handback: { reason: 'NOT_UNDERSTOOD' } });
    expect(info.handback!.message).toMatch(/could not understand/);
    // A later "yes" is the recruiter's to answer.
    expect(await say(candidate.phone, 'yes')).toEqual([]);
  });

  it('a not-understood answer later in the sequence re-asks that step, and the count starts afresh per step', async () => {
    const candidate = await fresh();
    await launch('Interest check and screening', [candidate.id]);
    expect(await say(candidate.phone, '??')).toHaveLength(1); // retry 1 at "interest"
    expect(await say(candidate.phone, 'yes')).toEqual([expect.stringContaining('When could you start?')]);
    expect(await say(candidate.phone, 'soon')).toEqual([expect.stringContaining('Which shift')]);
    const again = "Sorry, I didn't quite get that. Which shift do you prefer? Reply 1 for Days, 2 for Evenings, 3 for Nights, 4 for Flexible.";
    expect(await say(candidate.phone, 'I prefer days or nights')).toEqual([again]);
    expect(await say(candidate.phone, '7')).toEqual([again]);
    expect(await say(candidate.phone, '1')).toEqual([expect.stringContaining('how many years')]);
    expect(await assistantOf(candidate.id)).toMatchObject({ active: true, stepId: 'experience' });
    expect(asRecord((await assistantOf(candidate.id)).answers)).toEqual({ 'Available to start': 'soon', 'Shift preference': 'Days' });
  });
});

describe('STOP, take-over and replies that arrive together', () => {
  beforeAll(() => setUp());
  afterAll(() => h.close());

  it('STOP mid-sequence: opted out at once, one confirmation, nothing more from Ari, handed back OPTED_OUT', async () => {
    const candidate = await fresh();
    await launch('Interest check and screening', [candidate.id]);
    expect(await say(candidate.phone, 'yes')).toHaveLength(1);
    const after = await say(candidate.phone, 'STOP');
    expect(after).toEqual([expect.stringContaining('You have been unsubscribed')]);
    const info = await assistantOf(candidate.id);
    expect(info).toMatchObject({ active: false, handback: { reason: 'OPTED_OUT' } });
    // Not even the reminder, a day and more later.
    await h.advance(30 * HOUR);
    expect(await say(candidate.phone, 'in 2 weeks')).toEqual([]);
    expect(await bodies(candidate.phone)).toHaveLength(3); // campaign text, Ari's question, the STOP confirmation
    const { messages } = h.db.t;
    const ariTexts = await h.db.orm
      .select()
      .from(messages)
      .where(and(eq(messages.sender, 'assistant'), eq(messages.toAddress, candidate.phone)));
    expect(ariTexts).toHaveLength(1);
  });

  it('STOP right after an answer, inside the gathering pause: Ari does not answer the answer', async () => {
    const candidate = await fresh();
    await launch('Interest check and screening', [candidate.id]);
    await h.simulator.reply(candidate.phone, 'yes');
    await h.advance(100);
    await h.simulator.reply(candidate.phone, 'stop');
    await h.advance(3000);
    expect((await bodies(candidate.phone)).slice(1)).toEqual([expect.stringContaining('You have been unsubscribed')]);
    expect(await assistantOf(candidate.id)).toMatchObject({ active: false, handback: { reason: 'OPTED_OUT' } });
  });

  it('HELP mid-sequence gets the help text, not Ari; the sequence goes on', async () => {
    const candidate = await fresh();
    await launch('Interest check and screening', [candidate.id]);
    expect(await say(candidate.phone, 'HELP')).toEqual([expect.stringContaining('Reply STOP to unsubscribe')]);
    expect(await assistantOf(candidate.id)).toMatchObject({ active: true, stepId: 'interest' });
    expect(await say(candidate.phone, 'yes')).toEqual([expect.stringContaining('When could you start?')]);
  });

  it('take-over mid-sequence: nothing more from Ari, even for a reply already gathering', async () => {
    const candidate = await fresh();
    await launch('Interest check and screening', [candidate.id]);
    expect(await say(candidate.phone, 'yes')).toHaveLength(1);
    await h.simulator.reply(candidate.phone, 'In a month');
    await h.advance(100); // Ari is gathering
    const took = await h.api('POST', `/api/candidates/${candidate.id}/assistant`, { active: false });
    expect(took.status).toBe(200);
    expect(took.body.assistant).toEqual({ active: false, sequenceId: null });
    await h.advance(5000);
    expect(await bodies(candidate.phone)).toHaveLength(2);
    const info = await assistantOf(candidate.id);
    expect(info).toMatchObject({ active: false, stepId: null, handback: { reason: 'TAKEN_OVER' } });
    expect(info.handback!.message).toBe('You took over the conversation.');
    // Later replies are the recruiter's, and no reminder comes.
    expect(await say(candidate.phone, 'Hello?')).toEqual([]);
    await h.advance(25 * HOUR);
    expect(await bodies(candidate.phone)).toHaveLength(2);
    // The recruiter texts as usual.
    expect((await h.api('POST', `/api/candidates/${candidate.id}/messages`, { body: 'Hi Dana, Jordan here.' })).status).toBe(202);
    await h.advance(2000);
    expect((await bodies(candidate.phone)).at(-1)).toBe('Hi Dana, Jordan here.');
  });

  it('two replies arriving at once are answered once', async () => {
    const candidate = await fresh();
    await launch('Interest check and screening', [candidate.id]);
    await h.simulator.reply(candidate.phone, 'Yes');
    await h.advance(100);
    await h.simulator.reply(candidate.phone, 'yes!');
    await h.advance(5000);
    expect((await bodies(candidate.phone)).slice(1)).toEqual(['Great! When could you start? (for example: right away, in 2 weeks)']);
    expect(await assistantOf(candidate.id)).toMatchObject({ active: true, stepId: 'availability' });
  });

  it('a second turn racing the first (another process) answers nothing', async () => {
    const candidate = await fresh();
    await launch('Interest check and screening', [candidate.id]);
    await h.simulator.reply(candidate.phone, 'Yes');
    await h.simulator.reply(candidate.phone, 'yes, definitely');
    const conversationId = (await h.sql.get<{ id: number }>(
      'select c.id from conversations c join candidates p on p.id = c.candidate_id where p.ats_id = ?',
      candidate.id,
    ))!.id;
    // Started together: one waits for the other's transaction (whichever got the conversation
    // first: on PostgreSQL either may), then finds nothing new.
    const turns = await Promise.all([h.services.assistant.takeTurn(conversationId), h.services.assistant.takeTurn(conversationId)]);
    expect(turns.map((t) => t.length).sort()).toEqual([0, 1]);
    h.services.outbox.kick(); // that process's dispatcher sends what its turn queued
    await h.advance(5000); // the scheduled turn finds nothing new either
    expect((await bodies(candidate.phone)).slice(1)).toEqual(['Great! When could you start? (for example: right away, in 2 weeks)']);
  });
});

describe('how Ari texts: sender, outbox, speed, stored answers', () => {
  beforeAll(() => setUp());
  afterAll(() => h.close());

  it('Ari’s texts carry sender "assistant", go through the outbox and move queued -> sent -> delivered', async () => {
    const candidate = await fresh();
    await launch('Interest check and screening', [candidate.id]);
    await h.simulator.reply(candidate.phone, 'yes');
    await h.advance(300); // the gathering pause is over: Ari's answer is in the outbox
    const thread = async () =>
      (await h.api('GET', `/api/candidates/${candidate.id}/messages?limit=500`)).body.messages as {
        sender: string;
        senderName: string | null;
        status: string;
        body: string;
      }[];
    const queued = (await thread()).at(-1)!;
    expect(queued).toMatchObject({ sender: 'assistant', senderName: 'Ari', body: 'Great! When could you start? (for example: right away, in 2 weeks)' });
    expect(['queued', 'sending', 'sent']).toContain(queued.status);
    await h.advance(2000);
    expect((await thread()).at(-1)).toMatchObject({ sender: 'assistant', status: 'delivered' });
    const { messages } = h.db.t;
    const row = (await first(
      h.db.orm
        .select()
        .from(messages)
        .where(and(eq(messages.sender, 'assistant'), eq(messages.toAddress, candidate.phone))),
    ))!;
    expect(row.idempotencyKey).toMatch(/^ari:/);
    expect(row.providerSid).toMatch(/^SM/);
    // The simulator got it from the outbox (its idempotency key is the outbox row's).
    expect((await phoneTexts(candidate.phone)).at(-1)!.idempotencyKey).toBe(`te-msg-${row.id}`);
    // The campaign's own text is the recruiter's.
    expect((await thread())[0]).toMatchObject({ sender: 'recruiter', senderName: RECRUITER });
  });

  it('Ari answers within a second of the reply arriving', async () => {
    const candidate = await fresh();
    await launch('Interest check and screening', [candidate.id]);
    for (const [reply, step] of [
      ['yes', 'availability'],
      ['tomorrow', 'shift'],
      ['3', 'experience'],
    ] as const) {
      const before = (await phoneTexts(candidate.phone)).length;
      const at = h.clock.now();
      await h.simulator.reply(candidate.phone, reply);
      for (let i = 0; i < 40 && (await phoneTexts(candidate.phone)).length === before; i++) await h.advance(25);
      const answer = (await phoneTexts(candidate.phone))[before];
      expect(answer, `Ari answered ${JSON.stringify(reply)}`).toBeDefined();
      expect(answer!.createdAt - at).toBeLessThanOrEqual(1000);
      expect((await assistantOf(candidate.id)).stepId).toBe(step);
      await h.advance(2000);
    }
  });

  it('answers are stored on the candidate and in the campaign’s results, per recipient', async () => {
    const a = await fresh({ firstName: 'Ana' });
    const b = await fresh({ firstName: 'Ben' });
    const silent = await fresh({ firstName: 'Cy' });
    const campaignId = await launch('Interest check and screening', [a.id, b.id, silent.id]);
    await say(a.phone, 'yes');
    await say(a.phone, 'right away');
    await say(b.phone, 'no');
    expect(await recipientAnswers(campaignId, a.id)).toEqual({ 'Available to start': 'right away' });
    expect(await recipientAnswers(campaignId, b.id)).toEqual({ Interest: 'Not interested' });
    expect(await recipientAnswers(campaignId, silent.id)).toEqual({});
    const info = await assistantOf(a.id);
    expect(info.answers).toEqual([{ key: 'availability', label: 'Available to start', value: 'right away' }]);
    // The candidate list shows who Ari is handling.
    const candidate = await h.api('GET', `/api/candidates/${a.id}`);
    expect(candidate.body.assistant).toEqual({ active: true, sequenceId: sequenceIds['Interest check and screening'] });
  });

  it('the campaign’s Enable ARI only takes outbound sequences of the organisation', async () => {
    const candidate = await fresh();
    const { campaignId } = await draftCampaign(h, { candidateIds: [candidate.id] });
    const inbound = await h.api('PATCH', `/api/campaigns/${campaignId}`, { assistant: { enabled: true, sequenceId: sequenceIds['Inbound: first contact'] } });
    expect(inbound.status).toBe(400);
    expect(inbound.body.error.message).toMatch(/outbound/);
    const none = await h.api('PATCH', `/api/campaigns/${campaignId}`, { assistant: { enabled: true } });
    expect(none.status).toBe(400);
    const missing = await h.api('PATCH', `/api/campaigns/${campaignId}`, { assistant: { enabled: true, sequenceId: 99999 } });
    expect(missing.status).toBe(404);
    const off = await h.api('PATCH', `/api/campaigns/${campaignId}`, { assistant: { enabled: false } });
    expect(off.status).toBe(200);
    expect(off.body.assistant.enabled).toBe(false);
  });

  it('a campaign’s later message does not restart Ari: progress kept, a take-over respected', async () => {
    const going = await fresh();
    const takenOver = await fresh();
    const { campaignId, messageId } = await draftCampaign(h, {
      name: 'Two messages',
      jobTitle: JOB,
      candidateIds: [going.id, takenOver.id],
      body: CAMPAIGN_BODY,
    });
    const followUp = await h.api('POST', `/api/campaigns/${campaignId}/messages`, {
      body: 'Hi {{firstName}}, a reminder from {{recruiterName}}: the {{jobTitle}} role is still open.',
      sendAt: new Date(h.clock.now() + 6 * HOUR).toISOString(),
    });
    expect(followUp.status).toBe(201);
    expect(
      (await h.api('PATCH', `/api/campaigns/${campaignId}`, { assistant: { enabled: true, sequenceId: sequenceIds['Interest check and screening'] } })).status,
    ).toBe(200);
    expect((await h.api('POST', `/api/campaigns/${campaignId}/messages/${followUp.body.message.id}/schedule`)).status).toBe(200);
    expect((await h.api('POST', `/api/campaigns/${campaignId}/messages/${messageId}/schedule`)).status).toBe(200);
    await h.advance(2000);
    await say(going.phone, 'yes');
    await say(going.phone, 'in 2 weeks');
    await say(takenOver.phone, 'yes');
    expect((await h.api('POST', `/api/candidates/${takenOver.id}/assistant`, { active: false })).status).toBe(200);

    await h.advance(6 * HOUR);
    expect((await bodies(going.phone)).at(-1)).toContain('a reminder from Jordan Avery');
    expect((await bodies(takenOver.phone)).at(-1)).toContain('a reminder from Jordan Avery');
    expect(await assistantOf(going.id)).toMatchObject({ active: true, stepId: 'shift' });
    expect(await say(going.phone, 'days')).toEqual([expect.stringContaining('how many years')]);
    expect(await assistantOf(takenOver.id)).toMatchObject({ active: false, handback: { reason: 'TAKEN_OVER' } });
    expect(await say(takenOver.phone, 'yes')).toEqual([]);
  });

  it('a campaign without Enable ARI leaves replies to the recruiter', async () => {
    const candidate = await fresh();
    const { campaignId, messageId } = await draftCampaign(h, { candidateIds: [candidate.id], body: CAMPAIGN_BODY, jobTitle: JOB });
    expect((await h.api('POST', `/api/campaigns/${campaignId}/messages/${messageId}/schedule`)).status).toBe(200);
    await h.advance(2000);
    expect(await say(candidate.phone, 'yes')).toEqual([]);
    expect((await assistantOf(candidate.id)).active).toBe(false);
  });
});

describe('the silent candidate: one reminder', () => {
  // Monday 10:00 in New York.
  beforeAll(() => setUp('2026-03-02T15:00:00Z'));
  afterAll(() => h.close());

  it('gets the sequence’s reminder once after its reminder time, never twice', async () => {
    const candidate = await fresh();
    await launch('Interest check and screening', [candidate.id]);
    await h.advance(24 * HOUR - 5 * MINUTE);
    expect(await bodies(candidate.phone)).toHaveLength(1);
    await h.advance(10 * MINUTE);
    expect((await bodies(candidate.phone)).slice(1)).toEqual([`Hi Dana, just checking in: are you still interested in the ${JOB} role? Reply YES or NO.`]);
    const { messages } = h.db.t;
    const reminder = await h.db.orm
      .select()
      .from(messages)
      .where(and(eq(messages.toAddress, candidate.phone), like(messages.idempotencyKey, 'ari:%')));
    expect(reminder.map((m) => m.sender)).toEqual(['assistant']);
    await h.advance(72 * HOUR);
    expect(await bodies(candidate.phone)).toHaveLength(2);
    // Answering the reminder carries on from the step they are at.
    expect(await say(candidate.phone, 'yes')).toEqual([expect.stringContaining('When could you start?')]);
  });

  it('going quiet later in the sequence: the reminder asks the question they are at, and still only once', async () => {
    const candidate = await fresh();
    await launch('Interest check and screening', [candidate.id]);
    await say(candidate.phone, 'yes');
    await say(candidate.phone, 'in 2 weeks');
    const before = (await bodies(candidate.phone)).length;
    await h.advance(24 * HOUR + 5 * MINUTE);
    const reminder = (await bodies(candidate.phone)).slice(before);
    expect(reminder).toHaveLength(1);
    expect(reminder[0]).toContain('Which shift do you prefer?');
    expect(await say(candidate.phone, 'days')).toEqual([expect.stringContaining('how many years')]);
    await h.advance(72 * HOUR);
    expect(await bodies(candidate.phone)).toHaveLength(before + 2);
  });

  it('a candidate opted out some other way (not by replying) is not reminded, and Ari hands back OPTED_OUT', async () => {
    const candidate = await fresh();
    await launch('Interest check and screening', [candidate.id]);
    // E.g. the carrier reported 21610, or the ATS import marked them opted out.
    await h.sql.run(`update candidates set opted_out_at = ?, opt_out_method = 'provider' where ats_id = ?`, h.clock.now(), candidate.id);
    await h.advance(25 * HOUR);
    expect(await bodies(candidate.phone)).toHaveLength(1);
    expect(await assistantOf(candidate.id)).toMatchObject({ active: false, handback: { reason: 'OPTED_OUT' } });
  });

  it('interview scheduling reminds with the calendar link; re-engagement after two days', async () => {
    const scheduling = await fresh();
    const reengage = await fresh();
    await launch('Interview scheduling', [scheduling.id]);
    await launch('Re-engage past applicants', [reengage.id]);
    await h.advance(24 * HOUR + 5 * MINUTE);
    expect((await bodies(scheduling.phone))[1]).toMatch(/^Hi Dana, you can still pick an interview time here: http:\/\/te\.test\/book\/jordan-avery\?c=/);
    expect(await bodies(reengage.phone)).toHaveLength(1);
    await h.advance(24 * HOUR);
    expect((await bodies(reengage.phone)).slice(1)).toEqual(['Hi Dana, are you open to new opportunities with us? Reply YES or NO.']);
  });

  it('a reminder that falls in the candidate’s quiet hours waits for the morning', async () => {
    const newYork = (ms: number) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
    // Move on to 22:55 in New York (the candidate's zone).
    const [hh, mm] = newYork(h.clock.now()).split(':').map(Number);
    await h.advance((((((22 - hh!) * 60 + 55 - mm!) * MINUTE) % (24 * HOUR)) + 24 * HOUR) % (24 * HOUR));
    expect(newYork(h.clock.now())).toBe('22:55');
    const candidate = await fresh();
    const handed = await h.api('POST', `/api/candidates/${candidate.id}/assistant`, { active: true, sequenceId: sequenceIds['Interest check and screening'] });
    expect(handed.status).toBe(200);
    await h.advance(5 * MINUTE);
    // The candidate answers at 23:00, so the next question's reminder falls due at 23:00 tomorrow.
    expect(await say(candidate.phone, 'yes')).toEqual([expect.stringContaining('When could you start?')]);
    const before = (await bodies(candidate.phone)).length;
    await h.advance(24 * HOUR + 5 * MINUTE); // 23:05
    expect(await bodies(candidate.phone)).toHaveLength(before);
    await h.advance(9 * HOUR); // 08:05
    expect(await bodies(candidate.phone)).toHaveLength(before + 1);
    expect(newYork((await phoneTexts(candidate.phone)).at(-1)!.createdAt)).toBe('08:00');
    expect((await bodies(candidate.phone)).at(-1)).toBe('Just checking in, Dana. Great! When could you start? (for example: right away, in 2 weeks)');
  });
});

describe('the WhatsApp window', () => {
  beforeAll(() => setUp());
  afterAll(() => h.close());

  it('Ari never sends free text outside it: the reminder to a WhatsApp candidate whose window closed is not sent', async () => {
    const candidate = await fresh({ channel: 'whatsapp' });
    const templates = (await h.api('GET', '/api/templates')).body.templates as { id: number; name: string; body: string; whatsappApproved: boolean }[];
    const approved = templates.find((t) => t.name === 'Still interested?' && t.whatsappApproved)!;
    const created = await h.api('POST', '/api/campaigns', { name: 'WhatsApp with Ari', jobTitle: JOB, candidateIds: [candidate.id] });
    const campaignId = created.body.campaign.id as number;
    const message = await h.api('POST', `/api/campaigns/${campaignId}/messages`, { body: approved.body, templateId: approved.id, sendAt: null });
    expect(message.status, JSON.stringify(message.body)).toBe(201);
    expect(
      (await h.api('PATCH', `/api/campaigns/${campaignId}`, { assistant: { enabled: true, sequenceId: sequenceIds['Interest check and screening'] } })).status,
    ).toBe(200);
    expect((await h.api('POST', `/api/campaigns/${campaignId}/messages/${message.body.message.id}/schedule`)).status).toBe(200);
    await h.advance(2000);
    expect(await phoneTexts(candidate.phone)).toHaveLength(1);
    expect((await phoneTexts(candidate.phone))[0]!.channel).toBe('whatsapp');

    await h.advance(25 * HOUR);
    expect(await phoneTexts(candidate.phone)).toHaveLength(1);
    const { messages } = h.db.t;
    const ari = await h.db.orm
      .select()
      .from(messages)
      .where(and(eq(messages.toAddress, candidate.phone), eq(messages.sender, 'assistant')));
    expect(ari).toEqual([]);
    // Still Ari's conversation: a reply opens the window and Ari answers it.
    const answered = await say(candidate.phone, 'yes');
    expect(answered).toEqual([expect.stringContaining('When could you start?')]);
    expect((await phoneTexts(candidate.phone)).at(-1)!.channel).toBe('whatsapp');
    // Quiet again for a day: the window closes before the reminder would go.
    await h.advance(3 * 24 * HOUR);
    expect(await phoneTexts(candidate.phone)).toHaveLength(2);
  });
});

describe('subscriptions and the sequence admin API', () => {
  beforeAll(() => setUp());
  afterAll(() => h.close());

  const GLOBEX = { email: 'recruiter@globex.test' };
  const valid = (name: string) => ({
    name,
    kind: 'outbound',
    start: 'interest',
    reminder: { afterMinutes: 60, text: 'Still there, {{firstName}}?' },
    steps: [
      {
        id: 'interest',
        ask: 'Interested in {{jobTitle}}? Reply YES or NO.',
        expect: { type: 'yesno', yes: { goto: 'years' }, no: { end: 'complete', mark: 'not_interested' } },
      },
      {
        id: 'years',
        ask: 'How many years of experience?',
        expect: { type: 'number', min: 0, max: 50, then: { end: 'handback', mark: 'interested', say: 'Thanks!' } },
        save: { key: 'years', label: 'Years' },
      },
    ],
  });

  it('403 ASSISTANT_NOT_SUBSCRIBED for Globex: hand-off, Enable ARI, creating sequences; no sequences listed', async () => {
    const handoff = await h.api('POST', '/api/candidates/20001/assistant', { active: true }, GLOBEX);
    expect(handoff.status).toBe(403);
    expect(handoff.body.error.code).toBe('ASSISTANT_NOT_SUBSCRIBED');
    const created = await h.api('POST', '/api/campaigns', { name: 'Globex', candidateIds: ['20001'] }, GLOBEX);
    expect(created.status).toBe(201);
    const enable = await h.api(
      'PATCH',
      `/api/campaigns/${created.body.campaign.id}`,
      { assistant: { enabled: true, sequenceId: sequenceIds['Interest check and screening'] } },
      GLOBEX,
    );
    expect(enable.status).toBe(403);
    expect(enable.body.error.code).toBe('ASSISTANT_NOT_SUBSCRIBED');
    const sequence = await h.api('POST', '/api/sequences', { definition: valid('Globex screening') }, GLOBEX);
    expect(sequence.status).toBe(403);
    expect(sequence.body.error.code).toBe('ASSISTANT_NOT_SUBSCRIBED');
    expect((await h.api('GET', '/api/sequences', undefined, GLOBEX)).body).toEqual({ sequences: [] });
    expect((await h.api('GET', '/api/candidates/20001/assistant', undefined, GLOBEX)).body).toMatchObject({ active: false, answers: [] });
  });

  it('Globex never sees Acme’s sequences, nor can it use them', async () => {
    const patch = await h.api('PATCH', `/api/sequences/${sequenceIds['Interview scheduling']}`, { definition: valid('Stolen') }, GLOBEX);
    expect(patch.status).toBe(404);
  });

  it('an admin creates and edits a sequence; it then runs', async () => {
    const created = await h.api('POST', '/api/sequences', { definition: valid('Quick screen') });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: 'Quick screen', kind: 'outbound', primary: false });
    const id = created.body.id as number;
    expect((await h.api('GET', '/api/sequences')).body.sequences.map((s: { name: string }) => s.name)).toContain('Quick screen');

    const edited = await h.api('PATCH', `/api/sequences/${id}`, { definition: { ...valid('Quick screen v2'), description: 'Two questions.' } });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ id, name: 'Quick screen v2', description: 'Two questions.' });
    // Defaults are stored: what runs is what was validated.
    expect(edited.body.definition.fallback).toBe("Sorry, I didn't catch that.");

    const candidate = await fresh();
    expect((await h.api('POST', `/api/candidates/${candidate.id}/assistant`, { active: true, sequenceId: id })).status).toBe(200);
    await h.advance(2000);
    expect(await bodies(candidate.phone)).toEqual(['Interested in Picker? Reply YES or NO.']);
    expect(await say(candidate.phone, 'yes')).toEqual(['How many years of experience?']);
    expect(await say(candidate.phone, '3')).toEqual(['Thanks!']);
    expect(await assistantOf(candidate.id)).toMatchObject({
      handback: {
        reason: 'HANDED_BACK',
        summary: [
          { key: 'years', label: 'Years', value: '3' },
          { key: 'interest', label: 'Interest', value: 'Interested' },
        ],
      },
    });
  });

  it.each([
    [
      'a branch to a missing step',
      (d: ReturnType<typeof valid>) => ((d.steps[0]!.expect as { yes: unknown }).yes = { goto: 'salary' }),
      'Step "interest" branches to "salary", which does not exist.',
    ],
    [
      'a step no path reaches',
      (d: ReturnType<typeof valid>) => d.steps.push({ id: 'lonely', ask: 'Hi?', expect: { type: 'text', then: { end: 'complete' } } } as never),
      'Step "lonely" cannot be reached from the start.',
    ],
    [
      'a loop without an exit',
      (d: ReturnType<typeof valid>) => {
        (d.steps[0]!.expect as { no: unknown }).no = { goto: 'years' };
        (d.steps[1]!.expect as { then: unknown }).then = { goto: 'interest' };
      },
      'form a loop with no way out.',
    ],
    ['a missing start', (d: ReturnType<typeof valid>) => (d.start = 'hello'), 'The start step "hello" does not exist.'],
    ['no steps', (d: ReturnType<typeof valid>) => (d.steps = []), 'steps:'],
    // Texts Ari would send empty or cut short are refused when saved, as a recruiter's text is when sent.
    ['a blank question', (d: ReturnType<typeof valid>) => (d.steps[1]!.ask = '   '), 'steps.1.ask: Write something for Ari to send; this text is blank.'],
    [
      'an unknown merge field in a question',
      (d: ReturnType<typeof valid>) => (d.steps[0]!.ask = 'Hi {{nickname}}, interested?'),
      'Unknown merge field {{nickname}}',
    ],
    [
      'an unknown merge field in the reminder',
      (d: ReturnType<typeof valid>) => (d.reminder.text = 'Still there, {{first_name}}?'),
      'reminder.text: Unknown merge field {{first_name}}',
    ],
  ])('400 VALIDATION naming the problem: %s', async (_what, breakIt, problem) => {
    const definition = valid('Broken');
    breakIt(definition);
    const created = await h.api('POST', '/api/sequences', { definition });
    expect(created.status).toBe(400);
    expect(created.body.error.code).toBe('VALIDATION');
    expect(created.body.error.message).toContain(problem);
    const edited = await h.api('PATCH', `/api/sequences/${sequenceIds['Interest check and screening']}`, { definition });
    expect(edited.status).toBe(400);
    expect(edited.body.error.message).toContain(problem);
    // Nothing was saved.
    const names = (await h.api('GET', '/api/sequences')).body.sequences.map((s: { name: string }) => s.name);
    expect(names).not.toContain('Broken');
    expect(names).toContain('Interest check and screening');
  });

  it('a question that is only a field the candidate has no value for sends nothing, never an empty text', async () => {
    const definition = valid('Surname only');
    definition.steps[0]!.ask = '{{lastName}}';
    const created = await h.api('POST', '/api/sequences', { definition });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const candidate = await fresh({ lastName: '' });
    expect((await h.api('POST', `/api/candidates/${candidate.id}/assistant`, { active: true, sequenceId: created.body.id })).status).toBe(200);
    await h.advance(2000);
    expect(await bodies(candidate.phone)).toEqual([]);
    expect(await assistantOf(candidate.id)).toMatchObject({ active: true, stepId: 'interest' });
  });

  it('a sequence saved before its texts were checked still runs', async () => {
    const definition = valid('Saved long ago');
    definition.steps[0]!.ask = 'Hi {{nickname}}, interested in {{jobTitle}}?';
    const orgId = await orgIdOf(h.db, 'acme');
    const now = h.clock.now();
    const { sequences } = h.db.t;
    const [row] = await h.db.orm
      .insert(sequences)
      .values({ orgId, kind: 'outbound', name: definition.name, definition, createdAt: now, updatedAt: now })
      .returning();
    const candidate = await fresh();
    expect((await h.api('POST', `/api/candidates/${candidate.id}/assistant`, { active: true, sequenceId: row!.id })).status).toBe(200);
    await h.advance(2000);
    // Rendered as Ari always rendered what it cannot fill in: the unknown field left out, the role named plainly.
    expect(await bodies(candidate.phone)).toEqual(['Hi , interested in the role?']);
  });

  it('403 FORBIDDEN for non-admins: creating and editing', async () => {
    const created = await h.api('POST', '/api/sequences', { definition: valid('Mine') }, { email: 'nolicense@acme.test' });
    expect(created.status).toBe(403);
    expect(created.body.error.code).toBe('FORBIDDEN');
    const edited = await h.api(
      'PATCH',
      `/api/sequences/${sequenceIds['Interview scheduling']}`,
      { definition: valid('Mine') },
      { email: 'nolicense@acme.test' },
    );
    expect(edited.status).toBe(403);
    expect(edited.body.error.code).toBe('FORBIDDEN');
    // Reading is for everyone in the organisation.
    expect((await h.api('GET', '/api/sequences', undefined, { email: 'nolicense@acme.test' })).body.sequences).toHaveLength(
      (await h.api('GET', '/api/sequences')).body.sequences.length,
    );
  });

  it('only an inbound sequence can be primary, and a refused primary leaves nothing behind', async () => {
    const before = (await h.api('GET', '/api/sequences')).body.sequences.length;
    const outboundPrimary = await h.api('POST', '/api/sequences', { definition: valid('Wannabe primary'), primary: true });
    expect(outboundPrimary.status).toBe(400);
    expect((await h.api('GET', '/api/sequences')).body.sequences).toHaveLength(before);
    const demote = await h.api('PATCH', `/api/sequences/${sequenceIds['Inbound: first contact']}`, { definition: { ...valid('Inbound now outbound') } });
    expect(demote.status).toBe(400);
    expect(demote.body.error.message).toMatch(/primary sequence must stay an inbound/);
    const promote = await h.api('PATCH', `/api/sequences/${sequenceIds['Interview scheduling']}`, { definition: valid('Renamed and promoted'), primary: true });
    expect(promote.status).toBe(400);
    const names = (await h.api('GET', '/api/sequences')).body.sequences.map((s: { name: string }) => s.name);
    expect(names).toContain('Interview scheduling');
    expect(names).not.toContain('Renamed and promoted');

    const inbound = await h.api('POST', '/api/sequences', { definition: { ...valid('New front door'), kind: 'inbound' }, primary: true });
    expect(inbound.status).toBe(201);
    expect(inbound.body.primary).toBe(true);
    const list = (await h.api('GET', '/api/sequences')).body.sequences as { name: string; primary: boolean }[];
    expect(list.filter((s) => s.primary).map((s) => s.name)).toEqual(['New front door']);
    // A candidate who texts first now meets the new primary sequence.
    const candidate = await fresh();
    expect(await say(candidate.phone, 'Hi there')).toEqual(['Interested in Picker? Reply YES or NO.']);
  });
});
