import { test } from "node:test";
import assert from "node:assert/strict";
import { HOUR_MS, countIntervals } from "../../src/anomalies";
import { ev } from "../support/events";

const H0 = Date.parse("2026-11-20T00:00:00Z");

test("countIntervals: per (event_type, UTC interval), in order of first appearance", () => {
  const cases: Array<{ name: string; events: Array<{ t: number; type: string }>; want: Array<{ event_type: string; start: number; n: number }> }> = [
    { name: "no events", events: [], want: [] },
    {
      name: "an interval's first and last millisecond count in it; the next hour starts a new one",
      events: [
        { t: H0, type: "card.scanned" },
        { t: H0 + HOUR_MS - 1, type: "card.scanned" },
        { t: H0 + HOUR_MS, type: "card.scanned" },
      ],
      want: [
        { event_type: "card.scanned", start: H0, n: 2 },
        { event_type: "card.scanned", start: H0 + HOUR_MS, n: 1 },
      ],
    },
    {
      name: "types counted apart, listed as first seen, out-of-order arrivals join their interval",
      events: [
        { t: H0 + 5, type: "crm.synced" },
        { t: H0 + HOUR_MS + 1, type: "card.scanned" },
        { t: H0 + 10, type: "card.scanned" },
        { t: H0 + 20, type: "crm.synced" },
      ],
      want: [
        { event_type: "crm.synced", start: H0, n: 2 },
        { event_type: "card.scanned", start: H0 + HOUR_MS, n: 1 },
        { event_type: "card.scanned", start: H0, n: 1 },
      ],
    },
  ];
  for (const c of cases) {
    const events = c.events.map((e, i) => ev({ id: `e${i}`, source: "s1", t: e.t, type: e.type }));
    assert.deepEqual(countIntervals("s1", events, HOUR_MS), { source: "s1", counts: c.want }, c.name);
  }
});
