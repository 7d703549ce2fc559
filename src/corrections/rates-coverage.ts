import type { RateTable } from "./rate-table";

/** Whether currency revalidation ran, and which UTC dates its rate table covers. */
export interface RatesCoverage {
  /** False when no rates were given: `currency_mismatch`, `unknown_currency` and `rate_unavailable` are then not checked. */
  readonly on: boolean;
  /** Dates with at least one rate. */
  readonly rate_dates: number;
  readonly first_date: string | null;
  readonly last_date: string | null;
}

/**
 * What a run's summary says of currency revalidation, so that a run without rates is never
 * read as "no currency faults". Dates inside the span without a snapshot fall back to an
 * earlier one (see `lookupRate`); an event after `last_date` by more than the fallback is
 * flagged `rate_unavailable`.
 *
 * @example
 * ratesCoverage(null) // -> { on: false, rate_dates: 0, first_date: null, last_date: null }
 * ratesCoverage({ "2026-11-02": { EUR: 0.92 }, "2026-11-01": {} })
 * // -> { on: true, rate_dates: 1, first_date: "2026-11-02", last_date: "2026-11-02" }
 */
export function ratesCoverage(rates: RateTable | null): RatesCoverage {
  if (rates === null) return { on: false, rate_dates: 0, first_date: null, last_date: null };
  const dates = Object.keys(rates)
    .filter((d) => Object.keys(rates[d]).length > 0)
    .sort();
  return { on: true, rate_dates: dates.length, first_date: dates[0] ?? null, last_date: dates[dates.length - 1] ?? null };
}

/** The line `recover run` and `recover stream` print to stderr when no rates were given. */
export const RATES_OFF_NOTICE =
  "currency revalidation is off: no --rates given, so currency_mismatch, unknown_currency and rate_unavailable are not checked (the other rules run)";
