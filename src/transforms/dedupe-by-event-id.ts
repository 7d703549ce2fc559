import type { ReceivedEvent } from "../event";
import { eventFinding, type Finding } from "../flag";

/**
 * Exact duplicates by `event_id` (the idempotency key), per source.
 *
 * Semantics: a later arrival of an event_id already kept, whose event time is within
 * `horizonMs` of the kept copy, is discarded and flagged `duplicate` (action `discard`), one
 * flag per discarded copy, `flag_id = hash(duplicate, event_id, copy ordinal)`. Copies are
 * identical, so which one is kept does not matter. One whose event time no kept copy has is
 * not a copy of one (another event under a reused id, or a retry that restamped it): it is
 * discarded too, but its flag's action is `manual_review` and `detail.kept_event_time` names
 * the nearest kept copy's time. A repeat of the id beyond the horizon of
 * every kept copy is kept too (a new event under a reused id), and later repeats are compared
 * with every kept copy, so a copy of the first that arrives after the second is still caught.
 * Copy ordinals count per id across its kept copies, so no two flags share a `flag_id`. Exact
 * within the horizon; state is one entry per id (plus the other kept copies' times for the
 * rare ids kept more than once), evicted once the watermark passes its latest kept copy's
 * event time plus two horizons (`evictDedupState`).
 *
 * @example
 * // arrivals: e1 (t=0), e1 (t=0), e1 (t=0)
 * // -> e1 kept; flags duplicate(e1, copy 1), duplicate(e1, copy 2)
 * // arrivals: e1 (t=0), e1 (t=25 h), e1 (t=0)
 * // -> both first arrivals kept (25 h apart), the third is duplicate(e1, copy 1) of the first
 * // arrivals: e1 (t=0), e1 (t=5 s)
 * // -> e1 kept; duplicate(e1, copy 1), action manual_review, detail.kept_event_time t=0
 */
export interface DedupState {
  /**
   * event_id -> event time of its kept copy, the latest when it has several (a number, so a
   * million ids allocate no objects).
   */
  readonly kept: Map<string, number>;
  /** event_id -> copies discarded so far; only ids that had a copy. */
  readonly copies: Map<string, number>;
  /** event_id -> Pub/Sub message id of the latest kept copy; only ids whose copy had one. */
  readonly messages: Map<string, string>;
  /** event_id -> event times of its other kept copies; only ids kept more than once (rare). */
  readonly earlier: Map<string, number[]>;
}

export function newDedupState(): DedupState {
  return { kept: new Map(), copies: new Map(), messages: new Map(), earlier: new Map() };
}

/**
 * Records `event` as a kept copy of its id, with its message id. When the id already has a
 * kept copy (beyond the horizon of this one), that copy's time is remembered beside it.
 */
export function keepId(state: DedupState, event: ReceivedEvent): void {
  const id = event.event_id;
  const prior = state.kept.get(id);
  if (prior !== undefined) {
    const others = state.earlier.get(id) ?? [];
    others.push(Math.min(prior, event.event_time));
    state.earlier.set(id, others);
    state.kept.set(id, Math.max(prior, event.event_time));
  } else state.kept.set(id, event.event_time);
  const messageId = event.meta.message_id;
  if (messageId !== null) state.messages.set(id, messageId);
  else if (prior !== undefined) state.messages.delete(id);
}

/** Whether some kept copy of `id` lies within `horizonMs` of `eventTime` (`latest`: its kept time). */
function withinKeptCopy(state: DedupState, id: string, latest: number, eventTime: number, horizonMs: number): boolean {
  if (Math.abs(eventTime - latest) <= horizonMs) return true;
  const others = state.earlier.get(id);
  return others !== undefined && others.some((t) => Math.abs(eventTime - t) <= horizonMs);
}

/**
 * A state committed before ids were kept as numbers (`kept` values `{eventTime, copies,
 * messageId}`), or before `earlier`, in the current form; a current state is returned as it is.
 */
