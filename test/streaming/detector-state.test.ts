/**
 * The committed form of the detector state: a round trip keeps every decision, and a state
 * committed before dedup ids were kept as numbers, or gap sightings as columns, is read in the
 * current form. The split committed form (small part plus keyed-table texts, written as changes)
 * gives back the same state, and writes only what a batch changed (sources it ran, anomaly series
 * it counted). Also the gap sightings' own semantics (earliest time, kept until due).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReceivedEvent } from "../../src/event";
import { ANOMALY_COUNTS_TABLE, applyChanges, emptyDetectorState, fromCommitted, fromJson, markChanged, smallJson, SOURCES_TABLE, takeChanges, toJson, type TableTexts } from "../../src/streaming/detector-state";
import { parseConfig } from "../../src/config";
import { addCount, countAt, createAnomalyState, prune, type AnomalyState } from "../../src/anomalies/state";
import { intervalStart } from "../../src/anomalies/interval";
import { dedupeEvent } from "../../src/transforms/dedupe-by-event-id";
import { newSourceState } from "../../src/transforms/recover-source-stream";
import { judgeNearDuplicate } from "../../src/transforms/discard-near-duplicates";
import { declareGaps, newGapState, seeSequence } from "../../src/transforms/detect-sequence-gaps";
import { ev, sec } from "../support/events";

const HORIZON = 24 * 3_600_000;

function withMessage(e: ReceivedEvent, messageId: string): ReceivedEvent {
  return { ...e, meta: { ...e.meta, message_id: messageId } };
}

/** Source "s1" of a committed state: a fresh source in committed (JSON) form, with `fields` (in that form) over it. */
function restoreCommitted(fields: Record<string, unknown>) {
  const fresh = emptyDetectorState();
  fresh.sources.set("s1", newSourceState());
  const committed = JSON.parse(toJson(fresh)) as { sources: { $map: Array<[string, Record<string, unknown>]> } };
  Object.assign(committed.sources.$map[0][1], fields);
  return fromJson(JSON.stringify(committed)).sources.get("s1");
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
  const source = restoreCommitted({ dedup: { kept: { $map: [["a", { eventTime: sec(0), copies: 2, messageId: "m1" }], ["b", { eventTime: sec(1), copies: 0, messageId: null }]] } } });
  assert.ok(source !== undefined);
  assert.deepEqual([...source.dedup.kept], [["a", sec(0)], ["b", sec(1)]]);
  assert.equal(dedupeEvent(source.dedup, withMessage(ev({ id: "a", t: sec(0) }), "m1"), HORIZON).redelivered, true, "the kept copy's redelivery");
  assert.equal(dedupeEvent(source.dedup, withMessage(ev({ id: "a", t: sec(0) }), "m9"), HORIZON).finding?.detail["copy"], 3, "copies go on from 2");
  assert.equal(dedupeEvent(source.dedup, ev({ id: "b", t: sec(1) }), HORIZON).finding?.detail["copy"], 1);
});

test("fromJson: a state committed with gap sightings as a Map (number -> earliest time) is upgraded and declares the same gap", () => {
  const source = restoreCommitted({ gaps: { resolvedUpTo: null, pending: { $map: [[1001, sec(1)], [1004, sec(4)]] }, declared: [], used: { $map: [] } } });
  assert.ok(source !== undefined);
  assert.deepEqual(source.gaps.pending, { numbers: [1001, 1004], times: [sec(1), sec(4)] });
  const gaps = declareGaps(source.gaps, "s1", sec(4), 60_000, true);
  assert.deepEqual(gaps.map((g) => [g.detail["from"], g.detail["to"], g.event_time]), [[1002, 1003, new Date(sec(4)).toISOString()]]);
});

test("declareGaps: a number seen several times dates its gap by its earliest sighting, in any arrival order", () => {
  const gaps = newGapState();
  for (const [n, t] of [[1, 0], [4, 9], [4, 3], [4, 7], [2, 1]]) seeSequence(gaps, ev({ id: `e${n}-${t}`, t: sec(t), seq: n }));
  const found = declareGaps(gaps, "s1", sec(9), 60_000, true);
  assert.deepEqual(found.map((g) => [g.detail["from"], g.detail["to"], g.event_time]), [[3, 3, new Date(sec(3)).toISOString()]]);
  assert.deepEqual(gaps.pending, { numbers: [], times: [] });
  assert.equal(gaps.resolvedUpTo, 4);
});

test("declareGaps (streaming): a gap not yet due keeps the sightings above it for later", () => {
  const gaps = newGapState();
  for (const [n, t] of [[1, 0], [2, 1], [5, 100], [6, 101]]) seeSequence(gaps, ev({ id: `e${n}`, t: sec(t), seq: n }));
  assert.deepEqual(declareGaps(gaps, "s1", sec(120), 60_000, false), [], "due at 160 s");
  assert.equal(gaps.resolvedUpTo, 2);
  assert.deepEqual(gaps.pending, { numbers: [5, 6], times: [sec(100), sec(101)] });
  const later = declareGaps(gaps, "s1", sec(161), 60_000, false);
  assert.deepEqual(later.map((g) => [g.detail["from"], g.detail["to"]]), [[3, 4]]);
  assert.equal(gaps.resolvedUpTo, 6);
});

