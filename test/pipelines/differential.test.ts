/**
 * Differential test: the real detectors against the independent reference
 * (test/support/oracle.ts) on adversarial random traffic the generator never writes
 * (test/support/adversarial.ts), arriving in random order. Each case is small, so a failure
 * prints the whole input.
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
import { identify, makeCase, NOW, reference, sorted } from "../support/adversarial";
import type { ReferenceWindows } from "../support/oracle";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BIN = path.join(ROOT, "bin", "recover.js");
/** Asserts one input's flags, kept lines and dead letters equal the reference's. */
function assertSame(
  what: string,
  lines: string[],
  actual: { flags: ReadonlyArray<Finding | Flag>; keptLines: number[]; dead: ReadonlyArray<{ line: number; error_code: string }> },
  windows?: ReferenceWindows,
): void {
  const expected = reference(lines, windows);
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
    fs.rmSync(dir, { recursive: true, force: true });
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

test("differential, other windows (dedup horizon 1 h, near-duplicate window 5 s, ids repeated at and around the horizon): the pure cores equal the reference", () => {
  const rng = new Rng(4);
  const windows: ReferenceWindows = { horizonMs: 3_600_000, nearWindowMs: 5_000 };
  const config = parseConfig({ dedup_horizon_ms: windows.horizonMs, near_duplicate_window_ms: windows.nearWindowMs });
  const shape = { nearWindowMs: windows.nearWindowMs, repeatAfterMs: [3_600_000 - 1, 3_600_000, 3_600_001, 2 * 3_600_000, 25 * 3_600_000] };
  withTempDir((dir) => {
    for (let n = 0; n < CASES_PER_SEED; n++) {
      const lines = makeCase(rng, n, shape);
      const file = path.join(dir, `case-${n}.jsonl`);
      fs.writeFileSync(file, lines.join("\n") + "\n");
      const r = recoverInProcess(file, config, NOW, null);
      assertSame(`other windows, case ${n}`, lines, { flags: r.findings, keptLines: r.kept.map((e) => e.line), dead: r.deadLetters }, windows);
    }
  });
});

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
