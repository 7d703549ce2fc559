/**
 * `recover stream` over traffic whose sources and chains fall silent for several dedup
 * horizons (test/support/quiet-traffic.ts), so most batches skip their ticks, killed twice
 * and run again on the same state: the same events and flags as an uninterrupted stream, and
 * the same state at the end. What a stream commits of the sources and chains it did not visit
 * (their `wakeAt`, the sources and anomaly-count tables) must carry the skipped ticks across
 * a restart.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cli, fileLines, NOW } from "./support";
import { QUIET_CONFIG, quietSourceTraffic } from "../support/quiet-traffic";

function args(file: string, out: string, config: string): string[] {
  return ["stream", "--input", file, "--out", out, "--batch-size", "9", "--config", config, "--now", new Date(NOW).toISOString(), "--no-duckdb", "--quiet"];
}

test("quiet sources and chains, killed at after_state_before_ack and at mid_output, run again: the uninterrupted stream's events, flags and state", { timeout: 300_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quiet-restart-"));
  try {
    const file = path.join(dir, "in.jsonl");
    const lines = quietSourceTraffic(4, true).flat().map((e) => e.raw);
    fs.writeFileSync(file, lines.join("\n") + "\n");
    const config = path.join(dir, "config.json");
    fs.writeFileSync(config, JSON.stringify(QUIET_CONFIG));
    const clean = path.join(dir, "clean");
    const whole = await cli(args(file, clean, config));
    assert.equal(whole.code, 0, whole.stderr);
    const out = path.join(dir, "killed");
    for (const [point, after] of [["after_state_before_ack", "60"], ["mid_output", "130"]]) {
      const killed = await cli(args(file, out, config), { RECOVER_FAULT: point, RECOVER_FAULT_AFTER: after });
      assert.equal(killed.signal, "SIGKILL", `the fault point ${point} was reached: ${killed.stderr}`);
    }
    const again = await cli(args(file, out, config));
    assert.equal(again.code, 0, again.stderr);
    for (const name of ["events.jsonl", "flags.jsonl", "dead_letter.jsonl"]) {
      assert.deepEqual(fileLines(path.join(out, name)).sort(), fileLines(path.join(clean, name)).sort(), name);
    }
    const flags = fileLines(path.join(clean, "flags.jsonl")).map((l) => (JSON.parse(l) as { kind: string }).kind);
    for (const kind of ["duplicate", "late_unchecked", "sequence_gap", "missing_downstream"]) assert.ok(flags.includes(kind), `the traffic yields ${kind}`);
    const a = JSON.parse(whole.stdout) as { state_entries: number; pending_deadlines: number; batches: number };
    const b = JSON.parse(again.stdout) as { state_entries: number; pending_deadlines: number };
    assert.ok(a.batches > 150, `batches: ${a.batches}`);
    assert.equal(b.state_entries, a.state_entries, "state entries at the end");
    assert.equal(b.pending_deadlines, a.pending_deadlines, "pending deadlines at the end");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
