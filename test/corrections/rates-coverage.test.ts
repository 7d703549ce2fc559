import { test } from "node:test";
import assert from "node:assert/strict";
import { ratesCoverage, type RatesCoverage } from "../../src/corrections/rates-coverage";
import type { RateTable } from "../../src/corrections/rate-table";

const cases: Array<[string, RateTable | null, RatesCoverage]> = [
  ["no rates: off", null, { on: false, rate_dates: 0, first_date: null, last_date: null }],
  ["an empty table: on, covering nothing", {}, { on: true, rate_dates: 0, first_date: null, last_date: null }],
  ["dates without any rate do not count", { "2026-11-01": {}, "2026-11-02": { EUR: 0.92 } }, { on: true, rate_dates: 1, first_date: "2026-11-02", last_date: "2026-11-02" }],
  [
    "first and last by date, whatever the key order",
    { "2026-11-09": { EUR: 0.9 }, "2026-10-31": { JPY: 150 }, "2026-11-03": { GBP: 0.8 } },
    { on: true, rate_dates: 3, first_date: "2026-10-31", last_date: "2026-11-09" },
  ],
];

for (const [name, table, expected] of cases) {
  test(`ratesCoverage: ${name}`, () => assert.deepEqual(ratesCoverage(table), expected));
}
