/**
 * Turning a body with merge fields into the text one candidate receives, with the checks every
 * sender (recruiter, campaign, Ari) shares: not empty, no unknown field, no field without a
 * value for this candidate, at most 1,600 characters.
 */
import { isMergeField, mergeFieldsIn, missingMergeValues, renderMergeFields, type MergeField, type MergeValues } from '../../shared/merge-fields.js';
import { characterCount, MAX_BODY_CHARACTERS } from '../../shared/segments.js';
import { ApiError, validation } from '../lib/errors.js';
import { calendarLink } from './booking-links.js';
import type { Candidate, Organization } from './textability.js';

export interface MergeContext {
  candidate: Candidate;
  recruiter: { id: number; name: string; bookingSlug: string };
  org: Pick<Organization, 'bookingSecret'>;
  publicUrl: string;
  /** When a {{calendarLink}} rendered now stops booking (BOOKING_LINK_DAYS from now). */
  linkExpiresAt: number;
  /** The open role of the campaign, which wins over the role the candidate applied for. */
  jobTitle?: string | null;
}

export function mergeValuesFor({ candidate, recruiter, org, publicUrl, linkExpiresAt, jobTitle }: MergeContext): MergeValues {
  let link: string | undefined;
  return {
    firstName: candidate.firstName,
    lastName: candidate.lastName,
    jobTitle: jobTitle || candidate.jobTitle,
    recruiterName: recruiter.name,
    // Signed (an HMAC) only when a body uses it: a campaign renders this once per recipient.
    get calendarLink() {
      return (link ??= calendarLink(publicUrl, org, recruiter, candidate.atsId, linkExpiresAt));
    },
  };
}

/**
 * The body as written is at most 1,600 characters, checked before any merge-field or segment
 * work so that no size of body can make that work slow (the editors count the same way).
 */
export function refuseOverlongBody(body: string): void {
  const length = characterCount(body);
  if (length > MAX_BODY_CHARACTERS) {
    throw validation(`The message is ${length} characters as written; the limit is ${MAX_BODY_CHARACTERS}.`, { characters: length });
  }
}

/** Checks a body before anything is queued; returns the rendered text. */
export function renderBody(body: string, values: MergeValues): string {
  return bodyRenderer(body)(values);
}

/**
 * renderBody for many candidates: the body's own checks (its length, not empty, no unknown field)
 * and the merge fields it uses are read once, then each candidate's text is one replace. A
 * campaign renders one body for every recipient (the review at Save and Send, each promotion).
 */
export function bodyRenderer(body: string): (values: MergeValues) => string {
  refuseOverlongBody(body);
  if (!body.trim()) throw validation('Write a message first: the body is empty.');
  const fields = mergeFieldsIn(body);
  const unknown = fields.filter((name) => !isMergeField(name));
  if (unknown.length) {
    throw validation(`Unknown merge field${unknown.length > 1 ? 's' : ''}: ${unknown.map((f) => `{{${f}}}`).join(', ')}.`, { unknownFields: unknown });
  }
  return (values) => {
    // Fields without a value for this candidate (rendering them would leave a gap).
    const missing = missingMergeValues(fields, values);
    if (missing.length) {
      throw validation(`No value for ${missing.map((f) => `{{${f}}}`).join(', ')} for this candidate.`, { missingFields: missing });
    }
    const rendered = renderMergeFields(body, values);
    const length = characterCount(rendered);
    if (length > MAX_BODY_CHARACTERS) {
      throw validation(`The message is ${length} characters; the limit is ${MAX_BODY_CHARACTERS}.`, { characters: length });
    }
    return rendered;
  };
}

/**
 * A WhatsApp content send's variables for one candidate: each content variable's merge field,
 * rendered. Every value must be non-empty (the provider refuses empty ones: Twilio's 21656).
 */
export function renderContentVariables(variables: Record<string, string>, values: MergeValues): Record<string, string> {
  const rendered: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, field] of Object.entries(variables)) {
    const value = Object.hasOwn(values, field) ? values[field as MergeField] : undefined;
    if (value == null || !value.trim()) missing.push(field);
    else rendered[name] = value;
  }
  if (missing.length) {
    throw new ApiError(
      400,
      'MISSING_MERGE_VALUE',
      `No value for ${missing.map((f) => `{{${f}}}`).join(', ')} for this candidate, which the WhatsApp template needs.`,
      {
        missingFields: missing,
      },
    );
  }
  return rendered;
}
