import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MessagePageSchema } from '../../shared/api.js';
import { messageJson } from '../services/message-json.js';
import { createHarness, type Harness } from './harness.js';
import { testEngine } from './support/test-db.js';

/** Control characters JSON must escape (U+0000 apart: see below). */
const CONTROL_CHARACTERS = '\u0001 \u001f';

/**
 * The thread page is built by SQLite itself (for speed) and every other message JSON by messageJson():
 * the two must never drift apart.
 */
describe('a thread page (built in SQL on SQLite, from rows on PostgreSQL)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ now: '2026-03-03T15:00:00.007Z', inboundGreeting: false });
  });
  afterEach(() => h.close());

  it('is exactly what messageJson() makes, message by message, for every kind of message', async () => {
    await h.api('POST', '/api/candidates/10001/messages', { body: 'Hi {{firstName}} "quoted" \\ back\nslash ✓ 😀' });
    await h.advance(2000);
    await h.simulator.reply('+12125550101', `Yes <b>please</b>, "createdAt":1 ${CONTROL_CHARACTERS} end`);
    await h.simulator.reply('+12125550101', 'HELP');
    await h.advance(2000);
    // U+0000 no longer gets into a message (refused from the API, stripped from providers: see
    // nul-characters.test.ts), but a SQLite database written before may hold one (PostgreSQL's never can).
    if (testEngine === 'sqlite')
      expect((await h.sql.run(`update messages set body = body || char(0) || ' legacy' where body like 'Yes <b>please</b>%'`)).changes).toBe(1);
    // A failed text (with error code and message) too.
    const failing = await h.api('GET', '/api/candidates?ids=10024');
    if (failing.body.candidates[0]?.textable) {
      await h.api('POST', '/api/candidates/10024/messages', { body: 'This one is refused' });
      await h.advance(2000);
    }
    for (const atsId of ['10001', '10024']) {
      const res = await h.api('GET', `/api/candidates/${atsId}/messages?limit=1000`);
      expect(res.status).toBe(200);
      const page = MessagePageSchema.parse(res.body);
      const candidate = await h.services.candidates.get(await h.services.candidates.orgOf(1), atsId);
      const rows = (await h.db.orm.select().from(h.db.t.messages)).filter((m) => m.candidateId === candidate.id);
      expect(page.messages).toEqual(rows.map((row) => messageJson(row, atsId, row.sender === 'recruiter' ? 'Jordan Avery' : null)));
    }
    const maria = await h.api('GET', '/api/candidates/10001/messages');
    expect(maria.body.messages.map((m: { sender: string }) => m.sender)).toEqual(['recruiter', 'candidate', 'candidate', 'system']);
  });

  it('pages with after and limit, and says when there is more', async () => {
    for (let i = 0; i < 5; i++) await h.api('POST', '/api/candidates/10001/messages', { body: `Text ${i}` });
    const first = await h.api('GET', '/api/candidates/10001/messages?limit=2');
    expect(first.body.messages.map((m: { body: string }) => m.body)).toEqual(['Text 0', 'Text 1']);
    expect(first.body.nextCursor).toBe(first.body.messages[1].id);
    const last = await h.api('GET', `/api/candidates/10001/messages?limit=3&after=${first.body.nextCursor}`);
    expect(last.body).toMatchObject({ messages: [{ body: 'Text 2' }, { body: 'Text 3' }, { body: 'Text 4' }], nextCursor: null });
    const none = await h.api('GET', '/api/candidates/10005/messages');
    expect(none.body).toEqual({ messages: [], nextCursor: null });
  });
});
