import { test } from "node:test";
import assert from "node:assert/strict";
import { correctionId } from "../../src/corrections/correction";
import { revalidateCurrency } from "../../src/corrections/currency";
import { stableId } from "../../src/hash";
import { config, deepFreeze, event, RATES } from "./fixtures";

interface Case {
  readonly name: string;
  readonly data: Record<string, unknown>;
  readonly timestamp?: string;
  readonly minor?: boolean;
  readonly exponents?: Record<string, number>;
  /** Expected amount_usd after the rule, and the expected flag (kind, action) if any. */
  readonly after: unknown;
  readonly flag: [string, string] | null;
  readonly detail?: Record<string, unknown>;
}

const cases: Case[] = [
  {
    name: "AUD corrected to amount / rate",
    data: { amount: 60.24, currency: "AUD", amount_usd: 60.24 },
    after: 40.16,
    flag: ["currency_mismatch", "none"],
    detail: { expected_usd: 40.16, recorded_usd: 60.24, rate: 1.5, rate_date: "2024-03-08", deviation: 0.5 },
  },
  { name: "correct amount_usd is kept", data: { amount: 60.24, currency: "AUD", amount_usd: 40.16 }, after: 40.16, flag: null },
  { name: "deviation exactly 5 % is tolerated", data: { amount: 60, currency: "AUD", amount_usd: 42 }, after: 42, flag: null },
  { name: "deviation just over 5 % is corrected", data: { amount: 60, currency: "AUD", amount_usd: 42.01 }, after: 40, flag: ["currency_mismatch", "none"] },
  { name: "lower-case currency", data: { amount: 60, currency: "aud", amount_usd: 60 }, after: 40, flag: ["currency_mismatch", "none"] },
  { name: "numeric strings stay strings", data: { amount: "60.24", currency: "AUD", amount_usd: "60.24" }, after: "40.16", flag: ["currency_mismatch", "none"] },
  { name: "JPY has 0 decimals", data: { amount: 15000, currency: "JPY", amount_usd: 150 }, after: 100, flag: ["currency_mismatch", "none"] },
  { name: "JPY: 1234.4 -> 1234 yen -> 8.23 USD", data: { amount: 1234.4, currency: "JPY", amount_usd: 7 }, after: 8.23, flag: ["currency_mismatch", "none"] },
  { name: "BHD has 3 decimals", data: { amount: 1.234, currency: "BHD", amount_usd: 1.234 }, after: 3.27, flag: ["currency_mismatch", "none"] },
  { name: "KWD has 3 decimals", data: { amount: "3.07", currency: "KWD", amount_usd: "3.07" }, after: "10.00", flag: ["currency_mismatch", "none"] },
  { name: "half up at .5 (1.06 / 0.8 = 1.325 -> 1.33)", data: { amount: 1.06, currency: "GBX", amount_usd: 2 }, after: 1.33, flag: ["currency_mismatch", "none"] },
  { name: "USD has rate 1", data: { amount: 10, currency: "USD", amount_usd: 12 }, after: 10, flag: ["currency_mismatch", "none"] },
  { name: "USD exact", data: { amount: 10, currency: "USD", amount_usd: 10 }, after: 10, flag: null },
  { name: "minor-unit mode", data: { amount: 6024, currency: "AUD", amount_usd: 6024 }, minor: true, after: 4016, flag: ["currency_mismatch", "none"] },
  { name: "minor-unit mode, JPY", data: { amount: 15000, currency: "JPY", amount_usd: 15000 }, minor: true, after: 10000, flag: ["currency_mismatch", "none"] },
  { name: "minor-unit mode, BHD", data: { amount: 1234, currency: "BHD", amount_usd: 1234 }, minor: true, after: 327, flag: ["currency_mismatch", "none"] },
  {
    name: "Sunday falls back to Friday's rate",
    data: { amount: 60.24, currency: "AUD", amount_usd: 60.24 },
    timestamp: "2024-03-10T09:00:00Z",
    after: 40.16,
    flag: ["currency_mismatch", "none"],
    detail: { expected_usd: 40.16, recorded_usd: 60.24, rate: 1.5, rate_date: "2024-03-08", deviation: 0.5 },
  },
  {
    name: "8 days back -> rate_unavailable, kept",
    data: { amount: 60.24, currency: "AUD", amount_usd: 60.24 },
    timestamp: "2024-03-16T09:00:00Z",
    after: 60.24,
    flag: ["rate_unavailable", "none"],
  },
  { name: "7 days back still has a rate", data: { amount: 60.24, currency: "AUD", amount_usd: 40.16 }, timestamp: "2024-03-15T23:59:59Z", after: 40.16, flag: null },
  // 0.015 BTC at 0.000016 BTC/USD = 937.50 USD; read at 2 decimals (0.02) it would be 1,250.
  { name: "non-ISO code: the amount is read with its own decimals (a correct crypto order)", data: { amount: 0.015, currency: "BTC", amount_usd: 937.5 }, timestamp: "2024-03-02T00:00:00Z", after: 937.5, flag: null },
  { name: "non-ISO code, its own decimals: a wrong USD value corrected", data: { amount: "0.015", currency: "BTC", amount_usd: 1250 }, timestamp: "2024-03-02T00:00:00Z", after: 937.5, flag: ["currency_mismatch", "none"] },
  { name: "non-ISO code in the table is used (at least 2 decimals)", data: { amount: 1, currency: "BTC", amount_usd: 50000 }, timestamp: "2024-03-02T00:00:00Z", after: 62500, flag: ["currency_mismatch", "none"] },
  { name: "exponent override for a non-ISO code", data: { amount: 0.000032, currency: "BTC", amount_usd: 1 }, exponents: { BTC: 8 }, timestamp: "2024-03-02T00:00:00Z", after: 2, flag: ["currency_mismatch", "none"] },
  { name: "unknown currency", data: { amount: 5, currency: "XYZ", amount_usd: 5 }, after: 5, flag: ["unknown_currency", "manual_review"] },
  { name: "missing currency", data: { amount: 5, amount_usd: 5 }, after: 5, flag: ["unknown_currency", "manual_review"] },
  { name: "known ISO code without any rate -> rate_unavailable", data: { amount: 5, currency: "CHF", amount_usd: 5 }, after: 5, flag: ["rate_unavailable", "none"] },
  { name: "missing amount_usd: nothing to check", data: { amount: 5, currency: "XYZ" }, after: undefined, flag: null },
  { name: "guard: +300 % is applied", data: { amount: 600, currency: "AUD", amount_usd: 100 }, after: 400, flag: ["currency_mismatch", "none"] },
  { name: "guard: just over +300 % is blocked", data: { amount: 600, currency: "AUD", amount_usd: 99.99 }, after: 99.99, flag: ["currency_mismatch", "manual_review"] },
  { name: "guard: -75 % is applied", data: { amount: 150, currency: "AUD", amount_usd: 400 }, after: 100, flag: ["currency_mismatch", "none"] },
  { name: "guard: just under -75 % is blocked", data: { amount: 150, currency: "AUD", amount_usd: 400.01 }, after: 400.01, flag: ["currency_mismatch", "manual_review"] },
  { name: "guard: before 0 is blocked", data: { amount: 150, currency: "AUD", amount_usd: 0 }, after: 0, flag: ["currency_mismatch", "manual_review"] },
  { name: "guard: before not a number is blocked", data: { amount: 150, currency: "AUD", amount_usd: "n/a" }, after: "n/a", flag: ["currency_mismatch", "manual_review"] },
  { name: "refund (negative amount)", data: { amount: -60, currency: "AUD", amount_usd: -60 }, after: -40, flag: ["currency_mismatch", "none"] },
];

