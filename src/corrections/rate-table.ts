/**
 * Exchange rates as plain JSON-serializable data (a Beam side input), and their lookup.
 * Rates are units of the currency per 1 USD (Open Exchange Rates' convention).
 *
 * `lookupRate({ "2024-03-08": { EUR: 0.92 } }, "2024-03-10", "EUR", 7)` -> `{ rate: 0.92, date: "2024-03-08" }`.
 */

import { memoized } from "../memo";

/** `{ "YYYY-MM-DD": { "EUR": 0.92, ... } }`: per UTC date, units of each currency per 1 USD. */
export type RateTable = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** A rate found for a date, and the date it was quoted for (the same or an earlier one). */
export interface RateHit {
  readonly rate: number;
  readonly date: string;
}

/** A date without a rate takes the nearest earlier date up to this many days back: 7. */
export const DEFAULT_MAX_FALLBACK_DAYS = 7;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/**
 * The UTC calendar date of an ISO-8601 timestamp; null when it does not parse.
 * `utcDate("2024-03-10T23:30:00-05:00")` -> `"2024-03-11"`.
 */
export function utcDate(timestamp: string): string | null {
  const ms = Date.parse(timestamp);
  return Number.isFinite(ms) ? utcDateOf(ms) : null;
}

/** The UTC calendar date of a finite epoch time in ms. `utcDateOf(0)` -> `"1970-01-01"`. */
export function utcDateOf(ms: number): string {
  return memoized(dayDates, Math.floor(ms / DAY_MS), (day) => new Date(day * DAY_MS).toISOString().slice(0, 10));
}

/** UTC dates by day number since the epoch (events of a run span few days). */
const dayDates = new Map<number, string>();

/** Results of `addDays` (a pure function called per event with few distinct dates). */
const addDaysCache = new Map<string, string | null>();

/** `addDays("2024-03-01", -1)` -> `"2024-02-29"`; null for a malformed date. */
export function addDays(date: string, days: number): string | null {
  return memoized(addDaysCache, date + "|" + days, () => computeAddDays(date, days));
}

function computeAddDays(date: string, days: number): string | null {
  if (!DATE.test(date)) return null;
  const ms = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(ms) ? new Date(ms + days * DAY_MS).toISOString().slice(0, 10) : null;
}

/**
 * The rate of `currency` on `date`, else on the nearest earlier date at most `maxFallbackDays`
 * back; USD is always 1 (on `date`). Missing, non-finite or non-positive rates count as absent.
 * `lookupRate(t, "2024-03-10", "EUR", 7)` with EUR only on 2024-03-02 -> null (8 days back).
 */
export function lookupRate(table: RateTable, date: string, currency: string, maxFallbackDays: number): RateHit | null {
  if (!DATE.test(date)) return null;
  if (currency === "USD") return { rate: 1, date };
  for (let back = 0; back <= maxFallbackDays; back++) {
    const day = addDays(date, -back);
    if (day === null) return null;
    const rates = Object.hasOwn(table, day) ? table[day] : undefined;
    const rate = rates !== undefined && Object.hasOwn(rates, currency) ? rates[currency] : undefined;
    if (typeof rate === "number" && Number.isFinite(rate) && rate > 0) return { rate, date: day };
  }
  return null;
}

/** True when any date of the table quotes `currency`. `tableHasCurrency({ d: { EUR: 1 } }, "EUR")` -> true. */
export function tableHasCurrency(table: RateTable, currency: string): boolean {
  return Object.values(table).some((rates) => Object.hasOwn(rates, currency));
}

/**
 * The dates a provider must load so that `lookupRate` can fall back for every event date:
 * each date and the `maxFallbackDays` before it, sorted, without repeats.
 * `datesWithFallback(["2024-03-10"], 2)` -> `["2024-03-08", "2024-03-09", "2024-03-10"]`.
 */
export function datesWithFallback(dates: ReadonlyArray<string>, maxFallbackDays: number = DEFAULT_MAX_FALLBACK_DAYS): string[] {
  const out = new Set<string>();
  for (const date of dates) {
    for (let back = 0; back <= maxFallbackDays; back++) {
      const day = addDays(date, -back);
      if (day !== null) out.add(day);
    }
  }
  return [...out].sort();
}
