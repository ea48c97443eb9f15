/**
 * One-to-one texting: POST /api/candidates/:id/messages (every refusal, idempotency, segments),
 * the thread (GET .../messages), the simulator's failing numbers, read state and the assistant
 * switch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { SegmentedMessage } from 'sms-segments-calculator';
import { MessageSchema, type Message } from '../../shared/api.js';
import { demoCandidates } from '../../fixtures/demo/index.js';
import { first } from '../db/types.js';
import { createHarness, type Harness } from './harness.js';
import { candidatePool, e164 } from './support/demo-candidates.js';

const ACME = 'recruiter@acme.test';
const GLOBEX = 'recruiter@globex.test';
const NO_LICENCE = 'nolicense@acme.test';

describe('texting one candidate', () => {
  let h: Harness;
  const pools = { sms: candidatePool('sms'), whatsapp: candidatePool('whatsapp') };
  /** A candidate no other test has touched, so each test reads its own thread and phone. */
  const fresh = (channel: 'sms' | 'whatsapp' = 'sms') => pools[channel].next();

  beforeAll(async () => {
    h = await createHarness({ inboundGreeting: false });
    await Promise.all([h.login(ACME), h.login(GLOBEX), h.login(NO_LICENCE)]);
  });
  afterAll(() => h.close());

  const send = (id: string, body: unknown, init: { email?: string; key?: string } = {}) =>
    h.api('POST', `/api/candidates/${id}/messages`, body, {
      email: init.email ?? ACME,
      headers: init.key ? { 'idempotency-key': init.key } : {},
    });
  const thread = async (id: string, query = '') => {
    const res = await h.api('GET', `/api/candidates/${id}/messages${query}`);
    expect(res.status).toBe(200);
    return res.body as { messages: Message[]; nextCursor: number | null };
  };
  const toPhone = async (phone: string) => (await h.simulator.phoneMessages(phone)).filter((m) => m.direction === 'to-phone');
  const rowsFor = async (atsId: string) => {
    const { candidates, messages } = h.db.t;
    const c = (await first(h.db.orm.select().from(candidates).where(eq(candidates.atsId, atsId))))!;
    return h.db.orm.select().from(messages).where(eq(messages.candidateId, c.id));
  };
  const templateId = async (name: string) => {
    const res = await h.api('GET', '/api/templates');
    return (res.body.templates as { id: number; name: string; whatsappApproved: boolean }[]).find((t) => t.name === name)!;
  };

  it('queues (202), then delivers: exactly one text lands on the phone', async () => {
    const sent = await send('10001', { body: 'Hi {{firstName}}, are you free for a call about the {{jobTitle}} role?' });
    expect(sent.status).toBe(202);
    const message = MessageSchema.parse(sent.body);
    expect(message).toMatchObject({
      candidateId: '10001',
      direction: 'outbound',
      channel: 'sms',
      body: 'Hi Maria, are you free for a call about the Warehouse Associate role?',
      status: 'queued',
      sender: 'recruiter',
      senderName: 'Jordan Avery',
      encoding: 'GSM-7',
      segments: 1,
      errorCode: null,
    });

    await h.advance(2000);
    const phone = await toPhone('+12125550101');
    expect(phone.map((m) => [m.body, m.channel, m.ourAddress])).toEqual([[message.body, 'sms', '+12025550100']]);
    const { messages: list } = await thread('10001');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: message.id, status: 'delivered' });
    expect(list[0]!.sentAt).not.toBeNull();
    expect(list[0]!.deliveredAt).not.toBeNull();

    // Nothing more arrives later.
    await h.advance(30_000);
    expect(await toPhone('+12125550101')).toHaveLength(1);
  });

  describe('refusals (nothing is stored or sent)', () => {
    it('403 NOT_LICENSED for a recruiter without a licence', async () => {
      const { id, phone } = fresh();
      const res = await send(id, { body: 'Hello' }, { email: NO_LICENCE });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('NOT_LICENSED');
      expect(res.body.error.message).toMatch(/licen[cs]e/i);
      await h.advance(2000);
      expect(await rowsFor(id)).toEqual([]);
      expect(await toPhone(phone)).toEqual([]);
    });

    it('409 NO_MOBILE, NO_CONSENT and OPTED_OUT for the demo candidates who are not textable', async () => {
      for (const [id, code] of [
        ['10005', 'NO_MOBILE'],
        ['10003', 'NO_CONSENT'],
        ['10004', 'OPTED_OUT'],
      ] as const) {
        const res = await send(id, { body: 'Hello' });
        expect(res.status, id).toBe(409);
        expect(res.body.error.code).toBe(code);
        expect(res.body.error.message.length).toBeGreaterThan(10);
        expect(await rowsFor(id)).toEqual([]);
      }
      await h.advance(2000);
      expect(await toPhone('+17735550178')).toEqual([]);
    });

    it('409 CHANNEL_DISABLED for a WhatsApp candidate of an organisation without WhatsApp', async () => {
      const { candidates, organizations } = h.db.t;
      const globex = (await first(h.db.orm.select().from(organizations).where(eq(organizations.slug, 'globex'))))!;
      await h.db.orm
        .update(candidates)
        .set({ channel: 'whatsapp' })
        .where(and(eq(candidates.orgId, globex.id), eq(candidates.atsId, '20003')));
      const res = await send('20003', { body: 'Hello' }, { email: GLOBEX });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('CHANNEL_DISABLED');
      expect(await rowsFor('20003')).toEqual([]);
      // The same candidate on SMS can be texted.
      await h.db.orm
        .update(candidates)
        .set({ channel: 'sms' })
        .where(and(eq(candidates.orgId, globex.id), eq(candidates.atsId, '20003')));
      expect((await send('20003', { body: 'Hello' }, { email: GLOBEX })).status).toBe(202);
    });

    it('409 WHATSAPP_WINDOW_CLOSED until the candidate writes; then free text is allowed', async () => {
      const closed = await send('10002', { body: 'Hi James' });
      expect(closed.status).toBe(409);
      expect(closed.body.error.code).toBe('WHATSAPP_WINDOW_CLOSED');
      expect(await rowsFor('10002')).toEqual([]);
      const before = await h.api('GET', '/api/candidates/10002');
      expect(before.body).toMatchObject({ channel: 'whatsapp', textable: true, whatsappWindowOpen: false });

      await h.simulator.reply('+13055550154', 'Hi, is the driver job still open?', 'whatsapp');
      const after = await h.api('GET', '/api/candidates/10002');
      expect(after.body.whatsappWindowOpen).toBe(true);

      const open = await send('10002', { body: 'Yes it is, {{firstName}}!' });
      expect(open.status).toBe(202);
      expect(open.body).toMatchObject({ channel: 'whatsapp', body: 'Yes it is, James!' });
      await h.advance(2000);
      const phone = await toPhone('+13055550154');
      expect(phone.map((m) => [m.body, m.channel])).toEqual([['Yes it is, James!', 'whatsapp']]);

      // 24 hours after the candidate's message the window closes again.
      // (Jump rather than tick through a day of the dispatcher's idle polls.)
      h.clock.set(h.clock.now() + 24 * 3600_000);
      await h.advance(1);
      const late = await send('10002', { body: 'Still there?' });
      expect(late.status).toBe(409);
      expect(late.body.error.code).toBe('WHATSAPP_WINDOW_CLOSED');
    });

    it('an approved template may be sent while the WhatsApp window is closed; an unapproved one or edited text may not', async () => {
      const { id, phone, candidate } = fresh('whatsapp');
      const approved = await templateId('Interview invitation');
      const unapproved = await templateId('Application received');
      expect(approved.whatsappApproved).toBe(true);
      expect(unapproved.whatsappApproved).toBe(false);

      const refused = await send(id, { body: '', templateId: unapproved.id });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('TEMPLATE_NOT_APPROVED');

      const edited = await send(id, { body: 'Hi {{firstName}}, quick question?', templateId: approved.id });
      expect(edited.status).toBe(409);
      expect(edited.body.error.code).toBe('WHATSAPP_WINDOW_CLOSED');

      const ok = await send(id, { body: '', templateId: approved.id });
      expect(ok.status).toBe(202);
      expect(ok.body.body).toContain(`Hi ${candidate.firstName}, this is Jordan Avery from Acme Staffing`);
      expect(ok.body.body).toContain(candidate.jobTitle);
      expect(ok.body.body).toContain(`http://te.test/book/jordan-avery?c=${id}`);
      await h.advance(2000);
      expect((await toPhone(phone)).map((m) => [m.body, m.channel])).toEqual([[ok.body.body, 'whatsapp']]);
      expect((await thread(id)).messages[0]!.status).toBe('delivered');
    });

    it('404 for a template of another organisation', async () => {
      const acmeTemplate = await templateId('Interview invitation');
      const res = await send('20004', { body: '', templateId: acmeTemplate.id }, { email: GLOBEX });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    });

    it('400 VALIDATION for an empty or blank body', async () => {
      const { id } = fresh();
      for (const body of ['', '   ', '\n\t ']) {
        const res = await send(id, { body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION');
      }
      const missing = await send(id, {});
      expect(missing.status).toBe(400);
      expect(missing.body.error.code).toBe('VALIDATION');
      const wrongType = await send(id, { body: 42 });
      expect(wrongType.status).toBe(400);
      expect(await rowsFor(id)).toEqual([]);
    });

    it('400 VALIDATION above 1,600 characters; exactly 1,600 goes', async () => {
      const { id } = fresh();
      const over = await send(id, { body: 'a'.repeat(1601) });
      expect(over.status).toBe(400);
      expect(over.body.error.code).toBe('VALIDATION');
      expect(over.body.error.message).toMatch(/1,?600/);
      // Rendered length counts: a merge field that pushes the text over is refused too.
      const viaMerge = await send(id, { body: 'a'.repeat(1595) + '{{firstName}}' });
      expect(viaMerge.status).toBe(400);
      expect(await rowsFor(id)).toEqual([]);

      // The length as written is checked before any merge field is read: no size of body makes
      // that work slow, and the answer is about the length, not about the fields.
      const overBeforeFields = await send(id, { body: '{{nope}}' + 'a'.repeat(1600) });
      expect(overBeforeFields.status).toBe(400);
      expect(overBeforeFields.body.error.message).toBe('The message is 1608 characters as written; the limit is 1600.');
      const huge = await send(id, { body: '{{' + ' '.repeat(20_000) + 'x' });
      expect(huge.status).toBe(400);
      expect(huge.body.error.message).toMatch(/at most 1,600 characters/);
      expect(await rowsFor(id)).toEqual([]);

      const max = await send(id, { body: 'a'.repeat(1600) });
      expect(max.status).toBe(202);
      expect(max.body.segments).toBe(new SegmentedMessage('a'.repeat(1600)).segmentsCount);
    });

    it('400 VALIDATION for an unknown merge field, naming it', async () => {
      const { id } = fresh();
      const res = await send(id, { body: 'Hi {{firstName}}, your {{favoriteColor}} badge is ready' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
      expect(res.body.error.message).toContain('{{favoriteColor}}');
      expect(res.body.error.details).toMatchObject({ unknownFields: ['favoriteColor'] });
      expect(await rowsFor(id)).toEqual([]);
    });

    it('400 VALIDATION for a merge field with no value for this candidate', async () => {
      const { id } = fresh();
      await h.db.orm.update(h.db.t.candidates).set({ jobTitle: null }).where(eq(h.db.t.candidates.atsId, id));
      const res = await send(id, { body: 'Hi {{firstName}}, about the {{jobTitle}} role' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
      expect(res.body.error.message).toContain('{{jobTitle}}');
      expect(res.body.error.details).toMatchObject({ missingFields: ['jobTitle'] });
      expect(await rowsFor(id)).toEqual([]);
      // Without that field it goes.
      expect((await send(id, { body: 'Hi {{firstName}}' })).status).toBe(202);
    });

    it("404 NOT_FOUND for another organisation's candidate (and for no candidate at all)", async () => {
      const acmeToGlobex = await send('20001', { body: 'Hello' });
      expect(acmeToGlobex.status).toBe(404);
      expect(acmeToGlobex.body.error.code).toBe('NOT_FOUND');
      const globexToAcme = await send('10001', { body: 'Hello' }, { email: GLOBEX });
      expect(globexToAcme.status).toBe(404);
      expect(globexToAcme.body.error.code).toBe('NOT_FOUND');
      expect((await send('99999', { body: 'Hello' })).status).toBe(404);
      expect(await rowsFor('20001')).toEqual([]);
    });

    it('415 for a body that is not JSON', async () => {
      const { id } = fresh();
      const token = await h.login(ACME);
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const body = type === 'text/plain' ? 'Hello there' : 'body=Hello+there';
        const res = await h.app.request(`/api/candidates/${id}/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': type, 'content-length': String(body.length) },
          body,
        });
        expect(res.status, type).toBe(415);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      }
      expect(await rowsFor(id)).toEqual([]);
    });

    it('401 without a token', async () => {
      const res = await h.app.request('/api/candidates/10001/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ body: 'Hello' }),
      });
      expect(res.status).toBe(401);
    });
  });

  describe('Idempotency-Key', () => {
    it('the same key twice: one message, one text; the second answer is the first, marked Idempotent-Replayed', async () => {
      const { id, phone } = fresh();
      const first = await send(id, { body: 'Interview at 3pm?' }, { key: 'click-0001' });
      const second = await send(id, { body: 'Interview at 3pm?' }, { key: 'click-0001' });
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.body.id).toBe(first.body.id);
      expect(await rowsFor(id)).toHaveLength(1);

      await h.advance(2000);
      // A replay after delivery answers the current state, still without sending.
      const third = await send(id, { body: 'Interview at 3pm?' }, { key: 'click-0001' });
      expect(third.body).toMatchObject({ id: first.body.id, status: 'delivered' });
      await h.advance(2000);
      expect(await toPhone(phone)).toHaveLength(1);
      expect(await rowsFor(id)).toHaveLength(1);
    });

    it('the same key with a different body (or for another candidate) is 409 IDEMPOTENCY_KEY_REUSED', async () => {
      const a = fresh();
      const b = fresh();
      expect((await send(a.id, { body: 'First text' }, { key: 'key-reuse-1' })).status).toBe(202);
      const otherBody = await send(a.id, { body: 'Second text' }, { key: 'key-reuse-1' });
      expect(otherBody.status).toBe(409);
      expect(otherBody.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      const otherCandidate = await send(b.id, { body: 'First text' }, { key: 'key-reuse-1' });
      expect(otherCandidate.status).toBe(409);
      expect(otherCandidate.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      await h.advance(2000);
      expect((await toPhone(a.phone)).map((m) => m.body)).toEqual(['First text']);
      expect(await toPhone(b.phone)).toEqual([]);
    });

    it('keys belong to a recruiter: another organisation using the same key sends its own text', async () => {
      const acme = fresh();
      expect((await send(acme.id, { body: 'Hello' }, { key: 'shared-key-1' })).status).toBe(202);
      const globex = await send('20005', { body: 'Hello' }, { email: GLOBEX, key: 'shared-key-1' });
      expect(globex.status).toBe(202);
      expect(globex.headers.get('idempotent-replayed')).toBeNull();
      expect(globex.body.candidateId).toBe('20005');
    });

    it('10 concurrent requests with one key: exactly one message and one text', async () => {
      const { id, phone } = fresh();
      const results = await Promise.all(Array.from({ length: 10 }, () => send(id, { body: 'Are you available tomorrow?' }, { key: 'burst-42' })));
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(202));
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
      await h.advance(2000);
      expect(await rowsFor(id)).toHaveLength(1);
      expect(await toPhone(phone)).toHaveLength(1);
    });

    it('refuses a key that is not printable ASCII', async () => {
      const { id } = fresh();
      const res = await send(id, { body: 'Hello' }, { key: 'has space' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
      expect(await rowsFor(id)).toEqual([]);
    });

    it('without a key, two identical requests are two texts (the extension always sends a key per click)', async () => {
      // The extension's background worker passes `idempotency-key` on every messages.send
      // (extension/entrypoints/background.ts), so a double click there is one text. A raw API
      // client that sends no key asks for two texts and gets two.
      const { id, phone } = fresh();
      const a = await send(id, { body: 'Same words' });
      const b = await send(id, { body: 'Same words' });
      expect(a.status).toBe(202);
      expect(b.status).toBe(202);
      expect(a.body.id).not.toBe(b.body.id);
      await h.advance(2000);
      expect((await toPhone(phone)).map((m) => m.body)).toEqual(['Same words', 'Same words']);
    });
  });

  describe('encoding and segments', () => {
    const bodies: [string, string][] = [
      ['short GSM-7', 'Hi there, your interview is at 3pm. Reply YES to confirm.'],
      ['exactly 160 GSM-7', 'x'.repeat(160)],
      ['161 GSM-7 (two segments)', 'x'.repeat(161)],
      ['GSM-7 extension characters count double', 'Pay: €15/hr [weekly] {bonus} ~ ^ | \\ '.repeat(5)],
      ['UCS-2 from one emoji', 'See you tomorrow 👋'],
      ['exactly 70 UCS-2', 'я'.repeat(70)],
      ['71 UCS-2 (two segments)', 'я'.repeat(71)],
      ['multi-segment UCS-2 with non-Latin scripts', 'Здравствуйте! 你好！مرحبا. '.repeat(8)],
      ['multi-segment GSM-7', 'We would love to talk to you about the warehouse role. '.repeat(9)],
      ['emoji at a segment boundary', 'a'.repeat(66) + '👍🏽' + 'b'.repeat(10)],
    ];

    it.each(bodies)('%s: stored encoding and segments match sms-segments-calculator', async (_name, body) => {
      const { id } = fresh();
      const res = await send(id, { body });
      expect(res.status).toBe(202);
      const reference = new SegmentedMessage(body);
      expect(res.body.body).toBe(body);
      expect([res.body.encoding, res.body.segments]).toEqual([reference.encodingName, reference.segmentsCount]);
      const [row] = await rowsFor(id);
      expect([row!.encoding, row!.segments]).toEqual([reference.encodingName, reference.segmentsCount]);
    });
  });

  describe('the thread', () => {
    it('pages oldest first with after and limit, and a nextCursor until the end', async () => {
      const { id, phone } = fresh();
      for (let i = 1; i <= 3; i++) expect((await send(id, { body: `Message ${i}` })).status).toBe(202);
      await h.advance(2000);
      await h.simulator.reply(phone, 'Reply A');
      expect((await send(id, { body: 'Message 4' })).status).toBe(202);
      await h.simulator.reply(phone, 'Reply B');

      const all = await thread(id);
      expect(all.messages.map((m) => [m.direction, m.body])).toEqual([
        ['outbound', 'Message 1'],
        ['outbound', 'Message 2'],
        ['outbound', 'Message 3'],
        ['inbound', 'Reply A'],
        ['outbound', 'Message 4'],
        ['inbound', 'Reply B'],
      ]);
      expect(all.nextCursor).toBeNull();

      const bodies: string[] = [];
      let after: number | null = null;
      let pages = 0;
      do {
        const page: { messages: Message[]; nextCursor: number | null } = await thread(id, `?limit=4${after ? `&after=${after}` : ''}`);
        expect(page.messages.length).toBeLessThanOrEqual(4);
        bodies.push(...page.messages.map((m) => m.body));
        if (page.nextCursor !== null) expect(page.nextCursor).toBe(page.messages.at(-1)!.id);
        after = page.nextCursor;
        pages++;
      } while (after !== null && pages < 10);
      expect(pages).toBe(2);
      expect(bodies).toEqual(all.messages.map((m) => m.body));

      const ids = all.messages.map((m) => m.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      const tail = await thread(id, `?after=${ids[3]}&limit=100`);
      expect(tail.messages.map((m) => m.body)).toEqual(['Message 4', 'Reply B']);
    });

    it('refuses bad paging parameters', async () => {
      for (const q of ['?limit=0', '?limit=1001', '?after=-1', '?after=abc']) {
        const res = await h.api('GET', `/api/candidates/10001/messages${q}`);
        expect(res.status, q).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION');
      }
    });
  });

  describe("the simulator's failing numbers", () => {
    const cases = [
      ['0197', 'failed', '21211'],
      ['0198', 'failed', '30005'],
      ['0199', 'undelivered', '30003'],
      ['0196', 'undelivered', '30007'],
    ] as const;

    it.each(cases)('a number ending %s ends %s with error %s and a message', async (suffix, status, code) => {
      const c = demoCandidates.find((d) => d.org === 'acme' && d.phone?.replace(/\D/g, '').endsWith(suffix))!;
      expect(c).toBeDefined();
      const sent = await send(c.atsId, { body: 'Hello from Acme' });
      expect(sent.status).toBe(202);
      await h.advance(3000);
      const [m] = (await thread(c.atsId)).messages;
      expect(m).toMatchObject({ id: sent.body.id, status, errorCode: code });
      expect(m!.errorMessage).toEqual(expect.any(String));
      expect(m!.errorMessage!.length).toBeGreaterThan(5);
      expect(m!.deliveredAt).toBeNull();
      const phone = await toPhone(e164(c.phone!));
      // Refused at send time never reaches the phone; the others reached the carrier.
      expect(phone).toHaveLength(code === '21211' ? 0 : 1);
      // A failure is not an opt-out: the candidate can still be texted.
      expect((await h.api('GET', `/api/candidates/${c.atsId}`)).body.textable).toBe(true);
    });
  });

  describe('read state', () => {
    it('replies count as unread until POST /api/candidates/:id/read', async () => {
      const { id, phone } = fresh();
      expect((await send(id, { body: 'Hello' })).status).toBe(202);
      await h.advance(2000);
      const meBefore = (await h.api('GET', '/api/me')).body.unreadCount as number;
      await h.simulator.reply(phone, 'Hi!');
      await h.simulator.reply(phone, 'When can we talk?');
      expect((await h.api('GET', `/api/candidates/${id}`)).body.unreadCount).toBe(2);
      expect((await h.api('GET', '/api/me')).body.unreadCount).toBe(meBefore + 2);

      const read = await h.api('POST', `/api/candidates/${id}/read`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ unreadCount: 0 });
      expect((await h.api('GET', `/api/candidates/${id}`)).body.unreadCount).toBe(0);
      expect((await h.api('GET', '/api/me')).body.unreadCount).toBe(meBefore);
      // Reading twice is harmless.
      expect((await h.api('POST', `/api/candidates/${id}/read`)).body).toEqual({ unreadCount: 0 });
    });

    it("404 for another organisation's candidate", async () => {
      const res = await h.api('POST', '/api/candidates/10001/read', undefined, { email: GLOBEX });
      expect(res.status).toBe(404);
    });
  });

  describe('POST /api/candidates/:id/assistant', () => {
    it('403 ASSISTANT_NOT_SUBSCRIBED for an organisation without the assistant', async () => {
      const res = await h.api('POST', '/api/candidates/20001/assistant', { active: true }, { email: GLOBEX });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('ASSISTANT_NOT_SUBSCRIBED');
    });

    it('400 VALIDATION for a bad body', async () => {
      for (const body of [{}, { active: 'yes' }, { active: true, sequenceId: -1 }]) {
        const res = await h.api('POST', '/api/candidates/10001/assistant', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION');
      }
    });

    it('403 NOT_LICENSED for a recruiter without a licence; taking it back works for a licensed one', async () => {
      const refused = await h.api('POST', '/api/candidates/10001/assistant', { active: false }, { email: NO_LICENCE });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('NOT_LICENSED');
      const back = await h.api('POST', '/api/candidates/10001/assistant', { active: false });
      expect(back.status).toBe(200);
      expect(back.body).toMatchObject({ id: '10001', assistant: { active: false } });
    });

    it('will not hand a candidate who is not textable to the assistant', async () => {
      const res = await h.api('POST', '/api/candidates/10004/assistant', { active: true });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('OPTED_OUT');
    });
  });
});