const RATES_WITH_GBX = { ...RATES, "2024-03-08": { ...RATES["2024-03-08"], GBX: 0.8 } };

for (const c of cases) {
  test(`revalidateCurrency: ${c.name}`, () => {
    const input = deepFreeze(event(c.data, c.timestamp === undefined ? {} : { timestamp: c.timestamp }));
    const result = revalidateCurrency(input, RATES_WITH_GBX, config({ minor_units: c.minor ?? false, currency_exponents: c.exponents ?? {} }));
    assert.deepEqual(result.data.amount_usd, c.after);
    assert.deepEqual(result.findings.map((f) => [f.kind, f.action]), c.flag === null ? [] : [c.flag]);
    if (c.detail !== undefined) assert.deepEqual(result.findings[0].detail, c.detail);
    const applied = c.flag !== null && c.flag[0] === "currency_mismatch" && c.flag[1] === "none";
    assert.equal(result.corrections.length, applied ? 1 : 0);
    if (!applied) assert.equal(result.data, input.data, "unchanged data is the input object");
  });
}

test("revalidateCurrency: correction record and deterministic ids", () => {
  const result = revalidateCurrency(event({ amount: 60.24, currency: "AUD", amount_usd: 60.24 }), RATES, config());
  const flag = result.findings[0];
  assert.equal(flag.flag_id, stableId(["currency_mismatch", "evt-1", "currency", "data.amount_usd", Date.parse("2024-03-08T12:00:00Z")]));
  assert.equal(flag.event_time, "2024-03-08T12:00:00.000Z");
  assert.equal(flag.source, "web");
  assert.equal(flag.event_type, "order.paid");
  assert.deepEqual(result.corrections, [
    {
      correction_id: correctionId("evt-1", "currency", "data.amount_usd"),
      field: "data.amount_usd",
      before: 60.24,
      after: 40.16,
      rule: "currency",
      flag_id: flag.flag_id,
    },
  ]);
});

test("revalidateCurrency: replay of a corrected event changes nothing", () => {
  const first = revalidateCurrency(event({ amount: 60.24, currency: "AUD", amount_usd: 60.24 }), RATES, config());
  // Even with other rates (a re-run after rates were revised), the carried correction is not redone.
  const revised = { "2024-03-08": { AUD: 1.2 } };
  const again = revalidateCurrency(event(first.data, { corrections: first.corrections }), revised, config());
  assert.deepEqual(again.findings, []);
  assert.deepEqual(again.corrections, first.corrections);
  assert.equal(again.data, first.data);
});

test("revalidateCurrency: configurable paths, tolerance and fallback", () => {
  const cfg = config({ amount_path: "data.order.total", currency_path: "data.order.ccy", amount_usd_path: "data.order.usd", tolerance: 0.6, max_fallback_days: 1 });
  const data = { order: { total: 60.24, ccy: "AUD", usd: 60.24 } };
  assert.deepEqual(revalidateCurrency(event(data), RATES, cfg).findings, []); // 50 % < 60 %
  const sunday = revalidateCurrency(event(data, { timestamp: "2024-03-10T00:00:00Z" }), RATES, cfg);
  assert.equal(sunday.findings[0].kind, "rate_unavailable"); // 2 days back > 1
});

test("revalidateCurrency: __proto__ keys are kept as data and never reach a prototype", () => {
  const data = JSON.parse('{"__proto__": {"polluted": true}, "amount": 60.24, "currency": "AUD", "amount_usd": 60.24}') as Record<string, unknown>;
  const result = revalidateCurrency(event(data), RATES, config());
  assert.equal(result.data.amount_usd, 40.16);
  assert.deepEqual(Object.getOwnPropertyDescriptor(result.data, "__proto__")?.value, { polluted: true });
  assert.equal(Object.getPrototypeOf(result.data), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
