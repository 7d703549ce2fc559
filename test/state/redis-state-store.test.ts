import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { CommittedState } from "../../src/state/committed-state";
import { connectRedis } from "../../src/state/redis-connection";
import { RedisStateStore } from "../../src/state/redis-state-store";
import { startService, type RunningService } from "./services";

const PORT = Number(process.env.REDIS_PORT ?? 6379);
const URL = `redis://127.0.0.1:${PORT}/0`;
const RUN = `test-state-${process.pid}-${Date.now()}`;
const service: { redis: RunningService | null } = { redis: null };
const state = (batch: number, detectors: unknown = { ids: [`e${batch}`] }): CommittedState => ({ batch, watermark: batch * 1000, maxEventTime: batch * 1000 + 5, detectors });

before(() => {
  service.redis = startService("redis");
});
after(() => {
  service.redis?.stop();
});

test("first start loads null; commit/load round trip; the batch key follows", async () => {
  const store = new RedisStateStore(URL, `${RUN}:a`);
  try {
    assert.equal(await store.load(), null);
    await store.commit(state(1, { nested: { list: [1, 2, 3], s: "é✓" }, n: null }));
    assert.deepEqual(await store.load(), state(1, { nested: { list: [1, 2, 3], s: "é✓" }, n: null }));
    await store.commit(state(2));
    const other = new RedisStateStore(URL, `${RUN}:a`);
    assert.deepEqual(await other.load(), state(2), "another connection reads the committed state");
    await other.close();
    const redis = connectRedis(URL);
    assert.equal(await redis.get(store.batchKey), "2");
    await redis.quit();
  } finally {
    await store.close();
  }
});

test("a commit Redis refuses (OOM inside MULTI -> EXECABORT) leaves the old state", async () => {
  const store = new RedisStateStore(URL, `${RUN}:b`);
  const admin = connectRedis(URL);
  try {
    await store.commit(state(1));
    const before = (await admin.config("GET", "maxmemory")) as string[];
    await admin.config("SET", "maxmemory", "1");
    try {
      await assert.rejects(store.commit(state(2)), /OOM|EXECABORT/);
    } finally {
      await admin.config("SET", "maxmemory", before[1]);
    }
    assert.deepEqual(await store.load(), state(1));
    assert.equal(await admin.get(store.batchKey), "1", "neither key of the transaction was written");
  } finally {
    await store.close();
    await admin.quit();
  }
});

test("a commit that cannot be serialized leaves the old state", async () => {
  const store = new RedisStateStore(URL, `${RUN}:c`);
  try {
    await store.commit(state(1));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await assert.rejects(store.commit(state(2, cyclic)), TypeError);
    await assert.rejects(store.commit({ ...state(2), maxEventTime: Number.NaN }), RangeError);
    assert.deepEqual(await store.load(), state(1));
  } finally {
    await store.close();
  }
});

test("readers never see part of a commit: concurrent loads during 200 commits of ~1 MB", async () => {
  const writer = new RedisStateStore(URL, `${RUN}:d`);
  const reader = new RedisStateStore(URL, `${RUN}:d`);
  try {
    const pad = "y".repeat(1_000_000);
    await writer.commit(state(0, { batch: 0, pad }));
    const done = { value: false };
    const reads = (async () => {
      let n = 0;
      while (!done.value) {
        const got = await reader.load();
        assert.ok(got !== null);
        const d = got.detectors as { batch: number; pad: string };
        assert.equal(d.batch, got.batch);
        assert.equal(d.pad.length, pad.length);
        n++;
      }
      return n;
    })();
    for (let b = 1; b <= 200; b++) await writer.commit(state(b, { batch: b, pad }));
    done.value = true;
    const n = await reads;
    assert.ok(n > 0);
    assert.equal((await reader.load())?.batch, 200);
  } finally {
    await writer.close();
    await reader.close();
  }
});

test("an unreachable Redis rejects the commit instead of hanging", async () => {
  const store = new RedisStateStore("redis://127.0.0.1:1/0", `${RUN}:e`);
  const t0 = Date.now();
  await assert.rejects(store.commit(state(1)));
  assert.ok(Date.now() - t0 < 20_000);
  await store.close();
});

test("a stored value that is not a state is an error", async () => {
  const store = new RedisStateStore(URL, `${RUN}:f`);
  const admin = connectRedis(URL);
  try {
    await admin.set(store.stateKey, "{broken");
    await assert.rejects(store.load(), /not JSON/);
  } finally {
    await store.close();
    await admin.quit();
  }
});
