import type { ReceivedEvent } from "../../src/event";

/** Minutes after a fixed origin, as epoch ms: a scripted clock for core tests. */
export const T0 = Date.parse("2026-11-20T00:00:00Z");
export const min = (m: number): number => T0 + m * 60_000;
export const sec = (s: number): number => T0 + s * 1000;

/** A ReceivedEvent from a compact spec; `line` defaults to a running counter. */
export function ev(spec: {
  id: string;
  source?: string;
  seq?: number | null;
  t: number;
  type?: string;
  data?: Record<string, unknown>;
  line?: number;
}): ReceivedEvent {
  const type = spec.type ?? "card.scanned";
  const data = spec.data ?? { ref: spec.id };
  const keys: Record<string, string | null> = {};
  for (const path of ["data.lead_id", "data.user_id", "data.program"]) {
    const v = data[path.slice(5)];
    keys[path] = typeof v === "string" ? v : null;
  }
  counter.n += 1;
  const raw = { event_id: spec.id, source: spec.source ?? "s1", sequence: spec.seq ?? null, timestamp: new Date(spec.t).toISOString(), event_type: type, data };
  return {
    line: spec.line ?? counter.n,
    event_id: spec.id,
    source: spec.source ?? "s1",
    sequence: spec.seq ?? null,
    timestamp: raw.timestamp,
    event_time: spec.t,
    event_type: type,
    keys,
    meta: { message_id: null, publish_time: null, attributes: null, delivery_attempt: null },
    correctable: true,
    raw: JSON.stringify(raw),
  };
}

const counter = { n: 0 };
