/**
 * The invariant the streaming stage relies on to skip writing chains the watermark only ticked:
 * `judgeChain` changes a chain only by adding to `judged` / `missingFlagged` / `lateFlagged` /
 * `lateWithdrawn` or removing from `missingFlagged` / `lateFlagged`, so its state changed exactly
 * when one of those sizes did.
 * Checked over random arrival orders and watermarks of the default chain. Then: a missing step
 * that arrives late moves the deadline of the step after it, in both directions, and late steps
 * net of withdrawals are a bounded run's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../src/config";
import { checkChainBatch, judgeChain, judgedSizes, newChainState, recordChainStep, type ChainState } from "../../src/transforms/check-dependency-chains";
import { ev } from "../support/events";

const text = (s: ChainState) =>
  JSON.stringify({ steps: s.steps, judged: [...s.judged].sort(), missingFlagged: [...s.missingFlagged].sort(), lateFlagged: [...(s.lateFlagged ?? [])].sort(), lateWithdrawn: [...(s.lateWithdrawn ?? [])].sort() });

test("judgeChain: a chain's state changes exactly when the sizes of judged, missingFlagged, lateFlagged or lateWithdrawn change", () => {
  const chain = parseConfig({}).chains[0];
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  let judgements = 0;
  let changed = 0;
  let withdrawals = 0;
  for (let trial = 0; trial < 300; trial++) {
    const state = newChainState(chain);
    let watermark = 0;
    for (let step = 0; step < 12; step++) {
      if (random() < 0.4) {
        const type = chain.steps[Math.floor(random() * chain.steps.length)].event_type;
        recordChainStep(state, chain, ev({ id: `e${trial}-${step}`, t: Math.floor(random() * 4 * 3_600_000), type }));
      }
      watermark += Math.floor(random() * 3_600_000);
      const before = text(state);
      const sizes = judgedSizes(state);
      withdrawals += judgeChain(state, chain, "L1", watermark, false).findings.filter((f) => f.kind === "late_step_withdrawn").length;
      const sizeChanged = judgedSizes(state) !== sizes;
      assert.equal(text(state) !== before, sizeChanged, `trial ${trial}, step ${step}: ${before} -> ${text(state)}`);
      judgements += 1;
      if (sizeChanged) changed += 1;
    }
  }
  // Both sides of the equivalence were exercised, withdrawals included.
  assert.ok(changed > 100 && judgements - changed > 100, `${changed} of ${judgements} judgements changed the state`);
  assert.ok(withdrawals > 0, "some late steps were withdrawn");
});

const MIN = 60_000;

/** Streams `arrivals` into one chain (each judged at its watermark), then ends; the flags' kinds and steps. */
function streamed(arrivals: Array<{ type: string; t: number; watermark: number }>): string[] {
  const chain = parseConfig({}).chains[0];
  const state = newChainState(chain);
  const out: string[] = [];
  arrivals.forEach((a, n) => {
    recordChainStep(state, chain, ev({ id: `e${n}`, t: a.t, type: a.type }));
    for (const f of judgeChain(state, chain, "L1", a.watermark, false).findings) out.push(`${f.kind} ${String(f.detail["step"])}`);
  });
  for (const f of judgeChain(state, chain, "L1", 10 * 60 * MIN, true).findings) out.push(`${f.kind} ${String(f.detail["step"])}`);
  return out;
}

/** `streamed` flags' late steps less the withdrawn ones. */
function netLate(flags: string[]): string[] {
  const withdrawn = new Set(flags.filter((f) => f.startsWith("late_step_withdrawn ")).map((f) => f.replace("late_step_withdrawn ", "late_step ")));
  return flags.filter((f) => f.startsWith("late_step ") && !withdrawn.has(f));
}

/** A bounded run's late steps over the same events. */
function batchLate(arrivals: Array<{ type: string; t: number }>): string[] {
  const chain = parseConfig({}).chains[0];
  const events = arrivals.map((a, n) => ev({ id: `e${n}`, t: a.t, type: a.type }));
  return checkChainBatch(chain, "L1", events, 10 * 60 * MIN).findings.filter((f) => f.kind === "late_step").map((f) => `${f.kind} ${String(f.detail["step"])}`);
}

test("judgeChain: a step judged on time is flagged late once a missing earlier step arrives and moves its deadline before it", () => {
  // scan at 0, crm at 18 min (deadline 0 + 5 + 15 = 20 min: on time), then the lead at 1 min
  // arrives behind the watermark: crm's deadline becomes 1 + 15 = 16 min, so crm is late, as a
  // bounded run over the same events says.
  const arrivals = [
    { type: "card.scanned", t: 0, watermark: 0 },
    { type: "crm.synced", t: 18 * MIN, watermark: 30 * MIN },
    { type: "lead.created", t: 1 * MIN, watermark: 40 * MIN },
  ];
  assert.deepEqual(streamed(arrivals), ["missing_upstream lead.created", "gap_filled lead.created", "late_step crm.synced", "missing_downstream followup.sent"]);
  assert.deepEqual(batchLate(arrivals), ["late_step crm.synced"]);
});

