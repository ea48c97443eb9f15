/**
 * Bulk import of candidates (POST /api/candidates/import): a CSV or NDJSON file of up to
 * IMPORT_MAX_ROWS rows, each written through the same upsert as PUT /api/candidates/:atsId.
 *
 * The request body is parsed as it streams in and spooled to a temporary file, one parsed row
 * per line, so memory stays flat whatever the file's size, and a malformed file (wrong content
 * type, not CSV, no header, unknown columns, too many rows) is refused with a 400 before
 * anything is written. The rows are then written in batches, one transaction each, yielding to
 * the event loop between batches; progress is readable at GET /api/imports/:id.
 *
 * A bad row is reported (row, atsId, field, message) and skipped; it never stops the import, and
 * a row is written whole or not at all. Imports run one at a time per server instance.
 *
 * An import is run by the instance that received it (its file is spooled there), which holds it by
 * a lease (`owner`, `lease_until`) renewed with every batch and every third of IMPORT_LEASE_MS.
 * One that instance will not finish is marked failed: at once when the instance stops, and by any
 * instance once its lease lapses when the instance died. Running it again is safe: the upsert is
 * idempotent. An import another instance holds is never touched.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CsvError, parse } from 'csv-parse';
import { and, eq, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { ZodError } from 'zod';
import {
  CandidateImportLineSchema,
  IMPORT_CSV_COLUMNS,
  IMPORT_MAX_ERRORS_KEPT,
  IMPORT_MAX_ROWS,
  IMPORT_REQUIRED_COLUMNS,
  type ImportRowError,
  type ImportStatus,
} from '../../shared/api.js';
import type { candidateImports } from '../db/schema.js';
import { first } from '../db/types.js';
import type { AppConfig } from '../config.js';
import type { Deps } from '../deps.js';
import type { CandidateChanges } from '../lib/candidate-changes.js';
import { ApiError, notFound } from '../lib/errors.js';
import { IMPORT_BATCH_ROWS, IMPORT_LEASE_MS, IMPORT_SPOOL_BUFFER_BYTES } from '../tuning.js';
import type { CandidateUpsert } from '../../shared/api.js';
import type { CandidateSync, UpsertOutcome, Writer } from './candidate-sync.js';
import type { OutboxHooks } from './outbox.js';
import type { Organization } from './textability.js';

export type ImportFormat = 'csv' | 'ndjson';
type ImportRow = typeof candidateImports.$inferSelect;

/** A file bigger than this is refused while it streams in (about 1 KB a row at the row limit). */
const MAX_FILE_BYTES = 128 * 1024 * 1024;
/** One CSV record (a row with its quoted newlines) longer than this is not a candidate. */
const MAX_RECORD_BYTES = 64 * 1024;

const CONTENT_TYPES: Record<string, ImportFormat> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
};

const invalidFile = (message: string) => new ApiError(400, 'INVALID_FILE', message);

const RUN_AGAIN = 'Rows written before are kept; run it again to finish (rows already imported count as unchanged).';
/** Why an import failed without a fault of its own: its server instance will not finish it. */
export const INTERRUPTED = {
  stopped: `The import was interrupted: the server running it stopped (a restart or a deploy). ${RUN_AGAIN}`,
  lapsed: `The import was interrupted: the server running it stopped answering (it crashed, or lost the database) before it finished. ${RUN_AGAIN}`,
};

/** This instance no longer holds the import (its lease lapsed and another instance failed it): it stops writing. */
class ImportTakenOver extends Error {}

/** The importing party, as consent records and the import's own record name it. */
export type Importer = Writer & { type: 'key' | 'recruiter' | 'system' };

/** A row that passed the schema, waiting for its batch. */
interface BatchRow {
  row: number;
  atsId: string;
  body: CandidateUpsert;
}

interface Job {
  id: string;
  org: Organization;
  format: ImportFormat;
  /** CSV: the header's column names, in file order. */
  columns: string[];
  spoolPath: string;
  importer: Importer;
  done: Promise<void>;
  resolve(): void;
}

export function formatOf(contentType: string | undefined): ImportFormat {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const format = CONTENT_TYPES[type];
  if (!format) {
    throw invalidFile(
      `Send the file as text/csv (a header row, then one candidate per row) or application/x-ndjson (one JSON object per line)${type ? `, not ${type}` : ''}.`,
    );
  }
  return format;
}

