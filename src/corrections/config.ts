/**
 * Configuration of the correction rules: a zod schema with a documented default for every field.
 *
 * `CorrectionConfig.parse({})` -> the defaults below; `parseCorrectionConfig({ tolerance: 0.1 })`
 * -> the defaults with a 10 % currency tolerance.
 */
import { z } from "zod";
import { DEFAULT_MAX_CHANGE, DEFAULT_MIN_CHANGE } from "./guard";
import { DEFAULT_MAX_FALLBACK_DAYS } from "./rate-table";
import { dataSegments } from "./paths";

/** A recorded amount_usd deviating from the expected one by more than this fraction is flagged: 5 %. */
export const DEFAULT_TOLERANCE = 0.05;
/** Amounts are decimal major units unless this is true (Stripe-style integer minor units). */
export const DEFAULT_MINOR_UNITS = false;
/** Where the amount, its currency and its USD value are. */
export const DEFAULT_AMOUNT_PATH = "data.amount";
export const DEFAULT_CURRENCY_PATH = "data.currency";
export const DEFAULT_AMOUNT_USD_PATH = "data.amount_usd";
/** Line items `{ unit_price, quantity, discount? }` whose total must equal the amount. */
export const DEFAULT_ITEMS_PATH = "data.items";
/**
 * The event types whose amount the items must add up to: orders. An exact type or `prefix.*`;
 * other events with items (carts, partial payments, refunds of some items) are not checked.
 */
export const DEFAULT_ARITHMETIC_EVENT_TYPES: ReadonlyArray<string> = ["order.*"];
/** Order-level amounts added to the items' total when present: shipping and tax. */
export const DEFAULT_ARITHMETIC_ADD_PATHS: ReadonlyArray<string> = ["data.shipping", "data.tax"];
/** Order-level amounts subtracted from the items' total when present: an order's discount (a code's). */
export const DEFAULT_ARITHMETIC_SUBTRACT_PATHS: ReadonlyArray<string> = ["data.order_discount", "data.discount"];
/** Objects holding `phone` and `email` fields checked for a swap. */
export const DEFAULT_SWAP_OBJECTS: ReadonlyArray<string> = ["data.contact"];
/** `call.completed` events carry their duration here (seconds). */
export const DEFAULT_DURATION_PATH = "data.duration_s";
/** Range rules: a completed call longer than 24 hours is out of range. */
export const DEFAULT_RANGE_RULES: ReadonlyArray<{ event_type: string; path: string; min?: number; max?: number }> = [
  { event_type: "call.completed", path: "data.duration_s", max: 86_400 },
];

const dataPath = z
  .string()
  .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)+$/, "a dotted path like data.amount")
  .refine((p) => dataSegments(p) !== null, { message: "a path under data., without __proto__/constructor/prototype" });

/** An event type, or `prefix.*` for every type that starts with `prefix.`: `order.*`. */
const EventTypePattern = z.string().regex(/^[^*]+(\.\*)?$/, "an event type, or prefix.* (one trailing wildcard)");

/** `{ event_type, path, min?, max? }`: a value outside [min, max] is an `out_of_range` flag. */
export const RangeRule = z
  .object({ event_type: z.string().min(1), path: dataPath, min: z.number().finite().optional(), max: z.number().finite().optional() })
  .strict()
  .refine((r) => r.min !== undefined || r.max !== undefined, { message: "a range rule needs min or max" })
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { message: "min must be <= max" });

export const CorrectionConfig = z
  .object({
    /** Guard: lowest relative change applied automatically (inclusive). */
    min_change: z.number().finite().max(0).default(DEFAULT_MIN_CHANGE),
    /** Guard: highest relative change applied automatically (inclusive). */
    max_change: z.number().finite().min(0).default(DEFAULT_MAX_CHANGE),
    tolerance: z.number().finite().nonnegative().default(DEFAULT_TOLERANCE),
    max_fallback_days: z.number().int().nonnegative().max(366).default(DEFAULT_MAX_FALLBACK_DAYS),
    minor_units: z.boolean().default(DEFAULT_MINOR_UNITS),
    /** Exponent overrides, for codes ISO 4217 does not cover: `{ "BTC": 8 }`. */
    currency_exponents: z.record(z.string().regex(/^[A-Z]{3,5}$/), z.number().int().min(0).max(18)).default({}),
    amount_path: dataPath.default(DEFAULT_AMOUNT_PATH),
    currency_path: dataPath.default(DEFAULT_CURRENCY_PATH),
    amount_usd_path: dataPath.default(DEFAULT_AMOUNT_USD_PATH),
    items_path: dataPath.default(DEFAULT_ITEMS_PATH),
    arithmetic_event_types: z.array(EventTypePattern).default([...DEFAULT_ARITHMETIC_EVENT_TYPES]),
    arithmetic_add_paths: z.array(dataPath).default([...DEFAULT_ARITHMETIC_ADD_PATHS]),
    arithmetic_subtract_paths: z.array(dataPath).default([...DEFAULT_ARITHMETIC_SUBTRACT_PATHS]),
    swap_objects: z.array(dataPath).default([...DEFAULT_SWAP_OBJECTS]),
    duration_path: dataPath.default(DEFAULT_DURATION_PATH),
    range_rules: z.array(RangeRule).default(DEFAULT_RANGE_RULES.map((r) => ({ ...r }))),
  })
  .strict();

export type CorrectionConfig = z.output<typeof CorrectionConfig>;
export type CorrectionConfigInput = z.input<typeof CorrectionConfig>;
export type RangeRule = z.output<typeof RangeRule>;

/** The defaults: `CorrectionConfig.parse({})`. */
export const DEFAULT_CORRECTION_CONFIG: CorrectionConfig = CorrectionConfig.parse({});

/** Parses a config object, filling defaults; throws the first problem as one line. */
export function parseCorrectionConfig(input: unknown): CorrectionConfig {
  const result = CorrectionConfig.safeParse(input ?? {});
  if (!result.success) {
    const first = result.error.issues[0];
    throw new Error(`invalid correction config at ${first.path.join(".") || "(root)"}: ${first.message}`);
  }
  return result.data;
}
