import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connectRedis } from "../../src/state/redis-connection";
import { RedisIdSet } from "../../src/state/redis-id-set";
import { startService, type RunningService } from "./services";

const PORT = Number(process.env.REDIS_PORT ?? 6379);
const URL = `redis://127.0.0.1:${PORT}/0`;
const RUN = `test-ids-${process.pid}-${Date.now()}`;
const service: { redis: RunningService | null } = { redis: null };

before(() => {
  service.redis = startService("redis");
});
after(() => {
  service.redis?.stop();
});

test("addIfAbsent: true for a first sighting, false for a repeat, also within one call", async () => {
  const ids = new RedisIdSet(URL, `${RUN}:a`);
  const other = new RedisIdSet(URL, `${RUN}:other`);
  try {
    assert.deepEqual(await ids.addIfAbsent(["a", "b", "a"], 3600), [true, true, false]);
    assert.deepEqual(await ids.addIfAbsent(["a", "c", "b", "c"], 3600), [false, true, false, false]);
    assert.deepEqual(await ids.addIfAbsent([], 3600), []);
    assert.deepEqual(await other.addIfAbsent(["a"], 3600), [true], "prefixes are separate sets");
  } finally {
    await ids.close();
    await other.close();
  }
});

test("addIfAbsent: keys expire after ttlSeconds; a repeat does not extend the expiry", async () => {
  const ids = new RedisIdSet(URL, `${RUN}:b`);
  const redis = connectRedis(URL);
  try {
    assert.deepEqual(await ids.addIfAbsent(["long"], 500), [true]);
    const ttl = await redis.ttl(ids.key("long"));
    assert.ok(ttl > 490 && ttl <= 500, `ttl ${ttl}`);
    assert.deepEqual(await ids.addIfAbsent(["long"], 5000), [false]);
    assert.ok((await redis.ttl(ids.key("long"))) <= 500, "the older expiry stays");

    assert.deepEqual(await ids.addIfAbsent(["short"], 1), [true]);
    assert.deepEqual(await ids.addIfAbsent(["short"], 1), [false]);
    await new Promise((r) => setTimeout(r, 1_100));
    assert.deepEqual(await ids.addIfAbsent(["short"], 1), [true], "after expiry it is a first sighting again");
    await assert.rejects(ids.addIfAbsent(["x"], 0), RangeError);
    await assert.rejects(ids.addIfAbsent(["x"], 1.5), RangeError);
  } finally {
    await ids.close();
    await redis.quit();
  }
});

test("addIfAbsent: 50,000 ids across pipelines (rate logged)", async (t) => {
  const ids = new RedisIdSet(URL, `${RUN}:c`);
  try {
    const batch = Array.from({ length: 50_000 }, (_, i) => `id-${i}`);
    const t0 = process.hrtime.bigint();
    const first = await ids.addIfAbsent(batch, 600);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    t.diagnostic(`RedisIdSet.addIfAbsent: 50,000 new ids in ${ms.toFixed(0)} ms = ${Math.round(50_000 / (ms / 1000))} ids/s`);
    assert.equal(first.filter(Boolean).length, 50_000);
    const again = await ids.addIfAbsent([...batch.slice(0, 10), "fresh"], 600);
    assert.deepEqual(again, [...Array(10).fill(false), true]);
  } finally {
    await ids.close();
  }
});
