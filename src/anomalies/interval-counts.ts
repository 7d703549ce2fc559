import type { ReceivedEvent } from "../event";
import { intervalStart } from "./interval";

/** Kept events of one source counted per (event_type, interval start): the anomaly input. */
export interface IntervalCounts {
  readonly source: string;
  readonly counts: Array<{ event_type: string; start: number; n: number }>;
}

/** One source's events counted per (event_type, interval start), in order of first appearance. */
export function countIntervals(source: string, events: ReceivedEvent[], intervalMs: number): IntervalCounts {
  // Counts in order of first appearance, looked up by type then interval (no string keys).
  const counts: Array<{ event_type: string; start: number; n: number }> = [];
  const byType = new Map<string, Map<number, { event_type: string; start: number; n: number }>>();
  for (const e of events) {
    const start = intervalStart(e.event_time, intervalMs);
    let byStart = byType.get(e.event_type);
    if (byStart === undefined) {
      byStart = new Map();
      byType.set(e.event_type, byStart);
    }
    const c = byStart.get(start);
    if (c === undefined) {
      const created = { event_type: e.event_type, start, n: 1 };
      byStart.set(start, created);
      counts.push(created);
    } else c.n += 1;
  }
  return { source, counts };
}
