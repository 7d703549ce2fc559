/**
 * Differential test: the real detectors against the independent reference
 * (test/support/oracle.ts) on adversarial random traffic the generator never writes: few
 * sources, ids, sequence numbers, lead ids and payloads, so copies, near-copies (at 0, the
 * window's edge and just past it), ties in event time, reused and missing numbers, repeated
 * chain steps, copies beyond the dedup horizon, business-key extras and calls of 0 s collide in every way,
 * arriving in random order. Each case is small, so a failure prints the whole input.
 *
 * The pure cores (`recoverInProcess`) run every case on its own; the Beam pipeline
 * (`recover run`) runs all cases of one seed concatenated (their names never overlap, so the
 * cases only share the final watermark, which the reference sees too).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../../src/config";
import type { Flag } from "../../src/event";
import type { Finding } from "../../src/flag";
import { Rng } from "../../src/generate/prng";
import { recoverInProcess } from "../../src/pipelines/recover-in-process";
import { referenceRecover, referenceZeroDurations, type OracleFlag } from "../support/oracle";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BIN = path.join(ROOT, "bin", "recover.js");
const NOW = Date.parse("2026-11-25T12:00:00Z");
const T0 = NOW - 2 * 86_400_000;
const HOUR = 3_600_000;

const CHAIN_TYPES = ["card.scanned", "lead.created", "crm.synced", "followup.sent"];

/** Shuffles in place (Fisher-Yates). */
function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** The object with its keys in a random order, at every depth. */
function reorder(rng: Rng, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => reorder(rng, x));
  if (typeof v !== "object" || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const k of shuffle(rng, Object.keys(v))) out[k] = reorder(rng, (v as Record<string, unknown>)[k]);
  return out;
}

interface Spec {
  event_id: string;
  source: string;
  sequence?: number | null;
  timestamp: string;
  event_type: string;
  data: Record<string, unknown>;
}

/** A small time offset that puts events at, inside and just past the near-duplicate window. */
function closeOffset(rng: Rng): number {
  return rng.pick([0, 0, 1, 250, 500, 999, 1000, 1000, 1001, 1500, 2000]);
}

/** One adversarial case: lines of JSON, names prefixed by `c<n>-`. */
function makeCase(rng: Rng, n: number): string[] {
  const p = `c${n}-`;
  const sources = [`${p}a`, `${p}b`].slice(0, rng.int(1, 2));
  const nextSeq = new Map<string, number>(sources.map((s) => [s, rng.int(0, 1000)]));
  const originals: Spec[] = [];
  let t = T0 + rng.int(0, HOUR);
  const count = rng.int(4, 30);
  for (let i = 0; i < count; i++) {
    // Mostly close together (window edges, ties), sometimes minutes or hours later (chain deadlines).
    t += rng.chance(0.6) ? closeOffset(rng) : rng.chance(0.7) ? rng.int(1, 40) * 60_000 : rng.int(1, 30) * HOUR;
    const source = rng.pick(sources);
    const kind = rng.int(0, 9);
    let event_type: string;
    let data: Record<string, unknown>;
    if (kind < 5) {
      event_type = rng.pick(CHAIN_TYPES);
      data = { lead_id: `${p}L${rng.int(0, 2)}`, owner: rng.pick(["x", "y"]) };
    } else if (kind < 7) {
      event_type = "discount.issued";
      data = { user_id: `${p}u${rng.int(0, 1)}`, program: rng.pick(["spring", "fall"]), code: rng.pick(["A", "B"]) };
    } else if (kind === 9) {
      event_type = "call.completed";
      data = { call_id: `${p}call${rng.int(0, 1)}`, duration_s: rng.pick([0, 0, 42, 600]) };
    } else {
      event_type = "note.added";
      data = { text: rng.pick(["hi", "hello"]), meta: { a: 1, b: [1, 2, { c: rng.int(0, 1) }] } };
    }
    let sequence: number | null | undefined;
    if (rng.chance(0.1)) sequence = rng.chance(0.5) ? null : undefined;
    else {
      const s = nextSeq.get(source)!;
      // Mostly the next number; sometimes a gap or a reuse of the last one.
      const step = rng.chance(0.15) ? rng.int(2, 4) : rng.chance(0.1) ? 0 : 1;
      sequence = s + step;
      nextSeq.set(source, sequence);
    }
    const spec: Spec = { event_id: `${p}e${i}`, source, timestamp: new Date(t).toISOString(), event_type, data };
    if (sequence !== undefined) spec.sequence = sequence;
    originals.push(spec);
  }
  const all: Spec[] = [];
  for (const o of originals) {
    all.push(o);
    // Exact copies (same event), including with another key order.
    if (rng.chance(0.25)) for (let c = rng.int(1, 2); c > 0; c--) all.push(o);
    // A near-copy: another id, the same source, type and data, close in time.
    if (rng.chance(0.25)) all.push({ ...o, event_id: `${o.event_id}n`, timestamp: new Date(Date.parse(o.timestamp) + closeOffset(rng)).toISOString() });
    // The same id again more than the dedup horizon later (a new event under a reused id).
    if (rng.chance(0.05)) all.push({ ...o, timestamp: new Date(Date.parse(o.timestamp) + 25 * HOUR).toISOString() });
  }
  const lines = shuffle(rng, all).map((s) => JSON.stringify(reorder(rng, s)));
  if (rng.chance(0.2)) lines.splice(rng.int(0, lines.length), 0, "{not json");
  if (rng.chance(0.1)) lines.splice(rng.int(0, lines.length), 0, JSON.stringify({ event_id: `${p}bad`, source: sources[0], timestamp: "yesterday", event_type: "note.added", data: {} }));
  return lines;
}

