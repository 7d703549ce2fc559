/**
 * A stream ticks a source without events only once something is due (`SourceState.wakeAt`,
 * `dueTicks`), and a source that gets events after skipped ticks is first caught up
 * (`catchUpSource`, from `runSourceGroup`). The claim: that changes no output. Here the per-source stage runs over
 * the same micro-batches twice, ticking every known source in every batch (as before
 * 2026-11-27) and ticking only the due ones, on traffic made to find a difference: sources
 * silent for several dedup horizons that come back with copies of their old events, late
 * arrivals, near-copies, sequence gaps and late numbers below their range.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../src/config";
import type { ReceivedEvent } from "../../src/event";
import type { Finding } from "../../src/flag";
import { NO_WATERMARK } from "../../src/sources/read-validated";
import { emptyDetectorState, registerDetectorState, dropDetectorState, type DetectorState } from "../../src/streaming/detector-state";
import { runSourceGroup, type SourceInput, stageClock } from "../../src/transforms/beam-stages";
import { dueTicks } from "../../src/streaming/due-ticks";
import { QUIET_CONFIG, quietSourceTraffic as traffic } from "../support/quiet-traffic";
import { ev } from "../support/events";

const config = parseConfig(QUIET_CONFIG);

/** What one batch emitted: finding ids with their kind, kept events by line. */
interface BatchOutput {
  findings: string[];
  kept: number[];
  ticks: number;
}

/**
 * Runs the per-source stage over `batches` as the stream does; `tickAll`: every known source
 * each batch. `isFinal`: the batches that end a flushing stop (the stream stops with
 * --until-idle and is started again); by default every 40th and the last.
 */
function stream(batches: ReceivedEvent[][], tickAll: boolean, isFinal = (index: number) => index === batches.length - 1 || index % 40 === 39): BatchOutput[] {
  const id = `quiet-${tickAll ? "all" : "due"}`;
  const ds: DetectorState = emptyDetectorState();
  ds.persistent = true;
  registerDetectorState(id, ds);
  const out: BatchOutput[] = [];
  try {
    batches.forEach((batch, index) => {
      const final = isFinal(index);
      const bySource = new Map<string, ReceivedEvent[]>();
      let batchMax = NO_WATERMARK;
      for (const e of batch) {
        bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
        batchMax = Math.max(batchMax, e.event_time);
      }
      // The read stage's ticks (dueTicks), then the stage clock (stageClock).
      const latest = Math.max(ds.maxEventTime, batchMax);
      const ticked = tickAll ? [...ds.sources.keys()] : dueTicks(ds, latest).sources;
      const clock = stageClock([batchMax], id, config, final);
      const findings: Finding[] = [];
      const kept: number[] = [];
      const groups = new Map<string, SourceInput[]>(bySource);
      for (const name of ticked) groups.set(name, [...(groups.get(name) ?? []), { tick: name }]);
      for (const [key, value] of groups) {
        for (const o of runSourceGroup({ key, value }, clock, config, id, id)) {
          if ("finding" in o) findings.push(o.finding);
          else if ("kept" in o) for (const e of o.kept) kept.push(e.line);
        }
      }
      out.push({ findings: findings.map((f) => `${f.kind} ${f.flag_id}`).sort(), kept: kept.sort((a, b) => a - b), ticks: ticked.filter((name) => !bySource.has(name)).length });
    });
  } finally {
    dropDetectorState(id);
  }
  return out;
}

for (const seed of [1, 2, 3]) {
  test(`quiet sources, seed ${seed}: ticking only the due ones gives every batch's findings and kept events of ticking all`, () => {
    const batches = traffic(seed);
    const all = stream(batches, true);
    const due = stream(batches, false);
    for (let i = 0; i < batches.length; i++) {
      assert.deepEqual(due[i].findings, all[i].findings, `batch ${i + 1}: findings`);
      assert.deepEqual(due[i].kept, all[i].kept, `batch ${i + 1}: kept events`);
    }
    // The traffic exercises what it is meant to: the rules that depend on the watermark.
    const kinds = new Set(all.flatMap((b) => b.findings.map((f) => f.split(" ")[0])));
    for (const kind of ["duplicate", "near_duplicate", "sequence_gap", "late_unchecked"]) assert.ok(kinds.has(kind), `the traffic yields ${kind} (got ${[...kinds].join(", ")})`);
    // And the point of it: most ticks are skipped.
    const ticksAll = all.reduce((n, b) => n + b.ticks, 0);
    const ticksDue = due.reduce((n, b) => n + b.ticks, 0);
    assert.ok(ticksDue * 3 < ticksAll, `ticks: ${ticksDue} due against ${ticksAll}`);
  });
}

