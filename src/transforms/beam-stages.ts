/**
 * DoFn bodies of the Beam adapters (src/transforms/beam.ts), as plain module functions so
 * Beam serializes references to them. Each runs one core over one key's events.
 */
import type { RecoveryConfig } from "../config";
import type { ReceivedEvent } from "../event";
import type { Finding } from "../flag";
import { byArrival } from "../order";
import { statsFor, timed } from "../pipelines/run-stats";
import { isChainClosed, judgeChain, lastStepTime, newChainState, recordChainStep } from "./check-dependency-chains";
import { detectorState } from "../streaming/detector-state";
import { NO_WATERMARK } from "../sources/read-validated";
import { businessKey, judgeBusinessKey } from "./enforce-unique-business-keys";
import { newSourceState, onSourceEvent, onSourceWatermark } from "./recover-source-stream";
import { correctKeptEvent } from "./correct-events";
import type { RateTable } from "../corrections/rate-table";
import { addCount, createAnomalyState } from "../anomalies/state";
import { judgeComplete } from "../anomalies/judge";

/** An event routed to one rule instance (`index` into the config's chains or rules). */
export interface Keyed {
  readonly key: string;
  readonly index: number;
  readonly value: string;
  readonly event: ReceivedEvent;
}

type KV<T> = { key: string; value: Iterable<T> };

/** Kept events of one source counted per (event_type, interval start): anomaly input. */
export interface IntervalCounts {
  readonly source: string;
  readonly counts: Array<{ event_type: string; start: number; n: number }>;
}

/** An element of the per-source stage: an event, or a tick that runs the source's clock. */
export type SourceInput = ReceivedEvent | { readonly tick: string };

/** What a stage needs of time: the event-time watermark and whether input has ended. */
export interface StageClock {
  readonly ms: number;
  readonly final: boolean;
}

export function* runSourceGroup(kv: KV<SourceInput>, clock: StageClock, config: RecoveryConfig, runId: string, stateId: string): Generator<{ kept: ReceivedEvent } | { finding: Finding } | { counts: IntervalCounts }> {
  const ds = detectorState(stateId);
  const out = timed(runId, "per_source", () => {
    const events: ReceivedEvent[] = [];
    for (const v of kv.value) if (!("tick" in v)) events.push(v);
    events.sort(byArrival);
    const state = ds.sources.get(kv.key) ?? newSourceState();
    const redeliveredBefore = state.redelivered;
    const findings: Finding[] = [];
    for (const e of events) findings.push(...onSourceEvent(state, e, config));
    const released = onSourceWatermark(state, kv.key, clock.ms, config, clock.final);
    ds.sources.set(kv.key, state);
    statsFor(runId).redelivered += state.redelivered - redeliveredBefore;
    return { kept: released.kept, findings: findings.concat(released.findings) };
  });
  for (const finding of out.findings) yield { finding };
  for (const kept of out.kept) yield { kept };
  yield { counts: countIntervals(kv.key, out.kept, config.anomalies.interval_ms) };
}

function countIntervals(source: string, events: ReceivedEvent[], intervalMs: number): IntervalCounts {
  const byKey = new Map<string, { event_type: string; start: number; n: number }>();
  for (const e of events) {
    const start = Math.floor(e.event_time / intervalMs) * intervalMs;
    const key = e.event_type + "\u0000" + start;
    const c = byKey.get(key);
    if (c === undefined) byKey.set(key, { event_type: e.event_type, start, n: 1 });
    else c.n += 1;
  }
  return { source, counts: [...byKey.values()] };
}

/** Merges every source's interval counts and judges the complete intervals (anomaly core). */
export function* runAnomalies(parts: Iterable<IntervalCounts>, clock: StageClock, config: RecoveryConfig, runId: string, stateId: string): Generator<Finding> {
  const ds = detectorState(stateId);
  const result = timed(runId, "anomalies", () => {
    const all = Array.from(parts);
    let first = Infinity;
    for (const p of all) for (const c of p.counts) if (c.start < first) first = c.start;
    const state = ds.anomalies ?? createAnomalyState(config.anomalies, Number.isFinite(first) ? first : null);
    for (const p of all) for (const c of p.counts) addCount(state, p.source, c.event_type, c.start, c.n);
    ds.anomalies = state;
    return judgeComplete(state, clock.ms);
  });
  statsFor(runId).anomaly_intervals_judged += result.judged;
  yield* result.findings;
}