/** The reference's findings: the detectors of issue 2 and the call check of issue 3. */
function reference(lines: string[]): ReturnType<typeof referenceRecover> {
  const r = referenceRecover(lines, NOW);
  return { ...r, flags: [...r.flags, ...referenceZeroDurations(r.kept)] };
}

/** What identifies a flag, as a comparable text (the reference's fields only). */
function identify(f: OracleFlag | Finding | Flag): string {
  const d = (f.detail ?? {}) as Record<string, unknown>;
  switch (f.kind) {
    case "duplicate":
    case "sequence_reused":
    case "duplicate_business_key":
      return `${f.kind} ${f.event_id}`;
    case "near_duplicate":
      return `${f.kind} ${f.event_id} of ${String(d.duplicate_of)}`;
    case "sequence_gap":
      return `${f.kind} ${f.source} ${String(d.from)}..${String(d.to)}`;
    case "missing_upstream":
    case "missing_downstream":
      return `${f.kind} ${f.key} ${String(d.missing)}`;
    case "late_step":
      return `${f.kind} ${f.event_id} ${f.key}`;
    default:
      return `${f.kind} ${f.event_id ?? ""}`;
  }
}

const sorted = (xs: string[]): string[] => [...xs].sort();

/** Asserts one input's flags, kept lines and dead letters equal the reference's. */
function assertSame(what: string, lines: string[], actual: { flags: ReadonlyArray<Finding | Flag>; keptLines: number[]; dead: ReadonlyArray<{ line: number; error_code: string }> }): void {
  const expected = reference(lines);
  const show = () => `${what}; input:\n${lines.map((l, i) => `${i + 1}: ${l}`).join("\n")}`;
  assert.deepEqual(sorted(actual.flags.map(identify)), sorted(expected.flags.map(identify)), `flags differ\n${show()}`);
  assert.deepEqual([...actual.keptLines].sort((a, b) => a - b), expected.kept.map((e) => e.line).sort((a, b) => a - b), `kept lines differ\n${show()}`);
  assert.deepEqual(sorted(actual.dead.map((d) => `${d.line} ${d.error_code}`)), sorted(expected.dead.map((d) => `${d.line} ${d.error_code}`)), `dead letters differ\n${show()}`);
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "differential-"));
  try {
    return fn(dir);
  } finally {
    if (!process.env.KEEP_DIFF) fs.rmSync(dir, { recursive: true, force: true }); else console.log(dir);
  }
}

const SEEDS = [1, 2, 3];
const CASES_PER_SEED = 150;

for (const seed of SEEDS) {
  test(`differential, seed ${seed}: the pure cores equal the reference on ${CASES_PER_SEED} adversarial cases`, () => {
    const rng = new Rng(seed);
    const config = parseConfig({});
    withTempDir((dir) => {
      for (let n = 0; n < CASES_PER_SEED; n++) {
        const lines = makeCase(rng, n);
        const file = path.join(dir, `case-${n}.jsonl`);
        fs.writeFileSync(file, lines.join("\n") + "\n");
        const r = recoverInProcess(file, config, NOW, null);
        assertSame(`seed ${seed}, case ${n}`, lines, { flags: r.findings, keptLines: r.kept.map((e) => e.line), dead: r.deadLetters });
      }
    });
  });
}

test("differential: `recover run` (Beam DirectRunner) equals the reference on every case of seed 1 at once", () => {
  const rng = new Rng(1);
  const lines: string[] = [];
  for (let n = 0; n < CASES_PER_SEED; n++) lines.push(...makeCase(rng, n));
  withTempDir((dir) => {
    const input = path.join(dir, "all.jsonl");
    const out = path.join(dir, "out");
    fs.writeFileSync(input, lines.join("\n") + "\n");
    const r = spawnSync(process.execPath, [BIN, "run", "--input", input, "--out", out, "--now", new Date(NOW).toISOString(), "--quiet"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 300_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const readJsonl = <T>(f: string): T[] => fs.readFileSync(path.join(out, f), "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as T);
    const flags = readJsonl<Flag>("flags.jsonl");
    // events.jsonl holds the received texts: compared as a multiset with the texts of the lines the reference keeps.
    const keptTexts = readJsonl<unknown>("events.jsonl").map((e) => JSON.stringify(e));
    const dead = readJsonl<{ line: number; error_code: string }>("dead_letter.jsonl");
    const expected = reference(lines);
    assert.deepEqual(sorted(flags.map(identify)), sorted(expected.flags.map(identify)));
    assert.equal(new Set(flags.map((f) => f.flag_id)).size, flags.length, "no flag_id twice");
    assert.deepEqual(sorted(keptTexts), sorted(expected.kept.map((e) => lines[e.line - 1])));
    assert.deepEqual(sorted(dead.map((d) => `${d.line} ${d.error_code}`)), sorted(expected.dead.map((d) => `${d.line} ${d.error_code}`)));
  });
});
