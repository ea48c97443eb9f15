/**
 * Path parameters the endpoints share, as the server reads them from the URL: strings, turned into
 * what the handlers use (a campaign id becomes a number).
 */
import { z } from 'zod';

/** A candidate's id in the host ATS, as every /api/candidates/:id path takes it. */
export const CandidateIdParam = z.string().min(1).max(100).meta({ description: 'The candidate’s id in the host ATS.' });

/** A row id (campaign, campaign message, integration key, sequence). */
export const RowIdParam = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, 'must be a positive integer.')
  .transform(Number)
  .meta({ description: 'A positive integer.' });
