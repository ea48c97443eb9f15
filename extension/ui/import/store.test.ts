/**
 * The options page's import (ui/import/store.ts) against a scripted background: a file too big
 * is refused before it is read, a refused file shows the server's message, a running import is
 * followed until done, and a lost answer can be asked again.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImportStatus } from '../../../shared/api';
import { MAX_IMPORT_BYTES } from '../../lib/protocol-names';
import { IMPORT_POLL_MS as POLL_MS } from '../../lib/tuning';
import { createImportStore, type ChosenFile, type Requester } from './store';

const status = (patch: Partial<ImportStatus> = {}): ImportStatus => ({
  importId: 'imp_1',
  status: 'running',
  format: 'csv',
  total: 5,
  processed: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  failed: 0,
  errors: [],
  message: null,
  createdAt: '2026-11-01T00:00:00.000Z',
  finishedAt: null,
  ...patch,
});

const file = (text: string, size = text.length): ChosenFile => ({ name: 'candidates.csv', size, text: async () => text });

let calls: { name: string; input: unknown }[];
let answers: Record<string, unknown[]>;
const request = (async (name: string, input: unknown) => {
  calls.push({ name, input });
  const next = answers[name]?.shift();
  if (!next) throw new Error(`no answer for ${name}`);
  return next;
}) as Requester;

let controller: AbortController;
beforeEach(() => {
  vi.useFakeTimers();
  calls = [];
  answers = {};
  controller = new AbortController();
});
afterEach(() => {
  controller.abort();
  vi.useRealTimers();
});

describe('candidate import', () => {
  it('follows a running import until it is done: progress, then the counts and row errors', async () => {
    const errors = [{ row: 3, atsId: 'X1', field: 'phone', message: 'phone: "12" is not a valid phone number.' }];
    answers['imports.start'] = [{ ok: true, data: status() }];
    answers['imports.get'] = [
      { ok: true, data: status({ processed: 2 }) },
      { ok: true, data: status({ status: 'done', processed: 5, created: 3, updated: 1, failed: 1, errors, finishedAt: '2026-11-01T00:00:01.000Z' }) },
    ];
    const store = createImportStore(request, controller.signal);
    store.choose(file('atsId,firstName,lastName\n'));
    await store.start();
    expect(calls[0]).toEqual({ name: 'imports.start', input: { format: 'csv', text: 'atsId,firstName,lastName\n' } });
    expect(store.phase.value).toBe('running');
    expect(store.busy.value).toBe(true);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(store.status.value!.processed).toBe(2);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(store.phase.value).toBe('done');
    expect(store.status.value).toMatchObject({ created: 3, updated: 1, failed: 1, errors });
    expect(calls.map((c) => c.name)).toEqual(['imports.start', 'imports.get', 'imports.get']);
    // Done: nothing more is asked.
    await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    expect(calls).toHaveLength(3);
  });

  it('refuses a file over the limit before reading it', async () => {
    const store = createImportStore(request, controller.signal);
    const text = vi.fn(async () => '');
    store.choose({ name: 'huge.csv', size: MAX_IMPORT_BYTES + 1, text });
    expect(store.error.value).toBe('huge.csv is larger than 32 MB, the most the extension imports at once. Split it into smaller files.');
    await store.start();
    expect(text).not.toHaveBeenCalled();
    expect(calls).toEqual([]);
    // Another file clears it.
    store.choose(file('a'));
    expect(store.error.value).toBeNull();
  });

  it("shows the server's message for a file it can't read, and lets the recruiter pick another", async () => {
    const message = 'The header has a column we don\'t know: "mobile". The first row must name the columns; known columns are atsId, firstName, lastName.';
    answers['imports.start'] = [{ ok: false, error: { code: 'INVALID_FILE', message, status: 400 } }];
    const store = createImportStore(request, controller.signal);
    store.choose(file('mobile\n'));
    await store.start();
    expect(store.error.value).toBe(message);
    expect(store.phase.value).toBe('idle');
    expect(store.status.value).toBeNull();
    // The same file can be tried again (a refusal may have been the network's).
    answers['imports.start'] = [{ ok: true, data: status({ status: 'done', processed: 5, created: 5 }) }];
    await store.start();
    expect(store.error.value).toBeNull();
    expect(store.phase.value).toBe('done');
  });

  it('a lost answer while following: says so, and Check again asks again', async () => {
    answers['imports.start'] = [{ ok: true, data: status() }];
    answers['imports.get'] = [
      { ok: false, error: { code: 'OFFLINE', message: "Can't reach the Text Engagement server at http://x.", status: 0 } },
      { ok: true, data: status({ status: 'done', processed: 5, created: 5 }) },
    ];
    const store = createImportStore(request, controller.signal);
    store.choose(file('x'));
    await store.start();
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(store.stalled.value).toBe(true);
    expect(store.error.value).toMatch(/^Can't tell how the import is going: Can't reach/);
    await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    expect(calls).toHaveLength(2);
    store.checkAgain();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.phase.value).toBe('done');
    expect(store.error.value).toBeNull();
  });

  it('stops asking when the page goes', async () => {
    answers['imports.start'] = [{ ok: true, data: status() }];
    const store = createImportStore(request, controller.signal);
    store.choose(file('x'));
    await store.start();
    controller.abort();
    await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    expect(calls.map((c) => c.name)).toEqual(['imports.start']);
  });
});
