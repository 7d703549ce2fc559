import { test } from "node:test";
import assert from "node:assert/strict";
import { RedisStateStore } from "../../src/state/redis-state-store";

test("RedisStateStore on a Redis that is not there: load and commit fail naming the server and the connection error", { timeout: 60_000 }, async () => {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  const store = new RedisStateStore("redis://:secret@127.0.0.1:1/3", "test:unreachable");
  try {
    await assert.rejects(store.load(), (err: Error) => /^Redis at 127\.0\.0\.1:1\/3: .*last connection error: connect ECONNREFUSED 127\.0\.0\.1:1/.test(err.message) && !err.message.includes("secret"));
    await assert.rejects(store.commit({ batch: 1, watermark: 0, maxEventTime: 0, detectors: {} }), /Redis at 127\.0\.0\.1:1\/3: .*ECONNREFUSED/);
  } finally {
    await store.close();
  }
});
