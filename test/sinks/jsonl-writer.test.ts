/**
 * The JSON-lines writer: buffered appends, counts, and closing with or without waiting for the
 * disk (a bounded run closes without, then `syncFile`s while the DuckDB worker settles).
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { appendLine, closeLines, FLUSH_EVERY_LINES, openLines, syncFile } from "../../src/sinks/jsonl-writer";

const dir = mkdtempSync(join(tmpdir(), "jsonl-writer-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("every appended line is in the file after closing, durable or not, in order", () => {
  for (const durable of [true, false]) {
    const path = join(dir, `out-${durable}.jsonl`);
    openLines(path);
    const lines = Array.from({ length: FLUSH_EVERY_LINES * 2 + 7 }, (_, i) => JSON.stringify({ i, text: i % 5 === 0 ? "naïve ✓" : "x" }));
    for (const line of lines) appendLine(path, line);
    assert.equal(closeLines(path, durable), lines.length);
    if (!durable) syncFile(path);
    assert.equal(readFileSync(path, "utf8"), lines.map((l) => l + "\n").join(""));
    assert.equal(closeLines(path), 0, "a closed file is closed once");
  }
});

test("openLines in append mode keeps what the file held", () => {
  const path = join(dir, "append.jsonl");
  openLines(path);
  appendLine(path, "1");
  closeLines(path);
  openLines(path, true);
  appendLine(path, "2");
  closeLines(path);
  assert.equal(readFileSync(path, "utf8"), "1\n2\n");
});

test("syncFile of a file that does not exist throws", () => {
  assert.throws(() => syncFile(join(dir, "missing.jsonl")), /ENOENT/);
});
