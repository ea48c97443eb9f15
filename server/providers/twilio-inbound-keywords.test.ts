/** Twilio's incoming-message form: OptOutType (Advanced Opt-Out) becomes the event's keyword, MessagingServiceSid its serviceId. */
import { describe, expect, it } from 'vitest';
import { twilioInboundEvent } from './twilio-webhooks.js';

const form = (extra: Record<string, string> = {}) => ({ MessageSid: 'SM' + '1'.repeat(32), From: '+12125550101', To: '+12025550100', Body: 'baja', ...extra });

describe('twilioInboundEvent: keywords and sender pool', () => {
  it.each([
    ['STOP', 'opt-out'],
    ['START', 'opt-in'],
    ['HELP', 'help'],
    ['stop', 'opt-out'],
  ] as const)('OptOutType=%s → keyword %s', (type, keyword) => {
    expect(twilioInboundEvent(form({ OptOutType: type }))).toMatchObject({ keyword, body: 'baja' });
  });

  it('no OptOutType (or one we do not know) leaves the keyword to our own list', () => {
    expect(twilioInboundEvent(form()).keyword).toBeUndefined();
    expect(twilioInboundEvent(form({ OptOutType: 'MAYBE' })).keyword).toBeUndefined();
  });

  it('carries the Messaging Service the text came through', () => {
    const sid = 'MG' + 'a'.repeat(32);
    expect(twilioInboundEvent(form({ MessagingServiceSid: sid })).serviceId).toBe(sid);
    expect(twilioInboundEvent(form()).serviceId).toBeUndefined();
  });
});
