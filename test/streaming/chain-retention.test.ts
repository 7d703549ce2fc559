/**
 * A stream keeps a judged chain for the dedup horizon after its last deadline (README, State),
 * so a step flagged missing that arrives within the horizon after its flag is retracted
 * (`gap_filled`) and judged late, as a batch run judges it. Before 2026-11-27 the chain was
 * forgotten at its last step's time plus the horizon: with a horizon of 1 h and the default
 * 60 min follow-up delay, it was forgotten as the follow-up was flagged missing, and the
 * follow-up arriving 10 min after its deadline opened a new chain, flagged `missing_upstream`
 * for the three steps before it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../../src/config";
import { runStream } from "../../src/streaming/stream-loop";
import { ScriptedSource, STREAM_TEST_NOW as NOW, streamOptions } from "../support/stream";

const T0 = NOW - 6 * 3_600_000;
const MIN = 60_000;
const event = (id: string, minutes: number, type: string, data: Record<string, unknown>) =>
  JSON.stringify({ event_id: id, source: id.split("-")[0], timestamp: new Date(T0 + minutes * MIN).toISOString(), event_type: type, data });

test("stream: a follow-up 10 min past its deadline, after the horizon from the last step, is gap_filled and late, not a new chain", { timeout: 120_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "chain-retention-"));
  try {
    const lines = [
      event("scan-1", 0, "card.scanned", { lead_id: "L1" }),
      event("lead-1", 1, "lead.created", { lead_id: "L1" }),
      event("crm-1", 2, "crm.synced", { lead_id: "L1" }),
      event("tick-1", 63, "page.viewed", {}), // past the follow-up's deadline (crm + 60 min): flagged missing
      event("tick-2", 66, "page.viewed", {}), // past the last step + the 1 h horizon
      event("follow-1", 72, "followup.sent", { lead_id: "L1" }), // 10 min after its deadline
    ];
    const config = parseConfig({ dedup_horizon_ms: 3_600_000, allowed_lateness_ms: 0 });
    const s = await runStream(streamOptions(new ScriptedSource(lines), out, { config, batchMaxMessages: 1 }));
    assert.equal(s.batches >= lines.length, true, `one message per batch: ${s.batches}`);
    const flags = fs
      .readFileSync(path.join(out, "flags.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { kind: string; key: string | null; detail: Record<string, unknown> })
      .filter((f) => f.key === "L1")
      .map((f) => `${f.kind} ${String(f.detail["step"])}`)
      .sort();
    assert.deepEqual(flags, ["gap_filled followup.sent", "late_step followup.sent", "missing_downstream followup.sent"]);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
