import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { scoreRun } from "../../src/generate";

const dir = mkdtempSync(join(tmpdir(), "score-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function jsonl(name: string, rows: ReadonlyArray<object>): string {
  const path = join(dir, name);
  writeFileSync(path, rows.map((r) => JSON.stringify(r) + "\n").join(""));
  return path;
}

const base = { flag_id: "f", action: "none", source: null, event_type: null, key: null, event_time: null, detected_at: "2026-03-15T12:00:00.000Z" };

const truth = jsonl("truth.jsonl", [
  { kind: "duplicate", event_id: "d1" },
  { kind: "duplicate", event_id: "d1" },
  { kind: "near_duplicate", event_id: "n1", duplicate_of: "o1" },
  { kind: "sequence_gap", source: "store", from: 10, to: 12 },
  { kind: "missing_downstream", chain: "lead_followup", key: "lead-1", missing: "crm.synced" },
  { kind: "late_step", event_id: "l1" },
  { kind: "dead_letter", line: 4, error_code: "schema" },
  { lookalike: "repeat_over_1s", event_id: "r1", source: "store", sequence: 20 },
  { lookalike: "pending_chain", key: "lead-9" },
  { lookalike: "reordered", event_id: "x1", source: "telephony", sequence: 5 },
]);

const flags = jsonl("flags.jsonl", [
  { ...base, kind: "duplicate", event_id: "d1" },
  // one copy of d1 not flagged: 1 fn
  { ...base, kind: "near_duplicate", event_id: "n1", detail: { duplicate_of: "o1" } },
  // gap split in two flags: still 3 numbers, plus 13 which is not missing: 1 fp
  { ...base, kind: "sequence_gap", source: "store", detail: { from: 10, to: 10 } },
  { ...base, kind: "sequence_gap", source: "store", detail: { from: 11, to: 13 } },
  { ...base, kind: "missing_downstream", key: "lead-1", detail: { chain: "lead_followup", missing: "crm.synced", after: "lead.created", deadline: "x" } },
  // a wrong late step (fp) and the true one missed (fn); it also hits look-alike r1
  { ...base, kind: "late_step", event_id: "r1" },
  // chain flag on a pending look-alike key
  { ...base, kind: "missing_downstream", key: "lead-9", detail: { missing: "followup.sent" } },
  // unknown kinds are ignored, even on a look-alike
  { ...base, kind: "gap_filled", event_id: "x1", source: "telephony", detail: { from: 5, to: 5 } },
]);

test("scoreRun counts tp, fp, fn per kind and look-alikes flagged", () => {
  const s = scoreRun(flags, truth);
  assert.deepEqual(pick(s.kinds.duplicate), { tp: 1, fp: 0, fn: 1, precision: 1, recall: 0.5 });
  assert.deepEqual(pick(s.kinds.near_duplicate), { tp: 1, fp: 0, fn: 0, precision: 1, recall: 1 });
  assert.deepEqual(pick(s.kinds.sequence_gap), { tp: 3, fp: 1, fn: 0, precision: 0.75, recall: 1 });
  assert.deepEqual(s.kinds.sequence_gap.fp_examples, ["store#13"]);
  assert.deepEqual(pick(s.kinds.missing_downstream), { tp: 1, fp: 1, fn: 0, precision: 0.5, recall: 1 });
  assert.deepEqual(pick(s.kinds.late_step), { tp: 0, fp: 1, fn: 1, precision: 0, recall: 0 });
  assert.deepEqual(s.kinds.late_step.fn_examples, ["l1"]);
  // no flags and no truth: perfect by definition
  assert.deepEqual(pick(s.kinds.sequence_reused), { tp: 0, fp: 0, fn: 0, precision: 1, recall: 1 });
  assert.equal(s.kinds.dead_letter, undefined);
  assert.equal(s.lookalikes_total, 3);
  assert.equal(s.lookalikes_flagged, 2);
  assert.deepEqual(s.lookalike_examples.map((l) => `${l.lookalike}:${l.flag_kind}`).sort(), ["pending_chain:missing_downstream", "repeat_over_1s:late_step"]);
  assert.equal(s.lookalikes_missing_from_events, null);
});

test("scoreRun scores dead letters by (line, error_code) and checks look-alikes reached the events", () => {
  const dead = jsonl("dead.jsonl", [
    { error_code: "schema", line: 4, issues: [], raw: "", raw_truncated: false, event_id: null, message_id: null, attributes: null, received_at: "x" },
    { error_code: "malformed_json", line: 9, issues: [], raw: "", raw_truncated: false, event_id: null, message_id: null, attributes: null, received_at: "x" },
  ]);
  const events = jsonl("events.jsonl", [{ event_id: "r1" }, { event_id: "zz" }]);
  const s = scoreRun(flags, truth, events, dead);
  assert.deepEqual(pick(s.kinds.dead_letter), { tp: 1, fp: 1, fn: 0, precision: 0.5, recall: 1 });
  assert.equal(s.lookalikes_missing_from_events, 1);
});

test("a gap flag covering a look-alike's sequence counts as flagging it", () => {
  const f = jsonl("gapflags.jsonl", [{ ...base, kind: "sequence_gap", source: "telephony", detail: { from: 3, to: 6 } }]);
  const s = scoreRun(f, truth);
  assert.equal(s.lookalikes_flagged, 1);
  assert.equal(s.lookalike_examples[0].lookalike, "reordered");
});

function pick(k: { tp: number; fp: number; fn: number; precision: number; recall: number }): object {
  return { tp: k.tp, fp: k.fp, fn: k.fn, precision: k.precision, recall: k.recall };
}

test("scoreRun scores the correction kinds by event_id and checks corrected values against the run's events", () => {
  const t = jsonl("corr-truth.jsonl", [
    { kind: "currency_mismatch", event_id: "c1", field: "data.amount_usd", expected: 40.16, cause: "x" },
    { kind: "arithmetic_mismatch", event_id: "a1", field: "data.amount", expected: 5400, cause: "x" },
    { kind: "arithmetic_mismatch", event_id: "a2", field: "data.amount", expected: 1.235, cause: "x" },
    { kind: "zero_duration", event_id: "z1" },
    { kind: "field_swap", event_id: "s1", field: "data.contact", expected: { email: "ann@example.com", phone: "+15551234567" } },
    { kind: "field_swap", event_id: "s2", field: "data.contact", expected: { email: "bob@example.com", phone: "+15557654321" } },
    { lookalike: "jpy_order", event_id: "j1", source: "store", sequence: 1 },
    { lookalike: "one_second_call", event_id: "o1", source: "telephony", sequence: 2 },
    { lookalike: "bhd_order", event_id: "b1", source: "store", sequence: 3 },
  ]);
  const f = jsonl("corr-flags.jsonl", [
    { ...base, kind: "currency_mismatch", event_id: "c1" },
    { ...base, kind: "arithmetic_mismatch", event_id: "a1" },
    { ...base, kind: "arithmetic_mismatch", event_id: "a2" },
    { ...base, kind: "field_swap", event_id: "s1" },
    { ...base, kind: "field_swap", event_id: "s2" },
    // zero_duration z1 missed; a wrong one on a look-alike
    { ...base, kind: "zero_duration", event_id: "o1" },
    // a non-scored correction kind on a look-alike still counts for it
    { ...base, kind: "rate_unavailable", event_id: "b1" },
  ]);
  const events = jsonl("corr-events.jsonl", [
    { event_id: "c1", data: { amount: 60.24, currency: "AUD", amount_usd: "40.160" } },
    { event_id: "a1", data: { amount: 5400, currency: "JPY", amount_usd: 36 } },
    // BHD: three decimals, 1.234 is one minor unit off
    { event_id: "a2", data: { amount: 1.234, currency: "BHD", amount_usd: 3.28 } },
    { event_id: "s1", data: { contact: { email: "ann@example.com", phone: "+15551234567" } } },
    // s2 not swapped back
    { event_id: "s2", data: { contact: { email: "+15557654321", phone: "bob@example.com" } } },
    { event_id: "z1", data: { duration_s: 0 } },
    // a correction on a look-alike counts as flagging it
    { event_id: "j1", data: { amount: 100, currency: "JPY" }, corrections: [{ correction_id: "x", field: "data.amount", before: 1, after: 100, rule: "arithmetic", flag_id: "fj" }] },
    { event_id: "o1", data: { duration_s: 1 } },
    { event_id: "b1", data: { amount: 1, currency: "BHD" } },
  ]);
  const s = scoreRun(f, t, events);
  for (const kind of ["currency_mismatch", "arithmetic_mismatch", "field_swap"]) assert.deepEqual(pick(s.kinds[kind]), { tp: kind === "currency_mismatch" ? 1 : 2, fp: 0, fn: 0, precision: 1, recall: 1 }, kind);
  assert.deepEqual(pick(s.kinds.zero_duration), { tp: 0, fp: 1, fn: 1, precision: 0, recall: 0 });
  assert.equal(s.corrections_checked, 5);
  assert.equal(s.corrections_wrong, 2);
  assert.deepEqual(s.correction_examples.map((m) => m.event_id).sort(), ["a2", "s2"]);
  assert.equal(s.lookalikes_flagged, 3);
  assert.deepEqual(s.lookalike_examples.map((l) => `${l.lookalike}:${l.flag_kind}`).sort(), ["bhd_order:rate_unavailable", "jpy_order:correction", "one_second_call:zero_duration"]);
  // without the events file there is nothing to check
  const bare = scoreRun(f, t);
  assert.equal(bare.corrections_checked, null);
  assert.equal(bare.corrections_wrong, null);
  // an event missing from the run's output is a wrong correction
  const partial = jsonl("corr-events-partial.jsonl", [{ event_id: "c1", data: { amount_usd: 40.16 } }]);
  assert.equal(scoreRun(f, t, partial).corrections_wrong, 4);
});
