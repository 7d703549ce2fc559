/**
 * The options of a small in-process `runStream` for tests: a scripted source, outputs and file
 * state in `out`, default config, no rates, fixed processing time, small batches, an idle stop
 * after 200 ms with a flush, no DuckDB, no extra sinks, no progress. `over` replaces any of them.
 */
import * as path from "path";
import { parseConfig } from "../../src/config";
import { FileStateStore } from "../../src/state/file-state-store";
import type { BatchMessage, MicroBatchSource, StreamOptions } from "../../src/streaming/stream-loop";

export const STREAM_TEST_NOW = Date.parse("2026-11-25T12:00:00Z");

export function streamOptions(source: MicroBatchSource<BatchMessage>, out: string, over: Partial<StreamOptions<BatchMessage>> = {}): StreamOptions<BatchMessage> {
  return {
    source,
    outDir: out,
    store: new FileStateStore(path.join(out, "state")),
    config: parseConfig({}),
    rates: null,
    nowMs: STREAM_TEST_NOW,
    batchMaxMessages: 100,
    batchMaxWaitMs: 10,
    untilIdleMs: 200,
    duckdb: false,
    extraSinks: [],
    progress: false,
    signal: { stop: false },
    ...over,
  };
}

/** Hands out its messages once, then nothing (an idle subscription); records acks. */
export class ScriptedSource implements MicroBatchSource<BatchMessage> {
  readonly acked: BatchMessage[] = [];
  #pending: BatchMessage[];
  constructor(lines: string[]) {
    this.#pending = lines.map((l, i) => ({ line: Buffer.from(l), meta: { message_id: `m${i}`, publish_time: null } }));
  }
  async next(maxMessages: number): Promise<BatchMessage[]> {
    await new Promise((r) => setTimeout(r, 10));
    return this.#pending.splice(0, maxMessages);
  }
  async ack(batch: ReadonlyArray<BatchMessage>): Promise<void> {
    this.acked.push(...batch);
  }
  async nack(): Promise<void> {}
  async close(): Promise<void> {}
}

