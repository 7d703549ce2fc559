/**
 * Currency revalidation: recomputes the USD value of an amount from the rate table and corrects
 * `amount_usd` when it deviates by more than the tolerance (through the guard).
 * `expected_usd = round_half_up(amount / rate, 2)`, the rate being that of the event's UTC date
 * (or the nearest earlier date within `max_fallback_days`); USD has rate 1.
 * Nothing is checked when `amount_usd` is absent/null or the amount is not a number. A currency
 * that is neither a known ISO 4217 code nor quoted anywhere in the table -> `unknown_currency`
 * (`manual_review`); no rate within reach -> `rate_unavailable` (action `none`); both keep the event.
 * An amount of a code outside ISO 4217 without a configured exponent is read with the decimals
 * it is written with (`amountExponent`: 0.015 BTC is not rounded to 0.02).
 * Detail values are major-unit numbers, whatever `minor_units` says; `before`/`after` of the
 * correction are the values as written in data.
 *
 * 60.24 AUD on 2024-03-08 at 1.5 AUD/USD, amount_usd 60.24 -> expected 40.16, deviation 0.5 >
 * 0.05: `currency_mismatch`, amount_usd corrected to 40.16 (change -33 % is within the guard).
 */
import type { CorrectionConfig } from "./config";
import { alreadyCorrected, RULES, unchanged, type CorrectionEvent, type RuleResult } from "./correction";
import { amountExponent, isKnownCurrency, normalizeCurrency } from "./currency-codes";
import { compareRatio, divHalfUp, parseDecimal, pow10 } from "./decimal";
import { applyNumeric } from "./apply-numeric";
import { fromMinor, majorNumber, toMinor, type MoneyFormat } from "./money";
import { getPath } from "./paths";
import { lookupRate, tableHasCurrency, utcDate, type RateTable } from "./rate-table";
import { ruleFinding } from "./rule-finding";
import { memoized } from "../memo";

/** Exponent of USD amounts (cents). */
const USD_EXPONENT = 2;

/**
 * USD minor units (cents) of `amountMinor` (minor units with `exponent` decimals) at `rate`
 * units per USD, half up; null for a rate that is not a positive finite number.
 * `toUsdCents(6024n, 2, 1.5)` -> `4016n`; `toUsdCents(15000n, 0, 150)` (JPY) -> `10000n`.
 */
export function toUsdCents(amountMinor: bigint, exponent: number, rate: number): bigint | null {
  const r = memoized(RATE_DECIMALS, rate, parseDecimal);
  if (r === null || r.units <= 0n) return null;
  return divHalfUp(amountMinor * pow10(r.scale) * pow10(USD_EXPONENT), pow10(exponent) * r.units);
}

/** Rates as exact decimals: a table holds few distinct rates, and each is parsed once. */
const RATE_DECIMALS = new Map<number, ReturnType<typeof parseDecimal>>();

/**
 * `|recorded - expected| / |expected|`; 0 when both are 0, Infinity when only expected is 0.
 * `deviation(6024n, 4016n)` -> `0.5`.
 */
export function deviation(recorded: bigint, expected: bigint): number {
  const diff = recorded > expected ? recorded - expected : expected - recorded;
  if (expected === 0n) return diff === 0n ? 0 : Number.POSITIVE_INFINITY;
  return Number(diff) / Number(expected < 0n ? -expected : expected);
}

/** `deviation(recorded, expected) <= tolerance`, compared exactly (`compareRatio`). */
function withinTolerance(recorded: bigint, expected: bigint, tolerance: number): boolean {
  const diff = recorded > expected ? recorded - expected : expected - recorded;
  if (expected === 0n) return diff === 0n;
  return compareRatio(diff, expected < 0n ? -expected : expected, tolerance) <= 0;
}

/** Revalidates the event's `amount_usd` (see module doc). Never mutates the event. */
export function revalidateCurrency(event: CorrectionEvent, rates: RateTable, config: CorrectionConfig): RuleResult {
  const state = unchanged(event);
  const field = config.amount_usd_path;
  if (alreadyCorrected(event, RULES.currency, field)) return state;
  const recorded = getPath(event.data, field);
  if (recorded === undefined || recorded === null) return state;

  const rawCurrency = getPath(event.data, config.currency_path);
  const code = normalizeCurrency(rawCurrency);
  if (code === null || !(isKnownCurrency(code) || tableHasCurrency(rates, code))) {
    const detail = { currency: typeof rawCurrency === "string" ? rawCurrency.slice(0, 16) : null };
    const flag = ruleFinding(event, "unknown_currency", "manual_review", RULES.currency, config.currency_path, detail);
    return { ...state, findings: [flag] };
  }

  const amountValue = getPath(event.data, config.amount_path);
  const format: MoneyFormat = { exponent: amountExponent(code, config.currency_exponents, amountValue, config.minor_units), minorUnits: config.minor_units };
  const amount = toMinor(amountValue, format);
  if (amount === null) return state;

  const date = utcDate(event.timestamp);
  const hit = date === null ? null : lookupRate(rates, date, code, config.max_fallback_days);
  const expected = hit === null ? null : toUsdCents(amount, format.exponent, hit.rate);
  if (hit === null || expected === null) {
    const detail = { currency: code, date, max_fallback_days: config.max_fallback_days };
    const flag = ruleFinding(event, "rate_unavailable", "none", RULES.currency, field, detail);
    return { ...state, findings: [flag] };
  }

  const usd: MoneyFormat = { exponent: USD_EXPONENT, minorUnits: config.minor_units };
  const recordedMinor = toMinor(recorded, usd);
  if (recordedMinor !== null && withinTolerance(recordedMinor, expected, config.tolerance)) return state;
  const dev = recordedMinor === null ? null : deviation(recordedMinor, expected);

  return applyNumeric(
    event,
    state,
    {
      rule: RULES.currency,
      kind: "currency_mismatch",
      field,
      before: recorded,
      beforeMinor: recordedMinor,
      after: fromMinor(expected, usd, recorded),
      afterMinor: expected,
      detail: {
        expected_usd: majorNumber(expected, USD_EXPONENT),
        recorded_usd: recordedMinor === null ? null : majorNumber(recordedMinor, USD_EXPONENT),
        rate: hit.rate,
        rate_date: hit.date,
        deviation: dev !== null && Number.isFinite(dev) ? dev : null,
      },
    },
    config,
  );
}
