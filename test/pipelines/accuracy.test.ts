/**
 * Accuracy on generated traffic: 20,000 lines (seed 11, fixed --now) through the CLI,
 * graded by `scoreRun` against the generator's truth file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { scoreRun } from "../../src/generate/index";
import type { RunSummary } from "../../src/pipelines/run-recover";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BIN = path.join(ROOT, "bin", "recover.js");
const NOW = "2026-11-25T12:00:00Z";

test("accuracy: 20,000 generated events (seed 11): precision and recall >= 0.99 per kind, no look-alike flagged, corrections exact and idempotent, DuckDB equal to events.jsonl", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "accuracy-"));
  try {
    const input = path.join(dir, "events.jsonl");
    const out = path.join(dir, "out");
    const g = spawnSync(process.execPath, [BIN, "generate", "--events", "20000", "--seed", "11", "--out", input, "--now", NOW], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
    assert.equal(g.status, 0, g.stderr);
    const truth = path.join(dir, "events.truth.jsonl");
    assert.ok(fs.existsSync(truth), "truth file written next to the events");

    const rates = path.join(dir, "events.rates.jsonl");
    const r = spawnSync(process.execPath, [BIN, "run", "--input", input, "--out", out, "--now", NOW, "--rates", rates, "--quiet"], {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as RunSummary;
    assert.equal(summary.lines, 20_000);
    assert.equal(summary.conservation.holds, true, summary.conservation.equation);

    const score = scoreRun(path.join(out, "flags.jsonl"), truth, path.join(out, "events.jsonl"), path.join(out, "dead_letter.jsonl"));
    const report = JSON.stringify(score.kinds, null, 1);
    for (const kind of ["duplicate", "near_duplicate", "sequence_gap", "sequence_reused", "missing_upstream", "missing_downstream", "late_step", "duplicate_business_key", "dead_letter",
      "currency_mismatch", "arithmetic_mismatch", "zero_duration", "field_swap"]) {
      const k = score.kinds[kind];
      assert.ok(k !== undefined, `score has kind ${kind}`);
      assert.ok(k.tp > 0, `${kind}: the generator injected some (tp ${k.tp}, fn ${k.fn})`);
      assert.ok(k.precision >= 0.99, `${kind}: precision ${k.precision}\n${report}`);
      assert.ok(k.recall >= 0.99, `${kind}: recall ${k.recall}\n${report}`);
    }
    assert.ok(score.lookalikes_total > 0, "the generator wrote look-alikes");
    assert.equal(score.lookalikes_flagged, 0, JSON.stringify(score.lookalike_examples));
    assert.equal(score.lookalikes_missing_from_events, 0, "every look-alike event is kept");
    assert.ok((score.corrections_checked ?? 0) > 0, "corrected values were checked against the truth");
    assert.equal(score.corrections_wrong, 0, JSON.stringify(score.correction_examples));

    // The DuckDB events table, loaded beside the pipeline from the input, holds exactly the
    // written events: copies and near-copies deleted, corrected events as rewritten.
    assert.equal(summary.duckdb_fallback, null);
    const instance = await DuckDBInstance.create(path.join(out, "recovery.duckdb"));
    const db = await instance.connect();
    try {
      const rows = await db.runAndReadAll("SELECT payload::VARCHAR FROM events");
      const written = fs.readFileSync(path.join(out, "events.jsonl"), "utf8").split("\n").filter((l) => l.length > 0);
      assert.ok(written.some((l) => l.includes('"corrections"')), "some events were rewritten");
      assert.deepEqual(rows.getRows().map((r) => String(r[0])).sort(), written.sort());
    } finally {
      db.closeSync();
      instance.closeSync();
    }

    // Applying the run's output again changes nothing: no new correction, the same events.
    const again = path.join(dir, "again");
    const r2 = spawnSync(process.execPath, [BIN, "run", "--input", path.join(out, "events.jsonl"), "--out", again, "--now", NOW, "--rates", rates, "--quiet", "--no-duckdb"], {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000,
    });
    assert.equal(r2.status, 0, r2.stderr);
    const sorted = (file: string) => fs.readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0).sort();
    assert.deepEqual(sorted(path.join(again, "events.jsonl")), sorted(path.join(out, "events.jsonl")));
    const replayFlags = sorted(path.join(again, "flags.jsonl")).map((l) => JSON.parse(l) as { kind: string; action: string });
    const reapplied = replayFlags.filter((f) => ["currency_mismatch", "arithmetic_mismatch", "field_swap"].includes(f.kind) && f.action === "none");
    assert.deepEqual(reapplied, [], "no correction applied twice");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
