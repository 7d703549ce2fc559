/** Synthetic lead-capture traffic with injected faults, its ground truth, and a scorer. */
export { generate, type GenerateOptions, type GenerateSummary } from "./generate";
export { scoreRun, type KindScore, type Score } from "./score";
export { defaultTruthPath, type FaultRecord, type LookalikeRecord, type TruthRecord } from "./truth";
export { Rng } from "./prng";
export { defaultRatesPath, type RateBook } from "./rates";
export { SILENT_LOSS_CONFIG, scoreSilentLosses, writeSilentLossSample, type SilentLossSample, type SilentLossScore, type SilentLossTruth } from "./silent-loss-sample";
