/**
 * Thin Beam adapters over the pure cores: each is a composable PTransform (a plain function
 * from PCollections to PCollections) that groups by the key its rule needs and runs the core
 * over each key's events. The cores hold all semantics; see their files.
 *
 * State: per-key detector state lives in a registry (src/streaming/detector-state.ts) under
 * `stateId`. A bounded run uses a fresh id and a final clock; the streaming loop reuses one
 * id across micro-batches. The DoFn bodies are functions of registered modules
 * (requireForSerialization), so Beam serializes references to them, not their code.
 */
// Not Beam's index ("apache-beam"): it also loads every I/O connector, ~300 ms of start-up.
// pvalue must load before transforms (their modules import each other).
import { P, PCollection, Root } from "apache-beam/pvalue";
import * as beam from "apache-beam/transforms";
import type { KV } from "apache-beam/values";
import { requireForSerialization } from "apache-beam/serialization";
import { requireParsedConfig, type RecoveryConfig } from "../config";
import type { RateTable } from "../corrections/rate-table";
import type { ReceivedEvent } from "../event";
import type { Finding } from "../flag";
import * as stages from "./beam-stages";
import * as sideInputs from "./side-inputs";

requireForSerialization(`${__dirname}/beam-stages`, stages);
requireForSerialization(`${__dirname}/side-inputs`, sideInputs);

/** The stage clock: event-time watermark (epoch ms) and whether the input has ended. */
export type Watermark = stages.StageClock;
type ClockParam = { wm: beam.SideInputParam<Watermark, Iterable<Watermark>, Watermark> };
type RatesParam = { rates: beam.SideInputParam<{ table: RateTable | null }, Iterable<{ table: RateTable | null }>, { table: RateTable | null }> };

export interface StageOptions {
  readonly config: RecoveryConfig;
  /** Singleton PCollection: the clock of this run or micro-batch. */
  readonly watermark: PCollection<Watermark>;
  /** Detector state registry id; a fresh one per bounded run. */
  readonly stateId: string;
  /** Run counters id (src/pipelines/run-stats.ts). */
  readonly runId: string;
}

/** What the per-source stage puts out: kept events (`K`: one, or a batch of one source's), findings, interval counts. */
export interface PerSourceOutputs<K> {
  readonly kept: PCollection<K>;
  readonly findings: PCollection<Finding>;
  /** Per-source interval counts of kept events, the input of `detectAnomalies`. */
  readonly counts: PCollection<stages.IntervalCounts>;
}

/** What the correction stage puts out: kept events, corrected (`K`: one, or a batch), and findings. */
export interface CorrectionOutputs<K> {
  readonly kept: PCollection<K>;
  readonly findings: PCollection<Finding>;
}

/**
 * Dedup by event_id, near-duplicates, sequence reuse and gaps, with ONE shuffle by source.
 * Input: events, plus `{tick: source}` elements that run a source's clock without events.
 *
 * @example
 * const { kept, findings, counts } = recoverPerSource(options)(events);
 */
export function recoverPerSource(o: StageOptions) {
  requireParsedConfig(o.config, "recoverPerSource");
  return function recoverPerSource(events: PCollection<stages.SourceInput>): PerSourceOutputs<ReceivedEvent> {
    const out = recoverPerSourceBatches(o)(events);
    return { kept: out.kept.flatMap(beam.withName("UnbatchKept", stages.unbatch)), findings: out.findings, counts: out.counts };
  };
}

/**
 * `recoverPerSource` over batched input and output: elements may be single events or
 * `SourceBatch`es (one source's events), and kept events leave in batches. The shuffle and the
 * per-source semantics are the same; the pipeline uses this form because the DirectRunner
 * pays per element.
 */
export function recoverPerSourceBatches(o: StageOptions) {
  requireParsedConfig(o.config, "recoverPerSourceBatches");
  return function recoverPerSourceBatches(events: PCollection<stages.SourceInput>): PerSourceOutputs<ReceivedEvent[]> {
    const { config, runId, stateId } = o;
    const out = events
      .apply(beam.withName("GroupBySource", beam.groupBy(stages.sourceKey)))
      .apply(
        beam.withName(
          "RecoverSource",
          beam.parDo(
            { process: (kv: KV<string, Iterable<stages.SourceInput>>, ctx: ClockParam) => stages.runSourceGroup(kv, sideInputs.clockInput(ctx.wm, "recoverPerSource"), config, runId, stateId) },
            { wm: singletonSideInput(o.watermark) },
          ),
        ),
      );
    const parts = out.apply(
      beam.withName("SplitSourceOutputs", beam.split<{ kept: ReceivedEvent[]; finding: Finding; counts: stages.IntervalCounts }>(["kept", "finding", "counts"])),
    );
    return { kept: parts.kept, findings: parts.finding, counts: parts.counts };
  };
}

