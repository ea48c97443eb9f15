import { describe, expect, it } from 'vitest';
import { whatsappSendForm, type WhatsappSendForm } from './whatsapp.js';

const approved = { body: 'Hi {{firstName}}', contentSid: 'HX' + '0'.repeat(32) };
const plain = { body: 'Hi {{firstName}}', contentSid: null };

describe('whatsappSendForm: how a text may go', () => {
  const cases: [string, Parameters<typeof whatsappSendForm>[0], WhatsappSendForm][] = [
    ['SMS, any text', { channel: 'sms', windowOpen: false, template: null, body: 'hello' }, 'text'],
    ['SMS, a template without content', { channel: 'sms', windowOpen: false, template: plain }, 'text'],
    ['WhatsApp inside the window, free text', { channel: 'whatsapp', windowOpen: true, template: null, body: 'hello' }, 'text'],
    ['WhatsApp inside the window, an approved template edited', { channel: 'whatsapp', windowOpen: true, template: approved, body: 'Hi there' }, 'text'],
    [
      'WhatsApp inside the window, an approved template as it is (still text: cheaper, editable)',
      { channel: 'whatsapp', windowOpen: true, template: approved },
      'text',
    ],
    ['WhatsApp outside the window, an approved template, no body', { channel: 'whatsapp', windowOpen: false, template: approved }, 'content'],
    [
      'WhatsApp outside the window, an approved template, its own body',
      { channel: 'whatsapp', windowOpen: false, template: approved, body: approved.body },
      'content',
    ],
    ['WhatsApp outside the window, an approved template, a blank body', { channel: 'whatsapp', windowOpen: false, template: approved, body: '  ' }, 'content'],
    [
      'WhatsApp outside the window, an approved template edited',
      { channel: 'whatsapp', windowOpen: false, template: approved, body: 'Hi there' },
      { refused: 'WHATSAPP_WINDOW_CLOSED' },
    ],
    [
      'WhatsApp outside the window, a template without content',
      { channel: 'whatsapp', windowOpen: false, template: plain },
      { refused: 'TEMPLATE_NOT_APPROVED' },
    ],
    [
      'WhatsApp outside the window, free text',
      { channel: 'whatsapp', windowOpen: false, template: null, body: 'hello' },
      { refused: 'WHATSAPP_WINDOW_CLOSED' },
    ],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(whatsappSendForm(input)).toEqual(expected);
  });
});