export function createImportService(
  { db, clock, log, config }: Pick<Deps, 'db' | 'clock' | 'log'> & { config?: Pick<AppConfig, 'instanceId'> },
  services: { sync: CandidateSync; changes: Pick<CandidateChanges, 'changed'> },
) {
  const { candidateImports } = db.t;
  const queue: Job[] = [];
  let running: Promise<void> | null = null;
  let stopping = false;
  /** This service's own name on its imports: the instance, and which start of it (a restarted instance holds nothing of before). */
  const owner = `${config?.instanceId ?? `${hostname()}:${process.pid}`}/${randomBytes(6).toString('base64url')}`;
  const mine = (id: string) => and(eq(candidateImports.id, id), eq(candidateImports.owner, owner), eq(candidateImports.status, 'running'));

  function serialize(row: ImportRow): ImportStatus {
    return {
      importId: row.id,
      status: row.status,
      format: row.format,
      total: row.total,
      processed: row.processed,
      created: row.created,
      updated: row.updated,
      unchanged: row.unchanged,
      failed: row.failed,
      errors: row.errors,
      message: row.message,
      createdAt: new Date(row.createdAt).toISOString(),
      finishedAt: row.finishedAt == null ? null : new Date(row.finishedAt).toISOString(),
    };
  }

  /** Runs queued imports one after another. */
  function pump() {
    if (running || stopping) return;
    const job = queue.shift();
    if (!job) return;
    running = run(job)
      .catch(async (err) => {
        if (err instanceof ImportTakenOver) {
          log.warn('import stopped: its lease lapsed and it was failed meanwhile', { importId: job.id });
          return;
        }
        log.error('import failed', { importId: job.id, error: err instanceof Error ? err.stack : String(err) });
        await db.orm
          .update(candidateImports)
          .set({
            status: 'failed',
            message: 'The import stopped on a server error; rows written so far are kept. Run it again to finish (rows already imported count as unchanged).',
            finishedAt: clock.now(),
          })
          .where(mine(job.id))
          // The database itself may be what failed: nobody awaits this chain, so it must not reject
          // (the import stays "running" and the next start fails it).
          .catch((error: unknown) => log.error('could not mark the import failed', { importId: job.id, error: String(error) }));
      })
      .finally(() => {
        void rm(job.spoolPath, { force: true });
        job.resolve();
        running = null;
        pump();
      });
  }

  async function run(job: Job) {
    const seen = new Map<string, number>();
    const counts = { processed: 0, created: 0, updated: 0, unchanged: 0, failed: 0 };
    let batch: BatchRow[] = [];

    // Errors of a batch arrive in two rounds (the schema as rows are read, the upsert's own checks
    // when the batch is written): kept in row order, the first IMPORT_MAX_ERRORS_KEPT of them.
    let errors: ImportRowError[] = [];
    const fail = (error: ImportRowError) => {
      counts.failed++;
      counts.processed++;
      errors.push(error);
      if (errors.length > 2 * IMPORT_MAX_ERRORS_KEPT) keepFirstErrors();
    };
    const keepFirstErrors = () => {
      errors.sort((a, b) => a.row - b.row);
      if (errors.length > IMPORT_MAX_ERRORS_KEPT) errors = errors.slice(0, IMPORT_MAX_ERRORS_KEPT);
    };

    const flush = async () => {
      const rows = batch;
      batch = [];
      const changed: string[] = [];
      for (const { atsId, outcome } of await writeBatch(job, rows, fail)) {
        counts.processed++;
        counts[outcome]++;
        if (outcome !== 'unchanged') changed.push(atsId);
      }
      keepFirstErrors();
      // The progress renews the lease; finding the import no longer ours, the import stops here.
      const progress = await db.orm
        .update(candidateImports)
        .set({ ...counts, errors, leaseUntil: clock.now() + IMPORT_LEASE_MS })
        .where(mine(job.id));
      services.changes.changed(job.org.id, changed);
      if (!db.changes(progress)) throw new ImportTakenOver();
      // Let requests (and other tenants' webhooks) in between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    };

    const lines = createInterface({ input: createReadStream(job.spoolPath, { highWaterMark: IMPORT_SPOOL_BUFFER_BYTES }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (stopping) break;
      const [rowText, ...fields] = decodeSpoolLine(line);
      const row = Number(rowText);
      const parsed = job.format === 'csv' ? csvRow(job.columns, fields) : ndjsonRow(fields[0]!);
      if ('error' in parsed) {
        fail({ row, ...parsed.error });
        continue;
      }
      const result = CandidateImportLineSchema.safeParse(parsed.body);
      const atsId = result.success ? result.data.atsId : typeof parsed.body.atsId === 'string' ? parsed.body.atsId.trim() : undefined;
      const firstRow = atsId ? seen.get(atsId) : undefined;
      if (atsId && firstRow === undefined) seen.set(atsId, row);
      if (!result.success) {
        fail({ row, ...(atsId ? { atsId } : {}), ...fieldError(result.error, job.format) });
        continue;
      }
      if (firstRow !== undefined) {
        fail({ row, atsId, field: 'atsId', message: `atsId ${atsId} appears more than once in this file (first on row ${firstRow}); this row was skipped.` });
        continue;
      }
      const { atsId: id, ...body } = result.data;
      batch.push({ row, atsId: id, body });
      if (batch.length >= IMPORT_BATCH_ROWS) await flush();
    }
    if (batch.length) await flush();
    if (stopping) return;
    keepFirstErrors();
    const finished = await db.orm
      .update(candidateImports)
      .set({ ...counts, errors, status: 'done', finishedAt: clock.now() })
      .where(mine(job.id));
    if (!db.changes(finished)) throw new ImportTakenOver();
  }

  /**
   * One transaction for the batch; should it fail, each row alone, so a row that cannot be saved
   * fails by itself. Rows the upsert refuses (an invalid phone, say) are reported through `fail`.
   */
  async function writeBatch(job: Job, rows: BatchRow[], fail: (e: ImportRowError) => void): Promise<{ atsId: string; outcome: UpsertOutcome }[]> {
    const written: { atsId: string; outcome: UpsertOutcome }[] = [];
    const collect = (row: BatchRow, result: Awaited<ReturnType<CandidateSync['writeMany']>>[number]) => {
      if ('error' in result)
        fail({ row: row.row, atsId: row.atsId, field: String(result.error.details?.field ?? 'row'), message: result.error.message.replace(/^[\w.]+: /, '') });
      else written.push({ atsId: row.atsId, outcome: result.outcome });
    };
    try {
      const results = await services.sync.writeMany(job.org, rows, job.importer);
      rows.forEach((row, i) => collect(row, results[i]!));
      return written;
    } catch (err) {
      log.warn('import batch failed; writing its rows one at a time', { importId: job.id, error: err instanceof Error ? err.message : String(err) });
    }
    for (const row of rows) {
      try {
        collect(row, (await services.sync.writeMany(job.org, [row], job.importer))[0]!);
      } catch (err) {
        fail({ row: row.row, atsId: row.atsId, field: 'row', message: `Could not be saved: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
    return written;
  }

  /** Running imports whose instance stopped renewing them, failed; how many. A row from before leases (none) is one. */
  async function failLapsed(now: number): Promise<number> {
    const result = await db.orm
      .update(candidateImports)
      .set({ status: 'failed', message: INTERRUPTED.lapsed, finishedAt: now })
      .where(and(eq(candidateImports.status, 'running'), or(isNull(candidateImports.leaseUntil), lt(candidateImports.leaseUntil, now))));
    return db.changes(result);
  }

  /** When this instance next renews its leases and looks for lapsed ones. */
  let nextLeaseCheckAt = 0;
  /** The earliest lease of another instance's running import, as the last check saw it. */
  let othersLeaseUntil: number | null = null;

  async function checkLeases(now: number) {
    nextLeaseCheckAt = now + IMPORT_LEASE_MS / 3;
    // Queued imports hold leases too, and a long batch must not lose its own.
    if (running || queue.length) {
      await db.orm
        .update(candidateImports)
        .set({ leaseUntil: now + IMPORT_LEASE_MS })
        .where(and(eq(candidateImports.owner, owner), eq(candidateImports.status, 'running')));
    }
    const failed = await failLapsed(now);
    if (failed) log.warn('imports of a server instance that stopped answering were failed', { failed });
    const [others] = await db.orm
      .select({ at: sql<number | null>`min(${candidateImports.leaseUntil})` })
      .from(candidateImports)
      .where(and(eq(candidateImports.status, 'running'), ne(candidateImports.owner, owner)));
    othersLeaseUntil = others?.at ?? null;
  }

  const outboxHooks: OutboxHooks = {
    async beforeRound(now) {
      if (now < nextLeaseCheckAt) return;
      // Leases are housekeeping: a failed check is logged (and tried again at the next one), never the round's failure.
      await checkLeases(now).catch((error: unknown) => log.error('import leases could not be checked', { error: String(error) }));
    },
    nextWakeAt() {
      // Only while there is something to renew or to see lapse; never before the next check is due (no idle rounds).
      const at = [running || queue.length ? nextLeaseCheckAt : null, othersLeaseUntil == null ? null : othersLeaseUntil + 1].filter(
        (t): t is number => t != null,
      );
      return at.length ? Math.max(nextLeaseCheckAt, Math.min(...at)) : null;
    },
  };

  return {
    /**
     * Reads and checks the file (400 if it is not one), records the import and queues it.
     * `done` settles when its rows are written (the seed waits for it; the API does not).
     */
    async start(org: Organization, importer: Importer, contentType: string | undefined, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | null) {
      const format = formatOf(contentType);
      if (!body) throw invalidFile('The request has no file: send the CSV or NDJSON as the request body.');
      const id = 'imp_' + randomBytes(12).toString('base64url');
      const spoolPath = join(tmpdir(), `te-${id}.jsonl`);
      let spooled: { total: number; columns: string[] };
      try {
        spooled = format === 'csv' ? await spoolCsv(body, spoolPath) : await spoolNdjson(body, spoolPath);
      } catch (err) {
        await rm(spoolPath, { force: true });
        if (err instanceof CsvError) throw invalidFile(`This is not a CSV file we can read: ${err.message}`);
        throw err;
      }
      const now = clock.now();
      const [row] = await db.orm
        .insert(candidateImports)
        .values({
          id,
          orgId: org.id,
          status: 'running',
          format,
          total: spooled.total,
          errors: [],
          startedByType: importer.type,
          startedByName: importer.name,
          createdAt: now,
          owner,
          leaseUntil: now + IMPORT_LEASE_MS,
        })
        .returning();
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      queue.push({ id, org, format, columns: spooled.columns, spoolPath, importer, done, resolve });
      pump();
      return { status: serialize(row!), done };
    },

    async get(org: Organization, id: string): Promise<ImportStatus> {
      const row = await first(
        db.orm
          .select()
          .from(candidateImports)
          .where(and(eq(candidateImports.orgId, org.id), eq(candidateImports.id, id))),
      );
      if (!row) throw notFound('Import');
      return serialize(row);
    },

    /** Imports whose instance died (their leases lapsed): they will not resume, so they are failed, with how to finish them. */
    failInterrupted: () => failLapsed(clock.now()),

    /** The dispatcher's rounds renew this instance's leases and fail lapsed ones, every third of a lease. */
    outboxHooks,

    /** Stops between batches (shutdown); what this instance was running or had queued is failed at once. */
    async stop() {
      stopping = true;
      await running;
      for (const job of queue.splice(0)) {
        await rm(job.spoolPath, { force: true });
        job.resolve();
      }
      await db.orm
        .update(candidateImports)
        .set({ status: 'failed', message: INTERRUPTED.stopped, finishedAt: clock.now() })
        .where(and(eq(candidateImports.owner, owner), eq(candidateImports.status, 'running')));
    },
  };
}

export type ImportService = ReturnType<typeof createImportService>;

// ── Reading the file ─────────────────────────────────────────────────────────────────────

async function write(out: WriteStream, line: string): Promise<void> {
  if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', resolve));
}

async function close(out: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** The request body, refused once it grows past MAX_FILE_BYTES. */
async function* bounded(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.byteLength;
    if (bytes > MAX_FILE_BYTES)
      throw new ApiError(413, 'IMPORT_TOO_LARGE', `The file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB; split it into smaller files.`);
    yield chunk;
  }
}

const tooManyRows = () =>
  new ApiError(413, 'IMPORT_TOO_LARGE', `The file has more than ${IMPORT_MAX_ROWS.toLocaleString('en-US')} rows; split it into files of at most that many.`);

/** The header names the columns; each is one we know, none twice, and the required ones are there. */
function checkHeader(header: string[]): string[] {
  const known = new Map<string, string>(IMPORT_CSV_COLUMNS.map((c) => [c.toLowerCase(), c]));
  const columns = header.map((h) => h.trim());
  if (columns.length === 1 && columns[0] === '') throw invalidFile('The first row must be a header naming the columns (atsId, firstName, lastName, ...).');
  const names: string[] = [];
  for (const raw of columns) {
    const name = known.get(raw.toLowerCase());
    if (!name) {
      throw invalidFile(
        `The header has a column we don't know: "${raw.slice(0, 60)}". The first row must name the columns; known columns are ${IMPORT_CSV_COLUMNS.join(', ')}.`,
      );
    }
    if (names.includes(name)) throw invalidFile(`The header names the column ${name} twice.`);
    names.push(name);
  }
  const missing = IMPORT_REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length)
    throw invalidFile(`The header has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}; ${IMPORT_REQUIRED_COLUMNS.join(', ')} are required.`);
  return names;
}

async function spoolCsv(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, spoolPath: string): Promise<{ total: number; columns: string[] }> {
  // Blank lines are kept as records (and skipped below), so row numbers match a spreadsheet's.
  const parser = parse({ bom: true, relax_column_count: true, max_record_size: MAX_RECORD_BYTES });
  const out = createWriteStream(spoolPath, { highWaterMark: IMPORT_SPOOL_BUFFER_BYTES });
  const feeding = (async () => {
    try {
      for await (const chunk of bounded(body)) if (!parser.write(chunk)) await new Promise<void>((r) => parser.once('drain', r));
      parser.end();
    } catch (err) {
      parser.destroy(err as Error);
    }
  })();
  let columns: string[] | null = null;
  let row = 0;
  let total = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      row++;
      if (!columns) {
        columns = checkHeader(record);
        continue;
      }
      if (record.length === 1 && record[0] === '') continue;
      if (++total > IMPORT_MAX_ROWS) throw tooManyRows();
      await write(out, encodeSpoolLine(String(row), record));
    }
    await feeding;
  } finally {
    await close(out);
  }
  if (!columns) throw invalidFile('The file is empty: send a header row, then one candidate per row.');
  return { total, columns };
}

async function spoolNdjson(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, spoolPath: string): Promise<{ total: number; columns: string[] }> {
  const out = createWriteStream(spoolPath, { highWaterMark: IMPORT_SPOOL_BUFFER_BYTES });
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let line = 0;
  let total = 0;
  let checkedFirst = false;
  const take = async (text: string) => {
    line++;
    if (!text.trim()) return;
    if (!checkedFirst) {
      checkedFirst = true;
      let first: unknown;
      try {
        first = JSON.parse(text);
      } catch {
        first = null;
      }
      if (!first || typeof first !== 'object' || Array.isArray(first)) {
        throw invalidFile(
          'This is not NDJSON: each line must be one candidate as a JSON object, e.g. {"atsId":"10001","firstName":"Maria","lastName":"Garcia"}.',
        );
      }
    }
    if (++total > IMPORT_MAX_ROWS) throw tooManyRows();
    await write(out, encodeSpoolLine(String(line), [text]));
  };
  try {
    for await (const chunk of bounded(body)) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n')) !== -1) {
        const text = buffer.slice(0, end).replace(/\r$/, '');
        buffer = buffer.slice(end + 1);
        if (text.length > MAX_RECORD_BYTES) throw invalidFile(`Line ${line + 1} is longer than ${MAX_RECORD_BYTES / 1024} KB.`);
        await take(text);
      }
      if (buffer.length > MAX_RECORD_BYTES) throw invalidFile(`Line ${line + 1} is longer than ${MAX_RECORD_BYTES / 1024} KB.`);
    }
    buffer += decoder.decode();
    if (buffer) await take(buffer.replace(/\r$/, ''));
  } finally {
    await close(out);
  }
  if (!checkedFirst) throw invalidFile('The file is empty: send one candidate per line as a JSON object.');
  return { total, columns: [] };
}

