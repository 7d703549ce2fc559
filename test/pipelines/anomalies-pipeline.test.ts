/**
 * Anomalies end to end: the silent-loss sample (`recover generate --scenario silent-losses`: three
 * weeks of scanner and CRM traffic with a daily and weekly rhythm, a silent scanner hour and a
 * scan-to-CRM ratio fall in week 3) goes through `recover run` (DirectRunner, the real CLI) with
 * the config the generator names. The flags file holds exactly the anomaly flags the core finds
 * on the same events, both injected losses among them and no other interval flagged, and the
 * DuckDB flags table agrees.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance } from "@duckdb/node-api";
import { addEvent, createAnomalyState, DEFAULT_ANOMALY_CONFIG, eventTypeSeries, judgeComplete } from "../../src/anomalies";
import { scoreSilentLosses, type SilentLossSample } from "../../src/generate";
import { SILENT_LOSS_CONFIG } from "../../src/generate/silent-loss-sample";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BIN = path.join(ROOT, "bin", "recover.js");
const dirs = { tmp: "", out: "", input: "" };
let sample: SilentLossSample & { run_with: { now: string; config: unknown } };

interface FlagLine {
  readonly flag_id: string;
  readonly kind: string;
  readonly detail: Record<string, unknown>;
}

before(() => {
  dirs.tmp = fs.mkdtempSync(path.join(os.tmpdir(), "anomalies-pipeline-"));
  dirs.out = path.join(dirs.tmp, "out");
  dirs.input = path.join(dirs.tmp, "events.jsonl");
  const generated = spawnSync(process.execPath, [BIN, "generate", "--scenario", "silent-losses", "--seed", "11", "--out", dirs.input], { encoding: "utf8" });
  assert.equal(generated.status, 0, generated.stderr);
  sample = JSON.parse(generated.stdout) as typeof sample;
  assert.deepEqual(sample.run_with.config, SILENT_LOSS_CONFIG);
  const config = path.join(dirs.tmp, "config.json");
  fs.writeFileSync(config, JSON.stringify(sample.run_with.config));
  const r = spawnSync(process.execPath, [BIN, "run", "--input", dirs.input, "--out", dirs.out, "--now", sample.run_with.now, "--config", config, "--quiet"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
  });
  assert.equal(r.status, 0, r.stderr);
});

after(() => {
  if (dirs.tmp !== "") fs.rmSync(dirs.tmp, { recursive: true, force: true });
});

function anomalyFlags(): FlagLine[] {
  return fs
    .readFileSync(path.join(dirs.out, "flags.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as FlagLine)
    .filter((f) => f.kind === "volume_anomaly" || f.kind === "ratio_anomaly");
}

test("recover run gives exactly the core's anomaly flags, the silent hour and the ratio fall among them", () => {
  const state = createAnomalyState(DEFAULT_ANOMALY_CONFIG);
  let last = 0;
  for (const line of fs.readFileSync(dirs.input, "utf8").split("\n")) {
    if (line === "") continue;
    const e = JSON.parse(line) as { source: string; event_type: string; timestamp: string };
    const event = { source: e.source, event_type: e.event_type, event_time: Date.parse(e.timestamp) };
    addEvent(state, event);
    last = Math.max(last, event.event_time);
  }
  const core = judgeComplete(state, last).findings;
  const flags = anomalyFlags();
  assert.deepEqual(flags.map((f) => f.flag_id).sort(), core.map((f) => f.flag_id).sort());
  const score = scoreSilentLosses(path.join(dirs.out, "flags.jsonl"), sample.truth_path);
  assert.deepEqual(score.injected.map((t) => [t.kind, t.flagged]), [["volume_anomaly", true], ["ratio_anomaly", true]]);
  // nothing else is wrong with this traffic: every flag is about one of the two injected hours
  assert.deepEqual(score.other_flags, []);
  const summary = JSON.parse(fs.readFileSync(path.join(dirs.out, "summary.json"), "utf8")) as { anomaly_intervals_judged: number; flags_by_kind: Record<string, number>; events: number };
  assert.ok(summary.anomaly_intervals_judged > 500, `${summary.anomaly_intervals_judged}`); // week 3: up to 168 hours x 8 series
  assert.deepEqual(Object.keys(summary.flags_by_kind).sort(), ["ratio_anomaly", "volume_anomaly"]); // no near-duplicates: each event's data is its own
  assert.equal(summary.events, sample.events);
  const ratioHour = sample.truth[1].interval_start;
  assert.ok(!flags.some((f) => String(f.detail.series).startsWith(eventTypeSeries("card.scanned")) && f.detail.interval_start === ratioHour), "the ratio hour had normal scans");
});

test("the DuckDB flags table holds the same anomaly flags", async () => {
  const db = await DuckDBInstance.create(path.join(dirs.out, "recovery.duckdb"), { access_mode: "READ_ONLY" });
  const conn = await db.connect();
  const reader = await conn.runAndReadAll("SELECT flag_id FROM flags WHERE kind IN ('volume_anomaly', 'ratio_anomaly') ORDER BY flag_id");
  const ids = reader.getRows().map((r) => String(r[0]));
  conn.closeSync();
  assert.deepEqual(ids, anomalyFlags().map((f) => f.flag_id).sort());
});