test("judgeChain: a step flagged late is withdrawn when an arrival moves its deadline past it", () => {
  // scan at 0, crm at 25 min (deadline 20 min: late), then the lead at 12 min (late itself:
  // deadline 5 min), which moves crm's deadline to 27 min: crm's flag is withdrawn, and late
  // steps net of withdrawals are a bounded run's (the lead's only).
  const arrivals = [
    { type: "card.scanned", t: 0, watermark: 0 },
    { type: "crm.synced", t: 25 * MIN, watermark: 30 * MIN },
    { type: "lead.created", t: 12 * MIN, watermark: 40 * MIN },
  ];
  const flags = streamed(arrivals);
  assert.deepEqual(flags, ["missing_upstream lead.created", "late_step crm.synced", "gap_filled lead.created", "late_step lead.created", "late_step_withdrawn crm.synced", "missing_downstream followup.sent"]);
  assert.deepEqual(netLate(flags), ["late_step lead.created"]);
  assert.deepEqual(batchLate(arrivals), ["late_step lead.created"]);
});

test("judgeChain: a follow-up judged late before a CRM sync logged hours later is withdrawn (a bounded run never flags it)", () => {
  // scan at 0; the follow-up at 90 min (deadline 0 + 5 + 15 + 60 = 80 min: late while crm is
  // missing); crm.synced retried and logged at 5 h, in order, after the follow-up: the
  // follow-up's deadline is now 6 h, so it is on time, and crm itself is late (deadline 20 min).
  const arrivals = [
    { type: "card.scanned", t: 0, watermark: 0 },
    { type: "followup.sent", t: 90 * MIN, watermark: 100 * MIN },
    { type: "crm.synced", t: 300 * MIN, watermark: 310 * MIN },
  ];
  const flags = streamed(arrivals);
  assert.deepEqual(flags, [
    "missing_upstream lead.created",
    "missing_upstream crm.synced",
    "late_step followup.sent",
    "gap_filled crm.synced",
    "late_step crm.synced",
    "late_step_withdrawn followup.sent",
  ]);
  assert.deepEqual(netLate(flags), batchLate(arrivals));
});

test("judgeChain: a withdrawn step made late again by a further arrival is not flagged twice (one flag_id per claim)", () => {
  // scan at 0, follow-up at 90 min (late: deadline 80 min); the lead at 30 min puts it on time
  // (deadline 30 + 15 + 60 = 105 min): withdrawn; crm at 20 min puts it late again (deadline
  // 80 min). A bounded run flags it; the stream made and withdrew that claim, and leaves it.
  const arrivals = [
    { type: "card.scanned", t: 0, watermark: 0 },
    { type: "followup.sent", t: 90 * MIN, watermark: 100 * MIN },
    { type: "lead.created", t: 30 * MIN, watermark: 110 * MIN },
    { type: "crm.synced", t: 20 * MIN, watermark: 120 * MIN },
  ];
  const flags = streamed(arrivals);
  assert.deepEqual(flags.filter((f) => f.endsWith("followup.sent")), ["late_step followup.sent", "late_step_withdrawn followup.sent"]);
  assert.ok(batchLate(arrivals).includes("late_step followup.sent"), "the documented difference: a bounded run flags it");
});

test("judgeChain: a state committed before lateFlagged existed does not flag a late step again", () => {
  // crm at 30 min was flagged late (deadline 20 min) by a version without lateFlagged; the
  // lead then arrives at 2 min: crm is late by its new deadline (17 min) too, and stays one flag.
  const chain = parseConfig({}).chains[0];
  const state = newChainState(chain);
  recordChainStep(state, chain, ev({ id: "s", t: 0, type: "card.scanned" }));
  recordChainStep(state, chain, ev({ id: "c", t: 30 * MIN, type: "crm.synced" }));
  const first = judgeChain(state, chain, "L1", 40 * MIN, false).findings.map((f) => f.kind);
  assert.deepEqual(first, ["missing_upstream", "late_step"]);
  delete state.lateFlagged;
  recordChainStep(state, chain, ev({ id: "l", t: 2 * MIN, type: "lead.created" }));
  const second = judgeChain(state, chain, "L1", 50 * MIN, false).findings.map((f) => `${f.kind} ${String(f.detail["step"])}`);
  assert.deepEqual(second, ["gap_filled lead.created"]);
});
