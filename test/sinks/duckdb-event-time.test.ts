/**
 * The DuckDB `events` table's `event_time` is the event time validation computed, for every
 * timestamp form validation accepts: a lower-case `t` or `z`, a time to the minute, any zone
 * offset, fractions of any length (cut to milliseconds). Before, DuckDB's own cast left it
 * NULL for the first two forms (half the rows of a file written with a lower-case `z`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../../src/config";
import { createEventsTable, insertEvents } from "../../src/sinks/duckdb-tables";
import { parseEventTime } from "../../src/timestamp";

const FORMS = [
  "2026-11-25T10:00:00.000Z",
  "2026-11-25T10:01Z",
  "2026-11-25t10:02:00z",
  "2026-11-25T10:03:00z",
  "2026-11-25t10:04+01:00",
  "2026-11-25T10:05-0530",
  "2026-11-25T10:06:07.123456789Z",
  "2026-11-25T10:07:08.9999+14:00",
  "2026-11-25T00:08:09.5-23:59",
];

test("events.event_time equals the validated event time for every accepted timestamp form", async () => {
  for (const t of FORMS) assert.notEqual(parseEventTime(t), null, t);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "duckdb-event-time-"));
  const file = path.join(dir, "events.jsonl");
  const nested = parseConfig({ envelope: { event_id: "meta.id", source: "meta.src", sequence: "meta.seq", timestamp: "meta.ts", event_type: "kind", data: "payload" } });
  const lines = FORMS.map((t, i) => JSON.stringify({ meta: { id: `e${i}`, src: "s", seq: i, ts: t }, kind: "x", payload: {} }));
  fs.writeFileSync(file, lines.join("\n") + "\n");
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  try {
    await createEventsTable(db);
    await insertEvents(db, file, nested);
    const rows = (await db.runAndReadAll("SELECT event_id, epoch_ms(event_time)::BIGINT AS ms FROM events ORDER BY event_id")).getRowObjectsJson();
    assert.equal(rows.length, FORMS.length);
    for (const row of rows) {
      const i = Number(String(row.event_id).slice(1));
      assert.equal(row.ms === null ? null : Number(row.ms), parseEventTime(FORMS[i]), FORMS[i]);
    }
  } finally {
    db.closeSync();
    instance.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