/**
 * Corrections of kept events (currency, arithmetic, field swap, call checks). `rates` is a
 * singleton PCollection holding the rate table (a side input: DoFns do no network I/O), or
 * `{table: null}` to switch currency revalidation off.
 */
export function correctEvents(config: RecoveryConfig, rates: PCollection<{ table: RateTable | null }>, runId = "default") {
  requireParsedConfig(config, "correctEvents");
  return function correctEvents(kept: PCollection<ReceivedEvent>): CorrectionOutputs<ReceivedEvent> {
    const out = kept.apply(
      beam.withName(
        "CorrectEvents",
        beam.parDo({ process: (e: ReceivedEvent, ctx: RatesParam) => stages.runCorrections(e, sideInputs.ratesInput(ctx.rates, "correctEvents"), config, runId) }, { rates: singletonSideInput(rates) }),
      ),
    );
    const parts = out.apply(beam.withName("SplitCorrections", beam.split<{ kept: ReceivedEvent; finding: Finding }>(["kept", "finding"])));
    return { kept: parts.kept, findings: parts.finding };
  };
}

/** `correctEvents` over batches of kept events: each batch comes out corrected, in order. */
export function correctEventBatches(config: RecoveryConfig, rates: PCollection<{ table: RateTable | null }>, runId = "default") {
  requireParsedConfig(config, "correctEventBatches");
  return function correctEventBatches(kept: PCollection<ReceivedEvent[]>): CorrectionOutputs<ReceivedEvent[]> {
    const out = kept.apply(
      beam.withName(
        "CorrectEvents",
        beam.parDo({ process: (b: ReceivedEvent[], ctx: RatesParam) => stages.runCorrectionBatch(b, sideInputs.ratesInput(ctx.rates, "correctEventBatches"), config, runId) }, { rates: singletonSideInput(rates) }),
      ),
    );
    const parts = out.apply(beam.withName("SplitCorrections", beam.split<{ kept: ReceivedEvent[]; finding: Finding }>(["kept", "finding"])));
    return { kept: parts.kept, findings: parts.finding };
  };
}

/**
 * Dependency chains over kept events: one shuffle by (chain, key). `ticks` (`{tick: key}`)
 * run the clock of open chains that got no event in this micro-batch.
 */
export function checkDependencyChains(o: StageOptions, ticks?: PCollection<{ tick: string }>) {
  requireParsedConfig(o.config, "checkDependencyChains");
  return function checkDependencyChains(kept: PCollection<ReceivedEvent>): PCollection<Finding> {
    const { config, runId, stateId } = o;
    const members = kept.flatMap(beam.withName("KeyByChain", (e: ReceivedEvent) => stages.chainMemberships(e, config, runId)));
    const inputs: PCollection<stages.ChainInput> =
      ticks === undefined ? members : P([members as PCollection<stages.ChainInput>, ticks]).apply(beam.withName("ChainsAndTicks", beam.flatten<stages.ChainInput>()));
    return inputs
      .apply(beam.withName("GroupByChainKey", beam.groupBy((m: stages.ChainInput) => ("tick" in m ? m.tick : m.key))))
      .apply(
        beam.withName(
          "JudgeChains",
          beam.parDo(
            { process: (kv: KV<string, Iterable<stages.ChainInput>>, ctx: ClockParam) => stages.runChainGroup(kv, sideInputs.clockInput(ctx.wm, "checkDependencyChains"), config, runId, stateId) },
            { wm: singletonSideInput(o.watermark) },
          ),
        ),
      );
  };
}

/**
 * `checkDependencyChains` over batches of kept events: the shuffle is by shard of the
 * (chain, key) (`stages.KEY_SHARDS`), each shard regrouped by key; per-key semantics as above.
 */