/**
 * The spool holds one row per line: its row number, then its fields, separated by the ASCII unit
 * separator, with backslash, newline, carriage return and the separator escaped. Cheaper to write
 * and read back than JSON, and a row never spans lines.
 */
const FIELD = '\u001f';
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', [FIELD]: '\\u' };
const UNESCAPES: Record<string, string> = { '\\\\': '\\', '\\n': '\n', '\\r': '\r', '\\u': FIELD };

function encodeSpoolLine(row: string, fields: string[]): string {
  let line = row;
  // eslint-disable-next-line no-control-regex -- the separator is a control character on purpose (no CSV text carries one)
  for (const f of fields) line += FIELD + (/[\\\n\r\u001f]/.test(f) ? f.replace(/[\\\n\r\u001f]/g, (c) => ESCAPES[c]!) : f);
  return line + '\n';
}

function decodeSpoolLine(line: string): string[] {
  const fields = line.split(FIELD);
  return line.includes('\\') ? fields.map((f) => f.replace(/\\[\\nru]/g, (e) => UNESCAPES[e]!)) : fields;
}

// ── Rows to upsert bodies ────────────────────────────────────────────────────────────────

type RowResult = { body: Record<string, unknown> } | { error: Omit<ImportRowError, 'row'> };

/** A CSV row as an upsert body: an empty cell clears the field, consent is composed from its three columns. */
function csvRow(columns: string[], cells: string[]): RowResult {
  const atsId = cells[columns.indexOf('atsId')]?.trim();
  const named = atsId ? { atsId } : {};
  if (cells.length > columns.length) {
    return { error: { ...named, field: 'row', message: `This row has ${cells.length} cells, the header ${columns.length}: check for an unquoted comma.` } };
  }
  const body: Record<string, unknown> = {};
  const consent: Record<string, string> = {};
  columns.forEach((column, i) => {
    const cell = (cells[i] ?? '').trim();
    if (column === 'consent' || column === 'consentSource' || column === 'consentAt') {
      if (cell) consent[column] = cell;
    } else if (column === 'atsId' || column === 'firstName' || column === 'lastName') {
      body[column] = cell;
    } else if (column === 'channel') {
      body[column] = cell ? cell.toLowerCase() : null;
    } else {
      body[column] = cell || null;
    }
  });
  if (consent.consent) {
    body.consent = {
      status: consent.consent.toLowerCase(),
      ...(consent.consentSource !== undefined ? { source: consent.consentSource } : {}),
      ...(consent.consentAt !== undefined ? { at: consent.consentAt } : {}),
    };
  } else if (consent.consentSource || consent.consentAt) {
    return { error: { ...named, field: 'consent', message: 'consentSource or consentAt is filled in but consent is empty: say granted or revoked.' } };
  }
  return { body };
}

