import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { CommittedState } from "../../src/state/committed-state";
import { FileStateStore, LOG_FILE, MIN_COMPACT_BYTES, STATE_FILE } from "../../src/state/file-state-store";

const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "state-file-"));
const state = (batch: number, detectors: unknown = { seen: [`e${batch}`] }, tables: Map<string, Map<string, string>> = new Map()): CommittedState => ({ batch, watermark: -8.64e15, maxEventTime: 1_700_000_000_000 + batch, detectors, tables });
const table = (entries: Record<string, unknown>): Map<string, string> => new Map(Object.entries(entries).map(([k, v]) => [k, JSON.stringify(v)]));

test("first start loads null; commit/load round trip; the last commit wins", async () => {
  const dir = path.join(tmpDir(), "nested", "state");
  const store = new FileStateStore(dir);
  assert.equal(await store.load(), null);
  await store.commit(state(1, { chains: { "s1": { last: 4, gaps: [2, 3] } }, unicode: "é✓", nothing: null }));
  assert.deepEqual(await store.load(), state(1, { chains: { "s1": { last: 4, gaps: [2, 3] } }, unicode: "é✓", nothing: null }));
  await store.commit(state(2));
  assert.deepEqual(await new FileStateStore(dir).load(), state(2), "a new store on the same directory reads it");
  assert.deepEqual(fs.readdirSync(dir).sort(), [STATE_FILE, LOG_FILE].sort(), "no temporary file stays behind");
  await store.close();
});

test("a crash mid-write (a leftover tmp file) leaves the old state readable; the next commit cleans up", async () => {
  const dir = tmpDir();
  const store = new FileStateStore(dir);
  await store.commit(state(7));
  const leftover = path.join(dir, `${STATE_FILE}.tmp-deadbeef0000`);
  fs.writeFileSync(leftover, '{"format":"event-recovery-state/1","batch":8,"watermark":0,"maxEv');
  assert.deepEqual(await store.load(), state(7));
  await store.commit(state(8));
  assert.deepEqual(await store.load(), state(8));
  assert.equal(fs.existsSync(leftover), false);
});

test("a rejected commit (not serializable) leaves the old state", async () => {
  const dir = tmpDir();
  const store = new FileStateStore(dir);
  await store.commit(state(1));
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await assert.rejects(store.commit(state(2, cyclic)), TypeError);
  await assert.rejects(store.commit({ ...state(2), watermark: Number.POSITIVE_INFINITY }), RangeError);
  await assert.rejects(store.commit({ ...state(2), detectors: undefined }), RangeError);
  await assert.rejects(store.commit({ ...state(2), batch: 1.5 }), RangeError);
  assert.deepEqual(await store.load(), state(1));
  assert.deepEqual(fs.readdirSync(dir).sort(), [STATE_FILE, LOG_FILE].sort());
});

test("a corrupt or foreign state file is an error, never a silent fresh start", async () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, STATE_FILE), '{"batch":1');
  await assert.rejects(new FileStateStore(dir).load(), /not JSON/);
  fs.writeFileSync(path.join(dir, STATE_FILE), '{"batch":1,"watermark":0,"maxEventTime":0,"detectors":{}}');
  await assert.rejects(new FileStateStore(dir).load(), /format/);
});

test("a process killed (SIGKILL) while committing in a loop leaves a complete state", async () => {
  const dir = tmpDir();
  const modulePath = path.resolve(__dirname, "../../src/state/file-state-store.js");
  // Each commit is ~2 MB so a kill often lands inside a write.
  const script = `
    const { FileStateStore } = require(${JSON.stringify(modulePath)});
    const store = new FileStateStore(${JSON.stringify(dir)});
    const pad = "x".repeat(2_000_000);
    (async () => {
      for (let batch = 1; ; batch++) {
        await store.commit({ batch, watermark: batch, maxEventTime: batch, detectors: { batch, pad } });
        if (batch === 3) process.stdout.write("committing\\n");
      }
    })();`;
  await killWhileCommitting(script, dir, (loaded) => {
    const detectors = loaded.detectors as { batch: number; pad: string };
    assert.equal(detectors.batch, loaded.batch, "the state is one commit, not a mix");
    assert.equal(detectors.pad.length, 2_000_000);
  });
});

test("commits with table changes append to the log; load applies them in order; a new store object starts with a snapshot", async () => {
  const dir = tmpDir();
  const store = new FileStateStore(dir);
  const t1 = new Map([["chains", table({ a: { n: 1 }, b: { n: 2 } })]]);
  await store.commit(state(1, { small: 1 }, t1), new Map([["chains", new Map([["a", '{"n":1}'], ["b", '{"n":2}']])]]));
  assert.equal(fs.statSync(path.join(dir, LOG_FILE)).size, 0, "the first commit of a store object is a snapshot");
  const t2 = new Map([["chains", table({ a: { n: 10 }, c: { n: 3 } })]]);
  await store.commit(state(2, { small: 2 }, t2), new Map([["chains", new Map([["a", '{"n":10}'], ["b", null], ["c", '{"n":3}']])]]));
  const t3 = new Map([["chains", table({ a: { n: 10 }, c: { n: 3 } })], ["keys", table({ k: [1, "x"] })]]);
  await store.commit(state(3, { small: 3 }, t3), new Map([["keys", new Map([["k", '[1,"x"]']])]]));
  assert.equal(fs.readFileSync(path.join(dir, LOG_FILE), "utf8").split("\n").length, 3, "two lines (and the final line feed)");
  const snapshotBefore = fs.readFileSync(path.join(dir, STATE_FILE), "utf8");
  assert.doesNotMatch(snapshotBefore, /"c"/, "the snapshot was not rewritten");
  assert.deepEqual(await new FileStateStore(dir).load(), state(3, { small: 3 }, t3));

  const again = new FileStateStore(dir);
  const t4 = new Map([["chains", table({ c: { n: 4 } })], ["keys", table({ k: [1, "x"] })]]);
  await again.commit(state(4, { small: 4 }, t4), new Map([["chains", new Map([["a", null], ["c", '{"n":4}']])]]));
  assert.equal(fs.statSync(path.join(dir, LOG_FILE)).size, 0, "a new object's first commit folds the log into a snapshot");
  assert.deepEqual(await new FileStateStore(dir).load(), state(4, { small: 4 }, t4));
});

