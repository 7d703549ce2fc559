import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FileBatchSource } from "../../src/sources/file-batch-source";
import { MARK_HEAD_BYTES, type InputMark } from "../../src/sources/input-mark";

function withFile(text: string | Buffer, body: (file: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "file-source-"));
  const file = path.join(dir, "in.jsonl");
  fs.writeFileSync(file, text);
  return body(file).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

const texts = (lines: Array<{ line: Buffer }>): string[] => lines.map((l) => l.line.toString());

async function markAfter(file: string, n: number): Promise<InputMark> {
  const s = new FileBatchSource(file);
  await s.next(n, 0);
  const m = s.mark();
  await s.close();
  return m;
}

test("mark: lines handed out and not returned, ending at the last one's bytes", () =>
  withFile("a\nbb\nccc\n", async (file) => {
    const s = new FileBatchSource(file);
    assert.deepEqual({ ...s.mark(), head: "", tail: "" }, { lines: 0, bytes: 0, head: "", tail: "" });
    const batch = await s.next(2, 0);
    assert.deepEqual(texts(batch), ["a", "bb"]);
    assert.equal(s.mark().lines, 2);
    assert.equal(s.mark().bytes, 4);
    await s.nack(batch);
    assert.equal(s.mark().lines, 0, "returned lines are not consumed");
    assert.deepEqual(texts(await s.next(5, 0)), ["a", "bb", "ccc"]);
    assert.equal(s.mark().lines, 3);
    assert.equal(s.mark().bytes, 8);
    assert.equal(s.exhausted, true);
  }));

test("resume: continues after the mark in the same file or the file grown; anything else from line 1", () =>
  withFile("a\nbb\nccc\n", async (file) => {
    const mark = await markAfter(file, 2);
    const cases: Array<{ name: string; content: string | null; given: InputMark | null | undefined; legacy: number; skipped: number; note: boolean; next: string[] }> = [
      { name: "same file", content: null, given: mark, legacy: 0, skipped: 2, note: false, next: ["ccc"] },
      { name: "grown by appends", content: "a\nbb\nccc\ndddd\n", given: mark, legacy: 0, skipped: 2, note: false, next: ["ccc", "dddd"] },
      { name: "another file", content: "x\nyy\nzzz\n", given: mark, legacy: 0, skipped: 0, note: true, next: ["x", "yy", "zzz"] },
      { name: "shorter than the mark", content: "a\n", given: mark, legacy: 0, skipped: 0, note: true, next: ["a"] },
      { name: "changed before the mark", content: "a\nbB\nccc\n", given: mark, legacy: 0, skipped: 0, note: true, next: ["a", "bB", "ccc"] },
      { name: "state last fed by Pub/Sub (null)", content: null, given: null, legacy: 7, skipped: 0, note: false, next: ["a", "bb", "ccc"] },
      { name: "state from before marks (undefined): legacy line count", content: null, given: undefined, legacy: 1, skipped: 1, note: false, next: ["bb", "ccc"] },
    ];
    for (const c of cases) {
      if (c.content !== null) fs.writeFileSync(file, c.content);
      else fs.writeFileSync(file, "a\nbb\nccc\n");
      const s = new FileBatchSource(file);
      const r = s.resume(c.given, c.legacy);
      assert.equal(r.skipped, c.skipped, c.name);
      assert.equal(r.note !== null, c.note, `${c.name}: note ${r.note}`);
      assert.deepEqual(texts(await s.next(10, 0)), c.next, c.name);
      await s.close();
    }
  }));

test("resume: a mark far beyond the head of a long file continues at the line after it", () => {
  const line = (i: number) => `{"n":${String(i).padStart(6, "0")}}`;
  const all = Array.from({ length: 20_000 }, (_, i) => line(i)).join("\n") + "\n";
  assert.ok(all.length > 3 * MARK_HEAD_BYTES);
  return withFile(all, async (file) => {
    const mark = await markAfter(file, 15_000);
    const s = new FileBatchSource(file);
    assert.deepEqual(s.resume(mark, 0), { skipped: 15_000, note: null });
    const rest = await s.next(10, 0);
    assert.deepEqual(texts(rest).slice(0, 2), [line(15_000), line(15_001)]);
    await s.close();
  });
});

test("holdUnterminated: a last line without a line feed is left for the next run, which reads it whole once its writer finishes it", () =>
  withFile('{"a":1}\n{"b":', async (file) => {
    const held = new FileBatchSource(file, { holdUnterminated: true });
    assert.deepEqual(texts(await held.next(10, 0)), ['{"a":1}']);
    assert.equal(held.exhausted, true);
    assert.equal(held.heldUnterminated, true);
    const mark = held.mark();
    await held.close();
    fs.appendFileSync(file, '2}\n{"c":3}\n');
    const next = new FileBatchSource(file, { holdUnterminated: true });
    assert.equal(next.resume(mark, 0).skipped, 1);
    assert.deepEqual(texts(await next.next(10, 0)), ['{"b":2}', '{"c":3}'], "the line whole, not its rest");
    assert.equal(next.heldUnterminated, false);
    await next.close();
    // Without the hold (a run that flushes: the input is complete), the last line is read as it is.
    fs.writeFileSync(file, '{"a":1}\n{"b":2}');
    const whole = new FileBatchSource(file);
    assert.deepEqual(texts(await whole.next(10, 0)), ['{"a":1}', '{"b":2}']);
    assert.equal(whole.heldUnterminated, false);
    await whole.close();
  }));
