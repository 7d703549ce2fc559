/**
 * Strict ISO-8601 event times: date, `T`, time to the minute at least, and a zone (`Z` or
 * `+hh:mm` / `+hhmm`). Calendar-checked (no 30 February), unlike `Date.parse`, which rolls
 * over. Fractions beyond milliseconds are truncated.
 */
const ISO_WITH_ZONE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Epoch milliseconds of a strict ISO-8601 timestamp with a zone, or null when invalid. */
export function parseEventTime(text: string): number | null {
  if (text.length === 24) {
    const fast = parseMillisZ(text);
    if (fast !== undefined) return fast;
  }
  const m = ISO_WITH_ZONE.exec(text);
  if (m === null) return null;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  const hour = +m[4];
  const minute = +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  if (!isValidDateTime(year, month, day, hour, minute, second)) return null;
  const millis = m[7] === undefined ? 0 : +(m[7] + "00").slice(0, 3);
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const oh = +m[10];
    const om = +m[11];
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const utc = utcMillis(year, month, day, hour, minute, second, millis);
  const ms = utc - offsetMinutes * 60_000;
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Why `parseEventTime(text)` returned null, for a dead letter's issue message: "not a calendar
 * date" when `text` has the right shape but an impossible date (`2026-02-30T10:00:00Z`), "time
 * of day or zone offset out of range" when the time or offset is impossible (`T24:00`,
 * `+24:00`), else "expected ISO-8601 with a zone". Call it only after parseEventTime gave null
 * (it matches the pattern again; the valid path never pays for it).
 */
export function eventTimeProblem(text: string): string {
  const m = ISO_WITH_ZONE.exec(text);
  if (m === null) return "expected ISO-8601 with a zone";
  if (!isValidDateTime(+m[1], +m[2], +m[3], 0, 0, 0)) return "not a calendar date";
  return "time of day or zone offset out of range";
}

/**
 * Fast path for the common `YYYY-MM-DDTHH:MM:SS.mmmZ` (24 characters): the same checks and
 * result as the pattern above, without a regex match. `undefined` for any other shape (the
 * caller then uses the pattern).
 */
function parseMillisZ(t: string): number | null | undefined {
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58 || t.charCodeAt(19) !== 46) return undefined;
  const sep = t.charCodeAt(10);
  const zone = t.charCodeAt(23);
  if ((sep !== 84 && sep !== 116) || (zone !== 90 && zone !== 122)) return undefined;
  const year = digits(t, 0, 4);
  const month = digits(t, 5, 2);
  const day = digits(t, 8, 2);
  const hour = digits(t, 11, 2);
  const minute = digits(t, 14, 2);
  const second = digits(t, 17, 2);
  const millis = digits(t, 20, 3);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || millis < 0) return undefined;
  if (!isValidDateTime(year, month, day, hour, minute, second)) return null;
  const ms = utcMillis(year, month, day, hour, minute, second, millis);
  return Number.isFinite(ms) ? ms : null;
}

/** A real calendar date and a time of day without leap seconds. */
function isValidDateTime(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0;
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1] + leap) return false;
  return hour <= 23 && minute <= 59 && second <= 59;
}

/** Milliseconds of 400 Gregorian years: 146,097 days (the calendar repeats after them). */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

/**
 * Date.UTC for a validated date-time, years 0-99 included: Date.UTC maps those to 1900-1999,
 * so they are computed 400 years later and moved back. `utcMillis(1, 1, 1, 0, 0, 0, 0)` -> -62135596800000.
 */
function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return Date.UTC(year + 400, month - 1, day, hour, minute, second, millis) - FOUR_CENTURIES_MS;
}

/** The decimal value of `n` ASCII digits at `from`, or -1 if any is not a digit. */
function digits(t: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}
