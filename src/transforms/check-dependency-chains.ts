import type { ChainConfig, RecoveryConfig } from "../config";
import type { ReceivedEvent } from "../event";
import { finding, type Finding } from "../flag";
import { stableId } from "../hash";

/**
 * Dependency chains: ordered steps `{event_type, key, max_delay_ms}` keyed per chain on a
 * data path (default `card.scanned` -> `lead.created` (5 min) -> `crm.synced` (15 min) ->
 * `followup.sent` (60 min) on `data.lead_id`). Feed kept events (after dedup).
 *
 * Semantics, per (chain, key), once any step is seen:
 * - each step missing before the last step seen is `missing_upstream` (action `reprocess`);
 * - after the last step seen only the next step is judged: once the watermark passes its
 *   deadline (last step's time + the next step's delay) it is `missing_downstream` (action
 *   `reprocess`); a deadline the watermark has not reached is pending (counted, not flagged);
 * - a step later than its deadline is `late_step` (action `none`). A step's deadline is the
 *   time of the nearest earlier step seen plus the delays of the steps in between; a first
 *   step seen has none.
 * The earliest event of a step counts when a step repeats. `detail`: `chain`, `missing`,
 * `after`, `deadline` (ISO). `flag_id` = hash(kind, chain, key, step type).
 *
 * Streaming: a step that arrives after it was flagged missing emits `gap_filled` (action
 * `none`, the same retraction sequence gaps use). Every judged step is then judged late or not
 * again against the steps seen now (an arrival moves the deadlines of the steps after it): one
 * late now and not flagged is flagged `late_step`; one flagged late and on time now is
 * withdrawn, `late_step_withdrawn` (action `none`, `detail.deadline` the new deadline). The net
 * findings (late_step less late_step_withdrawn, missing less gap_filled) equal a bounded run's,
 * but for one case: a withdrawn step that a further arrival makes late again is not flagged
 * again (each claim has one flag_id and is made at most once).
 *
 * Time: an upstream gap is decided once the watermark reaches the step after it, a late step
 * once the watermark reaches it, a downstream gap once the watermark passes its deadline;
 * `final` (end of a bounded input) decides the first two regardless. State: one small record
 * per open (chain, key); a chain whose last step was judged is closed.
 *
 * @example
 * // scan(t=0), crm.synced(t=8 min) for lead L, watermark 2 h
 * // -> missing_upstream(missing lead.created, after card.scanned),
 * //    missing_downstream(missing followup.sent, after crm.synced, deadline 68 min)
 */
export interface ChainState {
  /** Per step index: the earliest event seen for it. */
  readonly steps: Array<{ eventId: string; eventTime: number; eventType: string; source: string } | null>;
  /** Step types already judged (flagged or cleared), so nothing is flagged twice. */
  readonly judged: Set<string>;
  /** Step types flagged missing that have not arrived since (streaming retractions). */
  readonly missingFlagged: Set<string>;
  /**
   * Step types flagged late, so a step judged again after an earlier step arrived is never
   * flagged twice. Absent in states committed before it existed: then the judged steps late
   * by their present deadlines (what was flagged, unless an arrival moved a deadline since).
   */
  lateFlagged?: Set<string>;
  /** Step types whose late_step was withdrawn (never flagged again). Absent: none. */
  lateWithdrawn?: Set<string>;
  /**
   * Streaming: the watermark from which a judgement without new steps would decide something
   * or the chain could be forgotten (`chainWake`); at an earlier one it changes nothing, so the
   * stream ticks the chain only once its watermark reaches this. Absent (a state committed
   * before 2026-11-27): at every watermark.
   */
  wakeAt?: number;
}

export function newChainState(chain: ChainConfig): ChainState {
  return { steps: chain.steps.map(() => null), judged: new Set(), missingFlagged: new Set(), lateFlagged: new Set(), lateWithdrawn: new Set() };
}

/** The index of the last step seen, -1 when none is. */
function lastSeenStep(state: ChainState): number {
  for (let i = state.steps.length - 1; i >= 0; i--) if (state.steps[i] !== null) return i;
  return -1;
}

/** Records one kept event of this chain and key. */
export function recordChainStep(state: ChainState, chain: ChainConfig, event: ReceivedEvent): void {
  const index = chain.steps.findIndex((s) => s.event_type === event.event_type);
  if (index < 0) return;
  const prior = state.steps[index];
  if (prior === null || event.event_time < prior.eventTime || (event.event_time === prior.eventTime && event.event_id < prior.eventId)) {
    state.steps[index] = { eventId: event.event_id, eventTime: event.event_time, eventType: event.event_type, source: event.source };
  }
}

