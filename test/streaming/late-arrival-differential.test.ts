/**
 * `recover stream` on adversarial traffic (test/support/adversarial.ts) whose events arrive up
 * to 30 minutes after their event time, beyond the allowed lateness (5 min) and the gap timeout
 * (10 min): many arrive after the watermark has passed them. Against the independent reference,
 * with the differences the README lists for late arrivals allowed and nothing else
 * (`assertLateMatchesReference`): above all, no content is kept more often than a bounded run
 * keeps it. Clean, and killed once mid-stream and run again on the same state.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NOW } from "../support/adversarial";
import { assertLateMatchesReference, streamInput } from "./reference-match";
import { cli } from "./support";

const JITTER_MS = 30 * 60_000;

async function withLateInput(seed: number, fn: (file: string, out: string, lines: string[]) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stream-late-"));
  try {
    const lines = streamInput(seed, JITTER_MS);
    const file = path.join(dir, "in.jsonl");
    fs.writeFileSync(file, lines.join("\n") + "\n");
    await fn(file, path.join(dir, "out"), lines);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const args = (file: string, out: string) => ["stream", "--input", file, "--out", out, "--state", path.join(out, "state"), "--batch-size", "13", "--now", new Date(NOW).toISOString(), "--no-duckdb", "--quiet"];

for (const seed of [11, 12]) {
  test(`late arrivals (seed ${seed}): nothing counted twice, nothing lost, the reference's duplicates and missing chain steps`, { timeout: 300_000 }, () =>
    withLateInput(seed, async (file, out, lines) => {
      const r = await cli(args(file, out));
      assert.equal(r.code, 0, r.stderr);
      assertLateMatchesReference(out, lines, `late arrivals, seed ${seed}`);
    }),
  );
}

test("late arrivals, killed at after_output_before_state in batch 40 and run again: the same", { timeout: 300_000 }, () =>
  withLateInput(13, async (file, out, lines) => {
    const killed = await cli(args(file, out), { RECOVER_FAULT: "after_output_before_state", RECOVER_FAULT_AFTER: "40" });
    assert.equal(killed.signal, "SIGKILL", `the fault point was reached: ${killed.stderr}`);
    const again = await cli(args(file, out));
    assert.equal(again.code, 0, again.stderr);
    assertLateMatchesReference(out, lines, "late arrivals after a kill");
  }),
);
