/**
 * Without `--now`, a batch processed again (retried in place, or by the next process after a
 * crash) is validated at the processing time of its first attempt, so rows an extra sink
 * (BigQuery, a topic) got from that attempt are the rows the committed outputs hold. Before, the
 * wall clock was read again: an event near the `timestamp_future` or `timestamp_stale` limit
 * changed sides, and BigQuery's exactly-once views kept a dead letter that events.jsonl held as
 * an event (or the reverse).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../../src/config";
import type { DeadLetter } from "../../src/event";
import { readBatchOutputs } from "../../src/streaming/extra-sinks";
import { BATCH_CLOCK_FILE } from "../../src/streaming/batch-clock";
import { runStream, type ExtraSink } from "../../src/streaming/stream-loop";
import { ScriptedSource, STREAM_TEST_NOW as T0, streamOptions } from "../support/stream";

/** 5 min 30 s after T0: `timestamp_future` at T0 (limit 5 min), valid a minute later. */
const nearFuture = JSON.stringify({ event_id: "e1", source: "s1", timestamp: new Date(T0 + 330_000).toISOString(), event_type: "t", data: {} });

/** Records what each publish saw (`dead <code>` or `event <id>`), failing the first `failFirst` publishes after recording. */
function recordingSink(seen: string[][], failFirst: number, onFail: () => void): ExtraSink {
  let calls = 0;
  return {
    name: "recording",
    async publish(_batch, files, from, to): Promise<DeadLetter[]> {
      const out = readBatchOutputs(files, from, to, parseConfig({}));
      seen.push([...out.events.map((e) => `event ${e.event_id}`), ...out.deadLetters.map((d) => `dead ${d.error_code}`)]);
      calls += 1;
      if (calls <= failFirst) {
        onFail();
        throw new Error("sink down");
      }
      return [];
    },
    async close() {},
  };
}

function outputs(out: string): { events: number; dead: string[] } {
  const read = (f: string) => fs.readFileSync(path.join(out, f), "utf8").split("\n").filter((l) => l !== "");
  return { events: read("events.jsonl").length, dead: read("dead_letter.jsonl").map((l) => (JSON.parse(l) as { error_code: string }).error_code) };
}

test("a batch retried in place is validated at its first attempt's processing time", { timeout: 60_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "batch-clock-"));
  try {
    let now = T0;
    const seen: string[][] = [];
    const sink = recordingSink(seen, 1, () => (now = T0 + 60_000));
    const s = await runStream(streamOptions(new ScriptedSource([nearFuture]), out, { nowMs: null, clock: () => now, extraSinks: [sink], batchRetryBackoffMs: 5 }));
    assert.deepEqual(seen.filter((rows) => rows.length > 0), [["dead timestamp_future"], ["dead timestamp_future"]], "the retry saw what the first attempt sent");
    assert.deepEqual(outputs(out), { events: 0, dead: ["timestamp_future"] });
    assert.equal(s.conservation.holds, true, s.conservation.equation);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("a batch a crashed process began is validated, by the next one, at the processing time it was begun with", { timeout: 60_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "batch-clock-"));
  try {
    // What a process that crashed after publishing batch 1 at T0 (and before committing it) left.
    fs.writeFileSync(path.join(out, BATCH_CLOCK_FILE), JSON.stringify({ batch: 1, now_ms: T0 }) + "\n");
    const seen: string[][] = [];
    await runStream(streamOptions(new ScriptedSource([nearFuture]), out, { nowMs: null, clock: () => T0 + 60_000, extraSinks: [recordingSink(seen, 0, () => {})] }));
    assert.deepEqual(seen[0], ["dead timestamp_future"]);
    assert.deepEqual(outputs(out), { events: 0, dead: ["timestamp_future"] });
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, BATCH_CLOCK_FILE), "utf8")), { batch: 2, now_ms: T0 + 60_000 }, "the next batch (the flush) takes the wall clock");
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
