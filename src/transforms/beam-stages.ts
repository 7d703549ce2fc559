/**
 * DoFn bodies of the Beam adapters (src/transforms/beam.ts), as plain module functions so
 * Beam serializes references to them. Each runs one core over one key's events.
 */
import type { RecoveryConfig } from "../config";
import type { ReceivedEvent } from "../event";
import type { Finding } from "../flag";
import { byArrival } from "../order";
import { statsFor, timed } from "../pipelines/run-stats";
import { chainStepsOf, chainWake, isChainClosed, judgeChain, judgedSizes, lastDeadline, newChainState, recordChainStep } from "./check-dependency-chains";
import { detectorState, markChanged } from "../streaming/detector-state";
import { NO_WATERMARK } from "../sources/read-validated";
import { businessKey, judgeBusinessKey } from "./enforce-unique-business-keys";
import { catchUpSource, newSourceState, onSourceEvent, onSourceWatermark } from "./recover-source-stream";
import { correctKeptEvent } from "./correct-events";
import type { RateTable } from "../corrections/rate-table";
import { addCount, createAnomalyState, withConfig } from "../anomalies/state";
import { judgeComplete } from "../anomalies/judge";
import { countIntervals, type IntervalCounts } from "../anomalies/interval-counts";

/** An event routed to one rule instance (`index` into the config's chains or rules). */
export interface Keyed {
  readonly key: string;
  readonly index: number;
  readonly value: string;
  readonly event: ReceivedEvent;
}

type KV<T> = { key: string; value: Iterable<T> };

export type { IntervalCounts };

/**
 * Events of one source travelling as one element. Beam's DirectRunner costs microseconds per
 * element and per shuffle key encoding, so the read stage batches each source's events and the
 * stages after the shuffle pass kept events on in batches; a batch never mixes sources.
 */
export interface SourceBatch {
  readonly source: string;
  readonly events: ReceivedEvent[];
}

/** Events per batch (read, per-source release, corrections, sinks). */
export const EVENT_BATCH_SIZE = 4096;

/** An element of the per-source stage: an event, a batch of one source's events, or a tick that runs the source's clock. */
export type SourceInput = ReceivedEvent | SourceBatch | { readonly tick: string };

/** The shuffle key of a per-source element: its source. */
export function sourceKey(e: SourceInput): string {
  return "tick" in e ? e.tick : e.source;
}

