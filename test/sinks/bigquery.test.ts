import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { PassThroughClient } from "google-auth-library";
import type { DeadLetter, Flag } from "../../src/event";
import { BigQuerySink, SinkUnavailableError, type BigQuerySinkOptions } from "../../src/sinks/bigquery";
import { deadLetterInsertId, eventInsertId } from "../../src/sinks/bigquery-rows";
import { DEAD_LETTER_TABLE, EVENTS_TABLE, FLAGS_TABLE } from "../../src/sinks/bigquery-schema";
import type { OutputEvent } from "../../src/sinks/sink";
import { FakeBigQuery } from "./bigquery-fake";

const P = "proj-1";
const D = "recovery";
const NOW = new Date("2026-11-20T12:00:00.000Z");

function event(id: string, extra: Record<string, unknown> = {}): OutputEvent {
  const raw = JSON.stringify({ event_id: id, source: "s1", sequence: 1, timestamp: "2026-11-20T10:00:00Z", event_type: "card.scanned", data: { ref: id, ...extra } });
  return {
    event_id: id,
    source: "s1",
    event_type: "card.scanned",
    sequence: 1,
    event_time: "2026-11-20T10:00:00.000Z",
    raw,
    meta: { message_id: `m-${id}`, publish_time: "2026-11-20T10:00:01.000Z", attributes: { origin: "test" }, delivery_attempt: 1 },
  };
}

const flag = (id: string): Flag => ({
  flag_id: `f-${id}`,
  kind: "duplicate",
  action: "discard",
  event_id: id,
  source: "s1",
  event_type: "card.scanned",
  key: null,
  event_time: "2026-11-20T10:00:00.000Z",
  detail: { first_line: 1 },
  detected_at: "2026-11-20T11:00:00.000Z",
});

const deadLetter = (line: number): DeadLetter => ({
  error_code: "malformed_json",
  issues: [{ path: [], code: "malformed_json", message: "Unexpected token" }],
  raw: `{"broken": ${line}`,
  raw_truncated: false,
  line,
  event_id: null,
  message_id: null,
  attributes: null,
  received_at: "2026-11-20T11:00:00.000Z",
});

