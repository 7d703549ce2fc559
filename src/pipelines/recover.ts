/**
 * The bounded recovery pipeline, wiring only:
 *
 *   file -> read + validate -> event batches -> per source (dedup, near-dup, gaps) -> kept
 *                           \-> dead letters            \-> findings
 *   kept -> corrections (rates as a side input) -> kept, findings
 *   kept -> chains by (chain, key) -> findings
 *   kept -> business keys by (rule, key) -> findings
 *   per-source interval counts -> one group -> anomalies -> findings
 *   kept, findings, dead letters -> JSON-lines sinks (then DuckDB, summary)
 *
 * A bounded run is one pass with a fresh detector state and a final clock; the streaming loop
 * runs the same graph per micro-batch with a state carried across batches and ticks that run
 * the clocks of sources and open chains without new events.
 *
 * Runs on Beam's DirectRunner. Three shuffles: by source (all events), by chain key (chain
 * steps only), by business key (rule events only). Events travel in batches of one source
 * (`stages.EVENT_BATCH_SIZE`) and the key shuffles move shards of keys (`stages.KEY_SHARDS`):
 * the DirectRunner's cost is per element, and per-key semantics do not depend on either.
 */
// Not Beam's index ("apache-beam"): it also loads every I/O connector, ~300 ms of start-up.
// pvalue must load before transforms (their modules import each other).
import { P, PCollection, Root } from "apache-beam/pvalue";
import * as beam from "apache-beam/transforms";
import type { KV } from "apache-beam/values";
import { directRunner } from "apache-beam/runners/direct_runner";
import { requireForSerialization } from "apache-beam/serialization";
import { randomUUID } from "crypto";
import type { RecoveryConfig } from "../config";
import { keyPaths } from "../config";
import type { DeadLetter, ReceivedEvent } from "../event";
import type { Finding } from "../flag";
import * as read from "../sources/read-validated";
import * as writer from "../sinks/jsonl-writer";
import * as sinkStages from "../sinks/sink-stages";
import { checkDependencyChainBatches, correctEventBatches, detectAnomalies, enforceUniqueBusinessKeyBatches, recoverPerSourceBatches } from "../transforms/beam";
import type { RateTable } from "../corrections/rate-table";
import * as runStats from "./run-stats";
import * as stages from "../transforms/beam-stages";
import { dropDetectorState } from "../streaming/detector-state";

requireForSerialization(`${__dirname}/../sources/read-validated`, read);
requireForSerialization(`${__dirname}/../sinks/sink-stages`, sinkStages);
requireForSerialization(`${__dirname}/run-stats`, runStats);

export interface RecoverFiles {
  readonly events: string;
  readonly flags: string;
  readonly deadLetters: string;
}

export interface RecoverPipelineOptions {
  readonly input: string;
  readonly files: RecoverFiles;
  readonly config: RecoveryConfig;
  /** Processing time, epoch ms (`--now` or the wall clock at start). */
  readonly nowMs: number;
  /** Exchange rates for currency revalidation; null switches it off. */
  readonly rates: RateTable | null;
  readonly runId: string;
  /** Detector state registry id (src/streaming/detector-state.ts). */
  readonly stateId: string;
  /** True when the input has ended: the watermark is the largest event time, all is decided. */
  readonly final: boolean;
  /**
   * Let validation mark correctable events exactly with `rates` (default true; see
   * `ValidationContext.rates`). The streaming loop turns it off: it may reload the rates
   * between batches while events wait in its state.
   */
  readonly exactCorrectable?: boolean;
}