/** Splits an array into consecutive batches of at most `size` (none for an empty array). */
export function batches<T>(items: T[], size = EVENT_BATCH_SIZE): T[][] {
  if (items.length <= size) return items.length === 0 ? [] : [items];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The elements of a batch, one by one (element-level adapters over batch stages). */
export function unbatch<T>(batch: T[]): T[] {
  return batch;
}

/** What a stage needs of time: the event-time watermark and whether input has ended. */
export interface StageClock {
  /** The watermark of this batch (event time, epoch ms). */
  readonly ms: number;
  /** The end of a bounded input (or a flushing stop): everything still open is decided. */
  readonly final: boolean;
  /**
   * The watermark this batch's events arrived at: the largest event time of the batches before
   * it minus the allowed lateness (`NO_WATERMARK` before the first), as the per-source stage
   * judges `late_unchecked` (an event older than it by the dedup horizon). Absent: nothing
   * counts as arrived too late.
   */
  readonly arrivedMs?: number;
  /**
   * The watermark of the batch before (its clock's `ms`; after a flushing stop, the largest
   * event time): what every source ticked then holds. Absent: no batch before, or a state
   * committed before 2026-11-27 (a skipped source is then caught up to `arrivedMs` only).
   */
  readonly passedMs?: number;
  /**
   * The watermark of the last batch before this one that was not final: ticks evict at it (a
   * final tick evicts nothing), so that is where a source's evictions stand. Absent as above.
   */
  readonly evictedMs?: number;
}

/** Runs one source's group: yields its findings, its kept events in batches, and its interval counts. */
export function* runSourceGroup(kv: KV<SourceInput>, clock: StageClock, config: RecoveryConfig, runId: string, stateId: string): Generator<{ kept: ReceivedEvent[] } | { finding: Finding } | { counts: IntervalCounts }> {
  const ds = detectorState(stateId);
  const out = timed(runId, "per_source", () => {
    const events: ReceivedEvent[] = [];
    for (const v of kv.value) {
      if ("tick" in v) continue;
      if ("events" in v) for (const e of v.events) events.push(e);
      else events.push(v);
    }
    events.sort(byArrival);
    const known = ds.sources.get(kv.key);
    const state = known ?? newSourceState();
    const redeliveredBefore = state.redelivered;
    const findings: Finding[] = [];
    // A known source the last batches skipped is first brought to where their ticks would have left it.
    let caught: ReceivedEvent[] = [];
    if (known !== undefined) {
      const tick = catchUpSource(state, kv.key, clock.evictedMs ?? clock.arrivedMs, clock.passedMs, config);
      caught = tick.kept;
      for (const f of tick.findings) findings.push(f);
    }
    for (const e of events) for (const f of onSourceEvent(state, e, config)) findings.push(f);
    const released = onSourceWatermark(state, kv.key, clock.ms, config, clock.final, !clock.final || ds.persistent === true);
    ds.sources.set(kv.key, state);
    statsFor(runId).redelivered += state.redelivered - redeliveredBefore;
    return { kept: caught.length > 0 ? caught.concat(released.kept) : released.kept, findings: findings.concat(released.findings) };
  });
  for (const finding of out.findings) yield { finding };
  for (const kept of batches(out.kept)) yield { kept };
  yield { counts: countIntervals(kv.key, out.kept, config.anomalies.interval_ms) };
}

/** Merges every source's interval counts and judges the complete intervals (anomaly core). */
export function* runAnomalies(parts: Iterable<IntervalCounts>, clock: StageClock, config: RecoveryConfig, runId: string, stateId: string): Generator<Finding> {
  const ds = detectorState(stateId);
  const result = timed(runId, "anomalies", () => {
    const all = Array.from(parts);
    let first = Infinity;
    for (const p of all) for (const c of p.counts) if (c.start < first) first = c.start;
    const state = ds.anomalies === null ? createAnomalyState(config.anomalies, Number.isFinite(first) ? first : null) : withConfig(ds.anomalies, config.anomalies);
    for (const p of all) for (const c of p.counts) addCount(state, p.source, c.event_type, c.start, c.n);
    ds.anomalies = state;
    return judgeComplete(state, clock.ms);
  });
  statsFor(runId).anomaly_intervals_judged += result.judged;
  yield* result.findings;
}


/** No memberships: shared by the many events that are no chain's step. */
const NO_MEMBERSHIPS = Object.freeze([]) as unknown as Keyed[];

export function chainMemberships(event: ReceivedEvent, config: RecoveryConfig, runId: string): Keyed[] {
  const steps = chainStepsOf(config.chains, event.event_type);
  if (steps === undefined) return NO_MEMBERSHIPS;
  const out: Keyed[] = [];
  for (const { index, key } of steps) {
    const value = event.keys[key];
    if (value === null || value === undefined) {
      statsFor(runId).chain_key_missing += 1;
      continue;
    }
    out.push({ key: JSON.stringify([index, value]), index, value, event });
  }
  return out;
}

/** An element of the chain stage: a routed event, or a tick that runs an open chain's clock. */
export type ChainInput = Keyed | { readonly tick: string };

/**
 * Shuffle shards of the chain and business-key stages when their input travels in batches:
 * a batch's routed events are split by `shardOf(key)`, one element per shard, and each
 * shard's group is regrouped by key in memory. Per-key semantics are those of a shuffle by
 * key (each key sees its events in the same order); the shard is only the unit of transport.
 */
export const KEY_SHARDS = 64;

/** The shard of a routed key (FNV-1a over its UTF-16 code units). Deterministic. */
export function shardOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % KEY_SHARDS;
}

/** Routed events of one shard, in their input order. */
export interface KeyedShard {
  readonly shard: number;
  readonly members: Keyed[];
}

/** An element of a sharded chain stage: one shard's routed events, or a tick of an open chain. */
export type ChainShardInput = KeyedShard | { readonly tick: string };

/** The shuffle key of a sharded chain or business-key element. */
export function shardKey(m: ChainShardInput): string {
  return String("tick" in m ? shardOf(m.tick) : m.shard);
}

function toShards(members: Keyed[]): KeyedShard[] {
  const byShard = new Map<number, Keyed[]>();
  for (const m of members) {
    const shard = shardOf(m.key);
    const list = byShard.get(shard);
    if (list === undefined) byShard.set(shard, [m]);
    else list.push(m);
  }
  const out: KeyedShard[] = [];
  for (const [shard, list] of byShard) out.push({ shard, members: list });
  return out;
}

