/**
 * Merge fields in message bodies and templates: `{{firstName}}`, `{{ jobTitle }}`...
 * Unknown fields are refused before anything is sent, never rendered as a blank.
 */

export const MERGE_FIELDS = ['firstName', 'lastName', 'jobTitle', 'recruiterName', 'calendarLink'] as const;
export type MergeField = (typeof MERGE_FIELDS)[number];
export type MergeValues = Partial<Record<MergeField, string | null | undefined>>;

// One run of non-braces between `{{` and `}}`, trimmed afterwards: no two parts of the pattern can
// match the same characters, so a body of `{{` and thousands of spaces is read in linear time
// (`\{\{\s*([^{}]*?)\s*\}\}` backtracked cubically on it: 17 s for 3,000 spaces).
const FIELD_PATTERN = /\{\{([^{}]*)\}\}/g;

export function mergeFieldsIn(body: string): string[] {
  return [...new Set([...body.matchAll(FIELD_PATTERN)].map((m) => m[1]!.trim()))];
}

export const isMergeField = (name: string): name is MergeField => (MERGE_FIELDS as readonly string[]).includes(name);

export function unknownMergeFields(body: string): string[] {
  return mergeFieldsIn(body).filter((name) => !isMergeField(name));
}

/** Of a body's fields (mergeFieldsIn, read once for many recipients), the known ones without a value for this recipient. */
export function missingMergeValues(fields: readonly string[], values: MergeValues): MergeField[] {
  return fields.filter((name): name is MergeField => isMergeField(name) && !values[name]);
}

export function renderMergeFields(body: string, values: MergeValues): string {
  return body.replace(FIELD_PATTERN, (whole, spaced: string) => {
    const name = spaced.trim();
    // Only known fields, and only the values' own properties: `{{constructor}}` or
    // `{{toString}}` must not render Object.prototype's functions into a text.
    if (!isMergeField(name) || !Object.hasOwn(values, name)) return whole;
    const value = values[name as MergeField];
    return value == null ? whole : value;
  });
}
