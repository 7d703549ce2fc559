/**
 * Fixed, UTC-aligned intervals: interval boundaries are multiples of the interval length
 * since the Unix epoch (which is a UTC midnight), so a 1 h interval always starts on a UTC
 * hour and, in UTC, a week-long season repeats every `WEEK_MS` exactly (in another
 * `time_zone`, see season.ts).
 *
 * `intervalStart(Date.parse("2026-03-02T10:42:00Z"), HOUR_MS)` -> epoch ms of 2026-03-02T10:00:00Z.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** A week: in UTC, "the same hour of week in previous weeks" is `start - k * WEEK_MS` (season.ts: `sameTimeOfWeek`). */
export const WEEK_MS = 7 * DAY_MS;

/** Start (epoch ms) of the interval of length `intervalMs` containing `time`. */
export function intervalStart(time: number, intervalMs: number): number {
  return Math.floor(time / intervalMs) * intervalMs;
}
