/**
 * Line-item arithmetic: `sum(unit_price * quantity) - sum(discount)` over `data.items[]` must equal
 * `data.amount` to the minor unit (the exact sum is rounded half up once, at the end). Otherwise
 * `arithmetic_mismatch` with detail `{ expected, recorded }` (major units), and the amount is
 * corrected to the sum through the guard. Events whose items are absent, empty or malformed
 * (non-integer quantity, non-numeric price or discount) are not checked.
 *
 * items `[{ unit_price: 19.99, quantity: 3, discount: 5 }]`, amount 59.97 -> expected 54.97:
 * amount corrected to 54.97.
 */
import type { CorrectionConfig } from "./config";
import { alreadyCorrected, RULES, unchanged, type CorrectionEvent, type RuleResult } from "./correction";
import { currencyExponent, DEFAULT_CURRENCY_EXPONENT, normalizeCurrency } from "./currency-codes";
import { isIntegral, parseDecimal, rescale, type Decimal } from "./decimal";
import { applyNumeric } from "./apply-numeric";
import { fromMinor, majorNumber, toMinor, type MoneyFormat } from "./money";
import { getPath, isRecord, ownGet } from "./paths";

/**
 * The items' total in minor units, or null when an item is malformed or there are none.
 * `itemsTotal([{ unit_price: "0.335", quantity: 3 }], { exponent: 2, minorUnits: false })` -> `101n` (1.005 -> 1.01).
 */
export function itemsTotal(items: unknown, format: MoneyFormat): bigint | null {
  if (!Array.isArray(items) || items.length === 0) return null;
  const terms: Decimal[] = [];
  // The largest scale, kept as the terms are made: `Math.max(...scales)` passes every term as an
  // argument, and an order of about 62,000 items overflowed the stack (the whole run exited 1).
  let scale = 0;
  for (const item of items) {
    if (!isRecord(item)) return null;
    const price = parseDecimal(ownGet(item, "unit_price"));
    const quantity = parseDecimal(ownGet(item, "quantity"));
    const rawDiscount = ownGet(item, "discount");
    const discount = rawDiscount === undefined || rawDiscount === null ? { units: 0n, scale: 0 } : parseDecimal(rawDiscount);
    if (price === null || quantity === null || discount === null || !isIntegral(quantity)) return null;
    if (format.minorUnits && !(isIntegral(price) && isIntegral(discount))) return null;
    const count = rescale(quantity.units, quantity.scale, 0);
    terms.push({ units: price.units * count, scale: price.scale }, { units: -discount.units, scale: discount.scale });
    scale = Math.max(scale, price.scale, discount.scale);
  }
  const exact = terms.reduce((sum, t) => sum + rescale(t.units, t.scale, scale), 0n);
  return rescale(exact, scale, format.minorUnits ? 0 : format.exponent);
}

/** Checks and corrects the total against the items (see module doc). Never mutates the event. */
export function checkArithmetic(event: CorrectionEvent, config: CorrectionConfig): RuleResult {
  const state = unchanged(event);
  const field = config.amount_path;
  if (alreadyCorrected(event, RULES.arithmetic, field)) return state;
  const code = normalizeCurrency(getPath(event.data, config.currency_path));
  const exponent = code === null ? DEFAULT_CURRENCY_EXPONENT : currencyExponent(code, config.currency_exponents);
  const format: MoneyFormat = { exponent, minorUnits: config.minor_units };
  const expected = itemsTotal(getPath(event.data, config.items_path), format);
  if (expected === null) return state;
  const recorded = getPath(event.data, field);
  const recordedMinor = toMinor(recorded, format);
  if (recordedMinor === expected) return state;
  return applyNumeric(
    event,
    state,
    {
      rule: RULES.arithmetic,
      kind: "arithmetic_mismatch",
      field,
      before: recorded,
      beforeMinor: recordedMinor,
      after: fromMinor(expected, format, recorded),
      afterMinor: expected,
      detail: {
        expected: majorNumber(expected, exponent),
        recorded: recordedMinor === null ? null : majorNumber(recordedMinor, exponent),
      },
    },
    config,
  );
}
