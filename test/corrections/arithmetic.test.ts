import { test } from "node:test";
import assert from "node:assert/strict";
import { checkArithmetic, itemsTotal } from "../../src/corrections/arithmetic";
import { stableId } from "../../src/hash";
import { config, deepFreeze, event } from "./fixtures";

interface Case {
  readonly name: string;
  readonly data: Record<string, unknown>;
  readonly minor?: boolean;
  /** The event type (default order.paid). */
  readonly type?: string;
  readonly after: unknown;
  readonly flag: [string, string] | null;
  readonly detail?: Record<string, unknown>;
}

const item = (unit_price: unknown, quantity: unknown, discount?: unknown): Record<string, unknown> =>
  discount === undefined ? { unit_price, quantity } : { unit_price, quantity, discount };

const cases: Case[] = [
  {
    name: "total corrected to sum(price * qty) - sum(discount)",
    data: { currency: "AUD", amount: 59.97, items: [item(19.99, 3, 5)] },
    after: 54.97,
    flag: ["arithmetic_mismatch", "none"],
    detail: { expected: 54.97, recorded: 59.97 },
  },
  { name: "matching total", data: { currency: "AUD", amount: 54.97, items: [item(19.99, 3, 5)] }, after: 54.97, flag: null },
  { name: "several items, null discount", data: { amount: 10, items: [item(2.5, 2, null), item(1.25, 4), item(0, 1, 1)] }, after: 9, flag: ["arithmetic_mismatch", "none"] },
  { name: "numeric strings stay strings", data: { currency: "AUD", amount: "59.97", items: [item("19.99", "3", "5")] }, after: "54.97", flag: ["arithmetic_mismatch", "none"] },
  { name: "JPY 0 decimals", data: { currency: "JPY", amount: 1400, items: [item(500, 3)] }, after: 1500, flag: ["arithmetic_mismatch", "none"] },
  { name: "BHD 3 decimals", data: { currency: "BHD", amount: 2.47, items: [item(1.234, 2)] }, after: 2.468, flag: ["arithmetic_mismatch", "none"] },
  { name: "BHD exact at 3 decimals", data: { currency: "BHD", amount: "2.468", items: [item(1.234, 2)] }, after: "2.468", flag: null },
  { name: "exact sum rounded half up once (1.005 -> 1.01)", data: { currency: "USD", amount: 1, items: [item("0.335", 3)] }, after: 1.01, flag: ["arithmetic_mismatch", "none"] },
  { name: "half-up sum equal to the amount", data: { currency: "USD", amount: 1.01, items: [item("0.335", 3)] }, after: 1.01, flag: null },
  { name: "no float drift (0.1 * 3 = 0.30)", data: { currency: "USD", amount: 0.3, items: [item(0.1, 3)] }, after: 0.3, flag: null },
  { name: "minor-unit mode", data: { currency: "AUD", amount: 5997, items: [item(1999, 3, 500)] }, minor: true, after: 5497, flag: ["arithmetic_mismatch", "none"] },
  { name: "minor-unit mode, fractional price: not checked", data: { currency: "AUD", amount: 5997, items: [item(19.99, 3)] }, minor: true, after: 5997, flag: null },
  { name: "fractional quantity: not checked", data: { amount: 5, items: [item(2, 1.5)] }, after: 5, flag: null },
  { name: "malformed item: not checked", data: { amount: 5, items: [item("x", 1)] }, after: 5, flag: null },
  { name: "no items: not checked", data: { amount: 5 }, after: 5, flag: null },
  { name: "empty items: not checked", data: { amount: 5, items: [] }, after: 5, flag: null },
  { name: "guard: +300 % applied", data: { amount: 100, items: [item(400, 1)] }, after: 400, flag: ["arithmetic_mismatch", "none"] },
  { name: "guard: just over +300 % blocked", data: { amount: 99.99, items: [item(400, 1)] }, after: 99.99, flag: ["arithmetic_mismatch", "manual_review"] },
  { name: "guard: -75 % applied", data: { amount: 100, items: [item(25, 1)] }, after: 25, flag: ["arithmetic_mismatch", "none"] },
  { name: "guard: just under -75 % blocked", data: { amount: 100.01, items: [item(25, 1)] }, after: 100.01, flag: ["arithmetic_mismatch", "manual_review"] },
  { name: "guard: before 0 blocked", data: { amount: 0, items: [item(25, 1)] }, after: 0, flag: ["arithmetic_mismatch", "manual_review"] },
  { name: "shipping and tax are added", data: { currency: "EUR", amount: 118.25, shipping: 10, tax: "8.25", items: [item(100, 1)] }, after: 118.25, flag: null },
  { name: "an order's discount (an ambassador code's) is subtracted", data: { currency: "EUR", amount: 80, order_discount: 20, items: [item(50, 2)] }, after: 80, flag: null },
  { name: "an order-level discount and item discounts both count", data: { currency: "EUR", amount: 85, discount: 10, items: [item(50, 2, 5)] }, after: 85, flag: null },
  {
    name: "shipping counted, the amount still wrong",
    data: { currency: "EUR", amount: 100, shipping: 10, items: [item(100, 1)] },
    after: 110,
    flag: ["arithmetic_mismatch", "none"],
    detail: { expected: 110, recorded: 100 },
  },
  { name: "exact sum with adjustments rounded once (0.335 x 3 + 0.005)", data: { currency: "USD", amount: 1.01, tax: 0.005, items: [item("0.335", 3)] }, after: 1.01, flag: null },
  { name: "an order-level amount that is not a number: not checked", data: { amount: 5, discount: "AMB10", items: [item(25, 1)] }, after: 5, flag: null },
  { name: "null order-level amounts are skipped", data: { amount: 25, shipping: null, tax: null, items: [item(25, 1)] }, after: 25, flag: null },
  { name: "minor-unit mode, a fractional shipping: not checked", data: { currency: "AUD", amount: 5997, shipping: 4.99, items: [item(1999, 3)] }, minor: true, after: 5997, flag: null },
  { name: "a cart (not an order type): not checked", type: "cart.updated", data: { amount: 10, items: [item(25, 1)] }, after: 10, flag: null },
  { name: "a partial payment: not checked", type: "payment.partial", data: { currency: "EUR", amount: 10, items: [item(25, 1)] }, after: 10, flag: null },
  { name: "a crypto amount is read with its own decimals (BTC 0.0134 vs items 0.015)", data: { currency: "BTC", amount: 0.0134, items: [item(0.015, 1)] }, after: 0.015, flag: ["arithmetic_mismatch", "none"], detail: { expected: 0.015, recorded: 0.0134 } },
  { name: "a crypto order that adds up at 8 decimals", data: { currency: "BTC", amount: 0.00030001, items: [item(0.0001, 3), item(0.00000001, 1)] }, after: 0.00030001, flag: null },
  {
    name: "guard: missing amount blocked",
    data: { items: [item(25, 1)] },
    after: undefined,
    flag: ["arithmetic_mismatch", "manual_review"],
    detail: { expected: 25, recorded: null },
  },
];