export function chainMemberships(event: ReceivedEvent, config: RecoveryConfig, runId: string): Keyed[] {
  const out: Keyed[] = [];
  config.chains.forEach((chain, index) => {
    const step = chain.steps.find((s) => s.event_type === event.event_type);
    if (step === undefined) return;
    const value = event.keys[step.key];
    if (value === null || value === undefined) {
      statsFor(runId).chain_key_missing += 1;
      return;
    }
    out.push({ key: JSON.stringify([index, value]), index, value, event });
  });
  return out;
}

/** An element of the chain stage: a routed event, or a tick that runs an open chain's clock. */
export type ChainInput = Keyed | { readonly tick: string };

export function* runChainGroup(kv: KV<ChainInput>, clock: StageClock, config: RecoveryConfig, runId: string, stateId: string): Generator<Finding> {
  const ds = detectorState(stateId);
  const [index, value] = JSON.parse(kv.key) as [number, string];
  const chain = config.chains[index];
  const result = timed(runId, "chains", () => {
    const existing = ds.chains.get(kv.key);
    const state = existing ?? newChainState(chain);
    for (const m of kv.value) {
      if ("tick" in m) continue;
      // A step later than the horizon for a chain no longer held (closed and forgotten) would
      // reopen it and repeat its findings: it is not judged (streaming only).
      if (existing === undefined && !clock.final && m.event.event_time < clock.ms - config.dedup_horizon_ms) continue;
      recordChainStep(state, chain, m.event);
    }
    const judged = judgeChain(state, chain, value, clock.ms, clock.final);
    if (!clock.final && isChainClosed(state, chain) && clock.ms > lastStepTime(state) + config.dedup_horizon_ms) ds.chains.delete(kv.key);
    else ds.chains.set(kv.key, state);
    return judged;
  });
  statsFor(runId).pending_deadlines += result.pending;
  yield* result.findings;
}

export function businessKeyMemberships(event: ReceivedEvent, config: RecoveryConfig): Keyed[] {
  const out: Keyed[] = [];
  config.uniqueness.forEach((rule, index) => {
    const value = businessKey(rule, event);
    if (value !== null) out.push({ key: JSON.stringify([index, value]), index, value, event });
  });
  return out;
}

export function* runBusinessKeyGroup(kv: KV<Keyed>, config: RecoveryConfig, runId: string, stateId: string): Generator<Finding> {
  const ds = detectorState(stateId);
  const members = Array.from(kv.value);
  const index = members[0].index;
  const value = members[0].value;
  yield* timed(runId, "business_keys", () => {
    const state = ds.businessKeys.get(kv.key) ?? { first: null };
    const findings = judgeBusinessKey(state, config.uniqueness[index], value, members.map((m) => m.event));
    ds.businessKeys.set(kv.key, state);
    return findings;
  });
}

/**
 * The stage clock of a batch: the largest valid event time seen so far (this batch's read
 * parts and the state's), minus the allowed lateness unless the input has ended.
 */
export function stageClock(parts: Iterable<number>, stateId: string, config: RecoveryConfig, final: boolean): StageClock {
  const ds = detectorState(stateId);
  for (const p of parts) if (p > ds.maxEventTime) ds.maxEventTime = p;
  const max = Number.isFinite(ds.maxEventTime) ? ds.maxEventTime : NO_WATERMARK;
  const clock = { ms: final ? max : max - config.allowed_lateness_ms, final };
  const retention = config.business_key_retention_ms;
  if (retention !== null) {
    for (const [key, state] of ds.businessKeys) if (state.first !== null && state.first.eventTime < clock.ms - retention) ds.businessKeys.delete(key);
  }
  return clock;
}

export function* runCorrections(event: ReceivedEvent, rates: RateTable | null, config: RecoveryConfig, runId: string): Generator<{ kept: ReceivedEvent } | { finding: Finding }> {
  const out = timed(runId, "corrections", () => correctKeptEvent(event, rates, config));
  for (const finding of out.findings) yield { finding };
  yield { kept: out.event };
}
