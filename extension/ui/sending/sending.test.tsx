// @vitest-environment happy-dom
/**
 * The options page's Sending section against a scripted background: the organisation's senders
 * with the rule and the server's fallbacks, a save that sends only what changed (empty: null,
 * numbers without their spaces) and acts on a person's click only, the server's refusals (409
 * SENDER_TAKEN, 400 VALIDATION) shown beside the field they name with what was typed kept, the
 * paused state, and no section for someone who isn't an administrator.
 */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SendingState } from '../../../shared/api';
import type { Session } from '../../lib/protocol';
import { userClick } from '../../test-support/user-input';
import type { Requester } from '../templates/store';
import { createSendersStore, type Senders } from './store';

const SERVICE = 'MG' + '0123456789abcdef'.repeat(2);
const TAKEN = '+13125550100';

let senders: Senders;
let sending: SendingState;
let session: Session;
let calls: { name: string; input: Record<string, unknown> }[];

/** The organisation as the server has it, and PATCH as the server answers it (the taken number, a malformed SID). */
async function serve(name: string, input: Record<string, unknown>) {
  calls.push({ name, input });
  if (name === 'session.get') return { ok: true, data: session };
  if (name === 'organization.get') return { ok: true, data: { senders, sending } };
  if (name === 'organization.update') {
    if (input.smsFrom === TAKEN)
      return { ok: false, error: { code: 'SENDER_TAKEN', status: 409, message: `Another organization already sends from ${TAKEN}.`, field: 'smsFrom' } };
    if (typeof input.messagingServiceSid === 'string' && !/^MG[0-9a-f]{32}$/i.test(input.messagingServiceSid))
      return {
        ok: false,
        error: {
          code: 'VALIDATION',
          status: 400,
          message: 'messagingServiceSid: A Messaging Service SID is MG followed by 32 hex digits.',
          field: 'messagingServiceSid',
        },
      };
    senders = { ...senders, ...input };
    return { ok: true, data: { senders, sending } };
  }
  return { ok: false, error: { code: 'UNHANDLED', message: name, status: 500 } };
}
const request = serve as unknown as Requester;

vi.mock('../../lib/relay', () => ({ request: vi.fn(serve), subscribe: vi.fn() }));
vi.mock('wxt/browser', () => ({ browser: {} }));
vi.mock('../../lib/storage', () => ({ DEFAULT_SERVER_URL: 'http://localhost:8787' }));
const { SendingSection } = await import('./SendingSection');
const { SignIn } = await import('../../entrypoints/options/SignIn');

