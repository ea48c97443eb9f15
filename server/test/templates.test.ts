/**
 * Templates over the API: everyone lists them; administrators create, change and delete them
 * (name unique per organisation, body checked like any text, WhatsApp content SID and variables
 * checked); a deleted template leaves the texts sent from it as they were.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message, Template } from '../../shared/api.js';
import { createHarness, type Harness } from './harness.js';

const SID = 'HX' + 'ab12'.repeat(8);
const NON_ADMIN = 'nolicense@acme.test';

describe('templates', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ inboundGreeting: false });
  });
  afterEach(() => h.close());

  const list = async (email?: string) => (await h.api('GET', '/api/templates', undefined, { email })).body.templates as Template[];

  it('an administrator creates, changes and deletes a template; everyone lists the live ones', async () => {
    const created = await h.api('POST', '/api/templates', {
      name: 'Offer',
      body: 'Hi {{firstName}}, we have an offer.',
      contentSid: SID,
      contentVariables: { '1': 'firstName' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Offer', contentSid: SID, contentVariables: { '1': 'firstName' }, whatsappApproved: true });
    const id = (created.body as Template).id;
    expect((await list(NON_ADMIN)).map((t) => t.name)).toContain('Offer');

    const changed = await h.api('PATCH', `/api/templates/${id}`, { body: 'Hi {{firstName}}, a new offer.', contentSid: null });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      name: 'Offer',
      body: 'Hi {{firstName}}, a new offer.',
      contentSid: null,
      contentVariables: null,
      whatsappApproved: false,
    });

    expect((await h.api('DELETE', `/api/templates/${id}`)).status).toBe(204);
    expect((await list()).map((t) => t.name)).not.toContain('Offer');
    expect((await h.api('PATCH', `/api/templates/${id}`, { name: 'Again' })).status).toBe(404);
    expect((await h.api('DELETE', `/api/templates/${id}`)).status).toBe(404);
    // The name is free again once deleted.
    expect((await h.api('POST', '/api/templates', { name: 'Offer', body: 'Hello' })).status).toBe(201);
  });

  it('only administrators write (403 FORBIDDEN), and another organisation’s template is not found', async () => {
    const refused = await h.api('POST', '/api/templates', { name: 'Mine', body: 'Hello' }, { email: NON_ADMIN });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    const id = (await list())[0]!.id;
    expect((await h.api('PATCH', `/api/templates/${id}`, { name: 'Mine' }, { email: NON_ADMIN })).status).toBe(403);
    expect((await h.api('DELETE', `/api/templates/${id}`, undefined, { email: NON_ADMIN })).status).toBe(403);
    expect((await h.api('PATCH', `/api/templates/${id}`, { name: 'Mine' }, { email: 'recruiter@globex.test' })).status).toBe(404);
  });

  it('a name already in use is 409 TEMPLATE_NAME_TAKEN, on create and on rename', async () => {
    const [first, second] = await list();
    expect(await h.api('POST', '/api/templates', { name: first!.name, body: 'Hello' })).toMatchObject({
      status: 409,
      body: { error: { code: 'TEMPLATE_NAME_TAKEN' } },
    });
    expect((await h.api('PATCH', `/api/templates/${second!.id}`, { name: first!.name })).status).toBe(409);
  });

  it.each([
    ['an unknown merge field', { name: 'X', body: 'Hi {{nickname}}' }],
    ['an empty body', { name: 'X', body: '   ' }],
    ['a body over 1,600 characters', { name: 'X', body: 'a'.repeat(1601) }],
    ['a malformed content SID', { name: 'X', body: 'Hi', contentSid: 'HX123' }],
    ['a content variable name with a space', { name: 'X', body: 'Hi', contentSid: SID, contentVariables: { 'first name': 'firstName' } }],
    ['a content variable mapped to no merge field', { name: 'X', body: 'Hi', contentSid: SID, contentVariables: { '1': 'nickname' } }],
    ['an unknown property', { name: 'X', body: 'Hi', approved: true }],
  ])('refuses %s with 400', async (_what, body) => {
    const res = await h.api('POST', '/api/templates', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION');
  });

  it('a deleted template’s texts keep their body and template id', async () => {
    const templates = await list();
    const template = templates.find((t) => t.name === 'Application received')!;
    const sent = await h.api('POST', '/api/candidates/10001/messages', { templateId: template.id });
    expect(sent.status).toBe(202);
    const message = sent.body as Message;
    expect(message.body).toContain('Hi Maria, thanks for applying');
    expect((await h.api('DELETE', `/api/templates/${template.id}`)).status).toBe(204);
    const thread = (await h.api('GET', '/api/candidates/10001/messages')).body.messages as Message[];
    expect(thread.find((m) => m.id === message.id)!.body).toBe(message.body);
    expect(await h.sql.get('select template_id as "templateId" from messages where id = ?', message.id)).toEqual({ templateId: template.id });
    // A deleted template can no longer be sent.
    expect((await h.api('POST', '/api/candidates/10001/messages', { templateId: template.id })).status).toBe(404);
  });
});
