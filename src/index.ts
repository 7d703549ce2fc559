/**
 * Public API: the transforms, their pure cores, the pipeline builders and the types of the
 * output contract. Import from "event-recovery"; everything else is internal.
 */
export type { DeadLetter, DeadLetterCode, DeliveryMeta, Flag, FlagAction, FlagKind, Issue, ReceivedEvent } from "./event";
export type { Finding } from "./flag";
export { eventFinding, finding, stamp } from "./flag";
export * from "./config";
export { validateLine, MAX_DATA_DEPTH, MAX_RAW_BYTES, type Validated, type ValidationContext } from "./validate";
export { parseEventTime } from "./timestamp";

// Pure cores (no Beam, no I/O, no clock).
export * from "./transforms/dedupe-by-event-id";
export * from "./transforms/discard-near-duplicates";
export * from "./transforms/detect-sequence-gaps";
export * from "./transforms/recover-source-stream";
export * from "./transforms/check-dependency-chains";
export * from "./transforms/enforce-unique-business-keys";
export { correctKeptEvent } from "./transforms/correct-events";
export { correctEvent } from "./corrections/correct-event";
export * as corrections from "./corrections/index";
export * as anomalies from "./anomalies/index";

// Beam transforms and pipelines.
export {
  recoverPerSource,
  recoverPerSourceBatches,
  correctEvents,
  correctEventBatches,
  detectAnomalies,
  checkDependencyChains,
  checkDependencyChainBatches,
  enforceUniqueBusinessKeys,
  enforceUniqueBusinessKeyBatches,
  singletonSideInput,
  type Watermark,
  type StageOptions,
  type PerSourceOutputs,
  type CorrectionOutputs,
} from "./transforms/beam";
export type { SourceInput, SourceBatch, IntervalCounts } from "./transforms/beam-stages";
/** Frees a run's detector state (the registry entry under its `stateId`) once its pipeline has finished. */
export { dropDetectorState } from "./streaming/detector-state";
export { recoverPipeline, runRecoverPipeline, type RecoverPipelineOptions, type RecoverFiles } from "./pipelines/recover";
export { runRecover, type RecoverRunOptions, type RunSummary } from "./pipelines/run-recover";
export { loadRates } from "./sources/load-rates";
export { readFileLines } from "./sources/jsonl-file";
export { loadDuckDb } from "./sinks/duckdb-tables";

// Synthetic traffic with ground truth.
export { generate, scoreRun } from "./generate/index";
