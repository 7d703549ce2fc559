import type { ReceivedEvent } from "./event";

/** Event-time order with ties broken by event_id: the order in which "earlier" is judged. */
export function byEventTime(a: ReceivedEvent, b: ReceivedEvent): number {
  if (a.event_time !== b.event_time) return a.event_time - b.event_time;
  return a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0;
}

/**
 * A count record with its keys in code-unit order, so a summary's text does not depend on the
 * order the counts arrived in (`flags_by_kind`, `dead_letters_by_code`).
 */
export function sortedByKey(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Arrival order: the input line number. */
export function byArrival(a: ReceivedEvent, b: ReceivedEvent): number {
  return a.line - b.line;
}