test("a silent source after a flushing stop: an event one horizon and a minute behind the flush's watermark is late_unchecked, as if ticked by the flush", () => {
  const horizon = config.dedup_horizon_ms;
  const t0 = Date.parse("2026-11-20T00:00:00Z");
  const event = (id: string, source: string, t: number, line: number): ReceivedEvent => ({ ...ev({ id, source, t }), line });
  // s1 keeps one event and falls silent; s2 drives the watermark to T; the third batch ends a
  // flushing stop (its watermark T, not T minus the lateness), in which s1 has nothing due.
  const T = t0 + horizon + 30 * 60_000;
  const batches = [[event("a", "s1", t0, 1)], [event("b", "s2", T - 60_000, 2)], [event("c", "s2", T, 3)], [event("d", "s1", T - horizon - 60_000, 4)]];
  const isFinal = (index: number) => index === 2 || index === 3;
  const all = stream(batches, true, isFinal);
  const due = stream(batches, false, isFinal);
  assert.ok(all[3].findings.some((f) => f.startsWith("late_unchecked")), `ticking all flags d late_unchecked: ${all[3].findings.join(", ")}`);
  assert.equal(due[2].ticks, 0, "s1 is not ticked by the flush");
  for (let i = 0; i < batches.length; i++) assert.deepEqual(due[i].findings, all[i].findings, `batch ${i + 1}: findings`);
});

test("a silent source after a flushing stop: a copy of an event the flush's watermark would have evicted, but the last non-final one did not, is still a duplicate", () => {
  const horizon = config.dedup_horizon_ms;
  const t0 = Date.parse("2026-11-20T00:00:00Z");
  const T = t0 + 2 * horizon + 60_000;
  const event = (id: string, source: string, t: number, line: number): ReceivedEvent => ({ ...ev({ id, source, t }), line });
  // s1 keeps a and b, then falls silent (nothing due until b is forgotten); s2 moves the
  // watermark to T, then a flush (final) at T. The copy of a arrives after the flush.
  const batches = [
    [event("a", "s1", t0, 1), event("b", "s1", t0 + 60 * 60_000, 2)],
    [event("x", "s2", T - 60_000, 3)],
    [event("y", "s2", T, 4)],
    [event("z", "s2", T, 5)],
    [event("a", "s1", t0, 6)],
  ];
  const isFinal = (index: number) => index === 3 || index === 4;
  const all = stream(batches, true, isFinal);
  const due = stream(batches, false, isFinal);
  assert.ok(all[4].findings.some((f) => f.startsWith("duplicate")), `ticking all: the copy is a duplicate (${all[4].findings.join(", ")})`);
  assert.deepEqual([due[2].ticks, due[3].ticks], [0, 0], "s1 is ticked neither in the last batch before the flush nor in the flush");
  for (let i = 0; i < batches.length; i++) assert.deepEqual(due[i].findings, all[i].findings, `batch ${i + 1}: findings`);
});

test("a source skipped by the last batch before a flush and ticked by the flush: its evictions are brought to the last non-final watermark before its next events", () => {
  const horizon = config.dedup_horizon_ms;
  const t0 = Date.parse("2026-11-20T00:00:00Z");
  const event = (id: string, source: string, t: number, line: number): ReceivedEvent => ({ ...ev({ id, source, t }), line });
  // s1 keeps a and b; b is due to be forgotten at t0 + 3 h. The batch before the flush moves
  // the watermark past a's eviction without reaching that (s1 skipped); the flush reaches it
  // (s1 ticked, but a final tick evicts nothing). The copy of a arrives after the flush.
  const batches = [
    [event("a", "s1", t0, 1), event("b", "s1", t0 + 60 * 60_000, 2)],
    [event("x", "s2", t0 + 90 * 60_000, 3)],
    [event("y", "s2", t0 + 2 * horizon + 3 * 60_000, 4)],
    [event("z", "s2", t0 + 3 * horizon, 5)],
    [event("a", "s1", t0, 6)],
  ];
  const isFinal = (index: number) => index === 3 || index === 4;
  const all = stream(batches, true, isFinal);
  const due = stream(batches, false, isFinal);
  assert.ok(all[4].findings.some((f) => f.startsWith("late_unchecked")), `ticking all: the copy is late_unchecked (${all[4].findings.join(", ")})`);
  assert.deepEqual([due[2].ticks, due[3].ticks], [0, 1], "s1 is skipped before the flush and ticked by it");
  for (let i = 0; i < batches.length; i++) assert.deepEqual(due[i].findings, all[i].findings, `batch ${i + 1}: findings`);
});
