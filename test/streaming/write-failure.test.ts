/**
 * A batch whose JSON-lines write fails (a full disk) is rolled back and retried in place: the
 * retry must write each of its lines once. Before the fix the writer kept the failed attempt's
 * buffered lines (its entry stayed open when the flush threw, in the pipeline's close and again
 * in its `finally`), and the retry wrote them again before its own: on a 2 MiB tmpfs filled up
 * and freed after the first failure, 201 of 2,985 events were in events.jsonl twice and the
 * stream exited 3 (conservation) only at its end.
 */
import { mock, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import fsModule from "fs";
import * as os from "os";
import * as path from "path";
import { runStream } from "../../src/streaming/stream-loop";
import { ScriptedSource, STREAM_TEST_NOW as NOW, streamOptions } from "../support/stream";

const lines = Array.from({ length: 20 }, (_, i) =>
  JSON.stringify({ event_id: `e${i}`, source: "s1", sequence: i + 1, timestamp: new Date(NOW - 3_600_000 + i * 1000).toISOString(), event_type: "card.scanned", data: { i } }),
);

test("a disk full during a batch's output write: the retried batch writes each event once", { timeout: 60_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "write-failure-"));
  // The disk is full for the first two writes to events.jsonl (its close in the pipeline, then its
  // close in the pipeline's `finally`) and has room again by the retry, 5 ms later.
  let failures = 0;
  // The module object itself (the writer reads its `writeSync` through the import binding).
  const real = fsModule.writeSync;
  const write = mock.method(fsModule, "writeSync", function (this: unknown, ...args: unknown[]) {
    const events = path.join(out, "events.jsonl");
    const fd = args[0];
    if (failures < 2 && typeof fd === "number" && fs.existsSync(events) && fs.fstatSync(fd).ino === fs.statSync(events).ino) {
      failures += 1;
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
    }
    return (real as (...a: unknown[]) => number).apply(fsModule, args);
  });
  try {
    const source = new ScriptedSource(lines);
    const s = await runStream(streamOptions(source, out, { batchMaxWaitMs: 5, untilIdleMs: 150, batchRetries: 8, batchRetryBackoffMs: 5 }));
    assert.equal(failures, 2, "the scripted failures happened");
    const ids = fs
      .readFileSync(path.join(out, "events.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => (JSON.parse(l) as { event_id: string }).event_id);
    assert.equal(ids.length, new Set(ids).size, `no event twice in events.jsonl (${ids.length} lines)`);
    assert.deepEqual([...ids].sort(), lines.map((_, i) => `e${i}`).sort());
    assert.equal(s.events, lines.length);
    assert.equal(s.conservation.holds, true, s.conservation.equation);
  } finally {
    write.mock.restore();
    fs.rmSync(out, { recursive: true, force: true });
  }
});
