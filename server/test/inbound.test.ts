/**
 * Candidates' replies through the simulator (the same pipeline as Twilio's inbound webhook):
 * threads, unread counts, the carrier keywords (opt-out, opt-in, help) with their false
 * positives, texts from unknown numbers, and the events published for each organisation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Candidate, Message } from '../../shared/api.js';
import { first } from '../db/types.js';
import type { AppEvent } from '../lib/events.js';
import { createHarness, type Harness } from './harness.js';
import { candidatePool } from './support/demo-candidates.js';
import { testEngine } from './support/test-db.js';

describe('inbound texts', () => {
  let h: Harness;
  const pool = candidatePool('sms');

  beforeAll(async () => {
    h = await createHarness({ inboundGreeting: false });
    await h.login();
  });
  afterAll(() => h.close());

  const candidate = async (id: string) => (await h.api('GET', `/api/candidates/${id}`)).body as Candidate;
  const thread = async (id: string) => (await h.api('GET', `/api/candidates/${id}/messages?limit=500`)).body.messages as Message[];
  /** Texts the server sent to this phone (confirmations, recruiter texts). */
  const toPhone = async (phone: string) => (await h.simulator.phoneMessages(phone)).filter((m) => m.direction === 'to-phone');
  /** Replies, then lets the dispatcher deliver any automatic answer. */
  const reply = async (phone: string, body: string) => {
    await h.simulator.reply(phone, body);
    await h.advance(2000);
  };

  it('a reply lands in the thread as inbound / candidate / received, and updates lastInboundAt and unreadCount', async () => {
    const { id, phone } = pool.next();
    expect((await h.api('POST', `/api/candidates/${id}/messages`, { body: 'Are you still interested?' })).status).toBe(202);
    await h.advance(2000);
    const before = await candidate(id);
    expect(before).toMatchObject({ lastInboundAt: null, unreadCount: 0 });

    await h.simulator.reply(phone, 'Yes, very much! 🙂');
    const at = new Date(h.clock.now()).toISOString();
    const list = await thread(id);
    expect(list.at(-1)).toMatchObject({
      candidateId: id,
      direction: 'inbound',
      sender: 'candidate',
      status: 'received',
      channel: 'sms',
      body: 'Yes, very much! 🙂',
      encoding: 'UCS-2',
      senderName: null,
      createdAt: at,
    });
    expect(await candidate(id)).toMatchObject({ lastInboundAt: at, unreadCount: 1, textable: true });

    await h.advance(60_000);
    await h.simulator.reply(phone, 'When is the interview?');
    const after = await candidate(id);
    expect(after.unreadCount).toBe(2);
    expect(after.lastInboundAt).toBe(new Date(h.clock.now()).toISOString());
    // A plain reply gets no automatic answer.
    await h.advance(2000);
    expect(await toPhone(phone)).toHaveLength(1);
  });

  describe('opt-out keywords', () => {
    const variants = ['STOP', 'stop', ' Stop. ', 'UNSUBSCRIBE', 'cancel', 'END', 'quit', 'REVOKE', 'optout', 'STOPALL', 'Stop!!', '\tstop\n'];

    it.each(variants)('%j opts out at once, with exactly one confirmation text', async (keyword) => {
      const { id, phone } = pool.next();
      await h.simulator.reply(phone, keyword);
      // Opted out before anything else runs: no text can slip through.
      const now = await candidate(id);
      expect(now).toMatchObject({ optedOut: true, textable: false, reason: 'OPTED_OUT' });
      const refused = await h.api('POST', `/api/candidates/${id}/messages`, { body: 'One more thing...' });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('OPTED_OUT');

      await h.advance(2000);
      const texts = await toPhone(phone);
      expect(texts).toHaveLength(1);
      expect(texts[0]!.body).toMatch(/unsubscribed/i);
      expect(texts[0]!.body).toMatch(/START/);
      const row = (await first(h.db.orm.select().from(h.db.t.candidates).where(eq(h.db.t.candidates.atsId, id))))!;
      expect(row.optOutMethod).toBe('keyword');
      expect(row.optedOutAt).not.toBeNull();
      // The thread shows the keyword and the automatic answer.
      expect((await thread(id)).map((m) => [m.sender, m.status])).toEqual([
        ['candidate', 'received'],
        ['system', 'delivered'],
      ]);
    });

    it('a second STOP sends no second confirmation', async () => {
      const { id, phone } = pool.next();
      await reply(phone, 'STOP');
      await reply(phone, 'STOP');
      await reply(phone, 'unsubscribe');
      expect(await toPhone(phone)).toHaveLength(1);
      expect((await thread(id)).filter((m) => m.direction === 'inbound')).toHaveLength(3);
      expect((await candidate(id)).optedOut).toBe(true);
    });

    it.each([
      'Please stop calling me at work',
      'I want to cancel my interview',
      'stop it',
      'STOP STOP',
      'Stopping by tomorrow',
      'end of day works',
      'unsubscribe me please',
    ])('%j is a reply, not an opt-out', async (body) => {
      const { id, phone } = pool.next();
      await reply(phone, body);
      expect(await candidate(id)).toMatchObject({ optedOut: false, textable: true, reason: null });
      expect(await toPhone(phone)).toEqual([]);
      expect((await thread(id)).map((m) => [m.sender, m.body])).toEqual([['candidate', body]]);
    });

    it('an opt-out stops texts already queued for the candidate', async () => {
      const { id, phone } = pool.next();
      // Queued but not yet handed over (the dispatcher has not run).
      const queued = await h.api('POST', `/api/candidates/${id}/messages`, { body: 'Reminder about tomorrow' });
      expect(queued.status).toBe(202);
      await h.simulator.reply(phone, 'STOP');
      await h.advance(2000);
      const texts = await toPhone(phone);
      expect(texts.map((t) => t.body)).toEqual([expect.stringMatching(/unsubscribed/i)]);
      const recruiterText = (await thread(id)).find((m) => m.id === queued.body.id)!;
      expect(recruiterText).toMatchObject({ status: 'failed', errorCode: 'OPTED_OUT' });
    });
  });

  describe('opting back in, and help', () => {
    it('START re-subscribes with one confirmation', async () => {
      const { id, phone } = pool.next();
      await reply(phone, 'STOP');
      await reply(phone, 'START');
      expect(await candidate(id)).toMatchObject({ optedOut: false, textable: true, reason: null });
      const texts = (await toPhone(phone)).map((m) => m.body);
      expect(texts).toHaveLength(2);
      expect(texts[0]).toMatch(/unsubscribed/i);
      expect(texts[1]).toMatch(/resubscribed/i);
      expect((await h.api('POST', `/api/candidates/${id}/messages`, { body: 'Welcome back!' })).status).toBe(202);
    });

    it('UNSTOP re-subscribes too', async () => {
      const { id, phone } = pool.next();
      await reply(phone, 'stop');
      await reply(phone, 'Unstop');
      expect((await candidate(id)).optedOut).toBe(false);
      expect((await toPhone(phone)).map((m) => m.body)).toEqual([expect.stringMatching(/unsubscribed/i), expect.stringMatching(/resubscribed/i)]);
    });

    it('YES from an opted-out candidate re-subscribes; YES from a subscribed one is just a reply', async () => {
      const out = pool.next();
      await reply(out.phone, 'STOP');
      await reply(out.phone, 'yes');
      expect((await candidate(out.id)).optedOut).toBe(false);
      expect(await toPhone(out.phone)).toHaveLength(2);
      expect((await toPhone(out.phone))[1]!.body).toMatch(/resubscribed/i);

      const subscribed = pool.next();
      await reply(subscribed.phone, 'YES');
      expect((await candidate(subscribed.id)).optedOut).toBe(false);
      expect(await toPhone(subscribed.phone)).toEqual([]);
      expect((await thread(subscribed.id)).map((m) => [m.sender, m.body])).toEqual([['candidate', 'YES']]);
    });

    it('a candidate opted out in the ATS data can opt back in with START', async () => {
      // 10004 Liam O'Connor opted out before the demo starts.
      expect((await candidate('10004')).reason).toBe('OPTED_OUT');
      const row = (await first(h.db.orm.select().from(h.db.t.candidates).where(eq(h.db.t.candidates.atsId, '10004'))))!;
      await reply(row.phone!, 'START');
      expect(await candidate('10004')).toMatchObject({ optedOut: false, textable: true });
      expect((await toPhone(row.phone!)).map((m) => m.body)).toEqual([expect.stringMatching(/resubscribed/i)]);
    });

    it.each(['HELP', 'info', ' Help? '])('%j gets a help text and changes nothing', async (body) => {
      const { id, phone } = pool.next();
      await reply(phone, body);
      const texts = await toPhone(phone);
      expect(texts).toHaveLength(1);
      expect(texts[0]!.body).toMatch(/Acme Staffing/);
      expect(texts[0]!.body).toMatch(/STOP/);
      expect(await candidate(id)).toMatchObject({ optedOut: false, textable: true });
      expect((await thread(id)).map((m) => m.sender)).toEqual(['candidate', 'system']);
    });

    it('HELP is answered even for an opted-out candidate, who stays opted out', async () => {
      const { id, phone } = pool.next();
      await reply(phone, 'STOP');
      await reply(phone, 'HELP');
      expect(await toPhone(phone)).toHaveLength(2);
      expect((await candidate(id)).optedOut).toBe(true);
    });
  });

  it('a text from an unknown number is kept under a placeholder candidate', async () => {
    const stranger = '+16175550123';
    expect(await h.db.orm.select().from(h.db.t.candidates).where(eq(h.db.t.candidates.phone, stranger))).toEqual([]);
    await h.simulator.reply(stranger, 'Hi, I saw your job ad. Who do I talk to?');
    const rows = await h.db.orm.select().from(h.db.t.candidates).where(eq(h.db.t.candidates.phone, stranger));
    expect(rows).toHaveLength(1);
    const acme = (await first(h.db.orm.select().from(h.db.t.organizations).where(eq(h.db.t.organizations.slug, 'acme'))))!;
    expect(rows[0]).toMatchObject({ orgId: acme.id, atsId: `phone:${stranger}`, firstName: 'Unknown', consentAt: null });
    const stored = await h.db.orm.select().from(h.db.t.messages).where(eq(h.db.t.messages.candidateId, rows[0]!.id));
    expect(stored.map((m) => [m.direction, m.body])).toEqual([['inbound', 'Hi, I saw your job ad. Who do I talk to?']]);

    // The recruiter sees it through the API, but cannot text back without consent.
    const id = encodeURIComponent(`phone:${stranger}`);
    const list = await h.api('GET', `/api/candidates/${id}/messages`);
    expect(list.status).toBe(200);
    expect(list.body.messages).toHaveLength(1);
    const placeholder = await candidate(id);
    expect(placeholder).toMatchObject({ firstName: 'Unknown', phone: stranger, textable: false, reason: 'NO_CONSENT', unreadCount: 1 });

    // A second text goes to the same placeholder.
    await h.simulator.reply(stranger, 'Hello?');
    expect(await h.db.orm.select().from(h.db.t.candidates).where(eq(h.db.t.candidates.phone, stranger))).toHaveLength(1);
    // And it is not visible to another organisation.
    expect((await h.api('GET', `/api/candidates/${id}`, undefined, { email: 'recruiter@globex.test' })).status).toBe(404);
  });

  describe('events', () => {
    it('publishes message.created and candidate.updated to the candidate’s organisation only', async () => {
      const orgs = await h.db.orm.select().from(h.db.t.organizations);
      const acmeId = orgs.find((o) => o.slug === 'acme')!.id;
      const globexId = orgs.find((o) => o.slug === 'globex')!.id;
      const acmeEvents: AppEvent[] = [];
      const globexEvents: AppEvent[] = [];
      const offAcme = h.deps.events.subscribe(acmeId, (e) => acmeEvents.push(e));
      const offGlobex = h.deps.events.subscribe(globexId, (e) => globexEvents.push(e));
      try {
        const { id, phone } = pool.next();
        await h.simulator.reply(phone, 'Is the job remote?');
        const created = acmeEvents.filter((e) => e.type === 'message.created').map((e) => e.data as Message);
        expect(created).toEqual([expect.objectContaining({ candidateId: id, direction: 'inbound', body: 'Is the job remote?' })]);
        const updated = acmeEvents.filter((e) => e.type === 'candidate.updated').map((e) => e.data as Candidate);
        expect(updated.at(-1)).toMatchObject({ id, unreadCount: 1, lastInboundAt: expect.any(String) });

        // A recruiter's text: created at once, updated as it is sent and delivered.
        acmeEvents.length = 0;
        const sent = await h.api('POST', `/api/candidates/${id}/messages`, { body: 'Partly remote, yes.' });
        expect(acmeEvents.map((e) => e.type)).toEqual(['message.created']);
        await h.advance(2000);
        const statuses = acmeEvents
          .filter((e) => e.type === 'message.updated' && (e.data as Message).id === sent.body.id)
          .map((e) => (e.data as Message).status);
        expect(statuses.at(-1)).toBe('delivered');
        expect(statuses).toContain('sent');

        // STOP: the keyword, the confirmation, and the candidate's new state.
        acmeEvents.length = 0;
        await h.simulator.reply(phone, 'STOP');
        expect(acmeEvents.filter((e) => e.type === 'message.created').map((e) => (e.data as Message).sender)).toEqual(['candidate', 'system']);
        expect(acmeEvents.filter((e) => e.type === 'candidate.updated').map((e) => (e.data as Candidate).optedOut)).toEqual([true]);

        // Reading the thread publishes the new unread count.
        acmeEvents.length = 0;
        await h.api('POST', `/api/candidates/${id}/read`);
        expect(acmeEvents.map((e) => [e.type, (e.data as Candidate).unreadCount])).toEqual([['candidate.updated', 0]]);

        await h.advance(2000);
        expect(globexEvents).toEqual([]);
      } finally {
        offAcme();
        offGlobex();
      }
    });

    it("a Globex candidate's reply is published to Globex, not Acme", async () => {
      const orgs = await h.db.orm.select().from(h.db.t.organizations);
      const acmeEvents: AppEvent[] = [];
      const globexEvents: AppEvent[] = [];
      const offAcme = h.deps.events.subscribe(orgs.find((o) => o.slug === 'acme')!.id, (e) => acmeEvents.push(e));
      const offGlobex = h.deps.events.subscribe(orgs.find((o) => o.slug === 'globex')!.id, (e) => globexEvents.push(e));
      try {
        const sent = await h.api('POST', '/api/candidates/20002/messages', { body: 'Hi from Globex' }, { email: 'recruiter@globex.test' });
        expect(sent.status).toBe(202);
        await h.advance(2000);
        const row = (await first(h.db.orm.select().from(h.db.t.candidates).where(eq(h.db.t.candidates.atsId, '20002'))))!;
        await h.simulator.reply(row.phone!, 'Thanks Globex');
        expect(globexEvents.some((e) => e.type === 'message.created' && (e.data as Message).body === 'Thanks Globex')).toBe(true);
        expect(globexEvents.some((e) => e.type === 'candidate.updated' && (e.data as Candidate).id === '20002')).toBe(true);
        expect(acmeEvents).toEqual([]);
      } finally {
        offAcme();
        offGlobex();
      }
    });
  });

  /** A trigger that fails the insert of a message whose body is BOOM (each engine's own syntax). */
  const rejectBoom = {
    async create() {
      if (testEngine === 'sqlite') {
        await h.sql.run(`create trigger reject_boom before insert on messages when new.body = 'BOOM' begin select raise(abort, 'disk trouble'); end`);
        return;
      }
      await h.sql.run(`create function reject_boom() returns trigger language plpgsql as $$ begin raise exception 'disk trouble'; end $$`);
      await h.sql.run(`create trigger reject_boom before insert on messages for each row when (new.body = 'BOOM') execute function reject_boom()`);
    },
    async drop() {
      if (testEngine === 'sqlite') {
        await h.sql.run('drop trigger reject_boom');
        return;
      }
      await h.sql.run('drop trigger reject_boom on messages');
      await h.sql.run('drop function reject_boom');
    },
  };

  it('texts arriving together are committed together, and one that cannot be recorded fails alone (its webhook retried later)', async () => {
    const [a, b, c] = [pool.next(), pool.next(), pool.next()];
    // A real storage failure for one text of the batch: the database aborts the insert of that body.
    await rejectBoom.create();
    try {
      const results = await Promise.allSettled([
        h.simulator.reply(a.phone, 'First of three'),
        h.simulator.reply(b.phone, 'BOOM'),
        h.simulator.reply(c.phone, 'Third of three'),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((await thread(a.id)).at(-1)?.body).toBe('First of three');
      expect((await thread(c.id)).at(-1)?.body).toBe('Third of three');
      expect((await thread(b.id)).some((m) => m.body === 'BOOM')).toBe(false);
      // Nothing of the failed one was kept, not even its log entry: the provider's retry is new.
      const logged = await h.sql.get<{ n: number }>(`select count(*) as n from webhook_events where kind = 'inbound' and cast(payload as text) like '%BOOM%'`);
      expect(logged!.n).toBe(0);
    } finally {
      await rejectBoom.drop();
    }
    await h.simulator.reply(b.phone, 'BOOM');
    expect((await thread(b.id)).at(-1)?.body).toBe('BOOM');
  });
});
