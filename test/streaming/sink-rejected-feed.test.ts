/**
 * Rows one extra sink refuses (BigQuery: `sink_rejected` dead letters, appended to
 * dead_letter.jsonl) reach the extra sinks after it: the CLI feeds BigQuery first and the
 * Pub/Sub topics after it, so before the fix a refused row never reached `--dead-letter-topic`
 * (155 sink_rejected dead letters in dead_letter.jsonl, none on the topic).
 */
import { mock, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import fsModule from "fs";
import * as os from "os";
import * as path from "path";
import type { DeadLetter } from "../../src/event";
import { runStream, type ExtraSink } from "../../src/streaming/stream-loop";
import { readBatchOutputs } from "../../src/streaming/extra-sinks";
import { parseConfig } from "../../src/config";
import { ScriptedSource, STREAM_TEST_NOW as NOW, streamOptions } from "../support/stream";

const lines = Array.from({ length: 5 }, (_, i) =>
  JSON.stringify({ event_id: `e${i}`, source: "s1", sequence: i + 1, timestamp: new Date(NOW - 3_600_000 + i * 1000).toISOString(), event_type: "card.scanned", data: { i } }),
);

test("a row refused by the first extra sink reaches the next one as a sink_rejected dead letter", { timeout: 60_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "sink-rejected-"));
  try {
    const refusing: ExtraSink = {
      name: "refusing",
      async publish(_batch, files, from, to): Promise<DeadLetter[]> {
        const events = readBatchOutputs(files, from, to, parseConfig({})).events.filter((e) => e.event_id === "e2");
        return events.map((e) => ({ error_code: "sink_rejected", issues: [{ path: [], code: "invalid", message: "events: no such field" }], raw: e.raw, raw_truncated: false, line: 0, event_id: e.event_id, message_id: null, attributes: null, received_at: new Date(NOW).toISOString() }));
      },
      async close() {},
    };
    const seen: string[] = [];
    const topic: ExtraSink = {
      name: "topic",
      async publish(_batch, files, from, to): Promise<DeadLetter[]> {
        for (const d of readBatchOutputs(files, from, to, parseConfig({})).deadLetters) seen.push(`${d.error_code} ${d.event_id}`);
        return [];
      },
      async close() {},
    };
    const dead = path.join(out, "dead_letter.jsonl");
    const synced: string[] = [];
    const realFsync = fs.fsyncSync;
    const fsync = mock.method(fsModule, "fsyncSync", (fd: number) => {
      if (fs.existsSync(dead) && fs.fstatSync(fd).ino === fs.statSync(dead).ino && fs.fstatSync(fd).size > 0) synced.push(fs.readFileSync(dead, "utf8"));
      return realFsync(fd);
    });
    const said: string[] = [];
    const write = mock.method(process.stderr, "write", (chunk: string | Uint8Array) => (said.push(String(chunk)), true));
    let s;
    try {
      s = await runStream(streamOptions(new ScriptedSource(lines), out, { batchMaxWaitMs: 5, untilIdleMs: 150, extraSinks: [refusing, topic] }));
    } finally {
      write.mock.restore();
      fsync.mock.restore();
    }
    assert.ok(synced.some((text) => text.includes('"sink_rejected"')), "the refused row was fsync'd (before the commit that counts it)");
    assert.equal(s.sink_rejected, 1);
    assert.deepEqual(said.filter((l) => l.includes("refused")), ["[stream] refusing refused 1 row of batch 2, kept as sink_rejected dead letters in dead_letter.jsonl (first: invalid: events: no such field)\n"], "said on stderr, progress off");
    assert.deepEqual(seen, ["sink_rejected e2"], "the refused row is published by the sink after the one that refused it");
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
