import type { ReceivedEvent } from "../event";
import { eventFinding, type Finding } from "../flag";
import { canonicalJson, getPath } from "../json-path";
import { structuralHash } from "../structural-hash";

/**
 * Near-duplicates: a different event_id with the same source, event_type and canonical
 * data (key order ignored) within `windowMs` (inclusive) after an earlier kept event is
 * discarded and flagged `near_duplicate` (action `discard`, `detail.duplicate_of`: the latest
 * such kept event). Events are judged in event-time order, ties broken by event_id; only kept
 * events can make a later one a near-duplicate, so of copies 0.8 s apart every other one that
 * is more than the window after the last kept is kept.
 *
 * Call `judgeNearDuplicate` in `byEventTime` order (the per-source stage releases events in
 * that order once the watermark has passed them). State: the kept events of the last window
 * per event type. The data is hashed lazily (`structuralHash`, key order ignored), only when
 * another kept event of the same type lies within the window, so sparse streams never pay for
 * it; equal hashes are confirmed by comparing the canonical JSON of both.
 *
 * @example
 * // A(t=0, data {x:1}), B(t=800, data {x:1}), C(t=1900, data {x:1})
 * // -> A kept, B near_duplicate of A, C kept (1900 ms after A, the last kept)
 */
export interface NearDuplicateState {
  readonly recent: Map<string, Array<{ eventTime: number; eventId: string; raw: string; fingerprint: number | null }>>;
}

export function newNearDuplicateState(): NearDuplicateState {
  return { recent: new Map() };
}

/** The data at `dataPath` of a received event's JSON text (null when absent). */
function dataOf(raw: string, dataPath: string): unknown {
  return getPath(JSON.parse(raw), dataPath) ?? null;
}

/** `structuralHash` of the data at `dataPath` of a received event's JSON text. */
export function fingerprintOf(raw: string, dataPath: string): number {
  return structuralHash(dataOf(raw, dataPath));
}

/** Whether two received events carry the same data up to key order (canonical JSON). */
export function sameData(a: string, b: string, dataPath: string): boolean {
  return canonicalJson(dataOf(a, dataPath)) === canonicalJson(dataOf(b, dataPath));
}

export function judgeNearDuplicate(state: NearDuplicateState, event: ReceivedEvent, windowMs: number, dataPath: string): Finding | null {
  // Events come in event-time order, so the list is too: drop expired entries from its front.
  let live = state.recent.get(event.event_type);
  if (live === undefined) {
    live = [];
    state.recent.set(event.event_type, live);
  }
  let expired = 0;
  while (expired < live.length && event.event_time - live[expired].eventTime > windowMs) expired++;
  if (expired > 0) live.splice(0, expired);
  let fingerprint: number | null = null;
  for (let i = live.length - 1; i >= 0; i--) {
    const prior = live[i];
    if (prior.eventId === event.event_id) continue;
    fingerprint ??= fingerprintOf(event.raw, dataPath);
    prior.fingerprint ??= fingerprintOf(prior.raw, dataPath);
    if (prior.fingerprint !== fingerprint || !sameData(prior.raw, event.raw, dataPath)) continue;
    return eventFinding(event, {
      kind: "near_duplicate",
      action: "discard",
      identity: [event.event_id],
      detail: { duplicate_of: prior.eventId, delta_ms: event.event_time - prior.eventTime },
    });
  }
  live.push({ eventTime: event.event_time, eventId: event.event_id, raw: event.raw, fingerprint });
  return null;
}

/** A state committed when fingerprints were text (SHA-1): they are dropped, to be hashed again when needed. */
export function upgradeNearDuplicateState(state: NearDuplicateState): NearDuplicateState {
  for (const list of state.recent.values()) for (const entry of list) if (typeof entry.fingerprint !== "number") entry.fingerprint = null;
  return state;
}

export function evictNearDuplicateState(state: NearDuplicateState, watermark: number, windowMs: number): void {
  for (const [type, list] of state.recent) {
    const live = list.filter((e) => e.eventTime >= watermark - windowMs);
    if (live.length === 0) state.recent.delete(type);
    else state.recent.set(type, live);
  }
}
