import { test } from "node:test";
import assert from "node:assert/strict";
import { correctEvent } from "../../src/corrections/correct-event";
import { config, deepFreeze, event, RATES } from "./fixtures";

const order = (): Record<string, unknown> => ({
  contact: { phone: "ann@example.com", email: "+61 2 9999 0000" },
  currency: "AUD",
  amount: 59.97,
  amount_usd: 39.98,
  items: [{ unit_price: 19.99, quantity: 3, discount: 5 }],
});

test("correctEvent: swap -> arithmetic -> currency on the corrected amount -> call checks", () => {
  const input = deepFreeze(event(order()));
  const out = correctEvent(input, RATES, config());
  assert.deepEqual(out.data, {
    contact: { phone: "+61 2 9999 0000", email: "ann@example.com" },
    currency: "AUD",
    amount: 54.97,
    amount_usd: 36.65, // 54.97 / 1.5 = 36.646..., not 59.97 / 1.5
    items: [{ unit_price: 19.99, quantity: 3, discount: 5 }],
  });
  assert.deepEqual(out.corrections.map((c) => [c.rule, c.field, c.before, c.after]), [
    ["field_swap", "data.contact.phone", "ann@example.com", "+61 2 9999 0000"],
    ["field_swap", "data.contact.email", "+61 2 9999 0000", "ann@example.com"],
    ["arithmetic", "data.amount", 59.97, 54.97],
    ["currency", "data.amount_usd", 39.98, 36.65],
  ]);
  assert.deepEqual(out.findings.map((f) => [f.kind, f.action]), [
    ["field_swap", "none"],
    ["arithmetic_mismatch", "none"],
    ["currency_mismatch", "none"],
  ]);
  assert.deepEqual(out.findings[2].detail, { expected_usd: 36.65, recorded_usd: 39.98, rate: 1.5, rate_date: "2024-03-08", deviation: 333 / 3665 });
  assert.deepEqual(input.data, order(), "input not mutated");
});

test("correctEvent: replaying its own output changes nothing", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["order", order(), "order.paid"],
    ["numeric strings", { currency: "JPY", amount: "1400", amount_usd: "20", items: [{ unit_price: "500", quantity: "3" }] }, "order.paid"],
    ["BHD", { currency: "BHD", amount: 2.47, amount_usd: 6, items: [{ unit_price: 1.234, quantity: 2 }] }, "order.paid"],
  ];
  for (const [name, data, type] of cases) {
    const first = correctEvent(event(data, { event_type: type }), RATES, config());
    assert.ok(first.corrections.length > 0, name);
    const replay = correctEvent(event(first.data, { event_type: type, corrections: first.corrections }), RATES, config());
    assert.deepEqual(replay, { data: first.data, corrections: first.corrections, findings: [] }, name);
  }
});

test("correctEvent: minor-unit mode, replayed", () => {
  const cfg = config({ minor_units: true });
  const data = { currency: "AUD", amount: 5997, amount_usd: 3998, items: [{ unit_price: 1999, quantity: 3, discount: 500 }] };
  const first = correctEvent(event(data), RATES, cfg);
  assert.equal(first.data.amount, 5497);
  assert.equal(first.data.amount_usd, 3665);
  const replay = correctEvent(event(first.data, { corrections: first.corrections }), RATES, cfg);
  assert.deepEqual(replay, { data: first.data, corrections: first.corrections, findings: [] });
});

test("correctEvent: flags without corrections repeat with the same ids, data unchanged", () => {
  const data = { currency: "AUD", amount: 600, amount_usd: 99.99, duration_s: 0 };
  const input = event(data, { event_type: "call.completed" });
  const first = correctEvent(input, RATES, config());
  assert.deepEqual(first.findings.map((f) => [f.kind, f.action]), [
    ["currency_mismatch", "manual_review"],
    ["zero_duration", "manual_review"],
  ]);
  assert.equal(first.data, input.data);
  assert.deepEqual(first.corrections, []);
  const replay = correctEvent(event(first.data, { event_type: "call.completed", corrections: first.corrections }), RATES, config());
  assert.deepEqual(replay, first);
});

test("correctEvent: incoming corrections are kept (malformed entries ignored) and new ones appended", () => {
  const carried = { correction_id: "x", field: "data.other", before: 1, after: 2, rule: "manual", flag_id: "f" };
  const out = correctEvent(event({ currency: "USD", amount: 10, amount_usd: 12 }, { corrections: [carried, "junk", { field: 1 }] }), RATES, config());
  assert.deepEqual(out.corrections.map((c) => c.correction_id === "x" ? "carried" : c.rule), ["carried", "currency"]);
});

test("correctEvent: rate_unavailable keeps the event", () => {
  const input = event({ currency: "AUD", amount: 60, amount_usd: 60 }, { timestamp: "2024-03-16T00:00:00Z" });
  const out = correctEvent(input, RATES, config());
  assert.equal(out.data, input.data);
  assert.deepEqual(out.findings.map((f) => [f.kind, f.action, f.detail]), [
    ["rate_unavailable", "none", { currency: "AUD", date: "2024-03-16", max_fallback_days: 7 }],
  ]);
});
