/**
 * `npm run twilio:check`: everything a real Twilio account needs before the server can text with
 * it, checked against the account itself, each step reported ✓ (fine), ! (works, but read this) or
 * ✗ (will not work) with what to do about it. Only reads, except the one text sent with `to`.
 *
 *  1. The account: the credentials work, it is active; a trial account only texts verified numbers.
 *  2. The senders (the environment's and every organisation's): each number is owned by the account
 *     and can text, and its incoming-message webhook is ours, unless a Messaging Service handles
 *     incoming texts; each Messaging Service exists and sends incoming texts to us.
 *  3. PUBLIC_URL: https (Twilio needs a CA-signed certificate), and /healthz answers there.
 *  4. WhatsApp content templates: each Content SID exists in this account, its {{n}} placeholders
 *     are the ones the template maps, and WhatsApp approved it.
 *  5. Opt-out handling (TWILIO_OPT_OUT) against the senders.
 *  6. With `to`: one text, its status followed for up to a minute, whether its signed status
 *     callback reached the server, and how long Twilio's message list took to show it.
 */
import { isLoopbackHostname } from '../../shared/loopback.js';
import { TWILIO_WEBHOOK_PATHS } from './twilio-webhooks.js';

export type CheckResult = 'ok' | 'warn' | 'fail';

export interface CheckStep {
  result: CheckResult;
  title: string;
  /** What was found. */
  detail?: string;
  /** What to do about it (for warn and fail). */
  fix?: string;
}

export interface CheckSender {
  /** Whose it is: "environment" or an organisation's name. */
  owner: string;
  smsFrom?: string | null;
  whatsappFrom?: string | null;
  messagingServiceSid?: string | null;
}

export interface CheckTemplate {
  owner: string;
  name: string;
  contentSid: string;
  contentVariables: Record<string, string> | null;
}

export interface TwilioCheckInput {
  accountSid: string;
  authToken: string;
  apiBaseUrl: string;
  /** https://messaging.twilio.com (Messaging Services). */
  messagingApiBaseUrl: string;
  /** https://content.twilio.com (content templates). */
  contentApiBaseUrl: string;
  publicUrl: string;
  optOutMode: 'twilio' | 'app';
  senders: CheckSender[];
  templates: CheckTemplate[];
  /** Send one text to this number and follow it. */
  to?: string;
  /** Whether the server recorded a status callback for this message SID (it verified the signature before recording it). */
  callbackSeen?: (sid: string) => boolean | Promise<boolean>;
  fetch?: typeof fetch;
  /** How long to follow the test text (default 60 s), and how often to look (default 2 s). */
  followMs?: number;
  pollMs?: number;
}

const FINAL_STATUSES = new Set(['delivered', 'undelivered', 'failed', 'read', 'canceled']);