/** The deadline of step `index`: nearest earlier seen step + delays in between; null if none. */
export function stepDeadline(state: ChainState, chain: ChainConfig, index: number): { deadline: number; after: string } | null {
  let delay = 0;
  for (let j = index; j >= 1; j--) {
    delay += chain.steps[j].max_delay_ms;
    const anchor = state.steps[j - 1];
    if (anchor !== null) return { deadline: anchor.eventTime + delay, after: chain.steps[j - 1].event_type };
  }
  return null;
}

/**
 * Judges what the watermark has decided. Returns new findings and how many deadlines are pending.
 * Changes `state` only by adding to `judged` (and with it `missingFlagged`), `lateFlagged` or
 * `lateWithdrawn`, or removing from `missingFlagged` or `lateFlagged` (into `lateWithdrawn`):
 * the streaming stage tells a changed chain by those sets' sizes (`judgedSizes`).
 */
export function judgeChain(state: ChainState, chain: ChainConfig, key: string, watermark: number, final: boolean): { findings: Finding[]; pending: number } {
  const findings: Finding[] = [];
  const last = lastSeenStep(state);
  if (last < 0) return { findings, pending: 0 };
  const lastStep = state.steps[last]!;
  const make = (kind: string, action: "reprocess" | "none", stepIndex: number, evidence: NonNullable<ChainState["steps"][number]>, missing: string | null) => {
    const d = stepDeadline(state, chain, stepIndex);
    return finding({
      kind,
      action,
      identity: [chain.name, key, chain.steps[stepIndex].event_type],
      event_id: evidence.eventId,
      source: evidence.source,
      event_type: evidence.eventType,
      key,
      event_time: evidence.eventTime,
      detail: {
        chain: chain.name,
        missing,
        after: d?.after ?? null,
        deadline: d === null ? null : new Date(d.deadline).toISOString(),
        step: chain.steps[stepIndex].event_type,
      },
    });
  };
  const lateFlagged = (state.lateFlagged ??= lateByNow(state, chain));
  const withdrawn = (state.lateWithdrawn ??= new Set());
  /** Flags a judged step `index` late, or withdraws its flag, as its deadline stands now. */
  const judgeLate = (index: number, step: NonNullable<ChainState["steps"][number]>) => {
    const type = chain.steps[index].event_type;
    const d = stepDeadline(state, chain, index);
    const late = d !== null && step.eventTime > d.deadline;
    if (late && !lateFlagged.has(type) && !withdrawn.has(type)) {
      lateFlagged.add(type);
      findings.push(make("late_step", "none", index, step, null));
    } else if (!late && lateFlagged.has(type)) {
      lateFlagged.delete(type);
      withdrawn.add(type);
      findings.push({ ...make("late_step_withdrawn", "none", index, step, null), flag_id: stableId(["late_step_withdrawn", chain.name, key, type]) });
    }
  };
  for (let i = 0; i <= last; i++) {
    const type = chain.steps[i].event_type;
    const step = state.steps[i];
    if (state.judged.has(type)) {
      if (step === null) continue;
      // Streaming: a step flagged missing arrived after all: retract with `gap_filled`. Then
      // every judged step is judged again, since an arrival moves the deadlines after it.
      if (state.missingFlagged.has(type)) {
        state.missingFlagged.delete(type);
        findings.push({ ...make("gap_filled", "none", i, step, null), flag_id: stableId(["gap_filled", chain.name, key, type]) });
      }
      judgeLate(i, step);
      continue;
    }
    if (step === null) {
      const next = state.steps.slice(i + 1).find((s) => s !== null)!;
      if (!final && watermark < next.eventTime) continue;
      state.judged.add(type);
      state.missingFlagged.add(type);
      findings.push(make("missing_upstream", "reprocess", i, next, type));
    } else {
      if (!final && watermark < step.eventTime) continue;
      state.judged.add(type);
      judgeLate(i, step);
    }
  }
  let pending = 0;
  const next = last + 1;
  if (next < chain.steps.length && !state.judged.has(chain.steps[next].event_type)) {
    const deadline = lastStep.eventTime + chain.steps[next].max_delay_ms;
    if (watermark > deadline) {
      state.judged.add(chain.steps[next].event_type);
      state.missingFlagged.add(chain.steps[next].event_type);
      findings.push(make("missing_downstream", "reprocess", next, lastStep, chain.steps[next].event_type));
    } else pending = 1;
  }
  return { findings, pending };
}

/** Judged steps (seen, not awaiting a retraction) past their deadline as the state stands. */
function lateByNow(state: ChainState, chain: ChainConfig): Set<string> {
  const late = new Set<string>();
  state.steps.forEach((step, i) => {
    const type = chain.steps[i].event_type;
    if (step === null || !state.judged.has(type) || state.missingFlagged.has(type)) return;
    const d = stepDeadline(state, chain, i);
    if (d !== null && step.eventTime > d.deadline) late.add(type);
  });
  return late;
}

