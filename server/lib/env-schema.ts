/** Pieces of the environment's schema shared by config.ts and the providers' own settings. */
import { z } from 'zod';

/** A variable that may be unset or blank (both mean "not given"). */
export const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/** A whole number in [min, max], with one message for every way to miss it. */
export const wholeNumber = (min: number, max: number, fallback: number) => {
  const error = `must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback);
};