let root: HTMLElement;
const q = <E extends HTMLElement = HTMLElement>(sel: string) => root.querySelector<E>(sel)!;
const value = (field: string) => q<HTMLInputElement>(`input[name="${field}"]`).value;
const type = async (field: string, text: string) =>
  act(async () => {
    const el = q<HTMLInputElement>(`input[name="${field}"]`);
    el.value = text;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
const saveButton = () => [...root.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent?.trim() === 'Save senders')!;
const settle = () => act(async () => new Promise((r) => setTimeout(r, 0)));
const updates = () => calls.filter((c) => c.name === 'organization.update').map((c) => c.input);

async function show() {
  await act(async () => render(<SendingSection store={createSendersStore(request)} />, root));
  await settle();
}
async function save() {
  await act(async () => userClick(saveButton()));
  await settle();
}

beforeEach(() => {
  calls = [];
  senders = { smsFrom: '+12025550100', whatsappFrom: null, messagingServiceSid: null };
  sending = { paused: false };
  root = document.createElement('div');
  document.body.append(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
});

describe('Sending (options page)', () => {
  it('shows the senders, the rule and the server’s fallback for each empty field', async () => {
    await show();
    expect([value('smsFrom'), value('messagingServiceSid'), value('whatsappFrom')]).toEqual(['+12025550100', '', '']);
    expect(q('[data-testid="te-sender-rule"]').textContent).toContain('Messaging Service, else its SMS number, else the server’s Messaging Service');
    const hints = [...root.querySelectorAll('.te-field small')].map((e) => e.textContent).join(' ');
    for (const env of ['TWILIO_SMS_FROM', 'TWILIO_MESSAGING_SERVICE_SID', 'TWILIO_WHATSAPP_FROM']) expect(hints).toContain(env);
    expect(saveButton().disabled).toBe(true); // nothing changed yet
    expect(q('[data-testid="te-options-sending-paused"]')).toBeNull();
  });

  it('saves only what changed, on a person’s click: a cleared field is null, a number loses its spaces', async () => {
    await show();
    await type('smsFrom', '');
    await type('messagingServiceSid', ` ${SERVICE} `);
    await type('whatsappFrom', '+1 (415) 555-0124');
    await act(async () => saveButton().click()); // a script's click
    await settle();
    expect(updates()).toEqual([]);
    await save();
    expect(updates()).toEqual([{ smsFrom: null, messagingServiceSid: SERVICE, whatsappFrom: '+14155550124' }]);
    expect([value('smsFrom'), value('messagingServiceSid'), value('whatsappFrom')]).toEqual(['', SERVICE, '+14155550124']);
    expect(q('[role="status"]').textContent).toContain('Saved.');
    expect(saveButton().disabled).toBe(true);
  });

  it('shows 409 SENDER_TAKEN beside the number and keeps what was typed; then saves', async () => {
    await show();
    await type('smsFrom', TAKEN);
    await type('whatsappFrom', '+14155550124');
    await save();
    const alert = q('[role="alert"]');
    expect(alert.textContent).toBe(`Another organization already sends from ${TAKEN}.`);
    expect(alert.closest('label')!.textContent).toContain('SMS number');
    expect(q('input[name="smsFrom"]').getAttribute('aria-invalid')).toBe('true');
    expect([value('smsFrom'), value('whatsappFrom')]).toEqual([TAKEN, '+14155550124']);
    expect(senders.smsFrom).toBe('+12025550100');

    await type('smsFrom', '+14155550123');
    expect(q('[role="alert"]')).toBeNull();
    await save();
    expect(updates().at(-1)).toEqual({ smsFrom: '+14155550123', whatsappFrom: '+14155550124' });
    expect(senders).toMatchObject({ smsFrom: '+14155550123', whatsappFrom: '+14155550124' });
  });

  it('says a 400 VALIDATION with the field’s label, beside that field', async () => {
    await show();
    await type('messagingServiceSid', 'MG123');
    await save();
    const alert = q('[role="alert"]');
    expect(alert.textContent).toBe('Messaging Service SID: A Messaging Service SID is MG followed by 32 hex digits.');
    expect(alert.closest('label')!.querySelector('input')!.name).toBe('messagingServiceSid');
    expect(value('messagingServiceSid')).toBe('MG123');
  });

  it('says when sending is paused', async () => {
    sending = { paused: true, reason: 'Twilio refused the credentials: Authenticate', since: '2026-03-03T18:00:00.000Z' };
    await show();
    expect(q('[data-testid="te-options-sending-paused"]').textContent).toMatch(
      /^Sending is paused: Twilio refused the credentials: Authenticate since .*; texts are kept/,
    );
  });
});

describe('the options page', () => {
  const signedIn = (isAdmin: boolean): Session => ({
    serverUrl: 'http://localhost:8787',
    signedIn: true,
    recruiter: { id: 1, name: 'Dana', email: 'dana@acme.test', isAdmin, licensed: true, organization: { name: 'Acme' } } as Session['recruiter'],
  });
  const shown = async () => {
    await act(async () => render(<SignIn />, root));
    await settle();
    expect(root.querySelector('[data-testid="signed-in-as"]')).not.toBeNull(); // the session was read
    return !!root.querySelector('#sending-title');
  };

  it('shows Sending to administrators only', async () => {
    session = signedIn(false);
    expect(await shown()).toBe(false);
    await act(async () => render(null, root));
    session = signedIn(true);
    expect(await shown()).toBe(true);
  });
});
