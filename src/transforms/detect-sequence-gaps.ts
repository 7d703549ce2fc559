import type { ReceivedEvent } from "../event";
import { eventFinding, finding, type Finding } from "../flag";

/**
 * Sequence gaps per source.
 *
 * Semantics: numbers strictly between the smallest and largest sequence seen that never
 * arrived are reported as inclusive ranges `sequence_gap` (`detail.from`..`detail.to`,
 * action `reprocess`). Every valid line counts as seen, discarded copies included. Arrival
 * order does not matter and the first number is not assumed to be 1.
 *
 * Time: a gap below number n is declared once the watermark passes the event time of n by
 * `timeoutMs`, or at the end of a bounded input (`final`). A number that arrives after its gap
 * was declared emits `gap_filled` (action `none`) for itself, and the declared range shrinks.
 * In streaming, a source's smallest number seen starts its range once the watermark passes
 * its event time by `timeoutMs` (until then a smaller number arriving out of order takes its
 * place); a number below the start, or below a position already resolved, is ignored.
 *
 * Reuse: a number carried by a second kept event with another event_id is not a gap and not a
 * duplicate: the later one in (event time, event_id) order is flagged `sequence_reused`
 * (action `none`). Feed kept events to `checkReuse` in that order.
 *
 * State: the sightings of unresolved numbers above the resolved position, declared ranges and
 * used numbers until the watermark passes them by the horizon.
 *
 * @example
 * // seen 1001, 1002, 1005, 1004 (any order), final
 * // -> sequence_gap {from: 1003, to: 1003}
 */
export interface GapState {
  /** Highest number such that every number up to it is seen or declared missing. */
  resolvedUpTo: number | null;
  /**
   * Sightings of numbers above `resolvedUpTo` not yet resolved, in arrival order: number i
   * was carried by an event of time `times[i]` (a number seen twice appears twice; its earliest
   * time counts). Two columns, so a million sightings allocate no objects.
   */
  pending: { numbers: number[]; times: number[] };
  /** Declared gaps still open to `gap_filled`, with the event time of the number after them. */
  declared: Array<{ from: number; to: number; eventTime: number }>;
  /** Number -> the kept event that first carried it (for reuse). */
  readonly used: Map<number, { eventId: string; eventTime: number }>;
}

export function newGapState(): GapState {
  return { resolvedUpTo: null, pending: { numbers: [], times: [] }, declared: [], used: new Map() };
}

/** A state committed when `pending` was a Map (number -> earliest time) in the current form. */
export function upgradeGapState(state: GapState): GapState {
  const old = state.pending as unknown;
  if (!(old instanceof Map)) return state;
  const numbers: number[] = [];
  const times: number[] = [];
  for (const [n, t] of old as Map<number, number>) {
    numbers.push(n);
    times.push(t);
  }
  return { ...state, pending: { numbers, times } };
}

/** Records that a valid line carried `event.sequence`; the `gap_filled` finding when it fills a declared gap. */
export function seeSequence(state: GapState, event: ReceivedEvent): Finding | null {
  const n = event.sequence;
  if (n === null) return null;
  if (state.resolvedUpTo === null || n > state.resolvedUpTo) {
    state.pending.numbers.push(n);
    state.pending.times.push(event.event_time);
    return null;
  }
  const hit = state.declared.findIndex((g) => g.from <= n && n <= g.to);
  if (hit < 0) return null;
  const gap = state.declared[hit];
  const rest = [
    { from: gap.from, to: n - 1, eventTime: gap.eventTime },
    { from: n + 1, to: gap.to, eventTime: gap.eventTime },
  ].filter((g) => g.from <= g.to);
  state.declared.splice(hit, 1, ...rest);
  return eventFinding(event, {
    kind: "gap_filled",
    action: "none",
    identity: [event.source, n],
    detail: { sequence: n, gap_from: gap.from, gap_to: gap.to },
  });
}