describe("BigQuerySink against fake-bigquery", () => {
  let fake: FakeBigQuery;
  const sinks: BigQuerySink[] = [];
  const sink = (extra: Partial<BigQuerySinkOptions> = {}): BigQuerySink => {
    const s = new BigQuerySink({
      project: P,
      dataset: D,
      apiEndpoint: fake.endpoint,
      authClient: new PassThroughClient(),
      retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5 },
      now: () => NOW,
      ...extra,
    });
    sinks.push(s);
    return s;
  };

  beforeEach(async () => {
    fake = await FakeBigQuery.start();
  });
  afterEach(async () => {
    for (const s of sinks.splice(0)) await s.close();
    await fake.close();
  });

  test("creates the missing dataset and tables with the documented schema, partitioning and clustering", async () => {
    const result = await sink().write({ events: [event("e1")], flags: [], deadLetters: [] });
    assert.deepEqual(result, { written: { events: 1, flags: 0, deadLetters: 0 }, rejected: [] });
    assert.ok(fake.hasDataset(P, D));
    const datasetPost = fake.requests.find((r) => r.method === "POST" && r.path === `/bigquery/v2/projects/${P}/datasets`);
    assert.deepEqual(datasetPost?.body, { datasetReference: { datasetId: D } });
    for (const [name, spec] of [
      ["events", EVENTS_TABLE],
      ["flags", FLAGS_TABLE],
      ["dead_letter", DEAD_LETTER_TABLE],
    ] as const) {
      const t = fake.table(P, D, name);
      assert.ok(t, `table ${name} created`);
      assert.deepEqual(t.resource.tableReference, { projectId: P, datasetId: D, tableId: name });
      assert.deepEqual(
        t.fields,
        spec.columns.map((c) => ({ name: c.name, type: c.type, mode: c.mode })),
      );
      assert.deepEqual(t.resource.timePartitioning, { type: "DAY", field: spec.partitionColumn });
      assert.deepEqual(t.resource.clustering, { fields: [...spec.clusterColumns] });
    }
    assert.deepEqual(fake.table(P, D, "events")?.resource.timePartitioning, { type: "DAY", field: "event_time" });
    assert.deepEqual(fake.table(P, D, "events")?.resource.clustering, { fields: ["event_type"] });
    assert.deepEqual(fake.table(P, D, "flags")?.resource.timePartitioning, { type: "DAY", field: "detected_at" });
    assert.deepEqual(fake.table(P, D, "dead_letter")?.resource.timePartitioning, { type: "DAY", field: "received_at" });
    for (const name of ["events", "flags", "dead_letter"]) {
      const view = fake.table(P, D, `${name}_once`)?.resource;
      assert.equal(view?.type, "VIEW", `view ${name}_once created`);
      assert.deepEqual((view?.view as { useLegacySql: boolean }).useLegacySql, false);
      assert.match((view?.view as { query: string }).query, new RegExp(`^SELECT \\* FROM \`${P}\\.${D}\\.${name}\` WHERE TRUE\nQUALIFY ROW_NUMBER\\(\\) OVER \\(PARTITION BY `));
    }
    const eventFields = fake.table(P, D, "events")?.fields.map((f) => `${f.name}:${f.type}:${f.mode}`);
    assert.deepEqual(eventFields?.slice(0, 6), ["event_id:STRING:REQUIRED", "source:STRING:NULLABLE", "event_type:STRING:NULLABLE", "sequence:INT64:NULLABLE", "event_time:TIMESTAMP:NULLABLE", "payload:JSON:NULLABLE"]);
  });

  test("uses existing dataset and tables without recreating them, and a second write makes no metadata call", async () => {
    fake.seedDataset(P, D);
    const s = sink();
    await s.write({ events: [event("e1")], flags: [], deadLetters: [] });
    const creates = fake.requests.filter((r) => r.method === "POST" && !r.path.endsWith("/insertAll"));
    assert.deepEqual(
      creates.map((r) => (r.body as { tableReference: { tableId: string } }).tableReference.tableId),
      ["events", "flags", "dead_letter", "events_once", "flags_once", "dead_letter_once"],
    );
    const before = fake.requests.length;
    await s.write({ events: [event("e2")], flags: [], deadLetters: [] });
    assert.deepEqual(
      fake.requests.slice(before).map((r) => `${r.method} ${r.path}`),
      [`POST /bigquery/v2/projects/${P}/datasets/${D}/tables/events/insertAll`],
    );
    // A new sink over existing tables only checks them.
    const checks = fake.requests.length;
    await sink().write({ events: [event("e3")], flags: [], deadLetters: [] });
    assert.deepEqual(
      fake.requests.slice(checks).map((r) => r.method),
      ["GET", "GET", "GET", "GET", "GET", "GET", "GET", "POST"],
    );
    assert.equal(fake.rows(P, D, "events").length, 3);
  });

  test("createIfMissing false over existing tables: only the dataset and tables are looked up, the views neither required nor looked up", async () => {
    await sink().write({ events: [event("e1")], flags: [], deadLetters: [] });
    const before = fake.requests.length;
    await sink({ createIfMissing: false }).write({ events: [event("e2")], flags: [], deadLetters: [] });
    assert.deepEqual(
      fake.requests.slice(before).map((r) => `${r.method} ${r.path.replace(`/bigquery/v2/projects/${P}/datasets/${D}`, "")}`),
      ["GET ", "GET /tables/events", "GET /tables/flags", "GET /tables/dead_letter", "POST /tables/events/insertAll"],
    );
  });

  test("createIfMissing false fails on a missing table and creates nothing", async () => {
    fake.seedDataset(P, D);
    await assert.rejects(sink({ createIfMissing: false }).write({ events: [event("e1")], flags: [], deadLetters: [] }), /events does not exist/);
    assert.equal(fake.table(P, D, "events"), undefined);
    assert.equal(fake.requests.filter((r) => r.method === "POST").length, 0);
  });

  test("streams rows with insertIds and the documented cell encoding", async () => {
    const dl = deadLetter(7);
    const result = await sink({ tables: { deadLetters: "dlq" } }).write({ events: [event("e1"), event("e2")], flags: [flag("e1")], deadLetters: [dl] });
    assert.deepEqual(result, { written: { events: 2, flags: 1, deadLetters: 1 }, rejected: [] });
    const insert = fake.requests.find((r) => r.path.endsWith("/events/insertAll"));
    assert.deepEqual(Object.keys(insert?.body as object).sort(), ["ignoreUnknownValues", "rows", "skipInvalidRows"]);
    assert.equal((insert?.body as { skipInvalidRows: boolean }).skipInvalidRows, true);

    const events = fake.rows(P, D, "events");
    assert.deepEqual(
      events.map((r) => r.insertId),
      [eventInsertId(event("e1")), eventInsertId(event("e2"))],
    );
    // An id kept again a day later is another event: another insertId, or BigQuery could drop it.
    assert.notEqual(eventInsertId(event("e1")), eventInsertId({ ...event("e1"), event_time: "2026-11-21T10:00:00.000Z" }));
    assert.deepEqual(events[0].json, {
      event_id: "e1",
      source: "s1",
      event_type: "card.scanned",
      sequence: 1,
      event_time: "2026-11-20T10:00:00.000Z",
      payload: event("e1").raw,
      message_id: "m-e1",
      publish_time: "2026-11-20T10:00:01.000Z",
      attributes: '{"origin":"test"}',
      delivery_attempt: 1,
      inserted_at: NOW.toISOString(),
    });
    const flags = fake.rows(P, D, "flags");
    assert.equal(flags.length, 1);
    assert.equal(flags[0].insertId, "f-e1");
    assert.equal(flags[0].json.detail, '{"first_line":1}');
    assert.equal(flags[0].json.detected_at, "2026-11-20T11:00:00.000Z");
    const dls = fake.rows(P, D, "dlq");
    assert.equal(dls.length, 1);
    assert.equal(dls[0].insertId, deadLetterInsertId(dl));
    assert.equal(dls[0].json.issues, JSON.stringify(dl.issues));
    assert.equal(dls[0].json.raw, dl.raw);
    assert.equal(fake.table(P, D, "dead_letter"), undefined);
  });

  test("re-sending the same batch does not duplicate rows (insertId dedup)", async () => {
    const s = sink();
    const batch = { events: [event("e1"), event("e2")], flags: [flag("e1")], deadLetters: [deadLetter(3)] };
    const first = await s.write(batch);
    const second = await s.write(batch);
    assert.deepEqual(first.written, { events: 2, flags: 1, deadLetters: 1 });
    assert.deepEqual(second.written, { events: 2, flags: 1, deadLetters: 1 });
    assert.equal(fake.rows(P, D, "events").length, 2);
    assert.equal(fake.rows(P, D, "flags").length, 1);
    assert.equal(fake.rows(P, D, "dead_letter").length, 1);
  });

  test("dead-letter insertIds follow message_id across line numbers, else (line, raw)", () => {
    const withMessage = { ...deadLetter(1), message_id: "m-9" };
    assert.equal(deadLetterInsertId(withMessage), deadLetterInsertId({ ...withMessage, line: 40 }));
    assert.notEqual(deadLetterInsertId(withMessage), deadLetterInsertId({ ...withMessage, error_code: "sink_rejected" }));
    assert.notEqual(deadLetterInsertId(deadLetter(1)), deadLetterInsertId(deadLetter(2)));
    assert.equal(deadLetterInsertId(deadLetter(1)), deadLetterInsertId(deadLetter(1)));
  });

  test("a row BigQuery rejects comes back as a sink_rejected dead letter and the others are written", async () => {
    fake.rejectRowsWhere((json) => typeof json.payload === "string" && json.payload.includes("POISON"));
    const result = await sink().write({ events: [event("e1"), event("e2", { note: "POISON" }), event("e3")], flags: [flag("e1")], deadLetters: [] });
    // The refused row is written to the dead-letter table too, as its dead letter.
    assert.deepEqual(result.written, { events: 2, flags: 1, deadLetters: 1 });
    assert.deepEqual(
      fake.rows(P, D, "events").map((r) => r.json.event_id),
      ["e1", "e3"],
    );
    assert.equal(result.rejected.length, 1);
    const [d] = result.rejected;
    assert.equal(d.error_code, "sink_rejected");
    assert.deepEqual(d.issues, [{ path: [], code: "invalid", message: "events: fake-bigquery: row rejected by script" }]);
    assert.equal(d.event_id, "e2");
    assert.equal(d.message_id, "m-e2");
    assert.deepEqual(d.attributes, { origin: "test" });
    assert.equal(d.line, 0);
    assert.equal(d.received_at, NOW.toISOString());
    assert.equal(d.raw_truncated, false);
    assert.equal(JSON.parse(d.raw).event_id, "e2");
    // Not retried: one insertAll per table.
    assert.equal(fake.requests.filter((r) => r.path.endsWith("/events/insertAll")).length, 1);
    const inTable = fake.rows(P, D, "dead_letter").map((r) => r.json);
    assert.deepEqual(
      inTable.map((j) => [j.error_code, j.event_id, j.message_id]),
      [["sink_rejected", "e2", "m-e2"]],
    );
  });

  test("a batch written again later gives the same dead letter for a refused row: the same raw and insertId (with line and error_code, what dead_letter_once keys on)", async () => {
    fake.rejectRowsWhere((json) => typeof json.payload === "string" && json.payload.includes("POISON"));
    const batch = { events: [{ ...event("e2", { note: "POISON" }), meta: { ...event("e2").meta, message_id: null } }], flags: [], deadLetters: [] };
    const first = await sink().write(batch);
    const second = await sink({ now: () => new Date(NOW.getTime() + 60_000) }).write(batch);
    assert.equal(first.rejected[0].raw, second.rejected[0].raw);
    assert.equal(JSON.parse(first.rejected[0].raw).inserted_at, undefined);
    const ids = fake.requests.filter((r) => r.path.endsWith("/dead_letter/insertAll")).flatMap((r) => (r.body as { rows: Array<{ insertId: string }> }).rows.map((x) => x.insertId));
    assert.equal(ids.length, 2);
    assert.equal(ids[0], ids[1]);
  });

  test("a refused dead-letter row is returned but not sent again, and a refused event whose dead letter is refused too is returned once", async () => {
    fake.rejectRowsWhere((json) => JSON.stringify(json).includes("POISON"));
    const result = await sink().write({ events: [event("e1"), event("e2", { note: "POISON" })], flags: [], deadLetters: [{ ...deadLetter(7), raw: "POISON line" }] });
    assert.deepEqual(result.written, { events: 1, flags: 0, deadLetters: 0 });
    assert.deepEqual(
      result.rejected.map((d) => [d.event_id, d.line, d.issues[0].message]),
      [
        ["e2", 0, "events: fake-bigquery: row rejected by script"],
        [deadLetter(7).event_id, 7, "dead_letter: fake-bigquery: row rejected by script"],
      ],
    );
    // Two dead-letter requests: the batch's own dead letter, then the refused event's (refused again, its POISON raw); no third.
    assert.equal(fake.requests.filter((r) => r.path.endsWith("/dead_letter/insertAll")).length, 2);
    assert.equal(fake.rows(P, D, "dead_letter").length, 0);
  });

  test("schema violations are rejected rows too, and a rejected raw is cut at 64 KiB", async () => {
    // error_code is REQUIRED: a row without it (a caller bug) is refused by BigQuery.
    const noCode = JSON.parse(JSON.stringify({ ...deadLetter(5), raw: "x".repeat(70 * 1024), error_code: null })) as DeadLetter;
    const result = await sink().write({ events: [], flags: [], deadLetters: [noCode, deadLetter(6)] });
    assert.deepEqual(result.written, { events: 0, flags: 0, deadLetters: 1 });
    assert.equal(result.rejected.length, 1);
    const [d] = result.rejected;
    assert.deepEqual(d.issues, [{ path: [], code: "invalid", message: "dead_letter: Missing required field: error_code." }]);
    assert.equal(d.raw_truncated, true);
    assert.equal(Buffer.byteLength(d.raw, "utf8"), 64 * 1024);
    assert.equal(d.line, 5);
  });

  test("a row larger than a request is refused locally, never sent", async () => {
    const result = await sink({ maxRequestBytes: 4096 }).write({ events: [event("small"), event("huge", { blob: "y".repeat(8000) })], flags: [], deadLetters: [] });
    assert.deepEqual(result.written, { events: 1, flags: 0, deadLetters: 0 });
    assert.equal(result.rejected.length, 1);
    assert.equal(result.rejected[0].event_id, "huge");
    assert.equal(result.rejected[0].issues[0].code, "row_too_large");
    const sent = fake.requests.filter((r) => r.path.endsWith("/events/insertAll")).flatMap((r) => (r.body as { rows: Array<{ json: { event_id: string } }> }).rows.map((x) => x.json.event_id));
    assert.deepEqual(sent, ["small"]);
  });

  test("chunks at 500 rows per insertAll request", async () => {
    const events = Array.from({ length: 1203 }, (_, i) => event(`e${i}`));
    const result = await sink().write({ events, flags: [], deadLetters: [] });
    assert.equal(result.written.events, 1203);
    const sizes = fake.requests.filter((r) => r.path.endsWith("/events/insertAll")).map((r) => (r.body as { rows: unknown[] }).rows.length);
    assert.deepEqual(sizes, [500, 500, 203]);
    assert.equal(new Set(fake.rows(P, D, "events").map((r) => r.insertId)).size, 1203);
  });

  test("503 then success is retried, and the rows land once", async () => {
    const s = sink();
    await s.write({ events: [event("warmup")], flags: [], deadLetters: [] });
    fake.failNext(2, 503);
    const result = await s.write({ events: [event("e1")], flags: [], deadLetters: [] });
    assert.deepEqual(result, { written: { events: 1, flags: 0, deadLetters: 0 }, rejected: [] });
    const inserts = fake.requests.filter((r) => r.path.endsWith("/events/insertAll")).map((r) => r.status);
    assert.deepEqual(inserts, [200, 503, 503, 200]);
    assert.deepEqual(
      fake.rows(P, D, "events").map((r) => r.json.event_id),
      ["warmup", "e1"],
    );
  });

  test("a per-row transient error (backendError) re-sends only that row", async () => {
    fake.backendErrorOnce((json) => json.event_id === "e2");
    const result = await sink().write({ events: [event("e1"), event("e2"), event("e3")], flags: [], deadLetters: [] });
    assert.deepEqual(result, { written: { events: 3, flags: 0, deadLetters: 0 }, rejected: [] });
    const sent = fake.requests.filter((r) => r.path.endsWith("/events/insertAll")).map((r) => (r.body as { rows: Array<{ insertId: string }> }).rows.map((x) => x.insertId));
    assert.deepEqual(sent, [["e1", "e2", "e3"].map((id) => eventInsertId(event(id))), [eventInsertId(event("e2"))]]);
    assert.deepEqual(
      fake.rows(P, D, "events").map((r) => r.json.event_id),
      ["e1", "e3", "e2"],
    );
  });

  test("a network error (connection refused) is transient: retried, then SinkUnavailableError", async () => {
    const endpoint = fake.endpoint;
    await fake.close();
    const s = sink({ apiEndpoint: endpoint, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    await assert.rejects(s.write({ events: [event("e1")], flags: [], deadLetters: [] }), (err: unknown) => {
      assert.ok(err instanceof SinkUnavailableError);
      assert.equal(err.attempts, 2);
      assert.match(err.message, /ECONNREFUSED/);
      return true;
    });
    fake = await FakeBigQuery.start();
  });

  test("429 during table setup is retried", async () => {
    fake.failNext(1, 429);
    const result = await sink().write({ events: [event("e1")], flags: [], deadLetters: [] });
    assert.equal(result.written.events, 1);
    assert.equal(fake.requests[0].status, 429);
    assert.ok(fake.table(P, D, "events"));
  });

  test("persistent 503 throws SinkUnavailableError after the bounded attempts", async () => {
    const s = sink({ retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    await s.write({ events: [event("warmup")], flags: [], deadLetters: [] });
    fake.failNext(1000, 503);
    const before = fake.requests.length;
    await assert.rejects(s.write({ events: [event("e1")], flags: [], deadLetters: [] }), (err: unknown) => {
      assert.ok(err instanceof SinkUnavailableError);
      assert.equal(err.attempts, 3);
      assert.match(err.message, /insert into events: still failing after 3 attempt\(s\)/);
      return true;
    });
    assert.equal(fake.requests.length - before, 3);
    assert.deepEqual(
      fake.rows(P, D, "events").map((r) => r.json.event_id),
      ["warmup"],
    );
  });

  test("a permanent request error (400) is thrown at once, not retried", async () => {
    fake.seedDataset(P, D);
    // The fake answers tables.insert of an invalid table id with 400 invalid.
    const broken = sink({ tables: { events: "bad table" } });
    await assert.rejects(broken.write({ events: [event("e1")], flags: [], deadLetters: [] }), (err: unknown) => {
      assert.ok(!(err instanceof SinkUnavailableError));
      assert.equal((err as { code?: unknown }).code, 400);
      return true;
    });
    assert.deepEqual(
      fake.requests.map((r) => `${r.method} ${r.status}`),
      ["GET 200", "GET 404", "POST 400"],
    );
  });

  test("dry run makes no request and ddl() gives the CREATE statements", async () => {
    const s = sink({ dryRun: true, location: "EU" });
    const result = await s.write({ events: [event("e1")], flags: [flag("e1")], deadLetters: [] });
    assert.deepEqual(result, { written: { events: 0, flags: 0, deadLetters: 0 }, rejected: [] });
    assert.equal(fake.requests.length, 0);
    const ddl = s.ddl();
    assert.equal(ddl.length, 7);
    assert.equal(ddl[0], 'CREATE SCHEMA IF NOT EXISTS `proj-1.recovery`\nOPTIONS (location = "EU");');
    const [events, flags, dead] = ddl.slice(1, 4);
    assert.deepEqual(ddl.slice(4), [
      'CREATE VIEW IF NOT EXISTS `proj-1.recovery.events_once`\nOPTIONS (description = "events exactly once: one row per (event_id, event_time), the first inserted")\n' +
        "AS SELECT * FROM `proj-1.recovery.events` WHERE TRUE\nQUALIFY ROW_NUMBER() OVER (PARTITION BY event_id, event_time ORDER BY inserted_at) = 1;",
      'CREATE VIEW IF NOT EXISTS `proj-1.recovery.flags_once`\nOPTIONS (description = "flags exactly once: one row per flag_id, the first detected")\n' +
        "AS SELECT * FROM `proj-1.recovery.flags` WHERE TRUE\nQUALIFY ROW_NUMBER() OVER (PARTITION BY flag_id ORDER BY detected_at) = 1;",
      'CREATE VIEW IF NOT EXISTS `proj-1.recovery.dead_letter_once`\nOPTIONS (description = "dead_letter exactly once: one row per (error_code, message_id), or per (error_code, line, raw) without a message id")\n' +
        "AS SELECT * FROM `proj-1.recovery.dead_letter` WHERE TRUE\nQUALIFY ROW_NUMBER() OVER (PARTITION BY error_code, message_id, CASE WHEN message_id IS NULL THEN line END, CASE WHEN message_id IS NULL THEN raw END ORDER BY received_at) = 1;",
    ]);
    assert.match(events, /^CREATE TABLE IF NOT EXISTS `proj-1\.recovery\.events` \(\n/);
    assert.match(events, /\n {2}`event_id` STRING NOT NULL OPTIONS/);
    assert.match(events, /\n {2}`payload` JSON OPTIONS/);
    assert.match(events, /\n {2}`event_time` TIMESTAMP OPTIONS/);
    assert.match(events, /\)\nPARTITION BY DATE\(`event_time`\)\nCLUSTER BY `event_type`\nOPTIONS \(description = "[^"]+"\);$/);
    assert.match(flags, /PARTITION BY DATE\(`detected_at`\)\nCLUSTER BY `kind`/);
    assert.match(flags, /`detail` JSON/);
    assert.match(dead, /^CREATE TABLE IF NOT EXISTS `proj-1\.recovery\.dead_letter`/);
    assert.match(dead, /PARTITION BY DATE\(`received_at`\)\nCLUSTER BY `error_code`/);
    for (const [stmt, spec] of [
      [events, EVENTS_TABLE],
      [flags, FLAGS_TABLE],
      [dead, DEAD_LETTER_TABLE],
    ] as const) {
      assert.equal((stmt.match(/^ {2}`/gm) ?? []).length, spec.columns.length);
    }
  });

  test("an empty batch makes no request; write after close throws", async () => {
    const s = sink();
    assert.deepEqual(await s.write({ events: [], flags: [], deadLetters: [] }), { written: { events: 0, flags: 0, deadLetters: 0 }, rejected: [] });
    assert.equal(fake.requests.length, 0);
    await s.close();
    await assert.rejects(s.write({ events: [event("e1")], flags: [], deadLetters: [] }), /after close/);
  });
});