/** Builds the pipeline graph on `root`. */
export function recoverPipeline(o: RecoverPipelineOptions) {
  return function recoverPipeline(root: Root): void {
    const ctx = { config: o.config, nowMs: o.nowMs, keyPaths: keyPaths(o.config), ...(o.exactCorrectable === false ? {} : { rates: o.rates }) };
    const detectedAt = new Date(o.nowMs).toISOString();
    const { runId, stateId, files, config, final } = o;
    const parts = root
      .apply(beam.withName("Input", beam.create([o.input])))
      .flatMap(beam.withName("ReadAndValidate", (path: string) => read.readValidated(path, ctx, runId, stateId)))
      .apply(
        beam.withName(
          "SplitRead",
          beam.split<{ events: stages.SourceBatch; dead_letter: DeadLetter; watermark: number; source_tick: { tick: string }; chain_tick: { tick: string } }>([
            "events",
            "dead_letter",
            "watermark",
            "source_tick",
            "chain_tick",
          ]),
        ),
      );
    // The clock travels wrapped in an object: Beam's coder for a bare number is a 32-bit
    // varint and truncates epoch milliseconds.
    const watermark = parts.watermark
      .apply(beam.withName("GroupWatermarks", beam.groupBy((_: number) => "all")))
      .map(beam.withName("StageClock", (kv: KV<string, Iterable<number>>) => stages.stageClock(kv.value, stateId, config, final)));
    const rates = root.apply(beam.withName("Rates", beam.create([{ table: o.rates }])));
    const stage = { config, watermark, runId, stateId };

    const sourceInput = P([parts.events as PCollection<stages.SourceInput>, parts.source_tick])
      .apply(beam.withName("EventsAndTicks", beam.flatten<stages.SourceInput>()));
    const perSource = recoverPerSourceBatches(stage)(sourceInput);
    const corrected = correctEventBatches(config, rates, runId)(perSource.kept);
    const chainFindings = checkDependencyChainBatches(stage, parts.chain_tick)(corrected.kept);
    const keyFindings = enforceUniqueBusinessKeyBatches(stage)(corrected.kept);
    const anomalyFindings = detectAnomalies(stage)(perSource.counts);
    const findings = P([perSource.findings, corrected.findings, chainFindings, keyFindings, anomalyFindings])
      .apply(beam.withName("AllFindings", beam.flatten<Finding>()));

    corrected.kept.flatMap(beam.withName("WriteEvents", (b: ReceivedEvent[]) => sinkStages.writeEvents(files.events, b, runId)));
    findings.flatMap(beam.withName("WriteFlags", (f: Finding) => sinkStages.writeFinding(files.flags, f, detectedAt, runId)));
    parts.dead_letter.flatMap(beam.withName("WriteDeadLetters", (d: DeadLetter) => sinkStages.writeDeadLetter(files.deadLetters, d, runId)));
  };
}

/** Runs the pipeline on the DirectRunner; returns the run's counters once files are closed. */
export async function runRecoverPipeline(
  o: Omit<RecoverPipelineOptions, "runId" | "stateId" | "final"> & {
    progress: boolean;
    stateId?: string;
    final?: boolean;
    append?: boolean;
    /** Close the output files without waiting for the disk; the caller then calls `syncFile` on each. */
    deferSync?: boolean;
  },
) {
  const runId = randomUUID();
  const stateId = o.stateId ?? runId;
  const stats = runStats.statsFor(runId);
  stats.progress = o.progress;
  for (const path of Object.values(o.files)) writer.openLines(path, o.append ?? false);
  // The SDK's worker logs every bundle with console.debug, which writes to stdout and would
  // corrupt the CLI's JSON summary there; silence it for the run.
  const debug = console.debug;
  console.debug = () => undefined;
  try {
    await directRunner().run(recoverPipeline({ ...o, runId, stateId, final: o.final ?? true }));
    runStats.reportProgress(runId, "done", true);
    return {
      stats: { ...stats },
      kinds: sinkStages.kindCounts(runId),
      events: writer.closeLines(o.files.events, !o.deferSync),
      flags: writer.closeLines(o.files.flags, !o.deferSync),
      deadLetters: writer.closeLines(o.files.deadLetters, !o.deferSync),
    };
  } finally {
    console.debug = debug;
    // Closed in the try on success; after a failure, dropped unwritten (closeLines could fail
    // again on a full disk and leave the other files open with this run's lines buffered).
    for (const path of Object.values(o.files)) writer.discardLines(path);
    runStats.dropStats(runId);
    sinkStages.dropKindCounts(runId);
    if (o.stateId === undefined) dropDetectorState(stateId);
  }
}
