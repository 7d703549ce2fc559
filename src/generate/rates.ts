/**
 * Daily exchange rates of a generated run: a small seeded random walk per currency around its
 * list rate, one table per UTC date, written as an Open Exchange Rates-style JSON-lines snapshot
 * (`<out base>.rates.jsonl`) that `SnapshotRates({ jsonl })` reads back. The dates cover the
 * traffic window plus the 8 days before it, except one weekend (Saturday and Sunday) inside the
 * fault window, whose orders take Friday's rate through the 7-day fallback.
 *
 * Values are kept to 6 significant digits, so `String(rate)` is the exact decimal that the
 * correction cores parse.
 */
import { addDays, DEFAULT_MAX_FALLBACK_DAYS, lookupRate, utcDate, type RateHit, type RateTable } from "../corrections/rate-table";
import { FAULT_WINDOW_END_MS, FAULT_WINDOW_START_MS } from "./faults";
import type { Rng } from "./prng";
import { WINDOW_MS } from "./rhythm";
import { LineWriter } from "./writer";

const DAY_MS = 86_400_000;

/** Dates of snapshot before the first traffic date. */
export const RATES_DAYS_BEFORE = 8;

/**
 * List rates (units per 1 USD): prices are set with these; the daily rates walk around them.
 * `dailyVolatility` is the standard deviation of the day-to-day relative change (pegs barely move).
 */
export const CURRENCIES: ReadonlyArray<{ readonly code: string; readonly list: number; readonly dailyVolatility: number }> = [
  { code: "USD", list: 1, dailyVolatility: 0 },
  { code: "EUR", list: 0.92, dailyVolatility: 0.003 },
  { code: "JPY", list: 151.2, dailyVolatility: 0.004 },
  { code: "AUD", list: 1.52, dailyVolatility: 0.004 },
  { code: "GBP", list: 0.79, dailyVolatility: 0.003 },
  { code: "BHD", list: 0.376, dailyVolatility: 0.0001 },
  { code: "CAD", list: 1.36, dailyVolatility: 0.003 },
  { code: "CHF", list: 0.88, dailyVolatility: 0.003 },
  { code: "INR", list: 83.1, dailyVolatility: 0.002 },
  { code: "KWD", list: 0.307, dailyVolatility: 0.0005 },
  { code: "MXN", list: 17.05, dailyVolatility: 0.005 },
  { code: "SEK", list: 10.45, dailyVolatility: 0.004 },
];

/** The rates of one run. */
export interface RateBook {
  /** Rates per UTC date present in the snapshot (the missing dates are absent). */
  readonly table: RateTable;
  /** Every date of the snapshot file, ascending. */
  readonly dates: ReadonlyArray<string>;
  /** Dates left out of the snapshot (a Saturday and the Sunday after it), ascending. */
  readonly missing: ReadonlyArray<string>;
  /** Epoch ms range [from, to) of the missing dates. */
  readonly missingFrom: number;
  readonly missingTo: number;
}

/** Default rates path: `out` with `.jsonl` replaced by `.rates.jsonl`, else `out + ".rates.jsonl"`. */
export function defaultRatesPath(out: string): string {
  return out.endsWith(".jsonl") ? out.slice(0, -".jsonl".length) + ".rates.jsonl" : out + ".rates.jsonl";
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/**
 * Builds the rates of a run ending at `now` from `rng` (the generator's auxiliary stream).
 * The missing weekend is one whose two days lie inside the fault window (13 to 1 days before
 * `now`); there is always at least one.
 */
export function buildRates(rng: Rng, now: number): RateBook {
  const firstTraffic = isoDate(now - WINDOW_MS + 1);
  const last = isoDate(now);
  const first = addDays(firstTraffic, -RATES_DAYS_BEFORE) ?? firstTraffic;
  const dates: string[] = [];
  for (let d: string | null = first; d !== null && d <= last; d = addDays(d, 1)) dates.push(d);

  const weekends = dates.filter((d) => {
    const start = dayStart(d);
    return new Date(start).getUTCDay() === 6 && start >= now - FAULT_WINDOW_START_MS && start + 2 * DAY_MS <= now - FAULT_WINDOW_END_MS;
  });
  const saturday = weekends.length > 0 ? rng.pick(weekends) : dates[dates.length - 3];
  const sunday = addDays(saturday, 1) ?? saturday;
  const missing = [saturday, sunday];

  const level = CURRENCIES.map((c) => c.list * (1 + 0.01 * clamp(rng.normal(), 2)));
  const table: Record<string, Record<string, number>> = {};
  for (const date of dates) {
    const rates: Record<string, number> = {};
    CURRENCIES.forEach((c, i) => {
      if (c.code !== "USD") level[i] *= 1 + c.dailyVolatility * clamp(rng.normal(), 2.5);
      rates[c.code] = c.code === "USD" ? 1 : Number(level[i].toPrecision(6));
    });
    if (!missing.includes(date)) table[date] = rates;
  }
  return { table, dates: dates.filter((d) => !missing.includes(d)), missing, missingFrom: dayStart(saturday), missingTo: dayStart(sunday) + DAY_MS };
}

function clamp(x: number, limit: number): number {
  return Math.max(-limit, Math.min(limit, x));
}

/**
 * The rate of `currency` for an event at `at` (epoch ms), as the correction cores look it up:
 * that UTC date, else the nearest earlier date within the default fallback. Throws when none
 * (cannot happen for times inside the traffic window).
 */
export function rateAt(book: RateBook, at: number, currency: string): RateHit {
  const date = utcDate(new Date(at).toISOString());
  const hit = date === null ? null : lookupRate(book.table, date, currency, DEFAULT_MAX_FALLBACK_DAYS);
  if (hit === null) throw new Error(`no rate for ${currency} at ${new Date(at).toISOString()}`);
  return hit;
}

/** True when `at` falls on a date left out of the snapshot. */
export function onMissingDate(book: RateBook, at: number): boolean {
  return at >= book.missingFrom && at < book.missingTo;
}

/**
 * Writes the snapshot: one `{"date","base":"USD","timestamp","rates"}` line per present date;
 * `timestamp` is the last second of the day (or `now` for today).
 */
export function writeRates(path: string, book: RateBook, now: number): void {
  const out = new LineWriter(path);
  for (const date of book.dates) {
    const timestamp = Math.min(Math.floor((dayStart(date) + DAY_MS - 1) / 1000), Math.floor(now / 1000));
    out.write(JSON.stringify({ date, base: "USD", timestamp, rates: book.table[date] }));
  }
  out.close();
}
