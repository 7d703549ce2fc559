/**
 * What a stream run over adversarial traffic (test/support/adversarial.ts) must end with: the
 * independent reference's findings and events, net of the stream's retractions, and no
 * `flag_id` twice. Shared by the stream differential tests.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rng } from "../../src/generate/prng";
import { identify, makeCase, NOW, reference, sorted, timeOrdered } from "../support/adversarial";
import { canonical } from "../support/oracle";
import { missingChainSteps, missingNumbers, readJsonl, repeated, type Flag } from "./support";

const CASES = 60;
/** Every event time within 20 h (the dedup horizon is 24 h): nothing the stream forgets matters. */
const WITHIN_MS = 20 * 3_600_000;
/** Below the default allowed lateness (5 min): no event arrives behind the watermark. */
const JITTER_MS = 4 * 60_000;
const EXACT_KINDS = ["duplicate", "near_duplicate", "sequence_reused", "duplicate_business_key", "zero_duration"];
const NET_KINDS = ["sequence_gap", "gap_filled", "missing_upstream", "missing_downstream", "late_step", "late_step_withdrawn"];

/** The stream's late_step flags less those withdrawn since (`late_step_withdrawn` of the same chain key and step). */
function netLateSteps(flags: ReadonlyArray<Flag>): Flag[] {
  const withdrawn = new Set(flags.filter((f) => f.kind === "late_step_withdrawn").map((f) => `${f.key}|${String(f.detail["step"])}`));
  return flags.filter((f) => f.kind === "late_step" && !withdrawn.has(`${f.key}|${String(f.detail["step"])}`));
}

/**
 * Adversarial cases of `seed` in stream order: event time plus a random delay below `jitterMs`
 * (default below the lateness; above it, events arrive after the watermark has passed them).
 */
export function streamInput(seed: number, jitterMs = JITTER_MS): string[] {
  const rng = new Rng(seed);
  const lines: string[] = [];
  for (let n = 0; n < CASES; n++) lines.push(...makeCase(rng, n, { within: WITHIN_MS }));
  return timeOrdered(rng, lines, jitterMs);
}

/** `recover stream` over `file` in micro-batches of 13, its state in `state` (default OUT/state). */
export function streamArgs(file: string, out: string, state = path.join(out, "state")): string[] {
  return ["stream", "--input", file, "--out", out, "--state", state, "--batch-size", "13", "--now", new Date(NOW).toISOString(), "--no-duckdb", "--quiet"];
}

