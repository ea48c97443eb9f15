/**
 * WhatsApp's rules for a business: free-form text only within 24 hours of the person's last
 * message; outside that window only a template WhatsApp approved, sent as approved. The server
 * refuses and skips by them; the extension offers the approved templates when the window is shut.
 */

export const WHATSAPP_WINDOW_MS = 24 * 3600_000;

/** Whether free-form text may go at `now`, given when the candidate last wrote (null: never). */
export function whatsappWindowOpenAt(lastInboundAt: number | null, now: number): boolean {
  return lastInboundAt != null && now - lastInboundAt < WHATSAPP_WINDOW_MS;
}

/** Whether `body` is an approved template's text, unedited: the one kind of text that may open a conversation. */
export function isApprovedTemplateText(template: { whatsappApproved: boolean; body: string } | null | undefined, body: string): boolean {
  return !!template?.whatsappApproved && template.body === body;
}
