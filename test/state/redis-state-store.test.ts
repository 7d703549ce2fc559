import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { CommittedState } from "../../src/state/committed-state";
import { connectRedis } from "../../src/state/redis-connection";
import { RedisStateStore } from "../../src/state/redis-state-store";
import { StateContinuityError } from "../../src/state/state-store";
import { startService, type RunningService } from "./services";

const PORT = Number(process.env.REDIS_PORT ?? 6379);
const URL = `redis://127.0.0.1:${PORT}/0`;
const RUN = `test-state-${process.pid}-${Date.now()}`;
const service: { redis: RunningService | null } = { redis: null };
const state = (batch: number, detectors: unknown = { ids: [`e${batch}`] }, tables: Map<string, Map<string, string>> = new Map()): CommittedState => ({ batch, watermark: batch * 1000, maxEventTime: batch * 1000 + 5, detectors, tables });

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

test("tables: a commit with changes sets and deletes only those fields; one without replaces the hashes; all in one transaction", async () => {
  const store = new RedisStateStore(URL, `${RUN}:g`);
  const admin = connectRedis(URL);
  try {
    const t1 = new Map([["chains", new Map([["a", '{"n":1}'], ["b", '{"n":2}']])]]);
    await store.commit(state(1, { s: 1 }, t1));
    assert.deepEqual(await store.load(), state(1, { s: 1 }, t1));
    const t2 = new Map([["chains", new Map([["a", '{"n":10}'], ["c", "[3]"]])], ["keys", new Map([["k", "null"]])]]);
    await store.commit(state(2, { s: 2 }, t2), new Map([["chains", new Map([["a", '{"n":10}'], ["b", null], ["c", "[3]"]])], ["keys", new Map([["k", "null"]])]]));
    const other = new RedisStateStore(URL, `${RUN}:g`);
    assert.deepEqual(await other.load(), state(2, { s: 2 }, t2));
    await other.close();
    assert.deepEqual(await admin.hgetall(store.tableKey("chains")), { a: '{"n":10}', c: "[3]" });
    // Refused (OOM): neither the state nor a table field changes.
    const before = (await admin.config("GET", "maxmemory")) as string[];
    await admin.config("SET", "maxmemory", "1");
    try {
      await assert.rejects(store.commit(state(3, { s: 3 }, t2), new Map([["chains", new Map([["a", null]])]])), /OOM|EXECABORT/);
    } finally {
      await admin.config("SET", "maxmemory", before[1]);
    }
    assert.deepEqual(await store.load(), state(2, { s: 2 }, t2));
    // Whole: fields the tables no longer hold are gone.
    const t4 = new Map([["chains", new Map([["z", "1"]])], ["keys", new Map<string, string>()]]);
    await store.commit(state(4, { s: 4 }, t4));
    assert.deepEqual(await store.load(), state(4, { s: 4 }, t4));
  } finally {
    await store.close();
    await admin.quit();
  }
});

test("a state written before tables (format 1) loads with empty tables", async () => {
  const store = new RedisStateStore(URL, `${RUN}:h`);
  const admin = connectRedis(URL);
  try {
    await admin.set(store.stateKey, JSON.stringify({ format: "event-recovery-state/1", batch: 7, watermark: 1, maxEventTime: 2, detectors: { old: true } }));
    assert.deepEqual(await store.load(), { batch: 7, watermark: 1, maxEventTime: 2, detectors: { old: true }, tables: new Map() });
  } finally {
    await store.close();
    await admin.quit();
  }
});

test("a commit refuses a Redis that no longer holds this store's last commit, or holds another writer's, and writes nothing", async () => {
  const admin = connectRedis(URL);
  const store = new RedisStateStore(URL, `${RUN}:continuity`);
  const twin = new RedisStateStore(URL, `${RUN}:continuity`);
  try {
    assert.equal(await store.load(), null);
    await store.commit(state(1));
    await store.commit(state(2), new Map([["t", new Map([["k", "1"]])]]));

    // Flushed (or restarted without persistence): the next commit of changes alone would leave a half state.
    await admin.del(store.stateKey, store.batchKey, store.writerKey, store.tableKey("t"));
    await assert.rejects(store.commit(state(3), new Map()), (err: Error) => err instanceof StateContinuityError && /batch 2 expected, none found/.test(err.message));
    assert.equal(await admin.get(store.stateKey), null, "nothing written");

    // Another process on the same prefix: each refuses once the other has committed.
    assert.equal(await store.load(), null);
    assert.equal(await twin.load(), null);
    await store.commit(state(1));
    await assert.rejects(twin.commit(state(1)), (err: Error) => err instanceof StateContinuityError && /none expected, 1 found/.test(err.message));
    assert.equal(await admin.get(store.writerKey), store.writerId, "the first writer's commit stands");

    // This store's own commit whose reply was lost (Redis has it, the store does not know): retried, it goes through.
    await admin.set(store.batchKey, "2");
    await store.commit(state(2));
    assert.deepEqual(await store.load(), state(2));
    // ... but not when that batch was another writer's.
    await admin.set(store.batchKey, "3");
    await admin.set(store.writerKey, twin.writerId);
    await assert.rejects(store.commit(state(3)), StateContinuityError);
  } finally {
    await store.close();
    await twin.close();
    await admin.quit();
  }
});
