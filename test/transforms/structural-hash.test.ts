import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalJson } from "../../src/json-path";
import { structuralHash } from "../../src/structural-hash";
import { judgeNearDuplicate, newNearDuplicateState } from "../../src/transforms/discard-near-duplicates";
import { ev, sec } from "../support/events";

const same: Array<[string, unknown, unknown]> = [
  ["key order", { a: 1, b: 2 }, { b: 2, a: 1 }],
  ["nested key order", { o: { x: [1, { p: "q", r: null }] }, z: true }, { z: true, o: { x: [1, { r: null, p: "q" }] } }],
  ["-0 and 0 (JSON writes both as 0)", { n: -0 }, { n: 0 }],
  ["1 and 1.0 parse alike", JSON.parse('{"n":1.0}'), JSON.parse('{"n":1}')],
  ["__proto__ as an own key", JSON.parse('{"__proto__":{"x":1},"a":2}'), JSON.parse('{"a":2,"__proto__":{"x":1}}')],
];

const different: Array<[string, unknown, unknown]> = [
  ["number and numeric string", { n: 1 }, { n: "1" }],
  ["values swapped between keys", { a: 1, b: 2 }, { a: 2, b: 1 }],
  ["array order", [1, 2], [2, 1]],
  ["nesting moved", [[1], 2], [1, [2]]],
  ["string split across elements", ["ab", "c"], ["a", "bc"]],
  ["null and absent", { a: null }, {}],
  ["true and 1", { a: true }, { a: 1 }],
  ["empty object and empty array", {}, []],
  ["neighbouring doubles", { amount: 0.1 + 0.2 }, { amount: 0.3 }],
];

for (const [name, a, b] of same) {
  test(`structuralHash equal: ${name}`, () => {
    assert.equal(canonicalJson(a), canonicalJson(b), "the case is canonically equal");
    assert.equal(structuralHash(a), structuralHash(b));
  });
}

for (const [name, a, b] of different) {
  test(`structuralHash differs: ${name}`, () => {
    assert.notEqual(canonicalJson(a), canonicalJson(b), "the case is canonically different");
    assert.notEqual(structuralHash(a), structuralHash(b));
  });
}

test("structuralHash is an int32 (a small integer, no allocation to keep it)", () => {
  for (const v of [null, 0, "x", { a: [1, 2, { b: "c" }] }, [Number.MAX_VALUE]]) {
    const h = structuralHash(v);
    assert.equal(h, h | 0);
  }
});

/** Two different payloads `{code: ...}` with the same 32-bit hash (a birthday search). */
function collidingPayloads(): [Record<string, string>, Record<string, string>] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const code = `C-${i}`;
    const h = structuralHash({ code });
    const prior = seen.get(h);
    if (prior !== undefined) return [{ code: prior }, { code }];
    seen.set(h, code);
  }
}

test("near-duplicates: different data with colliding hashes are not near-duplicates (confirmed on canonical JSON)", () => {
  const [a, b] = collidingPayloads();
  assert.equal(structuralHash(a), structuralHash(b));
  assert.notEqual(canonicalJson(a), canonicalJson(b));
  const state = newNearDuplicateState();
  assert.equal(judgeNearDuplicate(state, ev({ id: "a", t: sec(0), data: a }), 1000, "data"), null);
  assert.equal(judgeNearDuplicate(state, ev({ id: "b", t: sec(0) + 500, data: b }), 1000, "data"), null, "kept: the data differ");
  const copy = judgeNearDuplicate(state, ev({ id: "c", t: sec(0) + 600, data: { ...b } }), 1000, "data");
  assert.equal(copy?.kind, "near_duplicate");
  assert.equal(copy?.detail["duplicate_of"], "b");
});
