/**
 * Text from outside that we cannot refuse (a carrier's inbound text, a provider's report, its raw
 * payload): every U+0000 removed, in every string and key of the value. PostgreSQL's text and
 * jsonb cannot hold it and SQLite can; stripped before either sees it, both keep the same text.
 * A caller of our own API is told no instead (shared/contract/define.ts); app.ts's
 * isUnstorableText stays as the last guard for anything that gets past both.
 */
export function withoutNul<T>(value: T): T {
  // Every inbound webhook and report comes through here: one walk, and no copy, when there is nothing to strip.
  return hasNul(value) ? (strip(value) as T) : value;
}

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (isPlainObject(value)) return Object.entries(value).some(([key, item]) => key.includes('\u0000') || hasNul(item));
  return false;
}

function strip(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('\u0000', '');
  if (Array.isArray(value)) return value.map(strip);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key.replaceAll('\u0000', ''), strip(item)]));
  return value;
}

/** Plain objects only (the providers' events are JSON-like): anything else is kept as it is. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}
