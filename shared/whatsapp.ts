/**
 * WhatsApp's rules for a business: free-form text only within 24 hours of the person's last
 * message; outside that window only content WhatsApp approved (a template with a provider content
 * id, Twilio's `HX…`), sent as that content with its variables and no free text. The server
 * refuses and skips by them, the simulator enforces them like Twilio, and the extension offers
 * the approved templates when the window is shut.
 */

export const WHATSAPP_WINDOW_MS = 24 * 3600_000;

/** Whether free-form text may go at `now`, given when the candidate last wrote (null: never). */
export function whatsappWindowOpenAt(lastInboundAt: number | null, now: number): boolean {
  return lastInboundAt != null && now - lastInboundAt < WHATSAPP_WINDOW_MS;
}

/** The parts of a template the rule reads. */
export interface TemplateForSend {
  body: string;
  contentSid: string | null;
}

/**
 * How a text goes out: `text` (SMS, or WhatsApp inside the window: the body, a template's text
 * may be edited), `content` (WhatsApp outside the window: the template's approved content as it
 * is), or refused before anything is queued.
 */
export type WhatsappSendForm = 'text' | 'content' | { refused: 'WHATSAPP_WINDOW_CLOSED' | 'TEMPLATE_NOT_APPROVED' };

/**
 * The one rule. `body`: the text as written when it differs from the template's (edited), or
 * undefined/the template's own body when the template is sent as it is.
 */
export function whatsappSendForm(input: {
  channel: 'sms' | 'whatsapp';
  windowOpen: boolean;
  template: TemplateForSend | null | undefined;
  body?: string;
}): WhatsappSendForm {
  if (input.channel !== 'whatsapp' || input.windowOpen) return 'text';
  const { template } = input;
  if (!template) return { refused: 'WHATSAPP_WINDOW_CLOSED' };
  if (!template.contentSid) return { refused: 'TEMPLATE_NOT_APPROVED' };
  const edited = input.body !== undefined && input.body.trim() !== '' && input.body !== template.body;
  return edited ? { refused: 'WHATSAPP_WINDOW_CLOSED' } : 'content';
}

/** Whether a template may open a WhatsApp conversation (it has approved content). */
export function isWhatsappTemplate(template: { contentSid: string | null } | null | undefined): boolean {
  return template?.contentSid != null;
}
