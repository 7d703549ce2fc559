/**
 * readFileLines: line numbering and splitting, and its `text` (the chunk-shared decoding of
 * all-ASCII chunks) — equal to the bytes decoded, null where a chunk holds non-ASCII bytes or
 * a line crosses chunks — and validateLine giving the same result with or without it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { keyPaths, parseConfig } from "../../src/config";
import { readFileLines, READ_CHUNK_BYTES } from "../../src/sources/jsonl-file";
import { validateLine } from "../../src/validate";

function withFile(content: Buffer | string, fn: (file: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jsonl-file-"));
  const file = path.join(dir, "in.jsonl");
  fs.writeFileSync(file, content);
  try {
    fn(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function collect(file: string): Array<{ line: number; bytes: string; text: string | null }> {
  return [...readFileLines(file)].map((l) => ({ line: l.line, bytes: l.bytes.toString("latin1"), text: l.text }));
}

test("lines are split on \\n only, numbered from 1, with the ASCII text of each", () => {
  withFile('{"a":1}\n\r\n\nlast', (file) => {
    assert.deepEqual(collect(file), [
      { line: 1, bytes: '{"a":1}', text: '{"a":1}' },
      { line: 2, bytes: "\r", text: "\r" },
      { line: 3, bytes: "", text: "" },
      // After the last newline: read as a carried piece, so no shared text.
      { line: 4, bytes: "last", text: null },
    ]);
  });
});

test("a chunk holding a non-ASCII byte gives no text; the bytes are untouched", () => {
  const content = Buffer.concat([Buffer.from('{"n":"caf'), Buffer.from([0xc3, 0xa9]), Buffer.from('"}\n{"bad":"'), Buffer.from([0xff]), Buffer.from('"}\n')]);
  withFile(content, (file) => {
    const lines = [...readFileLines(file)].map((l) => ({ bytes: Buffer.from(l.bytes), text: l.text }));
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[0].bytes, content.subarray(0, content.indexOf(0x0a)));
    assert.equal(lines[0].text, null);
    assert.equal(lines[1].text, null);
  });
});

test("a line crossing a read chunk has no text but the right bytes; the lines after it have text again", () => {
  const long = `{"pad":"${"x".repeat(READ_CHUNK_BYTES)}"}`;
  withFile(`{"i":1}\n${long}\n{"i":3}\n`, (file) => {
    const lines = [...readFileLines(file)].map((l) => ({ line: l.line, length: l.bytes.length, text: l.text }));
    assert.deepEqual(lines[0], { line: 1, length: 7, text: '{"i":1}' });
    assert.deepEqual(lines[1], { line: 2, length: long.length, text: null });
    assert.deepEqual(lines[2], { line: 3, length: 7, text: '{"i":3}' });
  });
});

test("validateLine gives the same result from the shared text as from the bytes", () => {
  const config = parseConfig({});
  const ctx = { config, nowMs: Date.parse("2026-11-25T12:00:00Z"), keyPaths: keyPaths(config) };
  const good = { event_id: "e1", source: "s", sequence: 1, timestamp: "2026-11-25T11:00:00Z", event_type: "t", data: { x: 1 } };
  const content = [
    JSON.stringify(good),
    JSON.stringify(good) + "\r",
    "   ",
    "{not json",
    JSON.stringify({ ...good, timestamp: "yesterday" }),
    JSON.stringify({ ...good, event_id: "" }),
    "",
  ].join("\n");
  withFile(content + "\n", (file) => {
    let compared = 0;
    for (const { line, bytes, text } of readFileLines(file)) {
      assert.notEqual(text, null);
      assert.deepEqual(validateLine(bytes, line, ctx, text), validateLine(bytes, line, ctx));
      compared++;
    }
    assert.equal(compared, 7);
  });
});
