import { test } from "node:test";
import assert from "node:assert/strict";
import { heapLimitSet, heapPlan, runInputOf } from "../../src/cli/heap-limit";

const GIB = 2 ** 30;
const MIB = 2 ** 20;

const plans: Array<[string, number, number, number, { flag: string | null; warning: boolean }]> = [
  ["1M events (270 MiB): the default suffices", 270 * MIB, 24 * GIB, 4345, { flag: null, warning: false }],
  ["4M events (1,080 MiB): 3,780 + 512 MB, within the default", 1080 * MIB, 24 * GIB, 4345, { flag: null, warning: false }],
  ["6M events (1,620 MiB): raised to 5,670 + 512 MB", 1620 * MIB, 24 * GIB, 4345, { flag: "--max-old-space-size=6182", warning: false }],
  ["at the ceiling exactly: raised, no warning", (18432 - 512) / 3.5 * MIB, 24 * GIB, 4345, { flag: "--max-old-space-size=18432", warning: false }],
  ["past 75 % of memory: capped there, and a warning", 8 * GIB, 24 * GIB, 4345, { flag: "--max-old-space-size=18432", warning: true }],
  ["a small machine whose ceiling is below the default: never lowered", 2 * GIB, 4 * GIB, 4096, { flag: null, warning: true }],
];

for (const [name, bytes, total, defaultMb, expected] of plans) {
  test(`heapPlan: ${name}`, () => {
    const plan = heapPlan(bytes, total, defaultMb);
    assert.equal(plan.flag, expected.flag);
    assert.equal(plan.warning !== null, expected.warning, String(plan.warning));
    if (plan.warning !== null) assert.match(plan.warning, /recover stream --input FILE/);
  });
}

test("runInputOf: only recover run, both spellings of --input", () => {
  assert.equal(runInputOf(["run", "--input", "a.jsonl", "--out", "o"]), "a.jsonl");
  assert.equal(runInputOf(["run", "--out", "o", "--input=b.jsonl"]), "b.jsonl");
  assert.equal(runInputOf(["run", "--input", "-"]), "-");
  assert.equal(runInputOf(["run", "--input"]), null);
  assert.equal(runInputOf(["stream", "--input", "a.jsonl"]), null);
  assert.equal(runInputOf(["generate", "--out", "a.jsonl"]), null);
});

test("heapLimitSet: a limit in exec args or NODE_OPTIONS is the user's", () => {
  assert.equal(heapLimitSet([], undefined), false);
  assert.equal(heapLimitSet(["--max-semi-space-size=64"], "--enable-source-maps"), false);
  assert.equal(heapLimitSet(["--max-old-space-size=8000"], undefined), true);
  assert.equal(heapLimitSet([], "--enable-source-maps --max_old_space_size=8000"), true);
});