export function checkDependencyChainBatches(o: StageOptions, ticks?: PCollection<{ tick: string }>) {
  requireParsedConfig(o.config, "checkDependencyChainBatches");
  return function checkDependencyChainBatches(kept: PCollection<ReceivedEvent[]>): PCollection<Finding> {
    const { config, runId, stateId } = o;
    const members = kept.flatMap(beam.withName("KeyByChain", (b: ReceivedEvent[]) => stages.chainMembershipShards(b, config, runId)));
    const inputs: PCollection<stages.ChainShardInput> =
      ticks === undefined ? members : P([members as PCollection<stages.ChainShardInput>, ticks]).apply(beam.withName("ChainsAndTicks", beam.flatten<stages.ChainShardInput>()));
    return inputs
      .apply(beam.withName("GroupByChainShard", beam.groupBy(stages.shardKey)))
      .apply(
        beam.withName(
          "JudgeChains",
          beam.parDo(
            { process: (kv: KV<string, Iterable<stages.ChainShardInput>>, ctx: ClockParam) => stages.runChainShard(kv, sideInputs.clockInput(ctx.wm, "checkDependencyChainBatches"), config, runId, stateId) },
            { wm: singletonSideInput(o.watermark) },
          ),
        ),
      );
  };
}

/** Business-key uniqueness over kept events: one shuffle by (rule, key). */
export function enforceUniqueBusinessKeys(o: StageOptions) {
  requireParsedConfig(o.config, "enforceUniqueBusinessKeys");
  return function enforceUniqueBusinessKeys(kept: PCollection<ReceivedEvent>): PCollection<Finding> {
    const { config, runId, stateId } = o;
    return kept
      .flatMap(beam.withName("KeyByBusinessKey", (e: ReceivedEvent) => stages.businessKeyMemberships(e, config, runId)))
      .apply(beam.withName("GroupByBusinessKey", beam.groupBy((m: stages.Keyed) => m.key)))
      .flatMap(beam.withName("JudgeBusinessKeys", (kv: KV<string, Iterable<stages.Keyed>>) => stages.runBusinessKeyGroup(kv, config, runId, stateId)));
  };
}

/** `enforceUniqueBusinessKeys` over batches of kept events: shuffled by shard of (rule, key), regrouped by key. */
export function enforceUniqueBusinessKeyBatches(o: StageOptions) {
  requireParsedConfig(o.config, "enforceUniqueBusinessKeyBatches");
  return function enforceUniqueBusinessKeyBatches(kept: PCollection<ReceivedEvent[]>): PCollection<Finding> {
    const { config, runId, stateId } = o;
    return kept
      .flatMap(beam.withName("KeyByBusinessKey", (b: ReceivedEvent[]) => stages.businessKeyMembershipShards(b, config, runId)))
      .apply(beam.withName("GroupByBusinessKeyShard", beam.groupBy(stages.shardKey)))
      .flatMap(beam.withName("JudgeBusinessKeys", (kv: KV<string, Iterable<stages.KeyedShard>>) => stages.runBusinessKeyShard(kv, config, runId, stateId)));
  };
}

/**
 * Volume and ratio anomalies (src/anomalies): per-source interval counts (from
 * `recoverPerSource`) merged in one small group, judged up to the watermark; the last, partial
 * interval of a bounded run is not judged.
 */
export function detectAnomalies(o: StageOptions) {
  requireParsedConfig(o.config, "detectAnomalies");
  return function detectAnomalies(counts: PCollection<stages.IntervalCounts>): PCollection<Finding> {
    const { config, runId, stateId } = o;
    return counts
      .apply(beam.withName("GroupAllCounts", beam.groupBy((_: stages.IntervalCounts) => "all")))
      .apply(
        beam.withName(
          "JudgeAnomalies",
          beam.parDo(
            { process: (kv: KV<string, Iterable<stages.IntervalCounts>>, ctx: ClockParam) => stages.runAnomalies(kv.value, sideInputs.clockInput(ctx.wm, "detectAnomalies"), config, runId, stateId) },
            { wm: singletonSideInput(o.watermark) },
          ),
        ),
      );
  };
}

/**
 * `beam.singletonSideInput` without the pipeline graph in every serialized DoFn. The SDK
 * (2.49.0, `copySideInputWithId`) deletes `pcoll` from a prototype-linked copy, which deletes
 * nothing: the side input's PCollection, and through it the whole pipeline, is serialized
 * into the DoFn (37 MB and 9 s for this pipeline). Only `pcoll.getId()` is read at expansion,
 * so the param keeps just that.
 */
export function singletonSideInput<T>(pcoll: PCollection<T>): beam.SideInputParam<T, Iterable<T>, T> {
  const param = beam.singletonSideInput(pcoll);
  const id = pcoll.getId();
  (param as unknown as { pcoll: unknown }).pcoll = { getId: () => id };
  return param;
}
