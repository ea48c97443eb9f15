/**
 * The fake Twilio's side of webhooks: a form POSTed to a URL the app gave it (a message's
 * StatusCallback), signed the way Twilio signs, with the `twilio` npm package's own helper as an
 * independent reference for our verifier (server/providers/twilio-signature.ts).
 */
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';

/** How a callback reaches the app: real HTTP by default, or `app.request` for an in-process app. */
export type CallbackTransport = (url: string, init: RequestInit) => Promise<Response>;

export interface SignedPost {
  url: string;
  form: Record<string, string>;
  status: number;
}

/** Posts `form` to `url` (query kept, as Twilio does) signed with `authToken`; resolves with the app's answer status. */
export async function postSigned(transport: CallbackTransport, url: string, authToken: string, form: Record<string, string>): Promise<SignedPost> {
  const signature = getExpectedTwilioSignature(authToken, url, form);
  const res = await transport(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(form).toString(),
  });
  await res.body?.cancel().catch(() => {});
  return { url, form, status: res.status };
}