test("fromJson: near-duplicate entries committed with text fingerprints are hashed again when needed", () => {
  const data = { x: 1 };
  const prior = ev({ id: "a", t: sec(0), data });
  const source = restoreCommitted({ nearDuplicates: { recent: { $map: [[prior.event_type, [{ eventTime: prior.event_time, eventId: "a", raw: prior.raw, fingerprint: "c2hhMQ==" }]]] } } });
  assert.ok(source !== undefined);
  assert.equal(source.nearDuplicates.recent.get(prior.event_type)?.[0].fingerprint, null);
  const f = judgeNearDuplicate(source.nearDuplicates, ev({ id: "b", t: sec(0) + 200, data: { x: 1 } }), 1000, "data");
  assert.equal(f?.kind, "near_duplicate");
  assert.equal(f?.detail["duplicate_of"], "a");
});

test("split form: changes taken, applied to the committed texts and read back give the same state; undo restores the texts", () => {
  const state = emptyDetectorState();
  state.sources.set("s1", newSourceState());
  state.businessKeys.set("k1", { first: null });
  state.businessKeys.set("k2", { first: null });
  markChanged(state, "businessKeys", "k1");
  markChanged(state, "businessKeys", "k2");
  const tables: TableTexts = new Map();
  applyChanges(tables, takeChanges(state));
  assert.deepEqual([...(tables.get("businessKeys") ?? [])].map(([k]) => k), ["k1", "k2"]);
  assert.equal(fromCommitted(smallJson(state), tables).businessKeys.size, 2);
  // A batch: k1 deleted, k3 added, k2 touched without a change.
  state.businessKeys.delete("k1");
  state.businessKeys.set("k3", { first: null });
  for (const k of ["k1", "k2", "k3"]) markChanged(state, "businessKeys", k);
  const before = new Map([...tables].map(([t, e]) => [t, new Map(e)]));
  const changes = takeChanges(state);
  assert.equal(takeChanges(state).get("businessKeys")?.size, 0, "taken changes are forgotten");
  const undo = applyChanges(tables, changes);
  assert.deepEqual([...(changes.get("businessKeys") ?? [])], [["k1", null], ["k3", JSON.stringify({ first: null })]], "the untouched k2 is not written");
  const restored = fromCommitted(smallJson(state), tables);
  assert.equal(toJson(restored), toJson(state));
  assert.deepEqual([...restored.changed.businessKeys], [], "read back: nothing left to write");
  applyChanges(tables, undo);
  assert.deepEqual(tables, before);
});

test("fromCommitted: a whole-form state (tables inside) is read, its table entries marked for the next commit", () => {
  const state = emptyDetectorState();
  state.businessKeys.set("k1", { first: null });
  const restored = fromCommitted(toJson(state), new Map());
  assert.equal(toJson(restored), toJson(state));
  assert.deepEqual([...restored.changed.businessKeys], ["k1"]);
  const tables: TableTexts = new Map();
  applyChanges(tables, takeChanges(restored));
  assert.equal(tables.get("businessKeys")?.get("k1"), JSON.stringify({ first: null }));
});

test("split form: each source's dedup ids and used sequence numbers are tables, written as the entries a batch changed", () => {
  const state = emptyDetectorState();
  const source = newSourceState();
  state.sources.set("s1", source);
  dedupeEvent(source.dedup, ev({ id: "a", t: sec(0) }), HORIZON);
  source.gaps.used.set(7, { eventId: "a", eventTime: sec(0) });
  const tables: TableTexts = new Map();
  const first = takeChanges(state);
  assert.deepEqual([...(first.get("dedupIds:s1") ?? [])], [["a", String(sec(0))]], "a new source: all its entries");
  assert.deepEqual([...(first.get("sequenceNumbers:s1") ?? [])], [["7", JSON.stringify({ eventId: "a", eventTime: sec(0) })]]);
  applyChanges(tables, first);
  assert.ok(!smallJson(state).includes('"a"'), "the small part holds no table entry");
  // The next batch: b kept, a forgotten; only those two are written.
  const live = state.sources.get("s1");
  assert.ok(live !== undefined);
  dedupeEvent(live.dedup, ev({ id: "b", t: sec(5) }), HORIZON);
  live.dedup.kept.delete("a");
  state.sources.set("s1", live); // as the per-source stage does with each source it runs
  const second = takeChanges(state);
  assert.deepEqual([...(second.get("dedupIds:s1") ?? [])], [["b", String(sec(5))], ["a", null]]);
  assert.equal(second.get("sequenceNumbers:s1")?.size ?? 0, 0, "no sequence number written (a table without changes is left out)");
  applyChanges(tables, second);
  const restored = fromCommitted(smallJson(state), tables);
  assert.equal(toJson(restored), toJson(state));
  const again = restored.sources.get("s1");
  assert.ok(again !== undefined);
  assert.equal(dedupeEvent(again.dedup, ev({ id: "b", t: sec(5) }), HORIZON).finding?.kind, "duplicate", "the restored ids still decide");
  dedupeEvent(again.dedup, ev({ id: "c", t: sec(6) }), HORIZON);
  restored.sources.set("s1", again);
  assert.deepEqual([...(takeChanges(restored).get("dedupIds:s1")?.keys() ?? [])], ["c"], "restored maps track changes again");
  assert.deepEqual([...(again.gaps.used.keys())], [7], "sequence numbers come back as numbers");
});

