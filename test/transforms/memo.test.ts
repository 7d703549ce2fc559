import { test } from "node:test";
import assert from "node:assert/strict";
import { MEMO_LIMIT, memoized } from "../../src/memo";

test("memoized computes a key once, remembers null results, and empties itself at the limit", () => {
  const cache = new Map<number, number | null>();
  let calls = 0;
  const f = (n: number) => {
    calls++;
    return n < 0 ? null : n * n;
  };
  assert.equal(memoized(cache, 3, f), 9);
  assert.equal(memoized(cache, 3, f), 9);
  assert.equal(memoized(cache, -1, f), null);
  assert.equal(memoized(cache, -1, f), null);
  assert.equal(calls, 2);
  for (let i = 4; cache.size < MEMO_LIMIT; i++) memoized(cache, i, f);
  assert.equal(cache.size, MEMO_LIMIT);
  memoized(cache, -2, f);
  assert.equal(cache.size, 1);
});
