/**
 * The exactly-once views of the BigQuery tables (`<table>_once`, src/sinks/bigquery-schema.ts):
 * the sink writes a batch, the insertId minute runs out (`forgetInsertIds`), and the batch is
 * written again after a "crash" with a redelivered dead letter on another line, beside records
 * that only look alike (an event id kept again a day later, two bad lines with the same text).
 * The rows land in fake-bigquery, are loaded into DuckDB with the tables' columns, and each
 * view's query (the text the sink creates the view with) must return every record exactly once.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { PassThroughClient } from "google-auth-library";
import type { DeadLetter, Flag } from "../../src/event";
import { BigQuerySink } from "../../src/sinks/bigquery";
import type { OutputEvent } from "../../src/sinks/sink";
import { FakeBigQuery } from "./bigquery-fake";
import { loadRows, readOnce } from "./bigquery-duckdb";

const P = "proj-1";
const D = "recovery";

function event(id: string, time: string, messageId: string): OutputEvent {
  return {
    event_id: id,
    source: "store",
    event_type: "order.paid",
    sequence: null,
    event_time: time,
    raw: JSON.stringify({ event_id: id, source: "store", timestamp: time, event_type: "order.paid", data: { n: 1 } }),
    meta: { message_id: messageId, publish_time: time, attributes: null, delivery_attempt: 1 },
  };
}

const flag = (id: string, eventId: string): Flag => ({
  flag_id: id,
  kind: "near_duplicate",
  action: "discard",
  event_id: eventId,
  source: "store",
  event_type: "order.paid",
  key: null,
  event_time: "2026-11-20T10:00:00.000Z",
  detail: {},
  detected_at: "2026-11-20T11:00:00.000Z",
});

const deadLetter = (code: string, line: number, raw: string, messageId: string | null, receivedAt: string): DeadLetter => ({
  error_code: code,
  issues: [],
  raw,
  raw_truncated: false,
  line,
  event_id: null,
  message_id: messageId,
  attributes: null,
  received_at: receivedAt,
});

test("a batch written twice beyond the insertId minute reads once through the _once views; look-alike records stay apart", async () => {
  const fake = await FakeBigQuery.start();
  const sinkAt = (iso: string) =>
    new BigQuerySink({ project: P, dataset: D, apiEndpoint: fake.endpoint, authClient: new PassThroughClient(), retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 }, now: () => new Date(iso) });
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    const t1 = "2026-11-20T10:00:00.000Z";
    const dayLater = "2026-11-21T11:00:00.000Z";
    const first = {
      events: [event("e1", t1, "m1"), event("e2", t1, "m2")],
      flags: [flag("f1", "e2")],
      deadLetters: [
        deadLetter("malformed_json", 3, "{bad", "m3", "2026-11-20T11:00:00.000Z"),
        deadLetter("malformed_json", 4, "{same", null, "2026-11-20T11:00:00.000Z"),
        // The same text on another line of a file: another bad line, not a copy.
        deadLetter("malformed_json", 5, "{same", null, "2026-11-20T11:00:00.000Z"),
      ],
    };
    await sinkAt("2026-11-20T11:00:00.000Z").write(first);
    fake.forgetInsertIds();
    // After a crash the batch is written again; the redelivered message m3 now arrives on line 9.
    // e1 is also kept again a day later (beyond the dedup horizon: a new event under a reused id).
    await sinkAt("2026-11-20T11:30:00.000Z").write({
      events: [...first.events, event("e1", dayLater, "m4")],
      flags: [...first.flags, flag("f2", "e1")],
      deadLetters: [deadLetter("malformed_json", 9, "{bad", "m3", "2026-11-20T11:30:00.000Z"), ...first.deadLetters.slice(1)],
    });
    assert.equal(fake.rows(P, D, "events").length, 5, "the raw table holds the copies");
    assert.equal(fake.rows(P, D, "flags").length, 3);
    assert.equal(fake.rows(P, D, "dead_letter").length, 6);

    await loadRows(con, "events", "events", fake.rows(P, D, "events"));
    await loadRows(con, "flags", "flags", fake.rows(P, D, "flags"));
    await loadRows(con, "dead_letter", "deadLetters", fake.rows(P, D, "dead_letter"));
    const epoch = (iso: string) => String(new Date(iso).getTime());
    const events = await readOnce(con, "events", "events", ["event_id", "epoch_ms(event_time)", "message_id", "epoch_ms(inserted_at)"]);
    assert.deepEqual(events, [
      `e1|${epoch(t1)}|m1|${epoch("2026-11-20T11:00:00.000Z")}`,
      `e1|${epoch(dayLater)}|m4|${epoch("2026-11-20T11:30:00.000Z")}`,
      `e2|${epoch(t1)}|m2|${epoch("2026-11-20T11:00:00.000Z")}`,
    ]);
    assert.deepEqual(await readOnce(con, "flags", "flags", ["flag_id", "event_id"]), ["f1|e2", "f2|e1"]);
    assert.deepEqual(await readOnce(con, "dead_letter", "deadLetters", ["line", "raw", "message_id"]), ["3|{bad|m3", "4|{same|null", "5|{same|null"]);
  } finally {
    con.closeSync();
    instance.closeSync();
    await fake.close();
  }
});
