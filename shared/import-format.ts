/**
 * The import file's format, without zod: the options page (which must stay light) and the
 * server read the same columns and limits.
 */

/** The CSV columns an import understands (header names, any order; only atsId, firstName and lastName are required). */
export const IMPORT_CSV_COLUMNS = [
  'atsId',
  'firstName',
  'lastName',
  'email',
  'phone',
  'channel',
  'consent',
  'consentSource',
  'consentAt',
  'timeZone',
  'jobTitle',
  'location',
] as const;
export const IMPORT_REQUIRED_COLUMNS = ['atsId', 'firstName', 'lastName'] as const;
export const IMPORT_MAX_ROWS = 100_000;
export const IMPORT_MAX_ERRORS_KEPT = 1_000;