/**
 * The earliest watermark at which `judgeChain` without new steps would judge something (a
 * step not yet judged: once the watermark reaches it, or the step after it for a missing one;
 * the next step's deadline: once the watermark passes it), or at which a closed chain may be
 * forgotten (its last deadline plus `horizonMs`). A judgement at an earlier watermark returns
 * no finding and changes nothing; only its `pending` count is read (`awaitsDownstream`).
 */
export function chainWake(state: ChainState, chain: ChainConfig, horizonMs: number): number {
  const last = lastSeenStep(state);
  if (last < 0) return Infinity;
  let wake = Infinity;
  let nextSeen = Infinity;
  for (let i = last; i >= 0; i--) {
    const step = state.steps[i];
    if (step !== null) nextSeen = step.eventTime;
    if (!state.judged.has(chain.steps[i].event_type)) wake = Math.min(wake, nextSeen);
  }
  if (awaitsDownstream(state, chain)) wake = Math.min(wake, state.steps[last]!.eventTime + chain.steps[last + 1].max_delay_ms);
  if (isChainClosed(state, chain)) wake = Math.min(wake, lastDeadline(state, chain) + horizonMs);
  return wake;
}

/** Whether the step after the last one seen is still to be judged (a pending deadline until the watermark passes it). */
export function awaitsDownstream(state: ChainState, chain: ChainConfig): boolean {
  const last = lastSeenStep(state);
  return last >= 0 && last + 1 < chain.steps.length && !state.judged.has(chain.steps[last + 1].event_type);
}

/** The sizes of the sets `judgeChain` changes: equal before and after it when it changed nothing. */
export function judgedSizes(state: ChainState): string {
  return `${state.judged.size},${state.missingFlagged.size},${state.lateFlagged?.size ?? 0},${state.lateWithdrawn?.size ?? 0}`;
}

/** A bounded run of one (chain, key): record every step, then judge at the final watermark. */
export function checkChainBatch(chain: ChainConfig, key: string, events: ReceivedEvent[], watermark: number): { findings: Finding[]; pending: number } {
  const state = newChainState(chain);
  for (const e of events) recordChainStep(state, chain, e);
  return judgeChain(state, chain, key, watermark, true);
}

/** True once nothing more can be judged: the chain is complete or its next step was judged. */
export function isChainClosed(state: ChainState, chain: ChainConfig): boolean {
  const last = lastSeenStep(state);
  if (last < 0) return false;
  for (let i = 0; i <= Math.min(last + 1, chain.steps.length - 1); i++) if (!state.judged.has(chain.steps[i].event_type)) return false;
  return true;
}

/**
 * The chain's last deadline: the deadline of the step after the last step seen (that step's
 * time plus the next step's delay; nothing after the chain's last step), or the latest step's
 * time if later; -Infinity when none is seen. A stream keeps a closed
 * chain until the watermark is the dedup horizon past it, so a step flagged missing that
 * arrives within the horizon after its flag is retracted (`gap_filled`), not taken for a new
 * chain.
 */
export function lastDeadline(state: ChainState, chain: ChainConfig): number {
  let latest = -Infinity;
  let lastIndex = -1;
  state.steps.forEach((s, i) => {
    if (s === null) return;
    latest = Math.max(latest, s.eventTime);
    lastIndex = i;
  });
  if (lastIndex < 0) return -Infinity;
  const delay = lastIndex + 1 < chain.steps.length ? chain.steps[lastIndex + 1].max_delay_ms : 0;
  return Math.max(latest, state.steps[lastIndex]!.eventTime + delay);
}

/** Per event type: the chains (index, key path) it is a step of, in chain order. */
const stepsByType = new WeakMap<RecoveryConfig["chains"], Map<string, Array<{ index: number; key: string }>>>();

/** The chains (index, key path) an event type is a step of, in chain order; undefined for none. Memoized per chains config. */
export function chainStepsOf(chains: RecoveryConfig["chains"], eventType: string): Array<{ index: number; key: string }> | undefined {
  let byType = stepsByType.get(chains);
  if (byType === undefined) {
    byType = new Map();
    for (let index = 0; index < chains.length; index++) {
      const seen = new Set<string>();
      for (const s of chains[index].steps) {
        // The first step of a type counts, as `steps.find` would pick it.
        if (seen.has(s.event_type)) continue;
        seen.add(s.event_type);
        const list = byType.get(s.event_type);
        if (list === undefined) byType.set(s.event_type, [{ index, key: s.key }]);
        else list.push({ index, key: s.key });
      }
    }
    stepsByType.set(chains, byType);
  }
  return byType.get(eventType);
}
