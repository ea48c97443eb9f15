/**
 * The fake Twilio's account-level resources that only `npm run twilio:check`
 * (server/providers/twilio-check.ts) reads: the account's phone numbers (IncomingPhoneNumbers,
 * with their incoming webhook) and Messaging Services (messaging.twilio.com/v1/Services: served
 * here, point the check's messaging base URL at the fake). The account itself, content templates
 * and messages by SID are the core fake's (fake-twilio.ts, fake-twilio-rules.ts).
 */
import type { ServerResponse } from 'node:http';
import { FAKE_ACCOUNT_SID, type FakeTwilio, type FakeTwilioRequest } from './fake-twilio.js';

export interface FakeAccountState {
  numbers: { phone_number: string; sms_url: string; capabilities: { sms: boolean; mms: boolean } }[];
  services: Record<string, { friendly_name: string; inbound_request_url: string | null; use_inbound_webhook_on_number: boolean }>;
}

export function addFakeTwilioNumbers(twilio: FakeTwilio) {
  const state: FakeAccountState = { numbers: [], services: {} };
  const numbersPath = `/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/IncomingPhoneNumbers.json`;

  function json(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    return true;
  }

  twilio.addRoutes((req: FakeTwilioRequest, res: ServerResponse) => {
    if (req.method !== 'GET') return false;
    if (req.path === numbersPath) {
      const wanted = req.query.get('PhoneNumber');
      return json(res, 200, { incoming_phone_numbers: state.numbers.filter((n) => !wanted || n.phone_number === wanted), next_page_uri: null });
    }
    const service = /^\/v1\/Services\/(MG\w+)$/.exec(req.path);
    if (service) {
      const found = state.services[service[1]!];
      return found
        ? json(res, 200, { sid: service[1], ...found })
        : json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    }
    return false;
  });

  return state;
}
