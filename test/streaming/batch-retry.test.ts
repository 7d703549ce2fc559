/**
 * A failing batch (a sink down) is rolled back and retried in place, its messages kept, before
 * it is nacked: a short outage spends no delivery attempt and writes nothing twice; a long one
 * ends in one nack per retry budget. A failed state commit rolls back to the last commit, never
 * to the state it failed to write. The file source puts nacked lines back in front.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { DeadLetter } from "../../src/event";
import { FileBatchSource } from "../../src/sources/file-batch-source";
import type { CommittedState } from "../../src/state/committed-state";
import { FileStateStore } from "../../src/state/file-state-store";
import type { StateStore } from "../../src/state/state-store";
import { runStream, type BatchMessage, type ExtraSink, type MicroBatchSource } from "../../src/streaming/stream-loop";
import { STREAM_TEST_NOW as NOW, streamOptions } from "../support/stream";

/** Hands out its messages in one batch, then those nacked back; records acks and nacks. */
class RecordingSource implements MicroBatchSource<BatchMessage> {
  readonly acked: string[] = [];
  readonly nacked: string[] = [];
  /** Acks that throw (after the commit) before one goes through. */
  failingAcks = 0;
  #pending: BatchMessage[];
  /** Later pulls, each handed out whole once the pending messages are gone. */
  readonly #later: BatchMessage[][];
  constructor(n: number, later: number[][] = []) {
    const message = (i: number): BatchMessage => ({
      line: Buffer.from(JSON.stringify({ event_id: `e${i}`, source: "s1", sequence: i + 1, timestamp: new Date(NOW - 3_600_000 + i * 1000).toISOString(), event_type: "card.scanned", data: { i } })),
      meta: { message_id: `m${i}`, publish_time: null },
    });
    this.#pending = Array.from({ length: n }, (_, i) => message(i));
    this.#later = later.map((ids) => ids.map(message));
  }
  async next(maxMessages: number): Promise<BatchMessage[]> {
    await new Promise((r) => setTimeout(r, 5));
    if (this.#pending.length === 0 && this.#later.length > 0) return this.#later.shift() as BatchMessage[];
    return this.#pending.splice(0, maxMessages);
  }
  async ack(batch: ReadonlyArray<BatchMessage>): Promise<void> {
    if (batch.length > 0 && this.failingAcks > 0) {
      this.failingAcks -= 1;
      throw new Error("ack failed");
    }
    for (const m of batch) this.acked.push(m.meta?.message_id ?? "?");
  }
  async nack(batch: ReadonlyArray<BatchMessage>): Promise<void> {
    for (const m of batch) this.nacked.push(m.meta?.message_id ?? "?");
    this.#pending.unshift(...batch); // redelivered, as Pub/Sub would
  }
  async close(): Promise<void> {}
}

/** An extra sink that fails its first `failures` publishes (or the calls listed), then takes everything. */
function flakySink(failures: number | ReadonlyArray<number>): ExtraSink & { calls: number; published: number } {
  const fails = (call: number) => (typeof failures === "number" ? call <= failures : failures.includes(call));
  const sink = {
    name: "flaky",
    calls: 0,
    published: 0,
    async publish(): Promise<DeadLetter[]> {
      sink.calls += 1;
      if (fails(sink.calls)) throw new Error(`sink down (call ${sink.calls})`);
      sink.published += 1;
      return [];
    },
    async close(): Promise<void> {},
  };
  return sink;
}

async function run(source: MicroBatchSource<BatchMessage>, sink: ExtraSink, out: string, retries: number) {
  return runStream(streamOptions(source, out, { batchMaxWaitMs: 5, untilIdleMs: 150, extraSinks: [sink], batchRetries: retries, batchRetryBackoffMs: 5 }));
}

const eventIds = (out: string): string[] =>
  fs
    .readFileSync(path.join(out, "events.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => (JSON.parse(l) as { event_id: string }).event_id)
    .sort();

test("a sink down for 3 attempts: the batch is retried in place, never nacked, acked once, written once", { timeout: 60_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "batch-retry-"));
  try {
    const source = new RecordingSource(5);
    const sink = flakySink(3);
    const s = await run(source, sink, out, 8);
    assert.deepEqual(source.nacked, [], "no delivery attempt spent");
    assert.deepEqual([...source.acked].sort(), ["m0", "m1", "m2", "m3", "m4"], "each message acked once");
    assert.deepEqual(eventIds(out), ["e0", "e1", "e2", "e3", "e4"], "each event written once (failed attempts rolled back)");
    assert.equal(s.lines, 5);
    assert.equal(s.events, 5);
    assert.equal(s.batches, 2, "committed: the batch once, then the idle flush");
    assert.equal(s.conservation.holds, true, s.conservation.equation);
    assert.ok(sink.calls >= 4, `3 failed publishes, then the good one (${sink.calls} calls)`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("a sink down longer than the retries: the batch is nacked once per budget, then succeeds on redelivery", { timeout: 60_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "batch-retry-"));
  try {
    const source = new RecordingSource(3);
    // 2 retries: attempts 1-3 fail, nack; attempts 4-6 fail, nack; attempt 7 succeeds.
    const s = await run(source, flakySink(6), out, 2);
    assert.deepEqual(source.nacked, ["m0", "m1", "m2", "m0", "m1", "m2"], "two nacks of the batch: two delivery attempts spent, not six");
    assert.deepEqual([...source.acked].sort(), ["m0", "m1", "m2"]);
    assert.deepEqual(eventIds(out), ["e0", "e1", "e2"]);
    assert.equal(s.events, 3);
    assert.equal(s.conservation.holds, true, s.conservation.equation);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("a redelivery acknowledged alone before a failing batch stays counted after the rollback", { timeout: 60_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "batch-retry-"));
  try {
    // Pull 1: m0-m2, committed. Pull 2: m1 again (its ack was lost): acknowledged, counted.
    // Pull 3: m3, m4, whose first publish fails: rolled back to the commit, retried, committed.
    const source = new RecordingSource(3, [[1], [3, 4]]);
    const s = await run(source, flakySink([2]), out, 8);
    assert.equal(s.redelivered, 1);
    assert.equal(s.lines, 6, "3 + the redelivery + 2");
    assert.equal(s.events, 5);
    assert.equal(s.conservation.holds, true, s.conservation.equation);
    assert.deepEqual(eventIds(out), ["e0", "e1", "e2", "e3", "e4"]);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("an ack that fails after the commit: the retry acknowledges the committed messages, never processes them twice", { timeout: 60_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "batch-retry-"));
  try {
    const source = new RecordingSource(3);
    source.failingAcks = 1;
    const s = await run(source, flakySink(0), out, 8);
    assert.deepEqual(source.nacked, []);
    assert.deepEqual([...source.acked].sort(), ["m0", "m1", "m2"]);
    assert.deepEqual(eventIds(out), ["e0", "e1", "e2"], "written once");
    assert.equal(s.events, 3);
    assert.equal(s.redelivered, 3, "the retried batch was committed already: counted as redelivered");
    assert.equal(s.lines, 6);
    assert.equal(s.conservation.holds, true, s.conservation.equation);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

/** A file store whose commits fail while `failing` > 0 (a state store down), each failure counted down. */
class FlakyStore implements StateStore {
  failing: number;
  readonly inner: FileStateStore;
  constructor(dir: string, failing: number) {
    this.inner = new FileStateStore(dir);
    this.failing = failing;
  }
  load(): Promise<CommittedState | null> {
    return this.inner.load();
  }
  async commit(state: CommittedState): Promise<void> {
    if (this.failing > 0) {
      this.failing -= 1;
      throw new Error("state store down");
    }
    await this.inner.commit(state);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

test("a state commit that fails: rolled back to the last commit (not to the state it failed to write), retried, acked only once committed", { timeout: 60_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "batch-retry-"));
  try {
    const source = new RecordingSource(3);
    const store = new FlakyStore(path.join(out, "state"), 2);
    const s = await runStream(streamOptions(source, out, { store, batchMaxWaitMs: 5, untilIdleMs: 150, batchRetries: 8, batchRetryBackoffMs: 5 }));
    assert.deepEqual(source.nacked, []);
    assert.deepEqual([...source.acked].sort(), ["m0", "m1", "m2"], "acked once, after the commit that holds them");
    assert.deepEqual(eventIds(out), ["e0", "e1", "e2"], "written once");
    assert.equal(s.events, 3, "processed as events, not taken for redeliveries of an uncommitted batch");
    assert.equal(s.redelivered, 0);
    assert.equal(s.lines, 3);
    assert.equal(s.conservation.holds, true, s.conservation.equation);
    const committed = await new FileStateStore(path.join(out, "state")).load();
    assert.equal((committed?.detectors as { counters: { events: number } }).counters.events, 3);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("file source: nacked lines come back first, in order, and the source is not exhausted until they do", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "file-nack-"));
  try {
    const file = path.join(dir, "in.jsonl");
    fs.writeFileSync(file, "a\nb\nc\n");
    const src = new FileBatchSource(file);
    const first = await src.next(2, 0);
    assert.deepEqual(first.map((l) => l.line.toString()), ["a", "b"]);
    await src.nack(first);
    const again = await src.next(10, 0);
    assert.deepEqual(again.map((l) => l.line.toString()), ["a", "b", "c"]);
    assert.equal(src.exhausted, true);
    await src.nack(again.slice(2));
    assert.equal(src.exhausted, false, "a nacked line is still to come");
    assert.deepEqual((await src.next(10, 0)).map((l) => l.line.toString()), ["c"]);
    await src.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("file source: a restart resumes after the committed lines, redelivered lines (same event_id and message_id) among them", { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "file-resume-"));
  try {
    const line = (i: number) =>
      JSON.stringify({ event_id: `e${i}`, message_id: `m${i}`, source: "s1", sequence: i + 1, timestamp: new Date(NOW - 3_600_000 + i * 1000).toISOString(), event_type: "card.scanned", data: { i } });
    // Line 2 is a Pub/Sub redelivery of line 1 (an export that kept both).
    const lines = [0, 0, 1, 2, 3, 4, 5, 6].map(line);
    const file = path.join(dir, "in.jsonl");
    const out = path.join(dir, "out");
    // The first run sees 5 lines and stops without a flush; the restart reads the whole file.
    fs.writeFileSync(file, lines.slice(0, 5).join("\n") + "\n");
    const first = await runStream(streamOptions(new FileBatchSource(file), out, { batchMaxMessages: 5, flushOnIdle: false, untilIdleMs: 100 }));
    assert.equal(first.redelivered, 1);
    fs.writeFileSync(file, lines.join("\n") + "\n");
    const s = await runStream(streamOptions(new FileBatchSource(file), out, { batchMaxMessages: 5 }));
    assert.equal(s.lines, 8, "every line of the file, once");
    assert.deepEqual(eventIds(out), ["e0", "e1", "e2", "e3", "e4", "e5", "e6"], "no line skipped on resume");
    assert.equal(s.conservation.holds, true, s.conservation.equation);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("committed message ids are the state's table `messages`: a restart acknowledges a redelivered batch without processing it", { timeout: 60_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "batch-retry-"));
  try {
    const first = await run(new RecordingSource(3), flakySink(0), out, 0);
    assert.equal(first.events, 3);
    const committed = await new FileStateStore(path.join(out, "state")).load();
    assert.deepEqual([...(committed?.tables?.get("messages")?.keys() ?? [])].sort(), ["m0", "m1", "m2"]);
    assert.deepEqual((committed?.detectors as { messages: unknown[] }).messages, [], "not in the part written whole");
    // The acks were lost: Pub/Sub hands the batch to the next process.
    const again = new RecordingSource(3);
    const second = await run(again, flakySink(0), out, 0);
    assert.deepEqual([...again.acked].sort(), ["m0", "m1", "m2"]);
    assert.equal(second.redelivered, 3);
    assert.equal(second.events, 3, "counted once, over both runs");
    assert.deepEqual(eventIds(out), ["e0", "e1", "e2"], "written once");
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("file source: a batch that fails every retry stops the stream with its error (a file has no redelivery policy: it came back for ever), state and outputs at the last commit", { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "file-give-up-"));
  try {
    const line = (i: number) => JSON.stringify({ event_id: `e${i}`, source: "s1", sequence: i + 1, timestamp: new Date(NOW - 3_600_000 + i * 1000).toISOString(), event_type: "card.scanned", data: { i } });
    const file = path.join(dir, "in.jsonl");
    fs.writeFileSync(file, [0, 1, 2, 3].map(line).join("\n") + "\n");
    const out = path.join(dir, "out");
    // The first batch (2 lines) goes through; every publish after it fails (a deleted table).
    const sink = flakySink([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const stopped = runStream(streamOptions(new FileBatchSource(file), out, { batchMaxMessages: 2, batchMaxWaitMs: 5, extraSinks: [sink], batchRetries: 2, batchRetryBackoffMs: 5 }));
    await assert.rejects(stopped, /batch 2 failed 3 times, the last: sink down \(call 4\)\. A file input has no redelivery policy .* committed up to batch 1/);
    assert.equal(sink.calls, 4, "the first batch, then 3 tries of the second: no endless cycle");
    const committed = await new FileStateStore(path.join(out, "state")).load();
    assert.equal(committed?.batch, 1);
    const offsets = (committed?.detectors as { offsets: { events: number } }).offsets;
    assert.equal(fs.statSync(path.join(out, "events.jsonl")).size, offsets.events, "outputs cut back to the last commit");
    // The cause fixed, the same command continues from the commit: every event once.
    const s = await runStream(streamOptions(new FileBatchSource(file), out, { batchMaxMessages: 2, batchMaxWaitMs: 5, extraSinks: [flakySink(0)] }));
    assert.deepEqual(eventIds(out), ["e0", "e1", "e2", "e3"]);
    assert.equal(s.conservation.holds, true, s.conservation.equation);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
