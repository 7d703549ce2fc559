import { test } from "node:test";
import assert from "node:assert/strict";
import { addDays, datesWithFallback, lookupRate, tableHasCurrency, utcDate, utcDateOf } from "../../src/corrections/rate-table";
import { RATES } from "./fixtures";

test("lookupRate: same day, weekend falls back to Friday, limits, USD", () => {
  const cases: Array<[string, string, number, { rate: number; date: string } | null]> = [
    ["2024-03-08", "EUR", 7, { rate: 0.92, date: "2024-03-08" }],
    ["2024-03-09", "EUR", 7, { rate: 0.92, date: "2024-03-08" }], // Saturday -> Friday
    ["2024-03-10", "EUR", 7, { rate: 0.92, date: "2024-03-08" }], // Sunday -> Friday
    ["2024-03-15", "EUR", 7, { rate: 0.92, date: "2024-03-08" }], // 7 days back: still in reach
    ["2024-03-16", "EUR", 7, null], // 8 days back -> unavailable
    ["2024-03-16", "EUR", 8, { rate: 0.92, date: "2024-03-08" }],
    ["2024-03-07", "BTC", 7, { rate: 0.000016, date: "2024-03-01" }],
    ["2024-03-09", "EUR", 0, null],
    ["2024-02-29", "EUR", 7, null], // nothing earlier
    ["2024-03-08", "USD", 0, { rate: 1, date: "2024-03-08" }],
    ["2024-03-08", "XYZ", 7, null],
    ["2024-03-08", "__proto__", 7, null],
    ["bad", "EUR", 7, null],
  ];
  for (const [date, code, days, expected] of cases) assert.deepEqual(lookupRate(RATES, date, code, days), expected, `${date} ${code} ${days}`);
});

test("lookupRate ignores non-positive and non-finite rates", () => {
  const table = { "2024-03-08": { EUR: 0 }, "2024-03-07": { EUR: 0.9 } };
  assert.deepEqual(lookupRate(table, "2024-03-08", "EUR", 7), { rate: 0.9, date: "2024-03-07" });
});

test("dates", () => {
  assert.equal(utcDate("2024-03-10T23:30:00-05:00"), "2024-03-11");
  assert.equal(utcDate("2024-03-10T00:30:00+01:00"), "2024-03-09");
  assert.equal(utcDate("nope"), null);
  assert.equal(utcDateOf(Date.parse("2024-03-10T23:59:59.999Z")), "2024-03-10");
  assert.equal(utcDateOf(Date.parse("2024-03-11T00:00:00Z")), "2024-03-11");
  assert.equal(utcDateOf(-1), "1969-12-31");
  assert.equal(addDays("2024-03-01", -1), "2024-02-29");
  assert.equal(addDays("2024-13-45", 0), null);
  assert.deepEqual(datesWithFallback(["2024-03-10", "2024-03-09"], 2), ["2024-03-07", "2024-03-08", "2024-03-09", "2024-03-10"]);
  assert.equal(datesWithFallback(["2024-03-10"]).length, 8);
  assert.equal(tableHasCurrency(RATES, "BTC"), true);
  assert.equal(tableHasCurrency(RATES, "XYZ"), false);
});