export async function runTwilioCheck(input: TwilioCheckInput, report: (step: CheckStep) => void = () => {}): Promise<CheckStep[]> {
  const steps: CheckStep[] = [];
  const doFetch = input.fetch ?? fetch;
  const authorization = `Basic ${Buffer.from(`${input.accountSid}:${input.authToken}`).toString('base64')}`;
  const api = `${input.apiBaseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(input.accountSid)}`;
  const inboundUrl = input.publicUrl + TWILIO_WEBHOOK_PATHS.inbound;
  const statusUrl = input.publicUrl + TWILIO_WEBHOOK_PATHS.status;

  function add(step: CheckStep) {
    steps.push(step);
    report(step);
  }

  async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> | null }> {
    try {
      const res = await doFetch(url, { headers: { Authorization: authorization }, signal: AbortSignal.timeout(15_000) });
      const text = await res.text();
      let body: Record<string, unknown> | null = null;
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      } catch {
        body = null;
      }
      return { status: res.status, body };
    } catch (err) {
      return { status: 0, body: { message: err instanceof Error ? err.message : String(err) } };
    }
  }

  // 1. The account.
  const account = await getJson(`${api}.json`);
  if (account.status === 401 || account.status === 403) {
    add({
      result: 'fail',
      title: 'Account credentials',
      detail: `Twilio refused TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (HTTP ${account.status}).`,
      fix: 'Copy the Account SID and the current Auth Token from the Twilio Console (Account > API keys & tokens); after a token rotation use the new primary token.',
    });
    return steps;
  }
  if (account.status !== 200 || !account.body) {
    add({
      result: 'fail',
      title: 'Account',
      detail: `Could not read the account (HTTP ${account.status}${account.body?.message ? `: ${String(account.body.message)}` : ''}).`,
      fix: 'Check the network and TWILIO_API_BASE_URL (leave it unset for the real Twilio).',
    });
    return steps;
  }
  const accountStatus = String(account.body.status ?? '');
  if (accountStatus !== 'active') {
    add({
      result: 'fail',
      title: 'Account status',
      detail: `The account is "${accountStatus}".`,
      fix: 'Reactivate the account in the Twilio Console before sending.',
    });
  } else if (String(account.body.type ?? '') === 'Trial') {
    add({
      result: 'warn',
      title: 'Account',
      detail: `"${String(account.body.friendly_name ?? input.accountSid)}" is active but a trial account.`,
      fix: 'A trial account texts only verified numbers (Console > Phone Numbers > Verified Caller IDs) and prefixes every text; upgrade it before texting candidates.',
    });
  } else {
    add({ result: 'ok', title: 'Account', detail: `"${String(account.body.friendly_name ?? input.accountSid)}" is active.` });
  }

  // 2. Senders.
  const services = new Set(input.senders.map((s) => s.messagingServiceSid).filter((s): s is string => !!s));
  const numbersChecked = new Set<string>();
  for (const sender of input.senders) {
    const number = sender.smsFrom;
    if (number && !numbersChecked.has(number)) {
      numbersChecked.add(number);
      add(await checkNumber(number, sender, services.size > 0));
    }
    if (sender.whatsappFrom) {
      add({
        result: 'warn',
        title: `WhatsApp sender ${sender.whatsappFrom} (${sender.owner})`,
        detail: 'WhatsApp senders are not listed by the API this check uses.',
        fix: `In the Console (Messaging > Senders > WhatsApp senders) make sure it is online and its "Webhook URL for incoming messages" is ${inboundUrl}, or that it belongs to a Messaging Service that sends incoming texts there.`,
      });
    }
  }
  for (const sid of services) add(await checkService(sid));
  if (!input.senders.some((s) => s.smsFrom || s.whatsappFrom || s.messagingServiceSid)) {
    add({
      result: 'fail',
      title: 'Senders',
      detail: 'No sender: neither the environment nor any organisation has a number or Messaging Service.',
      fix: 'Set TWILIO_SMS_FROM (or TWILIO_MESSAGING_SERVICE_SID, TWILIO_WHATSAPP_FROM), or give each organisation its own number in the extension’s options.',
    });
  }

  async function checkNumber(number: string, sender: CheckSender, anyService: boolean): Promise<CheckStep> {
    const title = `Number ${number} (${sender.owner})`;
    const found = await getJson(`${api}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(number)}`);
    const list = (found.body?.incoming_phone_numbers as Record<string, unknown>[] | undefined) ?? [];
    if (found.status !== 200) return { result: 'fail', title, detail: `Could not list the account's numbers (HTTP ${found.status}).` };
    const entry = list.find((n) => n.phone_number === number);
    if (!entry) {
      return {
        result: 'fail',
        title,
        detail: 'This account does not own the number (texts from it would be refused).',
        fix: 'Buy or port the number into this account (Console > Phone Numbers), or set the sender to a number it owns. Old demo databases still carry the simulator’s numbers: clear them in the organisation’s options.',
      };
    }
    const capabilities = (entry.capabilities ?? {}) as Record<string, unknown>;
    if (capabilities.sms === false) return { result: 'fail', title, detail: 'The number cannot send SMS.', fix: 'Use an SMS-capable number.' };
    const smsUrl = String(entry.sms_url ?? '');
    if (smsUrl === inboundUrl) return { result: 'ok', title, detail: `Owned, SMS-capable, incoming texts go to ${inboundUrl}.` };
    if (sender.messagingServiceSid || anyService) {
      return {
        result: 'warn',
        title,
        detail: `Owned; its own webhook is "${smsUrl || 'none'}". If the number is in a Messaging Service, the service’s setting decides (checked below).`,
        fix: `If it is not in a Messaging Service, set "A message comes in" to ${inboundUrl} (HTTP POST).`,
      };
    }
    return {
      result: 'fail',
      title,
      detail: `Owned, but incoming texts go to "${smsUrl || 'nowhere'}": replies and STOP would never reach the server.`,
      fix: `Console > Phone Numbers > ${number} > Messaging: "A message comes in" = Webhook, ${inboundUrl}, HTTP POST.`,
    };
  }

  async function checkService(sid: string): Promise<CheckStep> {
    const title = `Messaging Service ${sid}`;
    const found = await getJson(`${input.messagingApiBaseUrl.replace(/\/+$/, '')}/v1/Services/${encodeURIComponent(sid)}`);
    if (found.status === 404)
      return {
        result: 'fail',
        title,
        detail: 'No such Messaging Service in this account.',
        fix: 'Copy the service SID (MG…) from Console > Messaging > Services.',
      };
    if (found.status !== 200 || !found.body) return { result: 'fail', title, detail: `Could not read it (HTTP ${found.status}).` };
    if (found.body.use_inbound_webhook_on_number === true) {
      return {
        result: 'warn',
        title,
        detail: 'It defers incoming texts to each number’s own webhook.',
        fix: `Make sure every number in it has "A message comes in" = ${inboundUrl}, or set the service’s Integration to "Send a webhook" with that URL.`,
      };
    }
    const url = String(found.body.inbound_request_url ?? '');
    if (url === inboundUrl) return { result: 'ok', title, detail: `"${String(found.body.friendly_name ?? sid)}" sends incoming texts to ${inboundUrl}.` };
    return {
      result: 'fail',
      title,
      detail: `Incoming texts go to "${url || 'nowhere'}".`,
      fix: `Console > Messaging > Services > ${sid} > Integration: "Send a webhook", request URL ${inboundUrl} (HTTP POST).`,
    };
  }

  // 3. PUBLIC_URL.
  add(await checkPublicUrl());
  async function checkPublicUrl(): Promise<CheckStep> {
    let url: URL;
    try {
      url = new URL(input.publicUrl);
    } catch {
      return {
        result: 'fail',
        title: 'PUBLIC_URL',
        detail: `"${input.publicUrl}" is not a URL.`,
        fix: 'Set PUBLIC_URL to the https address Twilio reaches this server at.',
      };
    }
    const loopback = isLoopbackHostname(url.hostname);
    if (url.protocol !== 'https:' && !loopback) {
      return {
        result: 'fail',
        title: 'PUBLIC_URL',
        detail: `${input.publicUrl} is not https.`,
        fix: 'Twilio needs https with a CA-signed certificate: put the server behind a TLS proxy or tunnel and set PUBLIC_URL to its https address.',
      };
    }
    try {
      const res = await doFetch(`${input.publicUrl}/healthz`, { signal: AbortSignal.timeout(10_000) });
      await res.body?.cancel();
      if (!res.ok)
        return {
          result: 'fail',
          title: 'PUBLIC_URL',
          detail: `${input.publicUrl}/healthz answered HTTP ${res.status}.`,
          fix: 'Start the server (npm start) and make PUBLIC_URL point at it.',
        };
    } catch (err) {
      return {
        result: 'fail',
        title: 'PUBLIC_URL',
        detail: `${input.publicUrl}/healthz is not reachable from here (${err instanceof Error ? err.message : String(err)}).`,
        fix: 'Start the server and check DNS, the certificate and the proxy or tunnel in front of it.',
      };
    }
    if (loopback) {
      return {
        result: 'warn',
        title: 'PUBLIC_URL',
        detail: `${input.publicUrl} answers, but only on this machine.`,
        fix: 'Twilio cannot reach a loopback address: use a public https URL (or a tunnel) for webhooks and status callbacks.',
      };
    }
    return { result: 'ok', title: 'PUBLIC_URL', detail: `${input.publicUrl} is https and /healthz answers.` };
  }

  // 4. Content templates.
  for (const template of input.templates) add(await checkTemplate(template));
  async function checkTemplate(template: CheckTemplate): Promise<CheckStep> {
    const title = `Template "${template.name}" (${template.owner}) ${template.contentSid}`;
    const base = `${input.contentApiBaseUrl.replace(/\/+$/, '')}/v1/Content/${encodeURIComponent(template.contentSid)}`;
    const found = await getJson(base);
    if (found.status === 404) {
      return {
        result: 'fail',
        title,
        detail: 'No such content template in this account.',
        fix: 'Copy the Content SID (HX…) from Console > Messaging > Content Template Builder of this account.',
      };
    }
    if (found.status !== 200 || !found.body) return { result: 'fail', title, detail: `Could not read it (HTTP ${found.status}).` };
    const types = (found.body.types ?? {}) as Record<string, { body?: string }>;
    const bodies = Object.values(types)
      .map((t) => t.body ?? '')
      .join('\n');
    const placeholders = [...new Set([...bodies.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]!))].sort();
    const mapped = Object.keys(template.contentVariables ?? {}).sort();
    if (placeholders.join() !== mapped.join()) {
      return {
        result: 'fail',
        title,
        detail: `Its placeholders are {${placeholders.join(', ')}}; the template maps {${mapped.join(', ')}}.`,
        fix: 'Edit the template’s content variables so each placeholder {{n}} has a merge field, and no other.',
      };
    }
    const approval = await getJson(`${base}/ApprovalRequests`);
    const whatsapp = (approval.body?.whatsapp ?? {}) as Record<string, unknown>;
    const status = String(whatsapp.status ?? 'unsubmitted');
    if (status === 'approved') return { result: 'ok', title, detail: 'Exists, placeholders match, approved for WhatsApp.' };
    return {
      result: 'warn',
      title,
      detail: `WhatsApp approval: ${status}${whatsapp.rejection_reason ? ` (${String(whatsapp.rejection_reason)})` : ''}.`,
      fix: 'Until WhatsApp approves it, texts with it outside the 24-hour window fail: submit it for approval in the Content Template Builder.',
    };
  }

  // 5. Opt-out handling.
  // A long code: a full E.164 number that is not North American toll-free (short codes are not E.164).
  const longCodes = input.senders.some((s) => s.smsFrom && /^\+\d{8,15}$/.test(s.smsFrom) && !/^\+18(00|33|44|55|66|77|88)/.test(s.smsFrom));
  if (input.optOutMode === 'app' && longCodes) {
    add({
      result: 'warn',
      title: 'Opt-out handling: TWILIO_OPT_OUT=app',
      detail: 'On long codes Twilio itself answers STOP, START and HELP and blocks the number: candidates get two answers.',
      fix: 'Use TWILIO_OPT_OUT=twilio (the default), or turn off Twilio’s own replies with Advanced Opt-Out on a Messaging Service.',
    });
  } else {
    add({
      result: 'ok',
      title: `Opt-out handling: TWILIO_OPT_OUT=${input.optOutMode}`,
      detail:
        input.optOutMode === 'twilio'
          ? 'Twilio answers STOP/START/HELP; the server records them and sends no answer of its own.'
          : 'The server answers STOP/START/HELP itself.',
    });
  }

  // 6. One real text.
  if (input.to) add(await sendOne(input.to));
  async function sendOne(to: string): Promise<CheckStep> {
    const title = `Test text to ${to}`;
    const sender = input.senders.find((s) => s.messagingServiceSid || s.smsFrom);
    if (!sender) return { result: 'fail', title, detail: 'No SMS sender to send it from.' };
    const form = new URLSearchParams({ To: to, Body: 'Text Engagement: this is the test text of npm run twilio:check.', StatusCallback: statusUrl });
    if (sender.messagingServiceSid) form.set('MessagingServiceSid', sender.messagingServiceSid);
    else form.set('From', sender.smsFrom!);
    const started = Date.now();
    let sid: string;
    try {
      const res = await doFetch(`${api}/Messages.json`, {
        method: 'POST',
        headers: { Authorization: authorization, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (res.status !== 201 && res.status !== 200) {
        return {
          result: 'fail',
          title,
          detail: `Twilio refused it: HTTP ${res.status}, code ${String(body.code ?? '?')}: ${String(body.message ?? '')}`,
          fix: `See https://www.twilio.com/docs/api/errors/${String(body.code ?? '')}`,
        };
      }
      sid = String(body.sid);
    } catch (err) {
      return { result: 'fail', title, detail: `Could not send it: ${err instanceof Error ? err.message : String(err)}` };
    }
    const followMs = input.followMs ?? 60_000;
    const pollMs = input.pollMs ?? 2000;
    let status = 'queued';
    let errorCode: string | null = null;
    let from = '';
    let listedAfterMs: number | null = null;
    let listedBody: string | null = null;
    let callback = false;
    while (Date.now() - started < followMs) {
      const fetched = await getJson(`${api}/Messages/${encodeURIComponent(sid)}.json`);
      if (fetched.body) {
        status = String(fetched.body.status ?? status);
        errorCode = fetched.body.error_code != null ? String(fetched.body.error_code) : null;
        from = String(fetched.body.from ?? from);
      }
      if (listedAfterMs == null) {
        const listed = await getJson(`${api}/Messages.json?To=${encodeURIComponent(to)}&PageSize=20`);
        const match = ((listed.body?.messages as Record<string, unknown>[] | undefined) ?? []).find((m) => m.sid === sid);
        if (match) {
          listedAfterMs = Date.now() - started;
          listedBody = String(match.body ?? '');
        }
      }
      callback = (await input.callbackSeen?.(sid)) ?? false;
      if (FINAL_STATUSES.has(status) && listedAfterMs != null && (callback || !input.callbackSeen)) break;
      await new Promise((r) => setTimeout(r, pollMs));
    }
    const detail =
      `${sid} from ${from || '?'}: ${status}${errorCode ? ` (ErrorCode ${errorCode})` : ''}; ` +
      `in Twilio's message list after ${listedAfterMs == null ? `more than ${Math.round(followMs / 1000)} s` : `${(listedAfterMs / 1000).toFixed(1)} s`}${listedBody != null ? ` (body shown: "${listedBody.slice(0, 60)}")` : ''}; ` +
      `signed status callback ${callback ? 'received' : 'NOT received'}.`;
    if (status === 'failed' || status === 'undelivered')
      return { result: 'fail', title, detail, fix: `See https://www.twilio.com/docs/api/errors/${errorCode ?? ''}` };
    if (input.callbackSeen && !callback) {
      return {
        result: 'fail',
        title,
        detail,
        fix: `Twilio could not reach ${statusUrl}, or the signature did not match: PUBLIC_URL must be exactly the address Twilio calls (scheme, host, port), and TWILIO_AUTH_TOKEN the account's current token.`,
      };
    }
    if (!FINAL_STATUSES.has(status))
      return { result: 'warn', title, detail, fix: 'No final status within the time: check the phone and the message’s log in the Console.' };
    return { result: 'ok', title, detail };
  }

  return steps;
}

/** One line per step: ✓ / ! / ✗, title, what was found, and the fix. */
export function formatStep(step: CheckStep): string {
  const mark = step.result === 'ok' ? '✓' : step.result === 'warn' ? '!' : '✗';
  return [`${mark} ${step.title}${step.detail ? `: ${step.detail}` : ''}`, ...(step.fix ? [`    → ${step.fix}`] : [])].join('\n');
}