function ndjsonRow(text: string): RowResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: { field: 'row', message: 'This line is not JSON.' } };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: { field: 'row', message: 'This line is not a JSON object.' } };
  return { body: value as Record<string, unknown> };
}

/** The first problem zod found, named the way the file names it (CSV: consentSource, not consent.source). */
function fieldError(error: ZodError, format: ImportFormat): { field: string; message: string } {
  const issue = error.issues[0]!;
  let field = issue.code === 'unrecognized_keys' ? String(issue.keys[0]) : issue.path.join('.') || 'row';
  if (format === 'csv')
    field = ({ 'consent.status': 'consent', 'consent.source': 'consentSource', 'consent.at': 'consentAt' } as Record<string, string>)[field] ?? field;
  let message = format === 'csv' ? issue.message.replace('consent.source', 'consentSource').replace('consent.at', 'consentAt') : issue.message;
  if (
    issue.code === 'invalid_value' &&
    field.startsWith('consent') &&
    field !== 'consentSource' &&
    field !== 'consentAt' &&
    field !== 'consent.source' &&
    field !== 'consent.at'
  )
    message = 'consent must be granted or revoked.';
  else if (issue.code === 'invalid_value' && field === 'channel') message = 'channel must be sms or whatsapp.';
  else if (issue.code === 'unrecognized_keys')
    message = `"${field}" is not a field we know; fields are ${IMPORT_CSV_COLUMNS.filter((c) => !c.startsWith('consent')).join(', ')}, consent.`;
  return { field, message };
}
