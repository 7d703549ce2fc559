import { test } from "node:test";
import assert from "node:assert/strict";
import { CorrectionConfig, DEFAULT_CORRECTION_CONFIG, parseCorrectionConfig } from "../../src/corrections/config";

test("CorrectionConfig defaults", () => {
  assert.deepEqual(CorrectionConfig.parse({}), {
    min_change: -0.75,
    max_change: 3,
    tolerance: 0.05,
    max_fallback_days: 7,
    minor_units: false,
    currency_exponents: {},
    amount_path: "data.amount",
    currency_path: "data.currency",
    amount_usd_path: "data.amount_usd",
    items_path: "data.items",
    arithmetic_event_types: ["order.*"],
    arithmetic_add_paths: ["data.shipping", "data.tax"],
    arithmetic_subtract_paths: ["data.order_discount", "data.discount"],
    swap_objects: ["data.contact"],
    duration_path: "data.duration_s",
    range_rules: [{ event_type: "call.completed", path: "data.duration_s", max: 86_400 }],
  });
  assert.deepEqual(DEFAULT_CORRECTION_CONFIG, CorrectionConfig.parse({}));
});

test("CorrectionConfig rejects bad values with one line", () => {
  const bad: unknown[] = [
    { tolerance: -1 },
    { min_change: 0.5 },
    { max_fallback_days: 1.5 },
    { amount_path: "amount" },
    { arithmetic_event_types: ["*"] },
    { arithmetic_event_types: ["order.*.paid"] },
    { arithmetic_add_paths: ["shipping"] },
    { amount_path: "data.__proto__.x" },
    { swap_objects: ["data.constructor"] },
    { range_rules: [{ event_type: "x", path: "data.a" }] },
    { range_rules: [{ event_type: "x", path: "data.a", min: 2, max: 1 }] },
    { unknown_key: 1 },
  ];
  for (const input of bad) assert.throws(() => parseCorrectionConfig(input), /^Error: invalid correction config at /, JSON.stringify(input));
});
