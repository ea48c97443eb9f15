/**
 * The server's events (GET /api/events), parsed with their payload schemas from the contract
 * (shared/contract/events.ts) before any view sees them: a payload in another shape is refused
 * with a readable BAD_EVENT rather than handed on as if it were right.
 */
import { serverEvents, type ServerEvent, type ServerEventName } from '../../shared/contract';
import type { RelayError } from './protocol';

export type ParsedEvent = { ok: true; event: ServerEvent } | { ok: false; error: RelayError };

/** The event, parsed; a refusal naming the event and the first difference; or null for a name the contract does not know (a newer server's). */
export function parseServerEvent(type: string, data: unknown): ParsedEvent | null {
  if (!Object.hasOwn(serverEvents, type)) return null;
  const name = type as ServerEventName;
  const parsed = serverEvents[name].safeParse(data);
  if (parsed.success) return { ok: true, event: { type: name, data: parsed.data } as ServerEvent };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  return {
    ok: false,
    error: {
      code: 'BAD_EVENT',
      message: `The Text Engagement server sent a ${name} event this extension does not understand (${where}${issue?.message ?? 'no payload'}); it was ignored.`,
      status: 0,
    },
  };
}
