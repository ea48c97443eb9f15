// @vitest-environment happy-dom
/**
 * A text's attachments in the thread (Conversation.tsx + MessageMedia.tsx) against a scripted
 * relay: a picture is fetched through the background (request('media.get') with our own URL,
 * nothing else) and shown from a blob: URL with "Image from <name>"; a picture sent without words
 * has no empty bubble; a PDF is a download link; one the server could not fetch says so.
 */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Candidate, Message } from '../../../shared/api';

const relay = vi.hoisted(() => ({ request: vi.fn() }));
vi.mock('../../lib/relay', () => ({ request: relay.request, subscribe: vi.fn() }));

const { Conversation } = await import('./Conversation');
const { blobOfDataUrl } = await import('./MessageMedia');

const MARIA = { id: '10001', firstName: 'Maria', lastName: 'Garcia', phone: '+12125550101', channel: 'sms' } as unknown as Candidate;
const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 1, 2, 3];
const PNG_DATA_URL = `data:image/png;base64,${btoa(String.fromCharCode(...PNG_BYTES))}`;

function inbound(id: number, body: string, media: Message['media']): Message {
  return {
    id,
    candidateId: '10001',
    direction: 'inbound',
    channel: 'sms',
    body,
    status: 'received',
    encoding: 'GSM-7',
    segments: 1,
    sender: 'candidate',
    senderName: null,
    errorCode: null,
    errorMessage: null,
    campaignId: null,
    createdAt: '2026-03-03T15:00:00.000Z',
    sentAt: null,
    deliveredAt: null,
    media,
  };
}

let root: HTMLElement;
const tick = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  root = document.createElement('div');
  document.body.append(root);
  relay.request.mockReset();
  relay.request.mockImplementation(async (name: string, input: { url: string }) => {
    if (name !== 'media.get') throw new Error(`unexpected ${name}`);
    if (input.url === '/api/media/1') return { ok: true, data: { dataUrl: PNG_DATA_URL, contentType: 'image/png' } };
    if (input.url === '/api/media/2')
      return { ok: true, data: { dataUrl: 'data:application/octet-stream;base64,JVBERi0=', contentType: 'application/octet-stream' } };
    return { ok: false, error: { code: 'NOT_FOUND', message: 'Attachment not found.', status: 404 } };
  });
});
afterEach(() => {
  render(null, root);
  root.remove();
});

async function mount(messages: Message[]) {
  await act(async () => {
    render(<Conversation messages={messages} candidate={MARIA} />, root);
    await tick();
  });
  await act(async () => {
    await tick();
  });
}

describe('attachments in the thread', () => {
  it('a picture alone: fetched through the background by our URL, shown from a blob: URL, no empty bubble', async () => {
    await mount([inbound(7, '', [{ url: '/api/media/1', contentType: 'image/png', status: 'stored' }])]);
    expect(relay.request.mock.calls).toEqual([['media.get', { url: '/api/media/1' }]]);
    const img = root.querySelector('img.te-conv-image') as HTMLImageElement;
    expect(img.alt).toBe('Image from Maria Garcia');
    expect(img.getAttribute('src')).toMatch(/^blob:/);
    expect(root.querySelectorAll('.te-conv-bubble')).toHaveLength(0);
  });

  it('text with a PDF: the words in the bubble, the file as a download link', async () => {
    await mount([inbound(8, 'My CV', [{ url: '/api/media/2', contentType: 'application/pdf', status: 'stored' }])]);
    expect(root.querySelector('.te-conv-bubble')!.textContent).toBe('My CV');
    const link = root.querySelector('a.te-conv-attachment') as HTMLAnchorElement;
    expect(link.textContent).toBe('Download attachment (application/pdf)');
    expect(link.getAttribute('download')).toBe('attachment-2');
    expect(link.getAttribute('href')).toMatch(/^blob:/);
  });

  it('failed on the server, or refused by it: "Attachment unavailable"; pending: loading, and nothing asked yet', async () => {
    await mount([
      inbound(9, 'Photo', [{ url: '/api/media/3', contentType: 'image/jpeg', status: 'failed' }]),
      inbound(10, 'Another', [{ url: '/api/media/4', contentType: 'image/jpeg', status: 'stored' }]),
      inbound(11, 'Third', [{ url: '/api/media/5', contentType: 'image/jpeg', status: 'pending' }]),
    ]);
    const notes = [...root.querySelectorAll('.te-conv-attachment')].map((e) => e.textContent);
    expect(notes).toEqual(['Attachment unavailable', 'Attachment unavailable', 'Loading attachment…']);
    expect(relay.request.mock.calls).toEqual([['media.get', { url: '/api/media/4' }]]);
    expect(root.querySelectorAll('img')).toHaveLength(0);
  });

  it('blobOfDataUrl keeps the bytes and the type', async () => {
    const blob = blobOfDataUrl(PNG_DATA_URL);
    expect(blob.type).toBe('image/png');
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual(PNG_BYTES);
  });
});