/** Members of a shard's group, regrouped by key in first-seen order; ticks give a key with no members. */
function byKey(parts: Iterable<ChainShardInput>): Map<string, Keyed[]> {
  const keys = new Map<string, Keyed[]>();
  for (const p of parts) {
    if ("tick" in p) {
      if (!keys.has(p.tick)) keys.set(p.tick, []);
      continue;
    }
    for (const m of p.members) {
      const list = keys.get(m.key);
      if (list === undefined) keys.set(m.key, [m]);
      else list.push(m);
    }
  }
  return keys;
}

/** A batch of kept events routed to chains, split by shard. */
export function chainMembershipShards(events: ReceivedEvent[], config: RecoveryConfig, runId: string): KeyedShard[] {
  const all: Keyed[] = [];
  for (const e of events) for (const m of chainMemberships(e, config, runId)) all.push(m);
  return toShards(all);
}

function judgeChainKey(key: string, members: Iterable<ChainInput>, clock: StageClock, config: RecoveryConfig, stateId: string): { findings: Finding[]; pending: number } {
  const ds = detectorState(stateId);
  const parsed = JSON.parse(key) as [number, string];
  const index = parsed[0];
  const value = parsed[1];
  const chain = config.chains[index];
  const existing = ds.chains.get(key);
  const state = existing ?? newChainState(chain);
  let recorded = false;
  for (const m of members) {
    if ("tick" in m) continue;
    // A step that arrived later than the horizon, for a chain no longer held (closed and
    // forgotten), would reopen it and repeat its findings: it is not judged (streaming only).
    // Judged against the watermark it arrived at, not this batch's: a batch whose events span
    // more than the horizon (a backlog) must not drop the first steps of its own chains.
    if (existing === undefined && !clock.final && m.event.event_time < (clock.arrivedMs ?? NO_WATERMARK) - config.dedup_horizon_ms) continue;
    recordChainStep(state, chain, m.event);
    recorded = true;
  }
  // Nothing recorded for a chain not held: nothing to judge or keep.
  if (existing === undefined && !recorded) return { findings: [], pending: 0 };
  const sizes = judgedSizes(state);
  const judged = judgeChain(state, chain, value, clock.ms, clock.final);
  // Kept for the horizon after its last deadline (README, State), so a step flagged missing that
  // arrives within the horizon after the flag is retracted, not taken for a new chain.
  const forget = !clock.final && isChainClosed(state, chain) && clock.ms > lastDeadline(state, chain) + config.dedup_horizon_ms;
  if (forget) ds.chains.delete(key);
  else {
    // Changes only with the steps and the judged sets, which mark the chain changed below.
    state.wakeAt = clock.final ? -Infinity : chainWake(state, chain, config.dedup_horizon_ms);
    ds.chains.set(key, state);
  }
  // Most chains are only ticked by the watermark, without news: those are not written again.
  if (existing === undefined || recorded || forget || judgedSizes(state) !== sizes) markChanged(ds, "chains", key);
  return judged;
}

export function* runChainGroup(kv: KV<ChainInput>, clock: StageClock, config: RecoveryConfig, runId: string, stateId: string): Generator<Finding> {
  const result = timed(runId, "chains", () => judgeChainKey(kv.key, kv.value, clock, config, stateId));
  statsFor(runId).pending_deadlines += result.pending;
  yield* result.findings;
}

/** One shard's group of the chain stage: every key in it, judged as `runChainGroup` would. */
export function* runChainShard(kv: KV<ChainShardInput>, clock: StageClock, config: RecoveryConfig, runId: string, stateId: string): Generator<Finding> {
  const result = timed(runId, "chains", () => {
    const findings: Finding[] = [];
    let pending = 0;
    for (const [key, members] of byKey(kv.value)) {
      const r = judgeChainKey(key, members, clock, config, stateId);
      for (const f of r.findings) findings.push(f);
      pending += r.pending;
    }
    return { findings, pending };
  });
  statsFor(runId).pending_deadlines += result.pending;
  yield* result.findings;
}

export function businessKeyMemberships(event: ReceivedEvent, config: RecoveryConfig, runId: string): Keyed[] {
  let out: Keyed[] | null = null;
  for (let index = 0; index < config.uniqueness.length; index++) {
    const rule = config.uniqueness[index];
    const value = businessKey(rule, event);
    if (value !== null) (out ??= []).push({ key: JSON.stringify([index, value]), index, value, event });
    else if (event.event_type === rule.event_type) statsFor(runId).business_key_missing += 1;
  }
  return out ?? NO_MEMBERSHIPS;
}

