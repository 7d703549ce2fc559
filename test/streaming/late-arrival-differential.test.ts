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
import { assertLateMatchesReference, streamArgs, withStreamInput } from "./reference-match";
import { cli, readJsonl, type Flag } from "./support";

const JITTER_MS = 30 * 60_000;

/** `withStreamInput` with arrivals up to JITTER_MS late. */
const withLateInput = (seed: number, fn: (file: string, out: string, lines: string[]) => Promise<void>) => withStreamInput(seed, fn, JITTER_MS);


for (const seed of [11, 12]) {
  test(`late arrivals (seed ${seed}): nothing counted twice, nothing lost, the reference's duplicates and missing chain steps`, { timeout: 300_000 }, () =>
    withLateInput(seed, async (file, out, lines) => {
      const r = await cli(streamArgs(file, out));
      assert.equal(r.code, 0, r.stderr);
      assertLateMatchesReference(out, lines, `late arrivals, seed ${seed}`);
    }),
  );
}

test("late arrivals, killed at after_output_before_state in batch 40 and run again: the same", { timeout: 300_000 }, () =>
  withLateInput(13, async (file, out, lines) => {
    const killed = await cli(streamArgs(file, out), { RECOVER_FAULT: "after_output_before_state", RECOVER_FAULT_AFTER: "40" });
    assert.equal(killed.signal, "SIGKILL", `the fault point was reached: ${killed.stderr}`);
    const again = await cli(streamArgs(file, out));
    assert.equal(again.code, 0, again.stderr);
    assertLateMatchesReference(out, lines, "late arrivals after a kill");
  }),
);

test("a near-copy arriving after a flushing stop, behind the watermark, is discarded as a copy of the event the flush released", { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stream-late-flush-"));
  try {
    const at = (ms: number) => new Date(NOW - 3_600_000 + ms).toISOString();
    const line = (id: string, seq: number, ms: number, data: object) => JSON.stringify({ event_id: id, source: "store", sequence: seq, timestamp: at(ms), event_type: "order.paid", data });
    const out = path.join(dir, "out");
    const file = path.join(dir, "in.jsonl");
    // The flush at the end of the input releases B (the last event: held until then). Then B',
    // B's data under another id 300 ms before B, is appended (behind the watermark the flush
    // left) and the stream run again on the same state: it reads the lines after those consumed.
    fs.writeFileSync(file, [line("a", 1, -600_000, { order: "x" }), line("b", 2, 0, { order: "y" })].join("\n") + "\n");
    for (const more of ["", line("b-retry", 3, -300, { order: "y" }) + "\n"]) {
      fs.appendFileSync(file, more);
      const r = await cli(streamArgs(file, out));
      assert.equal(r.code, 0, r.stderr);
    }
    const flags = readJsonl<Flag>(path.join(out, "flags.jsonl")).filter((f) => f.kind === "near_duplicate");
    assert.deepEqual(flags.map((f) => [f.event_id, f.detail["duplicate_of"], f.detail["delta_ms"]]), [["b-retry", "b", -300]]);
    const kept = fs.readFileSync(path.join(out, "events.jsonl"), "utf8").split("\n").filter((l) => l !== "").map((l) => (JSON.parse(l) as { event_id: string }).event_id);
    assert.deepEqual(kept.sort(), ["a", "b"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
