/**
 * startDuckDbLoad: the worker loads `events.jsonl` in pieces while it is written and the rest
 * once it ends, and when the worker fails, `finish` loads the complete files again. Either way
 * the tables hold exactly the files' rows.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../../src/config";
import { startDuckDbLoad } from "../../src/sinks/duckdb-overlapped";
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

function setup(): { dir: string; files: RecoverFiles; db: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "duckdb-overlapped-"));
  const files = { events: path.join(dir, "events.jsonl"), flags: path.join(dir, "flags.jsonl"), deadLetters: path.join(dir, "dead_letter.jsonl") };
  fs.writeFileSync(files.events, "");
  fs.writeFileSync(files.flags, flagLine + "\n");
  fs.writeFileSync(files.deadLetters, deadLetterLine + "\n");
  return { dir, files, db: path.join(dir, "recovery.duckdb") };
}

async function tables(dbPath: string): Promise<{ events: string[][]; flags: number; deadLetters: number }> {
  const instance = await DuckDBInstance.create(dbPath);
  const db = await instance.connect();
  try {
    const events = await db.runAndReadAll("SELECT event_id, source, sequence::VARCHAR, event_type, payload::VARCHAR FROM events ORDER BY event_id");
    const flags = await db.runAndReadAll("SELECT count(*)::INTEGER FROM flags WHERE flag_id = 'f1' AND kind = 'duplicate'");
    const dead = await db.runAndReadAll("SELECT count(*)::INTEGER FROM dead_letter WHERE error_code = 'malformed_json' AND line = 9");
    return { events: events.getRows().map((r) => r.map(String)), flags: Number(flags.getRows()[0][0]), deadLetters: Number(dead.getRows()[0][0]) };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

function expectedRows(count: number): string[][] {
  const rows: string[][] = [];
  for (let i = 0; i < count; i++) {
    const line = eventLine(i);
    const e = JSON.parse(line) as { event_id: string; source: string };
    rows.push([e.event_id, e.source, String(i), "order.paid", line]);
  }
  return rows;
}

test("events written and flushed in pieces (more than one 32 MB piece) load completely, with flags and dead letters", async () => {
  const { dir, files, db } = setup();
  try {
    const load = startDuckDbLoad(db, files, config);
    // 80,000 lines of ~500 bytes: one full piece loaded while writing, the rest at the end.
    const count = 80_000;
    const fd = fs.openSync(files.events, "a");
    let bytes = 0;
    for (let start = 0; start < count; start += 5_000) {
      const chunk = Array.from({ length: Math.min(5_000, count - start) }, (_, k) => eventLine(start + k) + "\n").join("");
      fs.writeSync(fd, chunk);
      bytes += Buffer.byteLength(chunk);
      load.flushed(bytes);
    }
    fs.closeSync(fd);
    assert.ok(bytes > 32 << 20, `the file spans more than one piece (${bytes} bytes)`);
    await load.finish();
    const got = await tables(db);
    assert.equal(got.events.length, count);
    assert.deepEqual(got.events, expectedRows(count));
    assert.equal(got.flags, 1);
    assert.equal(got.deadLetters, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a worker that fails (told of bytes the file does not hold) is replaced by a load of the complete files", async () => {
  const { dir, files, db } = setup();
  try {
    const count = 1_000;
    fs.writeFileSync(files.events, Array.from({ length: count }, (_, i) => eventLine(i) + "\n").join(""));
    const load = startDuckDbLoad(db, files, config);
    // A claim of 64 MB flushed: the worker copies a piece past the end of the file and fails.
    load.flushed(64 << 20);
    await load.finish();
    const got = await tables(db);
    assert.deepEqual(got.events, expectedRows(count));
    assert.equal(got.flags, 1);
    assert.equal(got.deadLetters, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
