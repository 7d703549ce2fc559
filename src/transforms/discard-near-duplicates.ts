import type { ReceivedEvent } from "../event";
import { eventFinding, type Finding } from "../flag";
import { canonicalJson, getPath, isPlainObject } from "../json-path";
import { isCorrection } from "../corrections/correction";
import { setPath } from "../corrections/paths";
import { stableId } from "../hash";
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
 * Streaming, late arrivals: an event whose time the watermark had passed before it arrived is
 * judged against `digests`, every event kept in the last dedup horizon by (event_type, digest of
 * its canonical data), since `recent` holds only the window behind the watermark. It is a
 * near-duplicate of the latest kept event within the window before it or, failing one, of the
 * earliest within the window after it (`detail.delta_ms` negative): the later one was written
 * before the earlier arrived, and of the two only one may stay.
 *
 * @example
 * // A(t=0, data {x:1}), B(t=800, data {x:1}), C(t=1900, data {x:1})
 * // -> A kept, B near_duplicate of A, C kept (1900 ms after A, the last kept)
 */
export interface NearDuplicateState {
  readonly recent: Map<string, RecentEntry[]>;
  /**
   * Streaming: `${event_type}\u0000${dataDigest}` -> `[event time, event_id]` of each event kept
   * with that data within the dedup horizon behind the watermark (a committed keyed table;
   * entries are replaced, never changed in place). Empty in a bounded run.
   */
  readonly digests: Map<string, ReadonlyArray<readonly [number, string]>>;
}

export function newNearDuplicateState(): NearDuplicateState {
  return { recent: new Map(), digests: new Map() };
}

/** A digest of the canonical data at `dataPath` of a received event's JSON text (key order ignored). */
export function dataDigest(raw: string, dataPath: string): string {
  return stableId([canonicalJson(dataOf(raw, dataPath))]);
}

function digestKey(event: ReceivedEvent, dataPath: string): string {
  return `${event.event_type}\u0000${dataDigest(event.raw, dataPath)}`;
}

/** Adds a kept event under `key` (a new list: the table's entries are never changed in place). */
function remember(state: NearDuplicateState, key: string, event: ReceivedEvent): void {
  state.digests.set(key, [...(state.digests.get(key) ?? []), [event.event_time, event.event_id] as const]);
}

/** Streaming: remembers a kept event by its data, for late arrivals judged after it (`judgeLateNearDuplicate`). */
export function recordKeptData(state: NearDuplicateState, event: ReceivedEvent, dataPath: string): void {
  remember(state, digestKey(event, dataPath), event);
}

/**
 * Judges an event the watermark had passed before it arrived (see the module doc), against
 * `digests`. When kept, it is recorded there too.
 */
export function judgeLateNearDuplicate(state: NearDuplicateState, event: ReceivedEvent, windowMs: number, dataPath: string): Finding | null {
  const key = digestKey(event, dataPath);
  const entries = state.digests.get(key) ?? [];
  let before: readonly [number, string] | null = null;
  let after: readonly [number, string] | null = null;
  for (const entry of entries) {
    const [time, id] = entry;
    if (id === event.event_id) continue;
    const delta = event.event_time - time;
    if (delta >= 0 && delta <= windowMs && (before === null || time > before[0])) before = entry;
    if (delta < 0 && -delta <= windowMs && (after === null || time < after[0])) after = entry;
  }
  const match = before ?? after;
  if (match === null) {
    remember(state, key, event);
    return null;
  }
  return eventFinding(event, {
    kind: "near_duplicate",
    action: "discard",
    identity: [event.event_id],
    detail: { duplicate_of: match[1], delta_ms: event.event_time - match[0] },
  });
}

/** Inserts a kept late event into `recent` at its place in event-time order (eviction drops it once out of the window). */
export function insertRecent(state: NearDuplicateState, event: ReceivedEvent): void {
  let live = state.recent.get(event.event_type);
  if (live === undefined) state.recent.set(event.event_type, (live = []));
  let at = live.length;
  while (at > 0 && live[at - 1].eventTime > event.event_time) at--;
  live.splice(at, 0, { eventTime: event.event_time, eventId: event.event_id, raw: event.raw, fingerprint: null });
  recentIndex.delete(live);
}

/**
 * The data at `dataPath` of a received event's JSON text (null when absent), as it was before
 * the corrections the event carries from an earlier run: near-duplicates are judged on the data
 * as first received, so running the pipeline on its own output judges them as the first run did
 * (a correction that made an event's data equal to a neighbour's must not make it a copy then).
 */
function dataOf(raw: string, dataPath: string): unknown {
  const obj: unknown = JSON.parse(raw);
  const data = getPath(obj, dataPath) ?? null;
  const carried = isPlainObject(obj) && Object.prototype.hasOwnProperty.call(obj, "corrections") ? obj["corrections"] : undefined;
  if (!Array.isArray(carried) || carried.length === 0 || !isPlainObject(data)) return data;
  let original: Record<string, unknown> = data;
  for (let i = carried.length - 1; i >= 0; i--) {
    const c: unknown = carried[i];
    if (!isCorrection(c)) continue;
    original = setPath(original, c.field, c.before) ?? original;
  }
  return original;
}