/** A batch of kept events routed to uniqueness rules, split by shard. */
export function businessKeyMembershipShards(events: ReceivedEvent[], config: RecoveryConfig, runId: string): KeyedShard[] {
  const all: Keyed[] = [];
  for (const e of events) for (const m of businessKeyMemberships(e, config, runId)) all.push(m);
  return toShards(all);
}

function judgeBusinessKeyMembers(key: string, members: Keyed[], config: RecoveryConfig, stateId: string): Finding[] {
  const ds = detectorState(stateId);
  const state = ds.businessKeys.get(key) ?? { first: null };
  const findings = judgeBusinessKey(state, config.uniqueness[members[0].index], members[0].value, members.map((m) => m.event));
  ds.businessKeys.set(key, state);
  markChanged(ds, "businessKeys", key);
  return findings;
}

export function* runBusinessKeyGroup(kv: KV<Keyed>, config: RecoveryConfig, runId: string, stateId: string): Generator<Finding> {
  const members = Array.from(kv.value);
  yield* timed(runId, "business_keys", () => judgeBusinessKeyMembers(kv.key, members, config, stateId));
}

/** One shard's group of the business-key stage: every key in it, judged as `runBusinessKeyGroup` would. */
export function* runBusinessKeyShard(kv: KV<KeyedShard>, config: RecoveryConfig, runId: string, stateId: string): Generator<Finding> {
  yield* timed(runId, "business_keys", () => {
    const findings: Finding[] = [];
    for (const [key, members] of byKey(kv.value)) for (const f of judgeBusinessKeyMembers(key, members, config, stateId)) findings.push(f);
    return findings;
  });
}

/**
 * The stage clock of a batch: the largest valid event time seen so far (this batch's read
 * parts and the state's), minus the allowed lateness unless the input has ended.
 */
export function stageClock(parts: Iterable<number>, stateId: string, config: RecoveryConfig, final: boolean): StageClock {
  const ds = detectorState(stateId);
  const arrivedMs = Number.isFinite(ds.maxEventTime) ? ds.maxEventTime - config.allowed_lateness_ms : NO_WATERMARK;
  for (const p of parts) if (p > ds.maxEventTime) ds.maxEventTime = p;
  const max = Number.isFinite(ds.maxEventTime) ? ds.maxEventTime : NO_WATERMARK;
  const passed = ds.lastClockMs === undefined ? {} : { passedMs: ds.lastClockMs };
  const evicted = ds.lastEvictionMs === undefined ? {} : { evictedMs: ds.lastEvictionMs };
  const clock = { ms: final ? max : max - config.allowed_lateness_ms, final, arrivedMs, ...passed, ...evicted };
  ds.lastClockMs = clock.ms;
  if (!final) ds.lastEvictionMs = clock.ms;
  const retention = config.business_key_retention_ms;
  if (retention !== null) {
    for (const [key, state] of ds.businessKeys) {
      if (state.first === null || state.first.eventTime >= clock.ms - retention) continue;
      ds.businessKeys.delete(key);
      markChanged(ds, "businessKeys", key);
    }
  }
  return clock;
}

export function* runCorrections(event: ReceivedEvent, rates: RateTable | null, config: RecoveryConfig, runId: string): Generator<{ kept: ReceivedEvent } | { finding: Finding }> {
  const out = timed(runId, "corrections", () => correctKeptEvent(event, rates, config));
  for (const finding of out.findings) yield { finding };
  yield { kept: out.event };
}

/** Corrections of a batch of kept events: the findings, then the batch (same order, corrected). */
export function* runCorrectionBatch(events: ReceivedEvent[], rates: RateTable | null, config: RecoveryConfig, runId: string): Generator<{ kept: ReceivedEvent[] } | { finding: Finding }> {
  const out = timed(runId, "corrections", () => {
    const kept: ReceivedEvent[] = new Array(events.length);
    const findings: Finding[] = [];
    for (let i = 0; i < events.length; i++) {
      const r = correctKeptEvent(events[i], rates, config);
      kept[i] = r.event;
      for (const f of r.findings) findings.push(f);
    }
    return { kept, findings };
  });
  for (const finding of out.findings) yield { finding };
  yield { kept: out.kept };
}
