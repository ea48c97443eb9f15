/**
 * Server-sent events (text/event-stream) read from a fetch body: the extension's background reads
 * /api/events this way (EventSource cannot send the Bearer header), and so do the server's HTTP
 * tests.
 */

/** One event: its name (`message` when the server gives none), its data lines joined by newlines, its id. */
export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Reads `body` to its end, calling `onEvent` for each event as it arrives; stops early when
 * `onEvent` returns true. Comment lines (the server's keep-alives) and events without data are
 * skipped, as the event-stream format says; lines may end in \n or \r\n.
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (event: ServerSentEvent) => boolean | void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let boundary: number;
      while ((boundary = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, '');
        const event = parseEvent(block);
        if (event && onEvent(event) === true) return;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function parseEvent(block: string): ServerSentEvent | null {
  const event: ServerSentEvent = { event: 'message', data: '' };
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event.event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') event.id = value;
  }
  if (!data.length) return null;
  event.data = data.join('\n');
  return event;
}
