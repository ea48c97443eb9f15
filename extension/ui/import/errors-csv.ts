/**
 * The rows an import refused, as a CSV the administrator can open in a spreadsheet, fix and
 * import again: row, atsId, field, message. Built here, in the page (a few lines, no library).
 */
import type { ImportRowError } from '../../../shared/api';

export const ERRORS_CSV_HEADER = ['row', 'atsId', 'field', 'message'] as const;

/**
 * One cell: quoted when it holds a comma, a quote or a line break (quotes doubled). Text that a
 * spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe, so an atsId or
 * a name from the imported file can't become one.
 */
export function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The errors as CSV text: a header, then one line per error, CRLF line ends (RFC 4180). */
export function importErrorsCsv(errors: ImportRowError[]): string {
  const lines = [ERRORS_CSV_HEADER.join(','), ...errors.map((e) => [e.row, e.atsId, e.field, e.message].map(csvCell).join(','))];
  return lines.join('\r\n') + '\r\n';
}
