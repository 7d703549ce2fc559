import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_MAX_CHANGE, DEFAULT_MIN_CHANGE, guardAllows } from "../../src/corrections/guard";

const bounds = { min_change: DEFAULT_MIN_CHANGE, max_change: DEFAULT_MAX_CHANGE };

test("guard at, just inside and just outside both bounds (before 100.00)", () => {
  const cases: Array<[string, bigint | null, bigint, boolean]> = [
    ["at -75 %", 10000n, 2500n, true],
    ["just inside -75 %", 10000n, 2501n, true],
    ["just outside -75 %", 10000n, 2499n, false],
    ["at +300 %", 10000n, 40000n, true],
    ["just inside +300 %", 10000n, 39999n, true],
    ["just outside +300 %", 10000n, 40001n, false],
    ["no change", 10000n, 10000n, true],
    ["before 0", 0n, 100n, false],
    ["before not a number", null, 100n, false],
    ["negative before, +300 %", -100n, 200n, true],
    ["negative before, beyond +300 %", -100n, 201n, false],
    ["to zero is -100 %", 100n, 0n, false],
  ];
  for (const [name, before, after, allowed] of cases) assert.equal(guardAllows(before, after, bounds), allowed, name);
});

test("guard bounds are configurable and inclusive", () => {
  const tight = { min_change: -0.1, max_change: 0.1 };
  assert.equal(guardAllows(1000n, 1100n, tight), true);
  assert.equal(guardAllows(1000n, 1101n, tight), false);
  assert.equal(guardAllows(1000n, 900n, tight), true);
  assert.equal(guardAllows(1000n, 899n, tight), false);
});
