/**
 * An administrator's candidate import on the options page: the chosen file, the upload, the
 * server's progress (polled through the background: GET /api/imports/:id), and the outcome.
 */
import { batch, computed, signal } from '@preact/signals';
import type { ImportStatus } from '../../../shared/api';
import type { Outputs, RelayError, RequestInput, RequestName, Result } from '../../lib/protocol';
import { MAX_IMPORT_BYTES } from '../../lib/protocol-names';
import { IMPORT_POLL_MS } from '../../lib/tuning';

export type ImportPhase =
  /** Nothing sent yet (a file may be chosen). */
  | 'idle'
  /** Reading the file and sending it: the server checks it before answering. */
  | 'uploading'
  /** The server is writing the rows. */
  | 'running'
  /** Finished (every row written or refused), or stopped by the server. */
  | 'done'
  | 'failed';

/** The relay's request function (passed in, so tests can script the background). */
export type Requester = <N extends RequestName>(name: N, input: RequestInput<N>) => Promise<Result<Outputs[N]>>;

export interface ChosenFile {
  name: string;
  size: number;
  text(): Promise<string>;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;

export type ImportStore = ReturnType<typeof createImportStore>;

export function createImportStore(request: Requester, signalOfPage: AbortSignal) {
  const file = signal<ChosenFile | null>(null);
  const phase = signal<ImportPhase>('idle');
  const status = signal<ImportStatus | null>(null);
  /** Why the file was refused or the import can't be followed (the server's message when it gave one). */
  const error = signal<string | null>(null);
  /** Polling stopped on an error (offline...): "Check again" resumes it. */
  const stalled = signal(false);
  /** The chosen file is over the limit: not read, not sent (the error says so). */
  const tooLarge = computed(() => !!file.value && file.value.size > MAX_IMPORT_BYTES);
  let timer: ReturnType<typeof setTimeout> | null = null;
  signalOfPage.addEventListener('abort', () => timer && clearTimeout(timer));

  const busy = computed(() => phase.value === 'uploading' || phase.value === 'running');

  function choose(chosen: ChosenFile | null) {
    if (busy.value) return;
    batch(() => {
      file.value = chosen;
      status.value = null;
      phase.value = 'idle';
      stalled.value = false;
      error.value = tooLarge.value
        ? `${chosen!.name} is larger than ${megabytes(MAX_IMPORT_BYTES)}, the most the extension imports at once. Split it into smaller files.`
        : null;
    });
  }

  async function start() {
    const chosen = file.value;
    if (!chosen || busy.value || tooLarge.value) return;
    batch(() => {
      phase.value = 'uploading';
      status.value = null;
      stalled.value = false;
      error.value = null;
    });
    let text: string;
    try {
      text = await chosen.text();
    } catch {
      fail({ code: 'UNREADABLE', message: `${chosen.name} could not be read. Choose it again.`, status: 0 });
      return;
    }
    const r = await request('imports.start', { format: 'csv', text });
    if (!r.ok) return fail(r.error);
    follow(r.data);
  }

  function fail(refusal: RelayError) {
    batch(() => {
      phase.value = 'idle';
      error.value = refusal.message;
    });
  }

  /** Shows the import's state, and asks again while it runs. */
  function follow(next: ImportStatus) {
    batch(() => {
      status.value = next;
      phase.value = next.status === 'running' ? 'running' : next.status;
      stalled.value = false;
    });
    if (next.status === 'running' && !signalOfPage.aborted) timer = setTimeout(() => void poll(next.importId), IMPORT_POLL_MS);
  }

  async function poll(importId: string) {
    timer = null;
    const r = await request('imports.get', { importId });
    if (signalOfPage.aborted) return;
    if (r.ok) return follow(r.data);
    batch(() => {
      stalled.value = true;
      error.value = `Can't tell how the import is going: ${r.error.message}`;
    });
  }

  /** After a failed poll: ask again (the import itself went on at the server). */
  function checkAgain() {
    const s = status.value;
    if (!s || !stalled.value) return;
    batch(() => {
      stalled.value = false;
      error.value = null;
    });
    void poll(s.importId);
  }

  return { file, phase, status, error, stalled, busy, tooLarge, choose, start, checkAgain };
}
