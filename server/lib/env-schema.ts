/** Pieces of the environment's schema shared by config.ts and the providers' own settings. */
import { z } from 'zod';

/** A variable that may be unset or blank (both mean "not given"). */
export const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
