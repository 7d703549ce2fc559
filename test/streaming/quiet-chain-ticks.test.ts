/**
 * A stream ticks an open chain without new steps only once its watermark reaches the chain's
 * `wakeAt` (a step to judge, a deadline to pass, or a closed chain to forget), and counts the
 * pending deadlines in the state after the batch (`pendingDeadlines`). The claim: every batch's
 * findings and pending count are those of ticking every chain. Here the chain
 * stage runs over the same micro-batches both ways, on leads whose steps come on time, late,
 * out of order, never, or after the chain was closed and (beyond the horizon) forgotten.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../src/config";
import type { ReceivedEvent } from "../../src/event";
import { Rng } from "../../src/generate/prng";
import { statsFor } from "../../src/pipelines/run-stats";
import { NO_WATERMARK } from "../../src/sources/read-validated";
import { dropDetectorState, emptyDetectorState, registerDetectorState, type DetectorState } from "../../src/streaming/detector-state";
import { chainMemberships, runChainGroup, type ChainInput, stageClock } from "../../src/transforms/beam-stages";
import { dueTicks, pendingDeadlines } from "../../src/streaming/due-ticks";
import { ev, min } from "../support/events";

const config = parseConfig({ dedup_horizon_ms: 2 * 60 * 60_000, allowed_lateness_ms: 2 * 60_000 });
const STEPS = ["card.scanned", "lead.created", "crm.synced", "followup.sent"];

/** Leads over a day: each step present or not, on time or late, arriving in order or not, sometimes hours later. */
function traffic(seed: number): ReceivedEvent[][] {
  const rng = new Rng(seed);
  const arrivals: Array<{ at: number; event: ReceivedEvent }> = [];
  for (let lead = 0; lead < 400; lead++) {
    let t = min(rng.int(0, 24 * 60));
    const last = rng.int(0, STEPS.length - 1);
    for (let i = 0; i <= last; i++) {
      if (i > 0) t += rng.chance(0.2) ? rng.int(20, 120) * 60_000 : rng.int(0, 4) * 60_000; // late or on time
      if (i > 0 && rng.chance(0.12)) continue; // a step never sent
      const e = ev({ id: `l${lead}-${i}`, source: `src-${lead % 5}`, t, type: STEPS[i], data: { lead_id: `lead-${lead}` } });
      const delay = rng.chance(0.1) ? rng.int(10, 6 * 60) * 60_000 : rng.int(0, 30_000); // sometimes hours behind
      arrivals.push({ at: t + delay, event: e });
    }
  }
  arrivals.sort((a, b) => a.at - b.at);
  const batches: ReceivedEvent[][] = [];
  for (let i = 0; i < arrivals.length; ) {
    const size = 1 + (i % 11) * 4;
    batches.push(arrivals.slice(i, i + size).map((a) => a.event));
    i += size;
  }
  return batches;
}

interface BatchOutput {
  findings: string[];
  pending: number;
  ticks: number;
}

/** Runs the chain stage over `batches` as the stream does; `tickAll`: every held chain each batch. */
function stream(batches: ReceivedEvent[][], tickAll: boolean, seed: number): BatchOutput[] {
  const id = `quiet-chains-${seed}-${tickAll ? "all" : "due"}`;
  const ds: DetectorState = emptyDetectorState();
  ds.persistent = true;
  registerDetectorState(id, ds);
  const out: BatchOutput[] = [];
  try {
    batches.forEach((batch, index) => {
      const runId = `${id}-${index}`;
      // Every 40th batch is a flushing stop (the stream ends with --until-idle and starts again).
      const final = index === batches.length - 1 || index % 40 === 39;
      const byKey = new Map<string, ChainInput[]>();
      let batchMax = NO_WATERMARK;
      for (const e of batch) {
        batchMax = Math.max(batchMax, e.event_time);
        for (const m of chainMemberships(e, config, runId)) byKey.set(m.key, [...(byKey.get(m.key) ?? []), m]);
      }
      // The read stage's ticks and pending count (dueTicks), then the stage clock (stageClock).
      const latest = Math.max(ds.maxEventTime, batchMax);
      const ticked = tickAll ? [...ds.chains.keys()] : dueTicks(ds, latest).chains;
      for (const key of ticked) byKey.set(key, [...(byKey.get(key) ?? []), { tick: key }]);
      const ticks = ticked.filter((key) => !byKey.get(key)?.some((m) => !("tick" in m))).length;
      const clock = stageClock([batchMax], id, config, final);
      const findings: string[] = [];
      for (const [key, value] of byKey) for (const f of runChainGroup({ key, value }, clock, config, runId, id)) findings.push(`${f.kind} ${f.flag_id}`);
      // Ticking all, the judgements count every pending deadline; ticking the due ones, the stream counts them in the state.
      out.push({ findings: findings.sort(), pending: tickAll ? statsFor(runId).pending_deadlines : pendingDeadlines(ds, config.chains), ticks });
    });
  } finally {
    dropDetectorState(id);
  }
  return out;
}

for (const seed of [1, 2, 3]) {
  test(`quiet chains, seed ${seed}: ticking only the due ones gives every batch's findings and pending count of ticking all`, () => {
    const batches = traffic(seed);
    const all = stream(batches, true, seed);
    const due = stream(batches, false, seed);
    for (let i = 0; i < batches.length; i++) {
      assert.deepEqual(due[i].findings, all[i].findings, `batch ${i + 1}: findings`);
      assert.equal(due[i].pending, all[i].pending, `batch ${i + 1}: pending deadlines`);
    }
    const kinds = new Set(all.flatMap((b) => b.findings.map((f) => f.split(" ")[0])));
    for (const kind of ["missing_upstream", "missing_downstream", "late_step", "gap_filled"]) assert.ok(kinds.has(kind), `the traffic yields ${kind} (got ${[...kinds].join(", ")})`);
    assert.ok(all.some((b) => b.pending > 0), "some deadlines are pending between batches");
    const ticksAll = all.reduce((n, b) => n + b.ticks, 0);
    const ticksDue = due.reduce((n, b) => n + b.ticks, 0);
    assert.ok(ticksDue * 3 < ticksAll, `ticks: ${ticksDue} due against ${ticksAll}`);
  });
}
