/**
 * Line-item arithmetic, on orders (`arithmetic_event_types`, default `order.*`):
 * `sum(unit_price * quantity) - sum(discount)` over `data.items[]`, plus the order-level
 * amounts at `arithmetic_add_paths` (default `data.shipping`, `data.tax`) and minus those at
 * `arithmetic_subtract_paths` (default `data.order_discount`, `data.discount`) when present,
 * must equal `data.amount` to the minor unit (the exact sum is rounded half up once, at the
 * end). Otherwise `arithmetic_mismatch` with detail `{ expected, recorded }` (major units), and
 * the amount is corrected to the sum through the guard (an order without an amount is flagged
 * for review). Not checked: other event types, and events whose items are absent, empty or
 * malformed (non-integer quantity, non-numeric price or discount) or whose order-level amounts
 * are not numbers.
 *
 * order.paid, items `[{ unit_price: 19.99, quantity: 3, discount: 5 }]`, amount 59.97 -> expected
 * 54.97: amount corrected to 54.97. With `shipping: 5` as well, the expected amount is 59.97.
 */
import type { CorrectionConfig } from "./config";
import { alreadyCorrected, RULES, unchanged, type CorrectionEvent, type RuleResult } from "./correction";
import { amountExponent, DEFAULT_CURRENCY_EXPONENT, normalizeCurrency } from "./currency-codes";
import { isIntegral, parseDecimal, rescale, type Decimal } from "./decimal";
import { applyNumeric } from "./apply-numeric";
import { fromMinor, majorNumber, toMinor, type MoneyFormat } from "./money";
import { matchesEventType } from "./event-type-pattern";
import { getPath, isRecord, ownGet } from "./paths";

/** Order-level amounts around the items' total: values as found in data (absent ones are undefined). */
export interface OrderAdjustments {
  readonly add: ReadonlyArray<unknown>;
  readonly subtract: ReadonlyArray<unknown>;
}

const NO_ADJUSTMENTS: OrderAdjustments = { add: [], subtract: [] };

/**
 * The items' total in minor units, with the order-level `adjustments` added and subtracted
 * (undefined or null ones skipped), or null when an item or adjustment is malformed or there
 * are no items.
 * `itemsTotal([{ unit_price: "0.335", quantity: 3 }], { exponent: 2, minorUnits: false })` -> `101n` (1.005 -> 1.01);
 * with `{ add: [4.99], subtract: [] }` -> `600n`.
 */
export function itemsTotal(items: unknown, format: MoneyFormat, adjustments: OrderAdjustments = NO_ADJUSTMENTS): bigint | null {
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
  for (let i = 0; i < adjustments.add.length + adjustments.subtract.length; i++) {
    const adding = i < adjustments.add.length;
    const value = adding ? adjustments.add[i] : adjustments.subtract[i - adjustments.add.length];
    if (value === undefined || value === null) continue;
    const d = parseDecimal(value);
    if (d === null || (format.minorUnits && !isIntegral(d))) return null;
    terms.push({ units: adding ? d.units : -d.units, scale: d.scale });
    scale = Math.max(scale, d.scale);
  }
  const exact = terms.reduce((sum, t) => sum + rescale(t.units, t.scale, scale), 0n);
  return rescale(exact, scale, format.minorUnits ? 0 : format.exponent);
}

/** Checks and corrects the total against the items (see module doc). Never mutates the event. */
export function checkArithmetic(event: CorrectionEvent, config: CorrectionConfig): RuleResult {
  const state = unchanged(event);
  const field = config.amount_path;
  if (!matchesEventType(config.arithmetic_event_types, event.event_type) || alreadyCorrected(event, RULES.arithmetic, field)) return state;
  const recorded = getPath(event.data, field);
  const code = normalizeCurrency(getPath(event.data, config.currency_path));
  const exponent = code === null ? DEFAULT_CURRENCY_EXPONENT : amountExponent(code, config.currency_exponents, recorded, config.minor_units);
  const format: MoneyFormat = { exponent, minorUnits: config.minor_units };
  const expected = itemsTotal(getPath(event.data, config.items_path), format, orderAdjustments(event.data, config));
  if (expected === null) return state;
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

/** The order-level amounts of `data` at the configured add and subtract paths. */
export function orderAdjustments(data: Record<string, unknown>, config: CorrectionConfig): OrderAdjustments {
  return {
    add: config.arithmetic_add_paths.map((p) => getPath(data, p)),
    subtract: config.arithmetic_subtract_paths.map((p) => getPath(data, p)),
  };
}
