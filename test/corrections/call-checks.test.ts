import { test } from "node:test";
import assert from "node:assert/strict";
import { checkCall } from "../../src/corrections/call-checks";
import { config, deepFreeze, event } from "./fixtures";

interface Case {
  readonly name: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly kinds: string[];
}

const cases: Case[] = [
  { name: "zero duration", type: "call.completed", data: { duration_s: 0 }, kinds: ["zero_duration"] },
  { name: "negative duration", type: "call.completed", data: { duration_s: -3 }, kinds: ["zero_duration"] },
  { name: "numeric-string zero", type: "call.completed", data: { duration_s: "0" }, kinds: ["zero_duration"] },
  { name: "positive duration", type: "call.completed", data: { duration_s: 1 }, kinds: [] },
  { name: "missing duration", type: "call.completed", data: {}, kinds: [] },
  { name: "non-numeric duration", type: "call.completed", data: { duration_s: "long" }, kinds: [] },
  { name: "other type with zero duration", type: "call.started", data: { duration_s: 0 }, kinds: [] },
  { name: "default range rule: at the max", type: "call.completed", data: { duration_s: 86_400 }, kinds: [] },
  { name: "default range rule: over the max", type: "call.completed", data: { duration_s: 86_401 }, kinds: ["out_of_range"] },
];

for (const c of cases) {
  test(`checkCall: ${c.name}`, () => {
    const input = deepFreeze(event(c.data, { event_type: c.type }));
    const result = checkCall(input, config());
    assert.deepEqual(result.findings.map((f) => f.kind), c.kinds);
    for (const f of result.findings) assert.equal(f.action, "manual_review");
    assert.equal(result.data, input.data);
    assert.deepEqual(result.corrections, []);
  });
}

test("checkCall: configurable range rules (inclusive bounds)", () => {
  const cfg = config({
    range_rules: [
      { event_type: "lead.scored", path: "data.score", min: 0, max: 100 },
      { event_type: "lead.scored", path: "data.rank", min: 1 },
    ],
  });
  const run = (data: Record<string, unknown>): unknown[] =>
    checkCall(event(data, { event_type: "lead.scored" }), cfg).findings.map((f) => [f.kind, f.detail]);
  assert.deepEqual(run({ score: 0, rank: 1 }), []);
  assert.deepEqual(run({ score: 100 }), []);
  assert.deepEqual(run({ score: 100.5, rank: 0 }), [
    ["out_of_range", { path: "data.score", value: 100.5, min: 0, max: 100 }],
    ["out_of_range", { path: "data.rank", value: 0, min: 1, max: null }],
  ]);
  assert.deepEqual(run({ score: -1 }), [["out_of_range", { path: "data.score", value: -1, min: 0, max: 100 }]]);
});

test("checkCall: flag ids are deterministic per event (id and event time) and field", () => {
  const a = checkCall(event({ duration_s: 0 }, { event_type: "call.completed" }), config()).findings[0];
  const b = checkCall(event({ duration_s: -1 }, { event_type: "call.completed" }), config()).findings[0];
  const c = checkCall(event({ duration_s: 0 }, { event_type: "call.completed", event_id: "evt-2" }), config()).findings[0];
  // The same id at another event time is another kept event (an id repeated beyond the dedup horizon).
  const d = checkCall(event({ duration_s: 0 }, { event_type: "call.completed", timestamp: "2025-01-01T00:00:00Z" }), config()).findings[0];
  assert.equal(a.flag_id, b.flag_id);
  assert.notEqual(a.flag_id, c.flag_id);
  assert.notEqual(a.flag_id, d.flag_id);
});
