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
  readonly kept: Map<string, { eventTime: number; copies: number; messageId: string | null }>;
}

export function newDedupState(): DedupState {
  return { kept: new Map() };
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
  if (prior === undefined || Math.abs(event.event_time - prior.eventTime) > horizonMs) {
    state.kept.set(event.event_id, { eventTime: event.event_time, copies: 0, messageId: event.meta.message_id });
    return KEEP;
  }
  if (event.meta.message_id !== null && event.meta.message_id === prior.messageId) return REDELIVERED;
  prior.copies += 1;
  return {
    keep: false,
    redelivered: false,
    finding: eventFinding(event, {
      kind: "duplicate",
      action: "discard",
      identity: [event.event_id, prior.copies],
      detail: { copy: prior.copies, line: event.line },
    }),
  };
}

/** Forgets ids whose kept copy is older than the watermark minus the horizon. */
export function evictDedupState(state: DedupState, watermark: number, horizonMs: number): void {
  for (const [id, entry] of state.kept) if (entry.eventTime < watermark - horizonMs) state.kept.delete(id);
}
