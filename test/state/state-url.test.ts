import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FileStateStore } from "../../src/state/file-state-store";
import { openStateStore } from "../../src/state/open-state-store";
import { RedisStateStore } from "../../src/state/redis-state-store";
import { parseStateUrl } from "../../src/state/state-url";

test("parseStateUrl: redis URLs, file: forms and plain directories", () => {
  assert.deepEqual(parseStateUrl("redis://127.0.0.1:6379/0"), { kind: "redis", url: "redis://127.0.0.1:6379/0" });
  assert.deepEqual(parseStateUrl("redis://:secret@localhost:6380"), { kind: "redis", url: "redis://:secret@localhost:6380" });
  assert.deepEqual(parseStateUrl("rediss://cache.internal:6380/2"), { kind: "redis", url: "rediss://cache.internal:6380/2" });
  assert.deepEqual(parseStateUrl("file:.state"), { kind: "file", dir: ".state" });
  assert.deepEqual(parseStateUrl("file:/var/lib/recover"), { kind: "file", dir: "/var/lib/recover" });
  assert.deepEqual(parseStateUrl("file:///var/lib/recover"), { kind: "file", dir: "/var/lib/recover" });
  assert.deepEqual(parseStateUrl("out/state"), { kind: "file", dir: "out/state" });
  assert.deepEqual(parseStateUrl(" /abs/dir "), { kind: "file", dir: "/abs/dir" });
});

test("parseStateUrl: rejects what it cannot store to", () => {
  assert.throws(() => parseStateUrl(""), RangeError);
  assert.throws(() => parseStateUrl("file:"), RangeError);
  assert.throws(() => parseStateUrl("s3://bucket/state"), /unsupported scheme s3/);
  assert.throws(() => parseStateUrl("redis://127.0.0.1:6379/x"), /db must be a number/);
});

test("openStateStore picks the store by location", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "state-open-"));
  const file = openStateStore(`file:${dir}`, "p");
  assert.ok(file instanceof FileStateStore);
  await file.close();
  const redis = openStateStore("redis://127.0.0.1:1/0", "p");
  assert.ok(redis instanceof RedisStateStore);
  await redis.close().catch(() => undefined);
});
