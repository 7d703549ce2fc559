/**
 * DoFn bodies of the Beam adapters (src/transforms/beam.ts), as plain module functions so
 * Beam serializes references to them. Each runs one core over one key's events.
 */
import type { RecoveryConfig } from "../config";
import type { ReceivedEvent } from "../event";
import type { Finding } from "../flag";
import { byArrival } from "../order";
import { statsFor, timed } from "../pipelines/run-stats";
import { checkChainBatch } from "./check-dependency-chains";
import { businessKey, judgeBusinessKey } from "./enforce-unique-business-keys";
import { recoverSourceBatch } from "./recover-source-stream";
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

export function* runSourceGroup(kv: KV<ReceivedEvent>, watermark: number, config: RecoveryConfig, runId: string): Generator<{ kept: ReceivedEvent } | { finding: Finding } | { counts: IntervalCounts }> {
  const out = timed(runId, "per_source", () => recoverSourceBatch(kv.key, Array.from(kv.value).sort(byArrival), watermark, config));
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
export function* runAnomalies(parts: Iterable<IntervalCounts>, watermark: number, config: RecoveryConfig, runId: string): Generator<Finding> {
  const result = timed(runId, "anomalies", () => {
    const all = Array.from(parts);
    let first = Infinity;
    for (const p of all) for (const c of p.counts) if (c.start < first) first = c.start;
    const state = createAnomalyState(config.anomalies, Number.isFinite(first) ? first : null);
    for (const p of all) for (const c of p.counts) addCount(state, p.source, c.event_type, c.start, c.n);
    return judgeComplete(state, watermark);
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

export function* runChainGroup(kv: KV<Keyed>, watermark: number, config: RecoveryConfig, runId: string): Generator<Finding> {
  const members = Array.from(kv.value);
  const { index, value } = members[0];
  const result = timed(runId, "chains", () => checkChainBatch(config.chains[index], value, members.map((m) => m.event), watermark));
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

export function* runBusinessKeyGroup(kv: KV<Keyed>, config: RecoveryConfig, runId: string): Generator<Finding> {
  const members = Array.from(kv.value);
  const { index, value } = members[0];
  yield* timed(runId, "business_keys", () => judgeBusinessKey({ first: null }, config.uniqueness[index], value, members.map((m) => m.event)));
}

export function* runCorrections(event: ReceivedEvent, rates: RateTable | null, config: RecoveryConfig, runId: string): Generator<{ kept: ReceivedEvent } | { finding: Finding }> {
  const out = timed(runId, "corrections", () => correctKeptEvent(event, rates, config));
  for (const finding of out.findings) yield { finding };
  yield { kept: out.event };
}
