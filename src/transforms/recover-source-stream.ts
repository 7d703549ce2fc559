import type { RecoveryConfig } from "../config";
import type { ReceivedEvent } from "../event";
import { eventFinding, type Finding } from "../flag";
import { byEventTime } from "../order";
import { dedupeEvent, evictDedupState, keepId, newDedupState, type DedupState } from "./dedupe-by-event-id";
import { awaitsDeclaration, checkReuse, declareGaps, evictGapState, newGapState, seeSequence, type GapState } from "./detect-sequence-gaps";
import { evictNearDuplicateState, insertRecent, judgeLateNearDuplicate, judgeNearDuplicate, newNearDuplicateState, recordKeptData, type NearDuplicateState } from "./discard-near-duplicates";

/**
 * Everything decided per source, in one pass over one shuffle: exact duplicates (at arrival),
 * near-duplicates and sequence reuse (in event-time order once the watermark has passed an
 * event), and sequence gaps. Copies and near-copies share their source, so one `groupBy`
 * by source serves all three rules.
 *
 * Arrival order: `onSourceEvent` per event in arrival order (line number). Time:
 * `onSourceWatermark` releases every held event whose event time is before the watermark
 * (all of them when `final`), in (event time, event_id) order. An event arriving with an
 * event time older than the watermark minus the dedup horizon cannot be checked for copies
 * any more: it passes, flagged `late_unchecked` (streaming only; a bounded run never has one).
 * One the watermark had passed before it arrived, but within the horizon, is judged for
 * near-duplicates against the data of every event kept within the horizon (streaming only; see
 * discard-near-duplicates.ts).
 */
export interface SourceState {
  readonly dedup: DedupState;
  readonly nearDuplicates: NearDuplicateState;
  readonly gaps: GapState;
  /** Kept by dedup, waiting for the watermark before the near-duplicate judgement. */
  held: ReceivedEvent[];
  /** Last watermark applied (event time, epoch ms); -Infinity before the first. */
  watermark: number;
  /** Pub/Sub redeliveries of kept messages dropped so far (not copies, not flagged). */
  redelivered: number;
  /**
   * Streaming: the watermark from which a call of `onSourceWatermark` without events would
   * release held events or declare gaps, or forget all the source still holds. At an earlier
   * watermark such a call changes no output, and the evictions it would make are made by the
   * next call all the same (they only drop entries older than a limit that grows with the
   * watermark). So the stream ticks a source only once its watermark reaches this, and a
   * source that gets events after ticks it skipped is first caught up (`catchUpSource`): a
   * source silent for days is not visited in every batch. -Infinity: at
   * every watermark (a state committed before 2026-11-27 has none, which counts as that);
   * Infinity: only when events come.
   */
  wakeAt?: number;
}

export interface SourceOutput {
  readonly kept: ReceivedEvent[];
  readonly findings: Finding[];
}

export function newSourceState(): SourceState {
  return { dedup: newDedupState(), nearDuplicates: newNearDuplicateState(), gaps: newGapState(), held: [], watermark: -Infinity, redelivered: 0, wakeAt: -Infinity };
}

/** No findings: shared by the many arrivals that have none. */
const NONE: ReadonlyArray<Finding> = Object.freeze([]);

/** One arrival: exact-duplicate check and sequence bookkeeping. Returns its findings (often none). */
export function onSourceEvent(state: SourceState, event: ReceivedEvent, config: RecoveryConfig): ReadonlyArray<Finding> {
  const filled = seeSequence(state.gaps, event, state.watermark, config.gap_timeout_ms, config.dedup_horizon_ms);
  if (event.event_time < state.watermark - config.dedup_horizon_ms && !state.dedup.kept.has(event.event_id)) {
    // Too late to know whether a copy was kept and forgotten: pass it, flagged, and remember
    // its id so later copies of it are still caught.
    const late = eventFinding(event, {
      kind: "late_unchecked",
      action: "none",
      identity: [event.event_id],
      detail: { watermark: new Date(state.watermark).toISOString(), horizon_ms: config.dedup_horizon_ms },
    });
    keepId(state.dedup, event);
    state.held.push(event);
    return filled === null ? [late] : [filled, late];
  }
  const decided = dedupeEvent(state.dedup, event, config.dedup_horizon_ms);
  if (decided.redelivered) state.redelivered += 1;
  if (decided.keep) state.held.push(event);
  if (filled === null) return decided.finding === null ? NONE : [decided.finding];
  return decided.finding === null ? [filled] : [filled, decided.finding];
}

