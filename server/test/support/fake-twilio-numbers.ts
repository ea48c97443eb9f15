/**
 * The fake Twilio's account-level resources, for `npm run twilio:check` (server/providers/
 * twilio-check.ts): the account, its phone numbers (IncomingPhoneNumbers, with their incoming
 * webhook), Messaging Services (messaging.twilio.com/v1/Services: served here, point the check's
 * messaging base URL at the fake), content templates and their WhatsApp approval
 * (content.twilio.com/v1/Content: likewise), and a message fetched by SID. The first fetch of a
 * message posts its signed "delivered" status callback to the StatusCallback it was sent with,
 * through `reach` (the network between Twilio and the server: a proxy in front of the test app).
 */
import type { ServerResponse } from 'node:http';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, type FakeTwilio, type FakeTwilioRequest } from './fake-twilio.js';

export interface FakeAccountState {
  account: { status: string; type: 'Full' | 'Trial'; friendly_name: string };
  numbers: { phone_number: string; sms_url: string; capabilities: { sms: boolean; mms: boolean } }[];
  services: Record<string, { friendly_name: string; inbound_request_url: string | null; use_inbound_webhook_on_number: boolean }>;
  contents: Record<string, { body: string; whatsapp: string }>;
}

export function addFakeTwilioNumbers(twilio: FakeTwilio, options: { reach?: (url: string) => string } = {}) {
  const state: FakeAccountState = {
    account: { status: 'active', type: 'Full', friendly_name: 'Fake account' },
    numbers: [],
    services: {},
    contents: {},
  };
  const callbacks: { url: string; status: number }[] = [];
  const reported = new Set<string>();
  const account = `/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}`;

  function json(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    return true;
  }
  const notFound = (res: ServerResponse) => json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });

  async function postCallback(sid: string) {
    const m = twilio.created.find((c) => c.sid === sid);
    const sent = twilio.posts(m?.to).find((r) => r.form.StatusCallback);
    const url = sent?.form.StatusCallback;
    if (!m || !url) return;
    const params = { MessageSid: sid, MessageStatus: 'delivered', AccountSid: FAKE_ACCOUNT_SID, From: m.from, To: m.to };
    const res = await fetch(options.reach ? options.reach(url) : url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(FAKE_AUTH_TOKEN, url, params) },
      body: new URLSearchParams(params).toString(),
    });
    callbacks.push({ url, status: res.status });
  }

  twilio.addRoutes((req: FakeTwilioRequest, res: ServerResponse) => {
    if (req.method !== 'GET') return false;
    if (req.path === `${account}.json`) return json(res, 200, { sid: FAKE_ACCOUNT_SID, ...state.account });
    if (req.path === `${account}/IncomingPhoneNumbers.json`) {
      const wanted = req.query.get('PhoneNumber');
      return json(res, 200, { incoming_phone_numbers: state.numbers.filter((n) => !wanted || n.phone_number === wanted), next_page_uri: null });
    }
    const message = new RegExp(`^${account}/Messages/(SM\\w+)\\.json$`).exec(req.path);
    if (message) {
      const m = twilio.created.find((c) => c.sid === message[1]);
      if (!m) return notFound(res);
      if (!reported.has(m.sid)) {
        reported.add(m.sid);
        void postCallback(m.sid);
      }
      return json(res, 200, { sid: m.sid, to: m.to, from: m.from, body: m.body, status: 'delivered', error_code: null });
    }
    const service = /^\/v1\/Services\/(MG\w+)$/.exec(req.path);
    if (service) return state.services[service[1]!] ? json(res, 200, { sid: service[1], ...state.services[service[1]!] }) : notFound(res);
    const content = /^\/v1\/Content\/(HX\w+)(\/ApprovalRequests)?$/.exec(req.path);
    if (content) {
      const c = state.contents[content[1]!];
      if (!c) return notFound(res);
      if (content[2]) return json(res, 200, { sid: content[1], whatsapp: { status: c.whatsapp, category: 'UTILITY' } });
      return json(res, 200, { sid: content[1], types: { 'twilio/text': { body: c.body } } });
    }
    return false;
  });

  return { state, callbacks };
}
