/**
 * What a write transaction locks, so that on PostgreSQL only transactions about the same thing
 * wait for each other (SQLite has one writer at a time anyway: BEGIN IMMEDIATE).
 *
 * A key is a space and an id: `['campaign', 12]`, or a text id (a phone number, an ATS id), which
 * is hashed to 32 bits (two keys may then share a lock: they only wait for each other, never
 * skip one). On PostgreSQL a key is `pg_advisory_xact_lock(space, id)`, held until the
 * transaction ends.
 *
 * Deadlocks: one call takes its keys sorted (space, then id). A transaction that takes keys in
 * more than one call (tx(fn, {locks}) up front, then tx.lock() once it knows more) takes them in
 * the order of LOCK_SPACES below, never back to an earlier space. Row locks (`select … for
 * update`) come after advisory ones. PostgreSQL still breaks a deadlock it finds, and db.tx runs
 * the transaction once more.
 */
export const LOCK_SPACES = {
  /** A candidate by organisation and ATS id (`${orgId}:${atsId}`): creating or changing that candidate. */
  candidate: 1,
  /** A phone number (E.164, whichever organisation: inbound texts lock it before they know theirs): its opt-out, consent, placeholder candidate. */
  phone: 2,
  /** A campaign: its messages, recipients, deliveries and status. */
  campaign: 3,
  /** A candidate's conversation (by conversation id): Ari's state and turns, hand-offs, bookings. */
  conversation: 4,
  /** A provider's message id: a look-up's answer is recorded for one message only. */
  providerSid: 5,
  /** An organisation's settings (senders must stay unique across organisations: one key, 0). */
  orgSettings: 6,
  /** Start-up and seeding work that runs once per database (one key per job). */
  startup: 7,
} as const;

export type LockSpace = keyof typeof LOCK_SPACES;
export type LockKey = readonly [LockSpace, number | string];

/** The two 32-bit integers PostgreSQL's advisory lock takes for a key. */
export function lockIds([space, id]: LockKey): [number, number] {
  return [LOCK_SPACES[space], typeof id === 'number' ? int32(id) : hash32(id)];
}

/** The keys as lock ids, duplicates removed, in the one order every transaction takes them. */
export function orderedLockIds(keys: readonly LockKey[]): [number, number][] {
  const seen = new Map<string, [number, number]>();
  for (const key of keys) {
    const ids = lockIds(key);
    seen.set(`${ids[0]}:${ids[1]}`, ids);
  }
  return [...seen.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** Row ids are well within 32 bits; a larger one wraps (a shared lock, never a missed one). */
function int32(n: number): number {
  if (Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff) return n;
  return hash32(String(n));
}

/** FNV-1a over the UTF-16 code units, as a signed 32-bit integer (stable across processes and versions). */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
