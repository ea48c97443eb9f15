// @vitest-environment happy-dom
/**
 * The options page's Templates section against a scripted background: the list (WhatsApp ones
 * marked), a new WhatsApp template with its variable rows sent as the server expects, an edit,
 * the server's refusal shown as it says, and Delete that asks once more and acts on a person's
 * click only.
 */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Template } from '../../../shared/api';
import { userClick } from '../../test-support/user-input';
import { createTemplatesStore, type Requester } from './store';

vi.mock('../../lib/relay', () => ({ request: vi.fn() }));
const { TemplatesSection } = await import('./TemplatesSection');

const SID = 'HX' + 'ab'.repeat(16);
const whatsapp: Template = { id: 1, name: 'Reopen', body: 'Hi {{firstName}}', contentSid: SID, contentVariables: { '1': 'firstName' }, whatsappApproved: true };
const sms: Template = { id: 2, name: 'Received', body: 'Thanks {{firstName}}', contentSid: null, contentVariables: null, whatsappApproved: false };

let calls: { name: string; input: Record<string, unknown> }[];
let list: Template[];
let refuse: { code: string; message: string } | null;
const request = (async (name: string, input: Record<string, unknown>) => {
  calls.push({ name, input });
  if (refuse && name !== 'templates.list') return { ok: false, error: { ...refuse, status: 400 } };
  if (name === 'templates.list') return { ok: true, data: { templates: list } };
  if (name === 'templates.delete') {
    list = list.filter((t) => t.id !== input.id);
    return { ok: true, data: null };
  }
  const saved = { id: (input.id as number) ?? 9, whatsappApproved: input.contentSid != null, ...input } as Template;
  list = [...list.filter((t) => t.id !== saved.id), saved];
  return { ok: true, data: saved };
}) as unknown as Requester;

let root: HTMLElement;
const q = <E extends HTMLElement = HTMLElement>(sel: string) => root.querySelector<E>(sel)!;
const all = (sel: string) => [...root.querySelectorAll<HTMLElement>(sel)];
const type = async (sel: string, value: string) =>
  act(async () => {
    const el = q<HTMLInputElement>(sel);
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
const button = (text: string) => all('button').find((b) => b.textContent?.trim() === text)!;
const settle = () => act(async () => new Promise((r) => setTimeout(r, 0)));

beforeEach(async () => {
  calls = [];
  list = [whatsapp, sms];
  refuse = null;
  root = document.createElement('div');
  document.body.append(root);
  const store = createTemplatesStore(request);
  await act(async () => render(<TemplatesSection store={store} />, root));
  await settle();
});
afterEach(() => {
  render(null, root);
  root.remove();
});

describe('Templates (options page)', () => {
  it('lists the templates and marks the WhatsApp ones', () => {
    const rows = all('[data-testid="te-template"]');
    expect(rows.map((r) => r.querySelector('.te-template-name')!.textContent)).toEqual(['Reopen', 'Received']);
    expect(rows.map((r) => !!r.querySelector('.te-template-tag'))).toEqual([true, false]);
  });

  it('creates a WhatsApp template with its variable rows', async () => {
    await act(async () => userClick(button('New template')));
    await type('input[name="name"]', 'Interview');
    await type('textarea[name="body"]', 'Hi {{firstName}}, this is {{recruiterName}}');
    await type('input[name="contentSid"]', SID);
    await act(async () => userClick(button('Add variable')));
    await act(async () => userClick(button('Add variable')));
    await act(async () => {
      const select = q<HTMLSelectElement>('select[name="var-field-1"]');
      select.value = 'recruiterName';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await act(async () => userClick(button('Save template')));
    await settle();
    expect(calls.find((c) => c.name === 'templates.create')!.input).toEqual({
      name: 'Interview',
      body: 'Hi {{firstName}}, this is {{recruiterName}}',
      contentSid: SID,
      contentVariables: { '1': 'firstName', '2': 'recruiterName' },
    });
    expect(q('[data-testid="te-template-form"]')).toBeNull();
    expect(all('.te-template-name').map((e) => e.textContent)).toContain('Interview');
  });

  it('edits a template (clearing its SID drops the variables) and shows the server’s refusal as it says', async () => {
    await act(async () => userClick(q('button[aria-label="Edit Reopen"]')));
    expect(q<HTMLInputElement>('input[name="contentSid"]').value).toBe(SID);
    expect(all('[data-testid="te-template-var"]')).toHaveLength(1);
    refuse = { code: 'CONTENT_NOT_FOUND', message: 'The provider account has no content HXff.' };
    await type('input[name="contentSid"]', 'HX' + 'f'.repeat(32));
    await act(async () => userClick(button('Save template')));
    await settle();
    expect(q('[role="alert"]').textContent).toBe('The provider account has no content HXff.');
    refuse = null;
    await type('input[name="contentSid"]', '');
    await act(async () => userClick(button('Save template')));
    await settle();
    expect(calls.filter((c) => c.name === 'templates.update').at(-1)!.input).toEqual({
      id: 1,
      name: 'Reopen',
      body: 'Hi {{firstName}}',
      contentSid: null,
      contentVariables: null,
    });
  });

  it('deletes only after a confirming click by a person', async () => {
    const del = q('button[aria-label="Delete Received"]');
    await act(async () => del.click()); // a script's click
    expect(q('button[aria-label="Confirm deleting Received"]')).toBeNull();
    await act(async () => userClick(del));
    const confirm = q('button[aria-label="Confirm deleting Received"]');
    expect(calls.some((c) => c.name === 'templates.delete')).toBe(false);
    await act(async () => confirm.click());
    expect(calls.some((c) => c.name === 'templates.delete')).toBe(false);
    await act(async () => userClick(confirm));
    await settle();
    expect(calls.find((c) => c.name === 'templates.delete')!.input).toEqual({ id: 2 });
    expect(all('.te-template-name').map((e) => e.textContent)).toEqual(['Reopen']);
  });
});
