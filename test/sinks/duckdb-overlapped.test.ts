/**
 * startDuckDbLoad: the worker stages the valid events of the input while the read reports
 * them, then keeps exactly the events written to `events.jsonl` (rewritten ones as written).
 * When its checks fail, `finish` loads the complete files again and says why. Either way the
 * tables hold exactly the files' rows.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../../src/config";
import type { ReceivedEvent } from "../../src/event";
import { startDuckDbLoad } from "../../src/sinks/duckdb-overlapped";
import { deletionsOf, settle } from "../../src/sinks/duckdb-load-worker";
import { createEventsTable, insertEvents } from "../../src/sinks/duckdb-tables";
import { closeLines, openLines } from "../../src/sinks/jsonl-writer";
import { writeEvents } from "../../src/sinks/sink-stages";
import { readFileLines } from "../../src/sources/jsonl-file";
import { ValidRangeRecorder } from "../../src/sources/valid-event-ranges";
import { bodyEnd, bodyStart } from "../../src/validate";
import type { RecoverFiles } from "../../src/pipelines/recover";

const config = parseConfig({});

function eventLine(i: number): string {
  const pad = "x".repeat(400);
  return JSON.stringify({
    event_id: `e-${String(i).padStart(7, "0")}`,
    source: i % 2 === 0 ? "store" : "scanner",
    sequence: i,
    timestamp: new Date(Date.UTC(2026, 10, 20) + i * 1000).toISOString(),
    event_type: "order.paid",
    data: { n: i, pad },
  });
}

const flagLine = JSON.stringify({
  flag_id: "f1",
  kind: "duplicate",
  action: "discard",
  event_id: "e-0000001",
  source: "store",
  event_type: "order.paid",
  key: null,
  event_time: "2026-11-20T00:00:01.000Z",
  detail: { copy: 1 },
  detected_at: "2026-11-25T12:00:00.000Z",
});

const deadLetterLine = JSON.stringify({
  error_code: "malformed_json",
  issues: [{ path: [], code: "invalid_json", message: "not valid JSON" }],
  raw: "{nope",
  raw_truncated: false,
  line: 9,
  event_id: null,
  message_id: null,
  attributes: null,
  received_at: "2026-11-25T12:00:00.000Z",
});

/**
 * An input of `count` events with the line shapes a real input has between them: a blank line,
 * a malformed line, a CRLF line and a line with a byte order mark every few hundred lines.
 */
function writeInput(file: string, count: number): void {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 500 === 7) parts.push("\n", "{nope\n");
    if (i % 300 === 5) parts.push(eventLine(i) + "\r\n");
    else if (i % 400 === 9) parts.push("\uFEFF" + eventLine(i) + "\n");
    else parts.push(eventLine(i) + "\n");
  }
  fs.writeFileSync(file, parts.join(""));
}

/** What the read stage would see: every line that parses as an object, as a ReceivedEvent. */
function readEvents(file: string, ranges: ValidRangeRecorder | null): ReceivedEvent[] {
  const events: ReceivedEvent[] = [];
  for (const { line, bytes, offset } of readFileLines(file)) {
    const start = bodyStart(bytes);
    const end = bodyEnd(bytes, start);
    const raw = bytes.subarray(start, end).toString("utf8");
    let obj: { event_id?: string };
    try {
      obj = JSON.parse(raw) as { event_id?: string };
    } catch {
      continue;
    }
    ranges?.add(line, offset + start, offset + end);
    events.push({ line, raw, event_id: String(obj.event_id), correctable: false } as unknown as ReceivedEvent);
  }
  ranges?.end();
  return events;
}

function setup(): { dir: string; input: string; files: RecoverFiles; db: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "duckdb-overlapped-"));
  const files = { events: path.join(dir, "events.jsonl"), flags: path.join(dir, "flags.jsonl"), deadLetters: path.join(dir, "dead_letter.jsonl") };
  fs.writeFileSync(files.flags, flagLine + "\n");
  fs.writeFileSync(files.deadLetters, deadLetterLine + "\n");
  return { dir, input: path.join(dir, "input.jsonl"), files, db: path.join(dir, "recovery.duckdb") };
}

/**
 * Writes the kept events as the pipeline would: every 9th event is dropped (a copy), every
 * 13th is correctable, and of those every other one is rewritten (a `corrections` list added).
 */
function writeKept(files: RecoverFiles, events: ReceivedEvent[]): void {
  openLines(files.events);
  const kept: ReceivedEvent[] = [];
  events.forEach((e, i) => {
    if (i % 9 === 4) return;
    if (i % 13 !== 2) kept.push(e);
    else if (i % 26 === 2) kept.push({ ...e, correctable: true });
    else kept.push({ ...e, correctable: true, raw: e.raw.replace(/}$/, ',"corrections":[{"rule":"test"}]}') });
  });
  for (let i = 0; i < kept.length; i += 1000) for (const _ of writeEvents(files.events, kept.slice(i, i + 1000), "duckdb-overlapped-test"));
  closeLines(files.events);
}

