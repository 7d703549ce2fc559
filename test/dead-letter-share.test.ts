import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../src/config";
import { countDeadLetter, deadLetterNotice } from "../src/dead-letter-share";
import { sortedByKey } from "../src/order";

const config = parseConfig({});
const NOW = Date.parse("2027-01-30T00:00:00Z");

const cases: Array<{ name: string; byCode: Record<string, number>; lines: number; expected: RegExp | null }> = [
  { name: "none", byCode: {}, lines: 1000, expected: null },
  { name: "just below the share", byCode: { schema: 99 }, lines: 1000, expected: null },
  { name: "at the share", byCode: { schema: 100 }, lines: 1000, expected: /^100 of 1000 lines are dead letters \(schema 100\); they are in dead_letter\.jsonl$/ },
  {
    name: "all stale: the max_age_ms hint with processing time",
    byCode: { timestamp_stale: 600 },
    lines: 600,
    expected: /^600 of 600 lines are dead letters \(timestamp_stale 600\): timestamp_stale is an event time more than max_age_ms \(30 d\) before processing time 2027-01-30T00:00:00\.000Z; replaying older events\? pass --now/,
  },
  {
    name: "codes by count, then name; the future hint",
    byCode: { schema: 5, timestamp_future: 50, malformed_json: 5 },
    lines: 100,
    expected: /^60 of 100 lines are dead letters \(timestamp_future 50, malformed_json 5, schema 5\): timestamp_future is an event time more than max_future_ms \(5 min\) after processing time/,
  },
];

for (const c of cases) {
  test(`deadLetterNotice: ${c.name}`, () => {
    const notice = deadLetterNotice(c.byCode, c.lines, config, NOW);
    if (c.expected === null) assert.equal(notice, null);
    else assert.match(notice ?? "(null)", c.expected);
  });
}

test("countDeadLetter and sortedByKey: counts per code, sorted by code", () => {
  const byCode: Record<string, number> = {};
  for (const code of ["timestamp_stale", "schema", "timestamp_stale"]) countDeadLetter(byCode, code);
  assert.deepEqual(Object.entries(sortedByKey(byCode)), [["schema", 1], ["timestamp_stale", 2]]);
});
