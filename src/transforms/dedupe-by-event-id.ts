import type { ReceivedEvent } from "../event";
import { eventFinding, type Finding } from "../flag";

/**
 * Exact duplicates by `event_id` (the idempotency key), per source.
 *
 * Semantics: a later arrival of an event_id already kept, whose event time is within
 * `horizonMs` of the kept copy, is discarded and flagged `duplicate` (action `discard`), one
 * flag per discarded copy, `flag_id = hash(duplicate, event_id, copy ordinal)`. Copies are
 * identical, so which one is kept does not matter. A repeat of the id beyond the horizon is
 * kept and becomes the copy later repeats are compared with. Exact within the horizon; state
 * is one entry per id, evicted once the watermark passes its event time plus the horizon.
 *
 * @example
 * // arrivals: e1 (t=0), e1 (t=0), e1 (t=0)
 * // -> e1 kept; flags duplicate(e1, copy 1), duplicate(e1, copy 2)
 */
export interface DedupState {
  /** event_id -> event time of its kept copy (a number, so a million ids allocate no objects). */
  readonly kept: Map<string, number>;
  /** event_id -> copies of the kept one discarded so far; only ids that had a copy. */
  readonly copies: Map<string, number>;
  /** event_id -> Pub/Sub message id of the kept copy; only ids whose kept copy had one. */
  readonly messages: Map<string, string>;
}

export function newDedupState(): DedupState {
  return { kept: new Map(), copies: new Map(), messages: new Map() };
}

/**
 * Records `event` as the kept copy of its id (a new copy count, its message id); `replaces`:
 * the id already had a kept copy (one beyond the horizon), whose counts go.
 */
export function keepId(state: DedupState, event: ReceivedEvent, replaces: boolean): void {
  const id = event.event_id;
  state.kept.set(id, event.event_time);
  if (replaces) state.copies.delete(id);
  const messageId = event.meta.message_id;
  if (messageId !== null) state.messages.set(id, messageId);
  else if (replaces) state.messages.delete(id);
}

/**
 * A state committed before ids were kept as numbers (`kept` values `{eventTime, copies,
 * messageId}`) in the current form; a current state is returned as it is.
 */
export function upgradeDedupState(state: DedupState): DedupState {
  const old = state as unknown as { kept: Map<string, unknown>; copies?: Map<string, number>; messages?: Map<string, string> };
  if (old.copies !== undefined && old.messages !== undefined) return state;
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
  if (prior === undefined || Math.abs(event.event_time - prior) > horizonMs) {
    keepId(state, event, prior !== undefined);
    return KEEP;
  }
  const messageId = event.meta.message_id;
  if (messageId !== null && messageId === state.messages.get(event.event_id)) return REDELIVERED;
  const copies = (state.copies.get(event.event_id) ?? 0) + 1;
  state.copies.set(event.event_id, copies);
  return {
    keep: false,
    redelivered: false,
    finding: eventFinding(event, {
      kind: "duplicate",
      action: "discard",
      identity: [event.event_id, copies],
      detail: { copy: copies, line: event.line },
    }),
  };
}

/** Forgets ids whose kept copy is older than the watermark minus the horizon. */
export function evictDedupState(state: DedupState, watermark: number, horizonMs: number): void {
  for (const [id, eventTime] of state.kept) {
    if (eventTime >= watermark - horizonMs) continue;
    state.kept.delete(id);
    state.copies.delete(id);
    state.messages.delete(id);
  }
}