async function tables(dbPath: string): Promise<{ payloads: string[]; flags: number; deadLetters: number }> {
  const instance = await DuckDBInstance.create(dbPath);
  const db = await instance.connect();
  try {
    const events = await db.runAndReadAll("SELECT payload::VARCHAR FROM events ORDER BY payload::VARCHAR");
    const flags = await db.runAndReadAll("SELECT count(*)::INTEGER FROM flags WHERE flag_id = 'f1' AND kind = 'duplicate'");
    const dead = await db.runAndReadAll("SELECT count(*)::INTEGER FROM dead_letter WHERE error_code = 'malformed_json' AND line = 9");
    return { payloads: events.getRows().map((r) => String(r[0])), flags: Number(flags.getRows()[0][0]), deadLetters: Number(dead.getRows()[0][0]) };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

function fileLines(file: string): string[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .sort();
}

test("events staged from the input in pieces (more than one 32 MB piece) end as exactly the written events, rewritten ones as written", async () => {
  const { dir, input, files, db } = setup();
  try {
    // 80,000 events of ~560 bytes: two pieces.
    writeInput(input, 80_000);
    assert.ok(fs.statSync(input).size > 32 << 20, "the input spans more than one piece");
    const load = startDuckDbLoad(db, input, files, config);
    const events = readEvents(input, ValidRangeRecorder.forInput(input));
    assert.equal(events.length, 80_000);
    writeKept(files, events);
    assert.equal(await load.finish(), null, "no fallback");
    const got = await tables(db);
    const expected = fileLines(files.events);
    assert.equal(expected.length, 80_000 - Math.ceil((80_000 - 4) / 9));
    assert.ok(expected.some((l) => l.includes('"corrections"')), "rewritten events are in the file");
    assert.equal(got.payloads.length, expected.length);
    assert.deepEqual(got.payloads, expected);
    assert.equal(got.flags, 1);
    assert.equal(got.deadLetters, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an events file that is not what the hooks reported: the check fails and the complete files are loaded", async () => {
  const { dir, input, files, db } = setup();
  try {
    writeInput(input, 1_000);
    const load = startDuckDbLoad(db, input, files, config);
    writeKept(files, readEvents(input, ValidRangeRecorder.forInput(input)));
    fs.appendFileSync(files.events, eventLine(5_000) + "\n");
    const reason = await load.finish();
    assert.match(reason ?? "", /differs from events\.jsonl/);
    const got = await tables(db);
    assert.deepEqual(got.payloads, fileLines(files.events));
    assert.equal(got.flags, 1);
    assert.equal(got.deadLetters, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an input rewritten in place during the run (same size): the staged rows may differ from what was read, so the files are loaded", async () => {
  const { dir, input, files, db } = setup();
  try {
    writeInput(input, 1_000);
    const load = startDuckDbLoad(db, input, files, config);
    writeKept(files, readEvents(input, ValidRangeRecorder.forInput(input)));
    // One byte of a kept event's payload changes; the size stays.
    const text = fs.readFileSync(input, "utf8");
    const at = text.indexOf('"pad":"x') + 7;
    await new Promise((resolve) => setTimeout(resolve, 20));
    fs.writeFileSync(input, text.slice(0, at) + "y" + text.slice(at + 1));
    assert.match((await load.finish()) ?? "", /the input changed during the run/);
    assert.deepEqual((await tables(db)).payloads, fileLines(files.events), "as written from what was read");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("rows whose rowids do not follow arrival order: the content check refuses to delete them", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "duckdb-out-of-step-"));
  const instance = await DuckDBInstance.create(path.join(dir, "t.duckdb"));
  const db = await instance.connect();
  const input = fs.openSync(path.join(dir, "input.jsonl"), "w+");
  try {
    // The input holds events 0, 1, 2 on lines 1-3, but the table got them as 1, 0, 2.
    const lines = [eventLine(0), eventLine(1), eventLine(2)];
    fs.writeSync(input, lines.join("\n") + "\n");
    const triples = new Float64Array(9);
    let offset = 0;
    lines.forEach((l, i) => {
      triples.set([i + 1, offset, offset + l.length], 3 * i);
      offset += l.length + 1;
    });
    fs.writeFileSync(path.join(dir, "table-order.jsonl"), [lines[1], lines[0], lines[2]].join("\n") + "\n");
    await createEventsTable(db);
    await insertEvents(db, path.join(dir, "table-order.jsonl"), config);
    // Keep lines 2 and 3: row 0 must go, and it holds event 1, not event 0.
    const deletions = deletionsOf(Int32Array.from([2, 3]), [triples], input, path.join(dir, "deletions.csv"));
    assert.equal(deletions.count, 1);
    fs.writeFileSync(path.join(dir, "none.jsonl"), "");
    const end = { kept: Int32Array.from([2, 3]), replacements: path.join(dir, "none.jsonl"), rows: 2, bytes: lines[1].length + lines[2].length };
    await assert.rejects(settle(db, end, deletions, 3, config), /out of step: the 1 rows to delete do not hold their events/);
    const left = await db.runAndReadAll("SELECT count(*)::INTEGER FROM events");
    assert.equal(Number(left.getRows()[0][0]), 3, "nothing deleted");
  } finally {
    fs.closeSync(input);
    db.closeSync();
    instance.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an input with no valid event loads empty tables without a fallback", async () => {
  const { dir, input, files, db } = setup();
  try {
    fs.writeFileSync(input, "{nope\n\n");
    const load = startDuckDbLoad(db, input, files, config);
    writeKept(files, readEvents(input, ValidRangeRecorder.forInput(input)));
    assert.equal(await load.finish(), null);
    assert.deepEqual((await tables(db)).payloads, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
