import type { ReceivedEvent } from "./event";

/** Event-time order with ties broken by event_id: the order in which "earlier" is judged. */
export function byEventTime(a: ReceivedEvent, b: ReceivedEvent): number {
  if (a.event_time !== b.event_time) return a.event_time - b.event_time;
  return a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0;
}

/** Arrival order: the input line number. */
export function byArrival(a: ReceivedEvent, b: ReceivedEvent): number {
  return a.line - b.line;
}