test("fromCommitted: a table with entries of a source the state does not hold is an error; an empty one is ignored", () => {
  const tables: TableTexts = new Map([["dedupIds:ghost", new Map([["a", "1"]])]]);
  assert.throws(() => fromCommitted(smallJson(emptyDetectorState()), tables), /dedupIds:ghost/);
  // An empty one is what undoing a failed commit of a batch with a new source leaves: ignored.
  const empty: TableTexts = new Map([["dedupIds:ghost", new Map()]]);
  assert.equal(fromCommitted(smallJson(emptyDetectorState()), empty).sources.size, 0);
});

test("split form: sources are a table, written when run (set) and not otherwise; a state with them inside is written to it once", () => {
  const state = emptyDetectorState();
  state.sources.set("s1", newSourceState());
  state.sources.set("s2", newSourceState());
  const tables: TableTexts = new Map();
  applyChanges(tables, takeChanges(state));
  assert.deepEqual([...(tables.get(SOURCES_TABLE)?.keys() ?? [])], ["s1", "s2"], "new sources are written");
  assert.ok(!smallJson(state).includes("s1"), "the small part holds no source");
  // A batch runs s2 only: s1 is not written, s2 is.
  const s2 = state.sources.get("s2");
  assert.ok(s2 !== undefined);
  s2.watermark = sec(30);
  state.sources.set("s2", s2); // as the per-source stage does with each source it runs
  const changes = takeChanges(state);
  assert.deepEqual([...(changes.get(SOURCES_TABLE)?.keys() ?? [])], ["s2"]);
  applyChanges(tables, changes);
  const restored = fromCommitted(smallJson(state), tables);
  assert.equal(toJson(restored), toJson(state));
  assert.deepEqual([...(takeChanges(restored).get(SOURCES_TABLE)?.keys() ?? [])], [], "read back: nothing to write");
  // The form before 2026-11-27 (sources inside the small part): all written by the next commit.
  const older = fromCommitted(toJson(state), new Map());
  assert.equal(toJson(older), toJson(state));
  assert.deepEqual([...(takeChanges(older).get(SOURCES_TABLE)?.keys() ?? [])], ["s1", "s2"]);
});

test("split form: anomaly counts are a table by series, written for the series a batch counted or pruned", () => {
  const state = emptyDetectorState();
  state.anomalies = createAnomalyState(parseConfig({}).anomalies);
  addCount(state.anomalies, "scanner", "card.scanned", sec(0), 3);
  const tables: TableTexts = new Map();
  applyChanges(tables, takeChanges(state));
  const ids = ["event_type:card.scanned", "source:scanner/event_type:card.scanned"];
  assert.deepEqual([...(tables.get(ANOMALY_COUNTS_TABLE)?.keys() ?? [])].sort(), ids);
  assert.ok(!smallJson(state).includes("scanner"), "the small part holds no series");
  // Another source's count: its series and the event type's are written, not the first source's.
  addCount(state.anomalies, "web", "card.scanned", sec(10), 1);
  const changes = takeChanges(state);
  assert.deepEqual([...(changes.get(ANOMALY_COUNTS_TABLE)?.keys() ?? [])].sort(), ["event_type:card.scanned", "source:web/event_type:card.scanned"]);
  applyChanges(tables, changes);
  const restored = fromCommitted(smallJson(state), tables);
  assert.equal(toJson(restored), toJson(state));
  assert.equal(countAt(restored.anomalies as AnomalyState, "event_type:card.scanned", intervalStart(sec(0), 3_600_000)), 4);
  // Pruned away (judged far past the history): deleted from the table.
  (state.anomalies as { next: number | null }).next = sec(0) + 100 * 7 * 86_400_000;
  prune(state.anomalies);
  const pruned = takeChanges(state).get(ANOMALY_COUNTS_TABLE);
  assert.deepEqual([...(pruned ?? [])].sort(), [...ids, "source:web/event_type:card.scanned"].map((id) => [id, null]).sort());
  // The form before 2026-11-27 (counts inside the small part): written by the next commit.
  const fresh = emptyDetectorState();
  fresh.anomalies = createAnomalyState(parseConfig({}).anomalies);
  addCount(fresh.anomalies, "scanner", "card.scanned", sec(0), 2);
  const older = fromCommitted(toJson(fresh), new Map());
  assert.equal(toJson(older), toJson(fresh));
  assert.deepEqual([...(takeChanges(older).get(ANOMALY_COUNTS_TABLE)?.keys() ?? [])].sort(), ids);
});