for (const c of cases) {
  test(`checkArithmetic: ${c.name}`, () => {
    const input = deepFreeze(event(c.data, c.type === undefined ? {} : { event_type: c.type }));
    const result = checkArithmetic(input, config({ minor_units: c.minor ?? false }));
    assert.deepEqual(result.data.amount, c.after);
    assert.deepEqual(result.findings.map((f) => [f.kind, f.action]), c.flag === null ? [] : [c.flag]);
    if (c.detail !== undefined) assert.deepEqual(result.findings[0].detail, c.detail);
    const applied = c.flag !== null && c.flag[1] === "none";
    assert.equal(result.corrections.length, applied ? 1 : 0);
    if (applied) {
      assert.deepEqual(result.corrections[0].before, c.data.amount);
      assert.equal(result.corrections[0].rule, "arithmetic");
      assert.equal(result.corrections[0].field, "data.amount");
      assert.equal(result.corrections[0].flag_id, stableId(["arithmetic_mismatch", "evt-1", "arithmetic", "data.amount", Date.parse("2024-03-08T12:00:00Z")]));
    }
  });
}

test("checkArithmetic: replay changes nothing", () => {
  const first = checkArithmetic(event({ amount: 59.97, items: [item(19.99, 3, 5)] }), config());
  const again = checkArithmetic(event(first.data, { corrections: first.corrections }), config());
  assert.deepEqual(again, { data: first.data, corrections: first.corrections, findings: [] });
});

test("checkArithmetic: configured event types and order-level paths", () => {
  const order = { currency: "EUR", amount: 80, fee: 5, voucher: 25, items: [item(100, 1)] };
  const custom = config({ arithmetic_event_types: ["store.order_paid", "checkout.*"], arithmetic_add_paths: ["data.fee"], arithmetic_subtract_paths: ["data.voucher"] });
  assert.deepEqual(checkArithmetic(event(order, { event_type: "store.order_paid" }), custom).findings, []);
  assert.deepEqual(checkArithmetic(event(order, { event_type: "checkout.completed" }), custom).findings, []);
  assert.deepEqual(checkArithmetic(event(order, { event_type: "order.paid" }), custom).findings, [], "order.* is not configured");
  assert.equal(checkArithmetic(event({ ...order, amount: 90 }, { event_type: "checkout.completed" }), custom).data.amount, 80);
  assert.equal(checkArithmetic(event(order, { event_type: "order.paid" }), config()).data.amount, 100, "the defaults know neither fee nor voucher");
});

test("itemsTotal", () => {
  assert.equal(itemsTotal([item("0.335", 3)], { exponent: 2, minorUnits: false }), 101n);
  assert.equal(itemsTotal([item(1, 2, 3)], { exponent: 2, minorUnits: false }), -100n);
  assert.equal(itemsTotal("x", { exponent: 2, minorUnits: false }), null);
});

test("itemsTotal and checkArithmetic: 200,000 items (the scale was Math.max(...terms), which overflowed the stack from about 62,000)", () => {
  const items = Array.from({ length: 200_000 }, (_, i) => item(i % 2 === 0 ? 1 : "0.125", 2));
  assert.equal(itemsTotal(items, { exponent: 2, minorUnits: false }), 22_500_000n);
  const result = checkArithmetic(event({ currency: "USD", amount: 1, items }), config());
  assert.equal(result.findings[0]?.kind, "arithmetic_mismatch");
});