/** Declares the gaps the watermark (or the end of input) has decided. */
export function declareGaps(state: GapState, source: string, watermark: number, timeoutMs: number, final: boolean): Finding[] {
  const sightings = state.pending.numbers.length;
  if (sightings === 0) return [];
  // The distinct numbers, ascending.
  const sorted = Float64Array.from(state.pending.numbers).sort();
  let distinct = 0;
  for (let i = 0; i < sightings; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[distinct++] = sorted[i];
  const numbers = sorted.subarray(0, distinct);
  if (state.resolvedUpTo === null && !final) {
    // A source's first numbers: a smaller one may still arrive (out of order, within the
    // allowed lateness), and would start the range. The smallest seen becomes the start once
    // the watermark passes its event time by the timeout, as a gap below it would be declared.
    let first = Infinity;
    for (let i = 0; i < sightings; i++) if (state.pending.numbers[i] === numbers[0] && state.pending.times[i] < first) first = state.pending.times[i];
    if (first + timeoutMs > watermark) return [];
  }
  const start = state.resolvedUpTo ?? numbers[0] - 1;
  // Event times are needed only for the numbers right after a gap: their earliest sighting.
  const timeOf = new Map<number, number>();
  for (let i = 0, before = start; i < numbers.length; before = numbers[i++]) if (numbers[i] > before + 1) timeOf.set(numbers[i], Infinity);
  if (timeOf.size > 0) {
    const { numbers: seen, times } = state.pending;
    for (let i = 0; i < sightings; i++) {
      const t = timeOf.get(seen[i]);
      if (t !== undefined && times[i] < t) timeOf.set(seen[i], times[i]);
    }
  }
  const out: Finding[] = [];
  let position = start;
  let resolved = 0;
  for (const n of numbers) {
    if (n > position + 1) {
      const eventTime = timeOf.get(n) as number;
      if (!final && eventTime + timeoutMs > watermark) break;
      out.push(
        finding({
          kind: "sequence_gap",
          action: "reprocess",
          identity: [source, position + 1, n - 1],
          source,
          event_time: eventTime,
          detail: { from: position + 1, to: n - 1, missing: n - 1 - position, next_sequence: n },
        }),
      );
      state.declared.push({ from: position + 1, to: n - 1, eventTime });
    }
    position = n;
    resolved++;
  }
  // All resolved (always so at the end of input): cleared; else the sightings above `position` stay.
  if (resolved === numbers.length) state.pending = { numbers: [], times: [] };
  else {
    const numbersLeft: number[] = [];
    const timesLeft: number[] = [];
    for (let i = 0; i < sightings; i++) {
      if (state.pending.numbers[i] <= position) continue;
      numbersLeft.push(state.pending.numbers[i]);
      timesLeft.push(state.pending.times[i]);
    }
    state.pending = { numbers: numbersLeft, times: timesLeft };
  }
  state.resolvedUpTo = position;
  return out;
}

/** Flags a kept event whose number another kept event (a different event_id) already used. */
export function checkReuse(state: GapState, event: ReceivedEvent): Finding | null {
  const n = event.sequence;
  if (n === null) return null;
  const first = state.used.get(n);
  if (first === undefined) {
    state.used.set(n, { eventId: event.event_id, eventTime: event.event_time });
    return null;
  }
  if (first.eventId === event.event_id) return null;
  return eventFinding(event, {
    kind: "sequence_reused",
    action: "none",
    identity: [event.event_id],
    detail: { sequence: n, first_event_id: first.eventId },
  });
}

/** Forgets declared gaps and used numbers older than the watermark minus the horizon. */
export function evictGapState(state: GapState, watermark: number, horizonMs: number): void {
  const limit = watermark - horizonMs;
  state.declared = state.declared.filter((g) => g.eventTime >= limit);
  for (const [n, u] of state.used) if (u.eventTime < limit) state.used.delete(n);
}