/** `structuralHash` of the data at `dataPath` of a received event's JSON text. */
export function fingerprintOf(raw: string, dataPath: string): number {
  return structuralHash(dataOf(raw, dataPath));
}

/** Whether two received events carry the same data up to key order (canonical JSON). */
export function sameData(a: string, b: string, dataPath: string): boolean {
  return canonicalJson(dataOf(a, dataPath)) === canonicalJson(dataOf(b, dataPath));
}

type RecentEntry = { eventTime: number; eventId: string; raw: string; fingerprint: number | null };

/**
 * Per `recent` list: its entries by fingerprint, each bucket in the list's order. Not state (a
 * cache, rebuilt from the list in one pass when missing: after a commit is loaded, after
 * eviction replaced the list, after `insertRecent` put an entry in the middle). Without it every
 * event was compared with every kept event of its type within the window: 100,000 events of
 * one source and type in one millisecond took 101 s in the per-source stage.
 */
const recentIndex = new WeakMap<RecentEntry[], Map<number, RecentEntry[]>>();

function indexOf(live: RecentEntry[], dataPath: string): Map<number, RecentEntry[]> {
  let index = recentIndex.get(live);
  if (index === undefined) {
    index = new Map();
    for (const entry of live) {
      entry.fingerprint ??= fingerprintOf(entry.raw, dataPath);
      const bucket = index.get(entry.fingerprint);
      if (bucket === undefined) index.set(entry.fingerprint, [entry]);
      else bucket.push(entry);
    }
    recentIndex.set(live, index);
  }
  return index;
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
  if (expired > 0) {
    const index = recentIndex.get(live);
    if (index !== undefined) {
      for (let i = 0; i < expired; i++) {
        const entry = live[i];
        const bucket = entry.fingerprint === null ? undefined : index.get(entry.fingerprint);
        if (bucket === undefined || bucket[0] !== entry) {
          recentIndex.delete(live);
          break;
        }
        if (bucket.length === 1) index.delete(entry.fingerprint as number);
        else bucket.shift();
      }
    }
    live.splice(0, expired);
  }
  let fingerprint: number | null = null;
  if (live.length > 0) {
    fingerprint = fingerprintOf(event.raw, dataPath);
    // The latest kept event with the same data (fingerprint, then canonical JSON), as a scan of
    // the whole list from its end finds it.
    const bucket = indexOf(live, dataPath).get(fingerprint) ?? [];
    for (let i = bucket.length - 1; i >= 0; i--) {
      const prior = bucket[i];
      if (prior.eventId === event.event_id) continue;
      if (!sameData(prior.raw, event.raw, dataPath)) continue;
      return eventFinding(event, {
        kind: "near_duplicate",
        action: "discard",
        identity: [event.event_id],
        detail: { duplicate_of: prior.eventId, delta_ms: event.event_time - prior.eventTime },
      });
    }
  }
  const entry: RecentEntry = { eventTime: event.event_time, eventId: event.event_id, raw: event.raw, fingerprint };
  live.push(entry);
  if (fingerprint !== null) {
    const index = recentIndex.get(live);
    if (index !== undefined) {
      const bucket = index.get(fingerprint);
      if (bucket === undefined) index.set(fingerprint, [entry]);
      else bucket.push(entry);
    }
  } else recentIndex.delete(live);
  return null;
}

/**
 * A state committed by an earlier version: fingerprints that were text (SHA-1) are dropped, to
 * be hashed again when needed; a state without `digests` gets an empty one.
 */
export function upgradeNearDuplicateState(state: NearDuplicateState): NearDuplicateState {
  for (const list of state.recent.values()) for (const entry of list) if (typeof entry.fingerprint !== "number") entry.fingerprint = null;
  if (state.digests === undefined) (state as { digests: NearDuplicateState["digests"] }).digests = new Map();
  return state;
}

/**
 * Forgets `recent` entries out of the window behind the watermark, and `digests` beyond the
 * horizon. Returns the watermark from which a call would forget everything still held
 * (-Infinity when nothing is).
 */
export function evictNearDuplicateState(state: NearDuplicateState, watermark: number, windowMs: number, horizonMs: number): number {
  let wake = -Infinity;
  for (const [type, list] of state.recent) {
    const live = list.filter((e) => e.eventTime >= watermark - windowMs);
    if (live.length === 0) state.recent.delete(type);
    else state.recent.set(type, live);
    for (const e of live) if (e.eventTime + windowMs > wake) wake = e.eventTime + windowMs;
  }
  const limit = watermark - horizonMs;
  for (const [key, entries] of state.digests) {
    let live = entries;
    if (!entries.every((e) => e[0] >= limit)) {
      live = entries.filter((e) => e[0] >= limit);
      if (live.length === 0) state.digests.delete(key);
      else state.digests.set(key, live);
    }
    for (const e of live) if (e[0] + horizonMs > wake) wake = e[0] + horizonMs;
  }
  return wake;
}
