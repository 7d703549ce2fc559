/**
 * Anomalies end to end: three weeks of synthetic lead-capture events (daily and weekly rhythm)
 * with a silent scanner hour and a scan-to-CRM ratio fall in week 3 go through `recover run`
 * (DirectRunner, the real CLI). The flags file holds exactly the anomaly flags the core finds
 * on the same events, both injected faults among them, and the DuckDB flags table agrees.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance } from "@duckdb/node-api";
import { addEvent, createAnomalyState, DEFAULT_ANOMALY_CONFIG, eventTypeSeries, HOUR_MS, judgeComplete, ratioSeries, sourceSeries } from "../../src/anomalies";
import { syntheticEvents, syntheticTraffic } from "../anomalies/synthetic";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BIN = path.join(ROOT, "bin", "recover.js");
const SILENT_HOUR = 2 * 168 + 14; // week 3, Monday 14:00 UTC
const RATIO_HOUR = 2 * 168 + 2 * 24 + 15; // week 3, Wednesday 15:00 UTC
const traffic = syntheticTraffic({
  seed: 11,
  weeks: 3,
  injections: [
    { kind: "silent", source: "scanner-ios", hour: SILENT_HOUR },
    { kind: "ratio", hour: RATIO_HOUR, ratio: 0.5 },
  ],
});
const events = syntheticEvents(traffic, 12);
const dirs = { tmp: "", out: "" };

interface FlagLine {
  readonly flag_id: string;
  readonly kind: string;
  readonly detail: Record<string, unknown>;
}

before(() => {
  dirs.tmp = fs.mkdtempSync(path.join(os.tmpdir(), "anomalies-pipeline-"));
  dirs.out = path.join(dirs.tmp, "out");
  const sequence = new Map<string, number>();
  const lines = events.map((e) => {
    const n = (sequence.get(e.source) ?? 0) + 1;
    sequence.set(e.source, n);
    return JSON.stringify({ event_id: randomUUID(), source: e.source, sequence: n, timestamp: new Date(e.event_time).toISOString(), event_type: e.event_type, data: {} });
  });
  fs.writeFileSync(path.join(dirs.tmp, "events.jsonl"), lines.join("\n") + "\n");
  const now = new Date(traffic.end + HOUR_MS).toISOString();
  const r = spawnSync(process.execPath, [BIN, "run", "--input", path.join(dirs.tmp, "events.jsonl"), "--out", dirs.out, "--now", now, "--quiet"], {
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
  for (const e of events) {
    addEvent(state, e);
    last = Math.max(last, e.event_time);
  }
  const core = judgeComplete(state, last).findings;
  const flags = anomalyFlags();
  assert.deepEqual(flags.map((f) => f.flag_id).sort(), core.map((f) => f.flag_id).sort());
  const at = (hour: number): string => new Date(traffic.start + hour * HOUR_MS).toISOString();
  const keys = flags.map((f) => `${String(f.detail.series)}@${String(f.detail.interval_start)}`);
  assert.ok(keys.includes(`${sourceSeries("scanner-ios", "card.scanned")}@${at(SILENT_HOUR)}`), keys.join("\n"));
  assert.ok(keys.includes(`${ratioSeries("crm.synced", "card.scanned")}@${at(RATIO_HOUR)}`), keys.join("\n"));
  // nothing else is wrong with this traffic: every flag is about one of the two injected hours
  const injected = new Set([at(SILENT_HOUR), at(RATIO_HOUR)]);
  assert.deepEqual(flags.filter((f) => !injected.has(String(f.detail.interval_start))), []);
  const summary = JSON.parse(fs.readFileSync(path.join(dirs.out, "summary.json"), "utf8")) as { anomaly_intervals_judged: number };
  assert.ok(summary.anomaly_intervals_judged > 500, `${summary.anomaly_intervals_judged}`); // week 3: up to 168 hours x 8 series
  assert.ok(!keys.some((k) => k.startsWith(eventTypeSeries("card.scanned")) && k.endsWith(at(RATIO_HOUR))), "the ratio hour had normal scans");
});

test("the DuckDB flags table holds the same anomaly flags", async () => {
  const db = await DuckDBInstance.create(path.join(dirs.out, "recovery.duckdb"), { access_mode: "READ_ONLY" });
  const conn = await db.connect();
  const reader = await conn.runAndReadAll("SELECT flag_id FROM flags WHERE kind IN ('volume_anomaly', 'ratio_anomaly') ORDER BY flag_id");
  const ids = reader.getRows().map((r) => String(r[0]));
  conn.closeSync();
  assert.deepEqual(ids, anomalyFlags().map((f) => f.flag_id).sort());
});
