/**
 * "Import candidates" on the options page (administrators only): a CSV export from the ATS,
 * a progress bar while the server writes it, then what happened: created, updated, unchanged,
 * failed, and the rows it refused, which can be downloaded as a CSV to fix and import again.
 */
import { useEffect, useMemo } from 'preact/hooks';
// Types only: shared/api's schemas would bring zod into this page (the background checks requests).
import type { ImportRowError, ImportStatus } from '../../../shared/api';
import { request } from '../../lib/relay';
import { importErrorsCsv } from './errors-csv';
import './import.css';
import { createImportStore, type ImportStore } from './store';
import { IMPORT_CSV_COLUMNS, IMPORT_REQUIRED_COLUMNS } from '../../../shared/import-format';

const count = (n: number) => n.toLocaleString('en-US');

/** Saves `text` as a file the browser downloads (a link to a blob, clicked). */
function download(filename: string, text: string) {
  // The byte-order mark tells spreadsheet apps the file is UTF-8 (names with accents stay readable).
  const url = URL.createObjectURL(new Blob(['\uFEFF', text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  // The download has taken the blob by the next task; the URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function Progress({ status }: { status: ImportStatus | null }) {
  const total = status?.total ?? 0;
  const processed = status?.processed ?? 0;
  return (
    <div class="te-import-progress" data-testid="te-import-progress">
      <progress max={total || 1} value={status ? processed : undefined} aria-label="Import progress" />
      <p class="te-muted" aria-live="polite">
        {status ? `Importing… ${count(processed)} of ${count(total)} rows` : 'Sending the file…'}
      </p>
    </div>
  );
}

function Counts({ status }: { status: ImportStatus }) {
  const items: [string, number][] = [
    ['Created', status.created],
    ['Updated', status.updated],
    ['Unchanged', status.unchanged],
    ['Failed', status.failed],
  ];
  return (
    <dl class="te-import-counts" data-testid="te-import-counts">
      {items.map(([label, n]) => (
        <div key={label} class={label === 'Failed' && n > 0 ? 'is-failed' : undefined} data-count={label.toLowerCase()}>
          <dt>{label}</dt>
          <dd>{count(n)}</dd>
        </div>
      ))}
    </dl>
  );
}

function RowErrors({ status }: { status: ImportStatus }) {
  const errors: ImportRowError[] = status.errors;
  if (!errors.length) return null;
  return (
    <section class="te-import-errors" aria-labelledby="te-import-errors-title">
      <div class="te-import-errors-head">
        <h3 id="te-import-errors-title">Rows not imported</h3>
        <button type="button" class="te-button" onClick={() => download(`import-errors-${status.importId}.csv`, importErrorsCsv(errors))}>
          Download errors (CSV)
        </button>
      </div>
      {status.failed > errors.length && (
        <p class="te-muted">
          The first {count(errors.length)} of {count(status.failed)} are listed.
        </p>
      )}
      <div class="te-import-table-wrap">
        <table class="te-import-table" data-testid="te-import-errors">
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">atsId</th>
              <th scope="col">Field</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {errors.map((e, i) => (
              <tr key={i}>
                <td class="te-import-num">{e.row}</td>
                <td>{e.atsId ?? ''}</td>
                <td>
                  <code>{e.field}</code>
                </td>
                <td>{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Outcome({ store }: { store: ImportStore }) {
  const status = store.status.value;
  if (!status || store.busy.value) return null;
  const failed = status.status === 'failed';
  return (
    <div class="te-import-outcome" data-testid="te-import-outcome" data-status={status.status}>
      <p class={`te-notice ${failed ? 'te-notice-error' : status.failed ? 'te-notice-warn' : 'te-notice-ok'}`} role="status">
        {failed
          ? `The import stopped: ${status.message ?? 'the server could not finish it.'}`
          : status.failed
            ? `Imported ${count(status.processed - status.failed)} of ${count(status.total)} rows; ${count(status.failed)} could not be imported.`
            : `Imported all ${count(status.total)} rows.`}
      </p>
      <Counts status={status} />
      <RowErrors status={status} />
    </div>
  );
}

export function ImportCandidates() {
  // Polling stops when the section goes (signed out, or another account without the right).
  const controller = useMemo(() => new AbortController(), []);
  useEffect(() => () => controller.abort(), [controller]);
  const store = useMemo(() => createImportStore(request, controller.signal), [controller]);
  const chosen = store.file.value;
  const busy = store.busy.value;
  const finished = store.phase.value === 'done' || store.phase.value === 'failed';

  return (
    <section class="te-card te-import" aria-labelledby="te-import-title" data-testid="te-import">
      <h2 id="te-import-title">Import candidates</h2>
      <p class="te-muted">
        A CSV export from your ATS: a header row naming the columns, then one candidate per row. {IMPORT_REQUIRED_COLUMNS.join(', ')} are required;{' '}
        {IMPORT_CSV_COLUMNS.filter((c) => !(IMPORT_REQUIRED_COLUMNS as readonly string[]).includes(c)).join(', ')} are optional (consent is granted or revoked).
        Candidates already here are updated; a candidate's own STOP is never undone by an import.
      </p>
      <form
        class="te-import-form"
        onSubmit={(e) => {
          e.preventDefault();
          void store.start();
        }}
      >
        <label class="te-field">
          <span>CSV file</span>
          <input
            type="file"
            name="te-import-file"
            accept=".csv,text/csv"
            disabled={busy}
            onChange={(e) => store.choose((e.currentTarget as HTMLInputElement).files?.[0] ?? null)}
          />
        </label>
        {store.error.value && (
          <p class="te-notice te-notice-error" role="alert" data-testid="te-import-error">
            {store.error.value}
            {store.stalled.value && (
              <>
                {' '}
                <button type="button" class="te-link-button" onClick={() => store.checkAgain()}>
                  Check again
                </button>
              </>
            )}
          </p>
        )}
        {busy && <Progress status={store.status.value} />}
        {!finished && (
          <button type="submit" class="te-button te-button-primary" disabled={!chosen || busy || store.tooLarge.value}>
            {busy ? 'Importing…' : 'Import'}
          </button>
        )}
      </form>
      <Outcome store={store} />
    </section>
  );
}
