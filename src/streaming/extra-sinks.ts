import * as fs from "fs";
import type { RecoveryConfig } from "../config";
import type { DeadLetter, Flag } from "../event";
import { getPath } from "../json-path";
import type { RecoverFiles } from "../pipelines/recover";
import type { OutputOffsets } from "../sinks/duckdb-stream";
import type { OutputEvent, RecoverySink, SinkBatch } from "../sinks/sink";
import type { PubSubPublisher } from "../sources/pubsub-publisher";
import { deliveryMeta } from "../validate";
import type { ExtraSink } from "./stream-loop";

/** The outputs a micro-batch appended to the JSON-lines files, parsed back. */
export function readBatchOutputs(files: RecoverFiles, from: OutputOffsets, to: OutputOffsets, config: RecoveryConfig): SinkBatch {
  const lines = (file: string, start: number, end: number): string[] => {
    if (end <= start) return [];
    const fd = fs.openSync(file, "r");
    try {
      const buf = Buffer.allocUnsafe(end - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      return buf.toString("utf8").split("\n").filter((l) => l.length > 0);
    } finally {
      fs.closeSync(fd);
    }
  };
  const env = config.envelope;
  const events: OutputEvent[] = lines(files.events, from.events, to.events).map((raw) => {
    const obj: unknown = JSON.parse(raw);
    const seq = getPath(obj, env.sequence);
    return {
      event_id: String(getPath(obj, env.event_id)),
      source: String(getPath(obj, env.source)),
      event_type: String(getPath(obj, env.event_type)),
      sequence: typeof seq === "number" ? seq : null,
      event_time: new Date(Date.parse(String(getPath(obj, env.timestamp)))).toISOString(),
      raw,
      meta: deliveryMeta(obj),
    };
  });
  const flags = lines(files.flags, from.flags, to.flags).map((l) => JSON.parse(l) as Flag);
  const deadLetters = lines(files.deadLetters, from.deadLetters, to.deadLetters).map((l) => JSON.parse(l) as DeadLetter);
  return { events, flags, deadLetters };
}

/**
 * A {@link RecoverySink} (BigQuery) fed from each batch's outputs. At least once: a batch
 * replayed after a crash is written again, with the same insertIds (bigquery-rows); the tables'
 * `_once` views read each record once.
 * Rows the sink rejects come back as dead letters for the loop to keep.
 */
export function recoverySinkFeed(sink: RecoverySink, config: RecoveryConfig): ExtraSink {
  return {
    name: sink.name,
    async publish(_batch, files, from, to) {
      const result = await sink.write(readBatchOutputs(files, from, to, config));
      return result.rejected;
    },
    close: () => sink.close(),
  };
}

/**
 * Pub/Sub topics for services that act at once: flags with action `reprocess` to one topic,
 * dead letters to another (a dead-letter table alone is watched by nobody). Messages are the
 * JSON of the flag or dead letter, with attributes `kind` / `error_code` and `flag_id`.
 * At least once: consumers dedupe on `flag_id` (reprocess) or on the dead letter's
 * (message_id or line, error_code).
 */
export function pubsubTopicFeed(publisher: PubSubPublisher, topics: { reprocess?: string; deadLetters?: string }, config: RecoveryConfig): ExtraSink {
  return {
    name: "pubsub-topics",
    async publish(_batch, files, from, to) {
      const out = readBatchOutputs(files, from, to, config);
      if (topics.reprocess !== undefined) {
        const reprocess = out.flags.filter((f) => f.action === "reprocess");
        if (reprocess.length > 0) {
          await publisher.publish(
            topics.reprocess,
            reprocess.map((f) => JSON.stringify(f)),
            reprocess.map((f) => ({ kind: String(f.kind), flag_id: f.flag_id })),
          );
        }
      }
      if (topics.deadLetters !== undefined && out.deadLetters.length > 0) {
        await publisher.publish(
          topics.deadLetters,
          out.deadLetters.map((d) => JSON.stringify(d)),
          out.deadLetters.map((d) => ({ error_code: String(d.error_code) })),
        );
      }
      return [];
    },
    close: () => publisher.close(),
  };
}
