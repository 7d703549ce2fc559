import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { CommittedState } from "../../src/state/committed-state";
import { FileStateStore, STATE_FILE } from "../../src/state/file-state-store";

const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "state-file-"));
const state = (batch: number, detectors: unknown = { seen: [`e${batch}`] }): CommittedState => ({ batch, watermark: -8.64e15, maxEventTime: 1_700_000_000_000 + batch, detectors });

test("first start loads null; commit/load round trip; the last commit wins", async () => {
  const dir = path.join(tmpDir(), "nested", "state");
  const store = new FileStateStore(dir);
  assert.equal(await store.load(), null);
  await store.commit(state(1, { chains: { "s1": { last: 4, gaps: [2, 3] } }, unicode: "é✓", nothing: null }));
  assert.deepEqual(await store.load(), state(1, { chains: { "s1": { last: 4, gaps: [2, 3] } }, unicode: "é✓", nothing: null }));
  await store.commit(state(2));
  assert.deepEqual(await new FileStateStore(dir).load(), state(2), "a new store on the same directory reads it");
  assert.deepEqual(fs.readdirSync(dir), [STATE_FILE], "no temporary file stays behind");
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
  assert.deepEqual(fs.readdirSync(dir), [STATE_FILE]);
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
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    await new Promise((r) => setTimeout(r, 20 + round * 37));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const loaded = await new FileStateStore(dir).load();
    assert.ok(loaded !== null && loaded.batch >= 3, "a state survives");
    const detectors = loaded.detectors as { batch: number; pad: string };
    assert.equal(detectors.batch, loaded.batch, "the state is one commit, not a mix");
    assert.equal(detectors.pad.length, 2_000_000);
  }
});
