/**
 * Wall-clock time in IANA zones with nothing but Intl: what time it is for a candidate, and
 * the instant their texting window next opens or closes, across DST changes.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * One Intl.DateTimeFormat per use (`use` names `options`) and zone, made once: making one costs
 * far more than using one. Keyed by zones saved on candidates, organisations and recruiters,
 * each checked when saved (isValidTimeZone), so the map stays as small as that list.
 */
export function zonedFormatter(use: string, timeZone: string, options: Omit<Intl.DateTimeFormatOptions, 'timeZone'>): Intl.DateTimeFormat {
  const key = `${use} ${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { ...options, timeZone });
    formatters.set(key, f);
  }
  return f;
}

const WALL_CLOCK: Intl.DateTimeFormatOptions = {
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
};
const formatter = (timeZone: string) => zonedFormatter('wall clock', timeZone, WALL_CLOCK);

export function isValidTimeZone(timeZone: string): boolean {
  // A fixed offset ("+05:00") is not an IANA zone (no daylight saving time), and whether Intl
  // takes one depends on the Node version (20 refuses it, newer ones accept it): a zone saved
  // under one version must not break every later request under another.
  if (/^[+-]/.test(timeZone)) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallClock(ms: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** Offset of the zone from UTC at `ms`, in ms (New York in winter: -5 h). */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a wall-clock time happens in a zone. A time skipped by a DST jump is moved forward
 * by the size of the gap (02:30 on a spring-forward day becomes 03:30); a repeated one resolves
 * to its first occurrence.
 */
export function instantOf(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): number {
  const local = Date.UTC(year, month - 1, day, Math.floor(minuteOfDay / 60), minuteOfDay % 60);
  let guess = local - offsetAt(local, timeZone);
  guess = local - offsetAt(guess, timeZone);
  const w = wallClock(guess, timeZone);
  const got = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  if (got !== local) {
    // In a DST gap: move forward by the size of the gap.
    guess += local - got;
  }
  return guess;
}

export function minuteOfDay(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  return w.hour * 60 + w.minute;
}

function addDays(w: WallClock, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export interface TextingWindow {
  startMinute: number;
  endMinute: number;
}

/** A minute of the day as the API writes texting hours: 480 → "08:00" (1440 → "24:00"). */
export const clockOfMinute = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** "08:00" → 480: texting hours as the API takes them (already checked as HH:MM) to a minute of the day. */
export const minuteOfClock = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When a text due at `ms` may go to someone in `timeZone`: `ms` itself inside the window, else
 * the window's next opening. `until` is when that window closes (the latest delivery time).
 */
export function nextAllowed(ms: number, timeZone: string, window: TextingWindow): { at: number; until: number; waited: boolean } {
  const w = wallClock(ms, timeZone);
  const now = w.hour * 60 + w.minute;
  if (now >= window.startMinute && now < window.endMinute) {
    return { at: ms, until: instantOf(w.year, w.month, w.day, window.endMinute, timeZone), waited: false };
  }
  const day = now < window.startMinute ? { year: w.year, month: w.month, day: w.day } : addDays(w, 1);
  return {
    at: instantOf(day.year, day.month, day.day, window.startMinute, timeZone),
    until: instantOf(day.year, day.month, day.day, window.endMinute, timeZone),
    waited: true,
  };
}
