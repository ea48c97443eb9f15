/**
 * The background's event stream (lib/event-stream.ts) over a fake fetch: each event is parsed
 * with its payload schema from the contract; one in another shape is refused and reported
 * (BAD_EVENT naming the event), never handed on, and the events after it still arrive.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServerEvent } from '../../shared/contract';
import { createEventStream } from './event-stream';
import type { RelayError } from './protocol';

afterEach(() => vi.unstubAllGlobals());

function streamOf(text: string) {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
}

describe('the event stream', () => {
  it('hands on parsed events, and refuses a payload in another shape with BAD_EVENT', async () => {
    const sse = [
      'event: ready\ndata: {"at":"2026-03-02T15:00:00.000Z"}\n\n',
      'event: candidates.updated\ndata: {"ids":"10001"}\n\n',
      'event: candidates.updated\ndata: {"ids":["10001","10002"]}\n\n',
      'event: something.newer\ndata: {}\n\n',
    ].join('');
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(streamOf(sse), { status: 200, headers: { 'content-type': 'text/event-stream' } })),
    );
    const events: ServerEvent[] = [];
    const invalid: RelayError[] = [];
    const stream = createEventStream({
      url: async () => 'http://te.test',
      token: async () => 'tok',
      onEvent: (event) => events.push(event),
      onInvalidEvent: (error) => invalid.push(error),
      onStatus: (connected) => {
        if (!connected) stream.stop();
      },
      onUnauthorized: () => undefined,
    });
    stream.start();
    await vi.waitFor(() => expect(stream.running).toBe(false));

    expect(events).toEqual([
      { type: 'ready', data: { at: '2026-03-02T15:00:00.000Z' } },
      { type: 'candidates.updated', data: { ids: ['10001', '10002'] } },
    ]);
    expect(invalid).toEqual([
      {
        code: 'BAD_EVENT',
        message: expect.stringMatching(/a candidates\.updated event this extension does not understand \(ids: Invalid input: expected array/),
        status: 0,
      },
    ]);
  });
});