test("a log line cut short (no line feed) is not a commit; a broken complete line is an error; lines of an older snapshot are skipped", async () => {
  const dir = tmpDir();
  const store = new FileStateStore(dir);
  const t = (n: number) => new Map([["chains", table({ a: n })]]);
  const change = (n: number) => new Map([["chains", new Map([["a", String(n)]])]]);
  await store.commit(state(1, {}, t(1)));
  await store.commit(state(2, {}, t(2)), change(2));
  const log = path.join(dir, LOG_FILE);
  const complete = fs.readFileSync(log, "utf8");
  fs.appendFileSync(log, complete.slice(0, 40).replace('"batch":2', '"batch":3'));
  assert.deepEqual(await store.load(), state(2, {}, t(2)), "the cut line is ignored");
  fs.writeFileSync(log, complete + "{not json}\n");
  await assert.rejects(new FileStateStore(dir).load(), /not JSON/);
  // A crash between a new snapshot's rename and the log's emptying: the old lines stay, skipped.
  await new FileStateStore(dir).commit(state(5, {}, t(5)));
  fs.writeFileSync(log, complete);
  assert.deepEqual(await new FileStateStore(dir).load(), state(5, {}, t(5)));
});

test("once the log outgrows the snapshot (and MIN_COMPACT_BYTES), the next commit writes a snapshot", async () => {
  const dir = tmpDir();
  const store = new FileStateStore(dir);
  await store.commit(state(1, { pad: "" }));
  const big = "z".repeat(MIN_COMPACT_BYTES / 2);
  for (let b = 2; b <= 3; b++) await store.commit(state(b, { pad: big }), new Map());
  assert.ok(fs.statSync(path.join(dir, LOG_FILE)).size > MIN_COMPACT_BYTES, "two lines of half the bound each, and their headers");
  await store.commit(state(5, { pad: "" }), new Map());
  assert.equal(fs.statSync(path.join(dir, LOG_FILE)).size, 0, "folded into the snapshot");
  assert.deepEqual(await new FileStateStore(dir).load(), state(5, { pad: "" }));
});

test("a legacy state file (format 1, no tables) loads with empty tables", async () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify({ format: "event-recovery-state/1", batch: 3, watermark: 1, maxEventTime: 2, detectors: { old: true } }));
  assert.deepEqual(await new FileStateStore(dir).load(), { batch: 3, watermark: 1, maxEventTime: 2, detectors: { old: true }, tables: new Map() });
});

test("a process killed (SIGKILL) while appending table changes leaves a complete state", async () => {
  const dir = tmpDir();
  const modulePath = path.resolve(__dirname, "../../src/state/file-state-store.js");
  // Each commit sets entry k<batch> and "last" to the batch, and deletes k<batch - 2>; ~1 MB a line.
  const script = `
    const { FileStateStore } = require(${JSON.stringify(modulePath)});
    const store = new FileStateStore(${JSON.stringify(dir)});
    const pad = JSON.stringify("x".repeat(1_000_000));
    const entries = new Map();
    (async () => {
      for (let batch = 1; ; batch++) {
        const changes = new Map([["k" + batch, pad], ["last", String(batch)], ["k" + (batch - 2), null]]);
        for (const [k, v] of changes) v === null ? entries.delete(k) : entries.set(k, v);
        await store.commit({ batch, watermark: batch, maxEventTime: batch, detectors: { batch }, tables: new Map([["t", entries]]) }, new Map([["t", changes]]));
        if (batch === 3) process.stdout.write("committing\\n");
      }
    })();`;
  await killWhileCommitting(script, dir, (loaded) => {
    assert.equal((loaded.detectors as { batch: number }).batch, loaded.batch, "the detectors are of one commit");
    const t = loaded.tables?.get("t");
    assert.ok(t !== undefined);
    assert.equal(t.get("last"), String(loaded.batch), "the tables are of the same commit");
    assert.deepEqual([...t.keys()].filter((k) => k !== "last").sort(), [`k${loaded.batch - 1}`, `k${loaded.batch}`].sort());
  });
});

/**
 * Three rounds: runs `script` (a process committing in a loop that prints a line after its third
 * commit), kills it with SIGKILL a little later each round, and checks what a new store loads.
 */
async function killWhileCommitting(script: string, dir: string, check: (loaded: CommittedState) => void): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    await new Promise((r) => setTimeout(r, 20 + round * 37));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const loaded = await new FileStateStore(dir).load();
    assert.ok(loaded !== null && loaded.batch >= 3, "a state survives");
    check(loaded);
  }
}