/** Runs `fn` with `streamInput(seed, jitterMs)` written to a file, and an output directory beside it. */
export async function withStreamInput(seed: number, fn: (file: string, out: string, lines: string[]) => Promise<void>, jitterMs = JITTER_MS): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stream-diff-"));
  try {
    const lines = streamInput(seed, jitterMs);
    const file = path.join(dir, "in.jsonl");
    fs.writeFileSync(file, lines.join("\n") + "\n");
    await fn(file, path.join(dir, "out"), lines);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The numbers of every sequence_gap of the reference, as `source#n`. */
function expectedMissingNumbers(expected: ReturnType<typeof reference>): string[] {
  const missing: string[] = [];
  for (const f of expected.flags) {
    if (f.kind !== "sequence_gap") continue;
    for (let n = Number(f.detail?.from); n <= Number(f.detail?.to); n++) missing.push(`${f.source}#${n}`);
  }
  return sorted(missing);
}

/** What every stream run must end with: no flag_id twice, the reference's missing chain steps and numbers (net of retractions) and dead letters. */
function assertCommon(out: string, flags: Flag[], expected: ReturnType<typeof reference>, what: string): void {
  assert.deepEqual(repeated(flags.map((f) => f.flag_id)), [], `${what}: no flag_id twice`);
  const expectedSteps = expected.flags.filter((f) => f.kind === "missing_upstream" || f.kind === "missing_downstream").map((f) => `${f.key}|${String(f.detail?.missing)}`);
  assert.deepEqual(missingChainSteps(flags), sorted(expectedSteps), `${what}: missing chain steps, net of retractions`);
  assert.deepEqual(missingNumbers(flags), expectedMissingNumbers(expected), `${what}: missing numbers, net of gap_filled`);
  const dead = readJsonl<{ line: number; error_code: string }>(path.join(out, "dead_letter.jsonl"));
  assert.deepEqual(sorted(dead.map((d) => `${d.line} ${d.error_code}`)), sorted(expected.dead.map((d) => `${d.line} ${d.error_code}`)), `${what}: dead letters`);
}

/** The stream's outputs in `out` against the reference's findings for `lines`. */
export function assertMatchesReference(out: string, lines: string[], what: string): void {
  const flags = readJsonl<Flag>(path.join(out, "flags.jsonl"));
  const expected = reference(lines);
  assertCommon(out, flags, expected, what);
  assert.deepEqual(
    [...new Set(flags.map((f) => f.kind))].filter((k) => !EXACT_KINDS.includes(k) && !NET_KINDS.includes(k)),
    [],
    `${what}: no other kinds (late_unchecked would mean an event arrived behind the watermark)`,
  );
  const exact = <T extends { kind: string }>(xs: ReadonlyArray<T>): T[] => xs.filter((f) => EXACT_KINDS.includes(f.kind));
  assert.deepEqual(sorted(exact(flags).map((f) => identify(f))), sorted(exact(expected.flags).map((f) => identify(f))), `${what}: event flags`);
  // late_step: a stream judges a step by the steps seen when the watermark reaches it, and again
  // when an arrival moves its deadline (withdrawing a flag that no longer holds): net of
  // withdrawals, the reference's.
  assert.deepEqual(sorted(netLateSteps(flags).map((f) => identify(f))), sorted(expected.flags.filter((f) => f.kind === "late_step").map((f) => identify(f))), `${what}: late steps, net of withdrawals`);
  const events = fs.readFileSync(path.join(out, "events.jsonl"), "utf8").split("\n").filter((l) => l !== "");
  // Copies are the same event, whatever their key order or the zone their time is written in:
  // which one is kept does not matter.
  const same = (text: string) => {
    const e = JSON.parse(text) as Record<string, unknown>;
    return canonical({ ...e, timestamp: Date.parse(String(e.timestamp)) });
  };
  assert.deepEqual(sorted(events.map(same)), sorted(expected.kept.map((e) => same(lines[e.line - 1]))), `${what}: events, each once`);
}

/** Kept events per content (source, event_type, canonical data): near-copies share one. */
function keptByContent(texts: ReadonlyArray<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const text of texts) {
    const e = JSON.parse(text) as Record<string, unknown>;
    const key = canonical([e.source, e.event_type, e.data]);
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/**
 * What a stream whose events arrive after the watermark has passed them must end with (README,
 * streaming): the reference's exact duplicates and dead letters; chain steps missing net of
 * retractions; the reference's missing numbers, net of `gap_filled`; and of every content no
 * more kept events than the reference (nothing counted twice) and at least one where it keeps
 * one (nothing lost). Which of two near-copies is discarded may differ (a late one is
 * discarded as a copy of a kept later one), and so may the event flagged for a reused number
 * or business key.
 */
export function assertLateMatchesReference(out: string, lines: string[], what: string): void {
  const flags = readJsonl<Flag>(path.join(out, "flags.jsonl"));
  const expected = reference(lines);
  assertCommon(out, flags, expected, what);
  const of = (xs: ReadonlyArray<Parameters<typeof identify>[0]>, kind: string) => sorted(xs.filter((f) => f.kind === kind).map((f) => identify(f)));
  assert.deepEqual(of(flags, "duplicate"), of(expected.flags, "duplicate"), `${what}: duplicates`);
  // Late steps net of withdrawals, by chain key and step: the evidence of a step can be the other
  // of two near-copies.
  const typeOf = new Map<string, string>();
  for (const line of lines) {
    try {
      const e = JSON.parse(line) as { event_id?: unknown; event_type?: unknown };
      if (typeof e.event_id === "string" && typeof e.event_type === "string") typeOf.set(e.event_id, e.event_type);
    } catch {
      // a bad line of the adversarial input
    }
  }
  assert.deepEqual(
    sorted(netLateSteps(flags).map((f) => `${f.key}|${String(f.detail["step"])}`)),
    sorted(expected.flags.filter((f) => f.kind === "late_step").map((f) => `${f.key}|${typeOf.get(String(f.event_id))}`)),
    `${what}: late steps, net of withdrawals`,
  );
  // Which event of a pair is flagged can differ, so only the counts are held, loosely: a
  // near-copy chain kept once where the reference keeps two changes a count by one.
  const count = (xs: ReadonlyArray<{ kind: string }>, kind: string) => xs.filter((f) => f.kind === kind).length;
  for (const kind of ["sequence_reused", "duplicate_business_key"]) {
    assert.ok(Math.abs(count(flags, kind) - count(expected.flags, kind)) <= 3, `${what}: ${kind} ${count(flags, kind)} against the reference's ${count(expected.flags, kind)}`);
  }
  const streamKept = keptByContent(fs.readFileSync(path.join(out, "events.jsonl"), "utf8").split("\n").filter((l) => l !== ""));
  const referenceKept = keptByContent(expected.kept.map((e) => lines[e.line - 1]));
  const twice = [...streamKept].filter(([key, n]) => n > (referenceKept.get(key) ?? 0)).map(([key]) => key);
  const lost = [...referenceKept].filter(([key]) => !streamKept.has(key)).map(([key]) => key);
  assert.deepEqual(twice, [], `${what}: contents kept more often than by the reference (counted twice)`);
  assert.deepEqual(lost, [], `${what}: contents the reference keeps and the stream does not`);
}
