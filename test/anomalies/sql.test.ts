import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance } from "@duckdb/node-api";
import { DEFAULT_ANOMALY_CONFIG, addEvent, createAnomalyState, sqlAggregation, sqlAnomalies } from "../../src/anomalies";
import { syntheticEvents, syntheticTraffic } from "../../src/generate/silent-losses";

test("sqlAnomalies: BigQuery ML statements carry the options, the threshold and the validated names", () => {
  const s = sqlAnomalies("my-proj.leads.events");
  assert.match(s.createModel, /^CREATE OR REPLACE MODEL `my-proj\.leads\.events_volume_arima`/);
  for (const option of ["model_type='ARIMA_PLUS'", "time_series_timestamp_col='interval_start'", "time_series_data_col='observed'", "time_series_id_col='series'"]) {
    assert.ok(s.createModel.includes(option), option);
  }
  assert.ok(s.createModel.endsWith(s.aggregation));
  assert.ok(s.aggregation.includes("TIMESTAMP_TRUNC(event_time, HOUR)"));
  assert.ok(s.aggregation.includes("FROM `my-proj.leads.events`"));
  assert.ok(s.detect.includes("ML.DETECT_ANOMALIES(MODEL `my-proj.leads.events_volume_arima`, STRUCT(0.999 AS anomaly_prob_threshold))"));
  assert.ok(s.detect.includes("observed < lower_bound"));
  assert.ok(s.detect.includes(">= 20"));
  const both = sqlAnomalies("p.d.t", { model: "p.d.m", anomaly_prob_threshold: 0.95, direction: "both", min_expected: 5 });
  assert.ok(both.detect.includes("STRUCT(0.95 AS anomaly_prob_threshold)"));
  assert.ok(!both.detect.includes("lower_bound AND") && !both.detect.includes("observed <"));
  for (const bad of ["events", "a.b", "p.d.t; DROP TABLE x", "p.d-x.t", "`p.d.t`"]) {
    assert.throws(() => sqlAnomalies(bad), (e: Error) => e.message.includes(JSON.stringify(bad)), bad);
  }
  assert.throws(() => sqlAnomalies("p.d.t", { model: "bad model" }), /"bad model"/);
  assert.throws(() => sqlAggregation("x", "duckdb"), /"x"/);
  assert.throws(() => sqlAnomalies("p.d.t", { anomaly_prob_threshold: 1 }), /anomaly_prob_threshold/);
  const duck = sqlAggregation("memory.main.events", "duckdb");
  assert.ok(duck.includes(`FROM "memory"."main"."events"`));
  assert.ok(duck.includes("date_trunc('hour', timezone('UTC', event_time))"));
});

test("DuckDB aggregation counts exactly what the core counts, per series and interval (zeros included)", async () => {
  const traffic = syntheticTraffic({ seed: 5, weeks: 2, injections: [{ kind: "silent", source: "kiosk", hour: 200 }] });
  const events = syntheticEvents(traffic, 5);
  const state = createAnomalyState(DEFAULT_ANOMALY_CONFIG);
  for (const e of events) addEvent(state, e);

  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    await con.run("SET TimeZone = 'Asia/Kolkata'"); // +05:30: truncation must still be on UTC hours
    await con.run(
      "CREATE TABLE events (event_id VARCHAR, source VARCHAR, sequence BIGINT, event_time TIMESTAMPTZ, event_type VARCHAR, payload JSON)",
    );
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "anomalies-")), "events.jsonl");
    fs.writeFileSync(file, events.map((e, i) => JSON.stringify({ event_id: `e${i}`, source: e.source, sequence: i, event_time: new Date(e.event_time).toISOString(), event_type: e.event_type })).join("\n"));
    await con.run(
      `INSERT INTO events SELECT event_id, source, sequence, CAST(event_time AS TIMESTAMPTZ), event_type, '{}' FROM read_json('${file}', format = 'newline_delimited', columns = {event_id: 'VARCHAR', source: 'VARCHAR', sequence: 'BIGINT', event_time: 'VARCHAR', event_type: 'VARCHAR'})`,
    );
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    const reader = await con.runAndReadAll(
      `SELECT epoch_ms(CAST(interval_start AS TIMESTAMP)) AS t, series, CAST(observed AS BIGINT) AS observed FROM (${sqlAggregation("memory.main.events", "duckdb")}) ORDER BY t, series`,
    );
    const sql = new Map<string, number>();
    for (const row of reader.getRowObjects()) sql.set(`${String(row.series)}@${Number(row.t)}`, Number(row.observed));

    const core = new Map<string, number>();
    const hours = new Set<number>();
    for (const byInterval of state.counts.values()) for (const start of byInterval.keys()) hours.add(start);
    const first = Math.min(...hours);
    const last = Math.max(...hours);
    for (const id of state.series.keys()) {
      for (let h = first; h <= last; h += 3_600_000) core.set(`${id}@${h}`, state.counts.get(id)?.get(h) ?? 0);
    }
    assert.equal(sql.size, core.size);
    assert.deepEqual(sql, core);
    assert.equal(sql.get(`source:kiosk/event_type:card.scanned@${traffic.start + 200 * 3_600_000}`), 0);
    assert.ok([...core.values()].reduce((s, n) => s + n, 0) === 2 * events.length);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
});
