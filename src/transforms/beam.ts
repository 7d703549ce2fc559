/**
 * Thin Beam adapters over the pure cores: each is a composable PTransform (a plain function
 * from PCollection to PCollections) that groups by the key its rule needs and runs the core
 * over each key's events. The cores hold all semantics; see their files.
 *
 * The DoFn bodies are functions of registered modules (requireForSerialization), so Beam
 * serializes a reference to them, not their code; closures only capture plain config.
 */
import * as beam from "apache-beam";
import { requireForSerialization } from "apache-beam/serialization";
import type { RecoveryConfig } from "../config";
import type { ReceivedEvent } from "../event";
import type { Finding } from "../flag";
import type { RateTable } from "../corrections/rate-table";
import * as stages from "./beam-stages";

requireForSerialization(`${__dirname}/beam-stages`, stages);

/** The final event-time watermark, epoch ms (wrapped: a bare number would be coded as int32). */
export interface Watermark {
  readonly ms: number;
}

/** A finding or an event out of a per-key stage. */
export type KeptOrFinding = { kept: ReceivedEvent } | { finding: Finding };

/**
 * Dedup by event_id, near-duplicates, sequence reuse and gaps, with ONE shuffle by source.
 * `watermark` is a singleton PCollection: the final event-time watermark of the input.
 *
 * @example
 * const { kept, findings } = recoverPerSource(config, watermark)(events);
 */
export function recoverPerSource(config: RecoveryConfig, watermark: beam.PCollection<Watermark>, runId = "default") {
  return function recoverPerSource(events: beam.PCollection<ReceivedEvent>) {
    const out = events
      .apply(beam.withName("GroupBySource", beam.groupBy((e: ReceivedEvent) => e.source)))
      .apply(
        beam.withName(
          "RecoverSource",
          beam.parDo(
            { process: (kv: beam.KV<string, Iterable<ReceivedEvent>>, ctx: { wm: beam.SideInputParam<Watermark, Iterable<Watermark>, Watermark> }) => stages.runSourceGroup(kv, ctx.wm.lookup().ms, config, runId) },
            { wm: singletonSideInput(watermark) },
          ),
        ),
      );
    const parts = out.apply(
      beam.withName("SplitSourceOutputs", beam.split<{ kept: ReceivedEvent; finding: Finding; counts: stages.IntervalCounts }>(["kept", "finding", "counts"])),
    );
    return { kept: parts.kept, findings: parts.finding, counts: parts.counts };
  };
}

/**
 * Volume and ratio anomalies (src/anomalies): per-source interval counts (from
 * `recoverPerSource`) merged in one small group, judged up to the watermark; the last, partial
 * interval of a bounded run is not judged.
 */
export function detectAnomalies(config: RecoveryConfig, watermark: beam.PCollection<Watermark>, runId = "default") {
  return function detectAnomalies(counts: beam.PCollection<stages.IntervalCounts>): beam.PCollection<Finding> {
    return counts
      .apply(beam.withName("GroupAllCounts", beam.groupBy((_: stages.IntervalCounts) => "all")))
      .apply(
        beam.withName(
          "JudgeAnomalies",
          beam.parDo(
            { process: (kv: beam.KV<string, Iterable<stages.IntervalCounts>>, ctx: { wm: beam.SideInputParam<Watermark, Iterable<Watermark>, Watermark> }) => stages.runAnomalies(kv.value, ctx.wm.lookup().ms, config, runId) },
            { wm: singletonSideInput(watermark) },
          ),
        ),
      );
  };
}

/**
 * Corrections of kept events (currency, arithmetic, field swap, call checks). `rates` is a
 * singleton PCollection holding the rate table (a side input: DoFns do no network I/O), or
 * `{table: null}` to switch currency revalidation off.
 */
export function correctEvents(config: RecoveryConfig, rates: beam.PCollection<{ table: RateTable | null }>, runId = "default") {
  return function correctEvents(kept: beam.PCollection<ReceivedEvent>) {
    const out = kept.apply(
      beam.withName(
        "CorrectEvents",
        beam.parDo(
          { process: (e: ReceivedEvent, ctx: { rates: beam.SideInputParam<{ table: RateTable | null }, Iterable<{ table: RateTable | null }>, { table: RateTable | null }> }) => stages.runCorrections(e, ctx.rates.lookup().table, config, runId) },
          { rates: singletonSideInput(rates) },
        ),
      ),
    );
    return splitKeptAndFindings(out, "SplitCorrections");
  };
}

/** Dependency chains over kept events: one shuffle by (chain, key). */
export function checkDependencyChains(config: RecoveryConfig, watermark: beam.PCollection<Watermark>, runId = "default") {
  return function checkDependencyChains(kept: beam.PCollection<ReceivedEvent>): beam.PCollection<Finding> {
    return kept
      .flatMap(beam.withName("KeyByChain", (e: ReceivedEvent) => stages.chainMemberships(e, config, runId)))
      .apply(beam.withName("GroupByChainKey", beam.groupBy((m: stages.Keyed) => m.key)))
      .apply(
        beam.withName(
          "JudgeChains",
          beam.parDo(
            { process: (kv: beam.KV<string, Iterable<stages.Keyed>>, ctx: { wm: beam.SideInputParam<Watermark, Iterable<Watermark>, Watermark> }) => stages.runChainGroup(kv, ctx.wm.lookup().ms, config, runId) },
            { wm: singletonSideInput(watermark) },
          ),
        ),
      );
  };
}

/** Business-key uniqueness over kept events: one shuffle by (rule, key). */
export function enforceUniqueBusinessKeys(config: RecoveryConfig, runId = "default") {
  return function enforceUniqueBusinessKeys(kept: beam.PCollection<ReceivedEvent>): beam.PCollection<Finding> {
    return kept
      .flatMap(beam.withName("KeyByBusinessKey", (e: ReceivedEvent) => stages.businessKeyMemberships(e, config)))
      .apply(beam.withName("GroupByBusinessKey", beam.groupBy((m: stages.Keyed) => m.key)))
      .flatMap(beam.withName("JudgeBusinessKeys", (kv: beam.KV<string, Iterable<stages.Keyed>>) => stages.runBusinessKeyGroup(kv, config, runId)));
  };
}

function splitKeptAndFindings(out: beam.PCollection<KeptOrFinding>, name: string) {
  const parts = out.apply(beam.withName(name, beam.split<{ kept: ReceivedEvent; finding: Finding }>(["kept", "finding"])));
  return { kept: parts.kept, findings: parts.finding };
}

/**
 * `beam.singletonSideInput` without the pipeline graph in every serialized DoFn. The SDK
 * (2.49.0, `copySideInputWithId`) deletes `pcoll` from a prototype-linked copy, which deletes
 * nothing: the side input's PCollection, and through it the whole pipeline, is serialized
 * into the DoFn (37 MB and 9 s for this pipeline). Only `pcoll.getId()` is read at expansion,
 * so the param keeps just that.
 */
export function singletonSideInput<T>(pcoll: beam.PCollection<T>): beam.SideInputParam<T, Iterable<T>, T> {
  const param = beam.singletonSideInput(pcoll);
  const id = pcoll.getId();
  (param as unknown as { pcoll: unknown }).pcoll = { getId: () => id };
  return param;
}
