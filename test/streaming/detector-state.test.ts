/**
 * The committed form of the detector state: a round trip keeps every decision, and a state
 * committed before dedup ids were kept as numbers is read in the current form.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReceivedEvent } from "../../src/event";
import { emptyDetectorState, fromJson, toJson } from "../../src/streaming/detector-state";
import { dedupeEvent } from "../../src/transforms/dedupe-by-event-id";
import { newSourceState } from "../../src/transforms/recover-source-stream";
import { ev, sec } from "../support/events";

const HORIZON = 24 * 3_600_000;

function withMessage(e: ReceivedEvent, messageId: string): ReceivedEvent {
  return { ...e, meta: { ...e.meta, message_id: messageId } };
}

test("toJson/fromJson: ids, copy counts and message ids survive, and decide later arrivals alike", () => {
  const state = emptyDetectorState();
  const source = newSourceState();
  state.sources.set("s1", source);
  dedupeEvent(source.dedup, withMessage(ev({ id: "a", t: sec(0) }), "m1"), HORIZON);
  dedupeEvent(source.dedup, withMessage(ev({ id: "a", t: sec(0) }), "m2"), HORIZON);
  dedupeEvent(source.dedup, ev({ id: "b", t: sec(1) }), HORIZON);
  const restored = fromJson(toJson(state)).sources.get("s1");
  assert.ok(restored !== undefined);
  assert.deepEqual([...restored.dedup.kept], [["a", sec(0)], ["b", sec(1)]]);
  assert.deepEqual([...restored.dedup.copies], [["a", 1]]);
  assert.deepEqual([...restored.dedup.messages], [["a", "m1"]]);
  const next = withMessage(ev({ id: "a", t: sec(0) }), "m3");
  const live = dedupeEvent(source.dedup, next, HORIZON);
  const again = dedupeEvent(restored.dedup, next, HORIZON);
  assert.deepEqual(again, live);
  assert.equal(again.finding?.detail["copy"], 2);
});

test("fromJson: a state committed with {eventTime, copies, messageId} entries is upgraded", () => {
  const old = {
    sources: { $map: [["s1", { ...newSourceState(), dedup: { kept: { $map: [["a", { eventTime: sec(0), copies: 2, messageId: "m1" }], ["b", { eventTime: sec(1), copies: 0, messageId: null }]] } } }]] },
    chains: { $map: [] },
    businessKeys: { $map: [] },
    anomalies: null,
    maxEventTime: sec(1),
    lines: 3,
  };
  const source = fromJson(JSON.stringify(old)).sources.get("s1");
  assert.ok(source !== undefined);
  assert.deepEqual([...source.dedup.kept], [["a", sec(0)], ["b", sec(1)]]);
  assert.equal(dedupeEvent(source.dedup, withMessage(ev({ id: "a", t: sec(0) }), "m1"), HORIZON).redelivered, true, "the kept copy's redelivery");
  assert.equal(dedupeEvent(source.dedup, withMessage(ev({ id: "a", t: sec(0) }), "m9"), HORIZON).finding?.detail["copy"], 3, "copies go on from 2");
  assert.equal(dedupeEvent(source.dedup, ev({ id: "b", t: sec(1) }), HORIZON).finding?.detail["copy"], 1);
});