export function upgradeDedupState(state: DedupState): DedupState {
  const old = state as unknown as { kept: Map<string, unknown>; copies?: Map<string, number>; messages?: Map<string, string>; earlier?: Map<string, number[]> };
  if (old.copies !== undefined && old.messages !== undefined) return old.earlier !== undefined ? state : { ...state, earlier: new Map() };
  const next = newDedupState();
  for (const [id, v] of old.kept) {
    if (typeof v === "number") {
      next.kept.set(id, v);
      continue;
    }
    const entry = v as { eventTime: number; copies: number; messageId: string | null };
    next.kept.set(id, entry.eventTime);
    if (entry.copies > 0) next.copies.set(id, entry.copies);
    if (entry.messageId !== null) next.messages.set(id, entry.messageId);
  }
  return next;
}

/** What `dedupeEvent` decided about one arrival. */
export interface DedupDecision {
  readonly keep: boolean;
  readonly finding: Finding | null;
  readonly redelivered: boolean;
}

/** The two finding-free decisions, shared (one per arrival would be a million allocations a run). */
const KEEP: DedupDecision = Object.freeze({ keep: true, finding: null, redelivered: false });
const REDELIVERED: DedupDecision = Object.freeze({ keep: false, finding: null, redelivered: true });

/**
 * Decides one arrival: `keep` false means it is a copy (its finding says of what). A Pub/Sub
 * redelivery (same event_id AND same message_id as the kept copy) is not a new copy: it is
 * dropped without a flag (`redelivered`), so redeliveries never change the findings.
 */
export function dedupeEvent(state: DedupState, event: ReceivedEvent, horizonMs: number): DedupDecision {
  const prior = state.kept.get(event.event_id);
  if (prior === undefined || !withinKeptCopy(state, event.event_id, prior, event.event_time, horizonMs)) {
    keepId(state, event);
    return KEEP;
  }
  const messageId = event.meta.message_id;
  if (messageId !== null && messageId === state.messages.get(event.event_id)) return REDELIVERED;
  const copies = (state.copies.get(event.event_id) ?? 0) + 1;
  state.copies.set(event.event_id, copies);
  const kept = nearestKeptTime(state, event.event_id, prior, event.event_time);
  return {
    keep: false,
    redelivered: false,
    finding: eventFinding(event, {
      kind: "duplicate",
      // A copy carries its original's event time. One whose time no kept copy has is another
      // event under the same id, or a retry that restamped it: discarded all the same (keeping
      // it could count one event twice), but for a person to look at, with the kept time.
      action: kept === event.event_time ? "discard" : "manual_review",
      identity: [event.event_id, copies],
      detail: kept === event.event_time ? { copy: copies, line: event.line } : { copy: copies, line: event.line, kept_event_time: new Date(kept).toISOString() },
    }),
  };
}

/** The event time of the kept copy of `id` nearest to `eventTime` (`latest`: its latest kept copy's). */
function nearestKeptTime(state: DedupState, id: string, latest: number, eventTime: number): number {
  let nearest = latest;
  for (const t of state.earlier.get(id) ?? []) if (Math.abs(eventTime - t) < Math.abs(eventTime - nearest)) nearest = t;
  return nearest;
}

/**
 * Forgets kept copies older than the watermark minus two horizons, and ids left with none: an
 * arrival up to one horizon behind the watermark is still checked (older ones are
 * `late_unchecked`), against kept copies up to one horizon before it. Returns the watermark
 * from which a call would forget everything still held (-Infinity when nothing is).
 */
export function evictDedupState(state: DedupState, watermark: number, horizonMs: number): number {
  const limit = watermark - 2 * horizonMs;
  let latest = -Infinity;
  for (const [id, eventTime] of state.kept) {
    if (eventTime >= limit) {
      if (eventTime > latest) latest = eventTime;
      continue;
    }
    state.kept.delete(id);
    state.copies.delete(id);
    state.messages.delete(id);
    state.earlier.delete(id);
  }
  for (const [id, times] of state.earlier) {
    const live = times.filter((t) => t >= limit);
    if (live.length === 0) state.earlier.delete(id);
    else if (live.length < times.length) state.earlier.set(id, live);
  }
  // A kept id's time is the latest of its copies: `earlier` holds none later.
  return latest + 2 * horizonMs;
}