/**
 * Advances time: releases decided events, declares gaps, evicts expired state. `recordForLate`:
 * remember the data of the events kept here for events arriving after the watermark has passed
 * them (default: unless final; a stream's final flush passes true, for its next run; a bounded
 * run has no later arrivals and skips the cost).
 */
export function onSourceWatermark(state: SourceState, source: string, watermark: number, config: RecoveryConfig, final: boolean, recordForLate = !final): SourceOutput {
  /** The watermark before this call: an event earlier than it arrived late, and `recent` lacks its window. */
  const passed = state.watermark;
  state.watermark = Math.max(state.watermark, watermark);
  let ready: ReceivedEvent[];
  if (final) {
    ready = state.held;
    state.held = [];
  } else {
    ready = [];
    const waiting: ReceivedEvent[] = [];
    for (const e of state.held) (e.event_time < state.watermark ? ready : waiting).push(e);
    state.held = waiting;
  }
  ready.sort(byEventTime);
  const kept: ReceivedEvent[] = [];
  const findings: Finding[] = [];
  const window = config.near_duplicate_window_ms;
  const dataPath = config.envelope.data;
  for (const event of ready) {
    const late = event.event_time < passed;
    const near = late ? judgeLateNearDuplicate(state.nearDuplicates, event, window, dataPath) : judgeNearDuplicate(state.nearDuplicates, event, window, dataPath);
    if (near !== null) {
      findings.push(near);
      continue;
    }
    // A late event kept (recorded in digests by its judgement) also joins `recent`, for the
    // events after it in this release; an event judged in order is recorded for late ones.
    if (late) insertRecent(state.nearDuplicates, event);
    else if (recordForLate) recordKeptData(state.nearDuplicates, event, dataPath);
    kept.push(event);
    const reuse = checkReuse(state.gaps, event);
    if (reuse !== null) findings.push(reuse);
  }
  for (const f of declareGaps(state.gaps, source, state.watermark, config.gap_timeout_ms, final)) findings.push(f);
  if (final) state.wakeAt = -Infinity;
  else {
    const forgetAll = Math.max(
      evictDedupState(state.dedup, state.watermark, config.dedup_horizon_ms),
      evictNearDuplicateState(state.nearDuplicates, state.watermark, config.near_duplicate_window_ms, config.dedup_horizon_ms),
      evictGapState(state.gaps, state.watermark, config.dedup_horizon_ms),
    );
    let wake = forgetAll === -Infinity ? Infinity : forgetAll;
    if (awaitsDeclaration(state.gaps)) wake = -Infinity;
    // A held event is released once the watermark passes its event time.
    for (const e of state.held) if (e.event_time < wake) wake = e.event_time;
    state.wakeAt = wake;
  }
  return { kept, findings };
}

/**
 * Streaming: brings a known source that the last batches did not tick (nothing was due: see
 * `wakeAt`) to where ticking it in every batch would have left it, before its new events are
 * judged: evicted at `evictedMs` (the last non-final batch's watermark; a final tick evicts
 * nothing) and at watermark `passedMs` (the last batch's, a flush's largest event time). The
 * eviction tick releases and declares nothing, by the `wakeAt` rule; whatever it did is
 * returned all the same. A source's evictions never lag its watermark but after a final tick,
 * which leaves `wakeAt` at -Infinity: the next batch ticks it, and this runs them first.
 */
export function catchUpSource(state: SourceState, source: string, evictedMs: number | undefined, passedMs: number | undefined, config: RecoveryConfig): SourceOutput {
  let out: SourceOutput = { kept: [], findings: [] };
  if (evictedMs !== undefined && state.watermark < evictedMs) out = onSourceWatermark(state, source, evictedMs, config, false);
  if (passedMs !== undefined && state.watermark < passedMs) state.watermark = passedMs;
  return out;
}

/** A bounded run of one source's events: every arrival, then the final watermark. */
export function recoverSourceBatch(source: string, events: ReceivedEvent[], watermark: number, config: RecoveryConfig): SourceOutput {
  const state = newSourceState();
  const findings: Finding[] = [];
  for (const e of events) for (const f of onSourceEvent(state, e, config)) findings.push(f);
  const out = onSourceWatermark(state, source, watermark, config, true);
  return { kept: out.kept, findings: findings.concat(out.findings) };
}
