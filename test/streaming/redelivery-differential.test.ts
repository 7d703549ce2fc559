/**
 * Pub/Sub redelivers: a message can come back after its ack was lost, or twice in one pull. On
 * adversarial traffic (test/support/adversarial.ts), a scripted source hands every message out
 * once, in order, and after each pull's messages redelivers random ones it handed out before
 * (in earlier pulls, acknowledged, or in the same pull). The stream
 * must end with exactly what the same traffic without redeliveries gives: the independent
 * reference's findings and events, each redelivery counted and nothing else.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rng } from "../../src/generate/prng";
import { runStream, type BatchMessage, type MicroBatchSource } from "../../src/streaming/stream-loop";
import { NOW } from "../support/adversarial";
import { streamOptions } from "../support/stream";
import { assertMatchesReference, streamInput } from "./reference-match";

/** Every line once, in order, as message `m<i>`; plus redeliveries of earlier ones and repeats within a pull. */
class RedeliveringSource implements MicroBatchSource<BatchMessage> {
  readonly exhausted = false;
  redelivered = 0;
  #next = 0;
  readonly #messages: BatchMessage[];
  constructor(lines: string[], private readonly rng: Rng) {
    const published = new Date(NOW - 3_600_000).toISOString();
    this.#messages = lines.map((l, i) => ({ line: Buffer.from(l), meta: { message_id: `m${i}`, publish_time: published } }));
  }
  async next(maxMessages: number): Promise<BatchMessage[]> {
    const fresh = this.#messages.slice(this.#next, this.#next + maxMessages);
    this.#next += fresh.length;
    const out = [...fresh];
    // Redeliveries, after the pull's first deliveries, of any message handed out before (this
    // pull's included: a repeat within it), so the first deliveries keep the input's order.
    for (let i = 0; i < fresh.length && this.#next > 0; i++) {
      if (!this.rng.chance(0.2)) continue;
      out.push(this.#messages[this.rng.int(0, this.#next - 1)]);
      this.redelivered += 1;
    }
    return out;
  }
  async ack(): Promise<void> {}
  async nack(): Promise<void> {}
  async close(): Promise<void> {}
}

test("stream: redeliveries (after the ack, within one pull) change nothing but the redelivered count", { timeout: 120_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "redelivery-diff-"));
  try {
    const lines = streamInput(21);
    const source = new RedeliveringSource(lines, new Rng(22));
    const summary = await runStream(streamOptions(source, out, { batchMaxMessages: 17 }));
    assert.ok(source.redelivered > 100, `redeliveries made: ${source.redelivered}`);
    assert.equal(summary.redelivered, source.redelivered, "every redelivery counted");
    assert.equal(summary.conservation.holds, true, summary.conservation.equation);
    assertMatchesReference(out, lines, "with redeliveries");
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
