/**
 * A floating-point proof that the correction rules leave an event alone: true only when
 * `correctEvent` with these rates and config would return the data unchanged, no corrections
 * and no findings. False means "not proven", never "needs correcting": the exact BigInt rules
 * then decide. Validation runs it on every order and call before those rules (`needsCorrection`),
 * because nearly all of them are clean and the exact rules cost several microseconds each.
 *
 * Anything unusual is left to the exact rules: a `corrections` list, minor-unit mode, amounts
 * given as strings, a value with more decimals than its currency has, a sum beyond 2^50 minor
 * units, an unknown currency, a missing rate, a deviation near the tolerance.
 *
 * `surelyUnchanged` of an AUD order with items 3 x 19.99 - 5 = 54.97, amount 54.97 and
 * amount_usd 36.65 at 1.5 AUD/USD -> true; with amount 59.97 -> false (the exact rule flags it).
 */
import type { CorrectionConfig } from "./config";
import { CALL_COMPLETED } from "./call-checks";
import type { CorrectionEvent } from "./correction";
import { amountExponent, currencyExponent, DEFAULT_CURRENCY_EXPONENT, isKnownCurrency, normalizeCurrency } from "./currency-codes";
import { matchesEventType } from "./event-type-pattern";
import { phoneMayHoldEmail } from "./field-swap";
import { getPath, isRecord, ownGet } from "./paths";
import { lookupRate, utcDate, type RateTable } from "./rate-table";

/** Largest |minor units| the proof handles: far inside 2^53, so every sum below is exact. */
const MAX_MINOR = 2 ** 50;
/** 10^0 .. 10^22: the powers of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Relative slack on the double computation of the expected USD cents (its error is below 1e-15). */
const SLACK = 1e-12;

export function surelyUnchanged(event: CorrectionEvent, rates: RateTable | null, config: CorrectionConfig): boolean {
  if (event.corrections !== undefined || config.minor_units) return false;
  const data = event.data;
  return !phoneMayHoldEmail(data, config) && itemsAddUp(event, config) && (rates === null || usdWithinTolerance(event, rates, config)) && callInRange(event, config);
}

/**
 * `value` in minor units with `exponent` decimals, when it is a number with at most that many
 * decimals; else null. Exact: with |n| <= 2^50 a double's spacing near `value` is under a
 * quarter of 10^-exponent, so `n / 10^exponent === value` holds for exactly one such n, and the
 * shortest text of `value` (what the exact rules parse) is that decimal.
 * `minorOf(19.99, 2)` -> 1999; `minorOf(0.335, 2)` -> null.
 */
export function minorOf(value: unknown, exponent: number): number | null {
  if (typeof value !== "number" || exponent >= POW10.length) return null;
  const scale = POW10[exponent];
  const n = Math.round(value * scale);
  return Math.abs(n) <= MAX_MINOR && n / scale === value ? n : null;
}

/**
 * Not an order type or no items (the rule checks nothing), or number-valued items
 * and order-level amounts whose total equals the amount.
 */
function itemsAddUp(event: CorrectionEvent, config: CorrectionConfig): boolean {
  const data = event.data;
  if (!matchesEventType(config.arithmetic_event_types, event.event_type)) return true;
  const items = getPath(data, config.items_path);
  if (items === undefined || (Array.isArray(items) && items.length === 0)) return true;
  if (!Array.isArray(items)) return false;
  const amount = getPath(data, config.amount_path);
  const code = normalizeCurrency(getPath(data, config.currency_path));
  const exponent = code === null ? DEFAULT_CURRENCY_EXPONENT : amountExponent(code, config.currency_exponents, amount, config.minor_units);
  let total = 0;
  for (const item of items) {
    if (!isRecord(item)) return false;
    const price = minorOf(ownGet(item, "unit_price"), exponent);
    const quantity = ownGet(item, "quantity");
    const rawDiscount = ownGet(item, "discount");
    const discount = rawDiscount === undefined || rawDiscount === null ? 0 : minorOf(rawDiscount, exponent);
    if (price === null || discount === null || typeof quantity !== "number" || !Number.isSafeInteger(quantity)) return false;
    total += price * quantity - discount;
    if (!(Math.abs(total) <= MAX_MINOR)) return false;
  }
  for (const [paths, sign] of [
    [config.arithmetic_add_paths, 1],
    [config.arithmetic_subtract_paths, -1],
  ] as const) {
    for (const path of paths) {
      const value = getPath(data, path);
      if (value === undefined || value === null) continue;
      const minor = minorOf(value, exponent);
      if (minor === null) return false;
      total += sign * minor;
    }
  }
  if (!(Math.abs(total) <= MAX_MINOR)) return false;
  return minorOf(amount, exponent) === total;
}

/** `amount_usd` absent, or within the tolerance of every value the exact expected cents can take. */
function usdWithinTolerance(event: CorrectionEvent, rates: RateTable, config: CorrectionConfig): boolean {
  const data = event.data;
  const recorded = getPath(data, config.amount_usd_path);
  if (recorded === undefined || recorded === null) return true;
  const code = normalizeCurrency(getPath(data, config.currency_path));
  if (code === null || !isKnownCurrency(code)) return false;
  const exponent = currencyExponent(code, config.currency_exponents);
  const amount = minorOf(getPath(data, config.amount_path), exponent);
  const usdCents = minorOf(recorded, 2);
  const date = utcDate(event.timestamp);
  if (amount === null || usdCents === null || date === null) return false;
  const hit = lookupRate(rates, date, code, config.max_fallback_days);
  if (hit === null) return false;
  // Exact expected = round_half_up(amount * 100 / (10^exponent * rate)): within half a cent of
  // the real quotient, which the double below approximates to a relative 1e-15.
  const quotient = (amount * 100) / POW10[exponent] / hit.rate;
  const low = quotient - 0.5 - Math.abs(quotient) * SLACK;
  const high = quotient + 0.5 + Math.abs(quotient) * SLACK;
  if (!(low >= 1)) return false;
  // |recorded - e| / e over e in [low, high] is largest at an end.
  const worst = Math.max(Math.abs(usdCents - low) / low, Math.abs(usdCents - high) / high);
  return worst <= config.tolerance * (1 - 1e-9);
}

/** A `call.completed` with a positive duration, and every range rule's value a number within range. */
function callInRange(event: CorrectionEvent, config: CorrectionConfig): boolean {
  if (event.event_type === CALL_COMPLETED) {
    const duration = getPath(event.data, config.duration_path);
    if (duration !== undefined && !(typeof duration === "number" && duration > 0 && Number.isFinite(duration))) return false;
  }
  for (const rule of config.range_rules) {
    if (rule.event_type !== event.event_type) continue;
    const value = getPath(event.data, rule.path);
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value)) return false;
    if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) return false;
  }
  return true;
}
