import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runStream } from "../../src/streaming/stream-loop";
import { ScriptedSource, STREAM_TEST_NOW as NOW, streamOptions } from "../support/stream";

/**
 * An empty message (an empty line of `--input`) that ends a micro-batch was lost: the batch was
 * written to the inbox joined by line feeds, without a last one, so an empty last message was no
 * line at all. `lines` and `blank_lines` then fell short of the input, the conservation check
 * still held (it counts what the pipeline read), and every later dead letter's `line` pointed
 * one line too early.
 */
const event = (id: string, seconds: number) =>
  JSON.stringify({ event_id: id, source: "s1", timestamp: new Date(NOW - 3_600_000 + seconds * 1_000).toISOString(), event_type: "t", data: { id } });
const input = [event("a", 1), "", "", event("b", 2), "{bad", ""];

for (const batch of [1, 2, 100]) {
  test(`stream: empty messages are counted as blank lines in batches of ${batch}, and dead letters keep their line`, { timeout: 60_000 }, async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "blank-messages-"));
    try {
      const summary = await runStream(streamOptions(new ScriptedSource(input), out, { batchMaxMessages: batch }));
      assert.equal(summary.lines, input.length);
      assert.equal(summary.blank_lines, 3);
      assert.equal(summary.events, 2);
      assert.equal(summary.conservation.holds, true, summary.conservation.equation);
      const dead = fs.readFileSync(path.join(out, "dead_letter.jsonl"), "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as { line: number });
      assert.deepEqual(dead.map((d) => d.line), [5]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
}
