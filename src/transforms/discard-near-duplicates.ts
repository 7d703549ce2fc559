import type { ReceivedEvent } from "../event";
import { finding, type Finding } from "../flag";

/**
 * Near-duplicates: a different event_id with the same source, event_type and canonical
 * data (key order ignored; compared through `fingerprint`) within `windowMs` (inclusive)
 * after an earlier kept event is discarded and flagged `near_duplicate` (action `discard`,
 * `detail.duplicate_of`). Events are judged in event-time order, ties broken by event_id;
 * only kept events can make a later one a near-duplicate, so a run of copies 0.8 s apart
 * keeps every other one that is more than the window after the last kept.
 *
 * Call `judgeNearDuplicate` in `byEventTime` order (the per-source stage releases events in
 * that order once the watermark has passed them). State: the last kept event per
 * fingerprint, evicted once older than the watermark minus the window.
 *
 * @example
 * // A(t=0, data {x:1}), B(t=800, data {x:1}), C(t=1900, data {x:1})
 * // -> A kept, B near_duplicate of A, C kept (1900 ms after A, the last kept)
 */
export interface NearDuplicateState {
  readonly lastKept: Map<string, { eventTime: number; eventId: string }>;
}

export function newNearDuplicateState(): NearDuplicateState {
  return { lastKept: new Map() };
}

export function judgeNearDuplicate(state: NearDuplicateState, event: ReceivedEvent, windowMs: number): Finding | null {
  const prior = state.lastKept.get(event.fingerprint);
  if (prior !== undefined && prior.eventId !== event.event_id && event.event_time - prior.eventTime <= windowMs) {
    return finding({
      kind: "near_duplicate",
      action: "discard",
      identity: [event.event_id],
      event_id: event.event_id,
      source: event.source,
      event_type: event.event_type,
      event_time: event.event_time,
      detail: { duplicate_of: prior.eventId, delta_ms: event.event_time - prior.eventTime },
    });
  }
  state.lastKept.set(event.fingerprint, { eventTime: event.event_time, eventId: event.event_id });
  return null;
}

export function evictNearDuplicateState(state: NearDuplicateState, watermark: number, windowMs: number): void {
  for (const [fp, entry] of state.lastKept) if (entry.eventTime < watermark - windowMs) state.lastKept.delete(fp);
}
