/**
 * The bench's byte scanner (bench/json-scan.ts) against its specification: it accepts a line
 * exactly when the line is valid UTF-8 and `JSON.parse` gives an object, and it finds the last
 * value of each top-level member it is asked for, objects and arrays included. Checked on a table of edge cases, the
 * bad-input corpus, and mutations of generated events.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { isUtf8 } from "buffer";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { newScanFound, scanLine, type ScanFound } from "../../bench/json-scan";
import { generate } from "../../src/generate/generate";
import { bodyEnd, bodyStart } from "../../src/validate";
import { corpusLines } from "../corpus/corpus";

/** What the scanner must answer: valid UTF-8 and `JSON.parse` gives a non-array object. */
function reference(body: Buffer): Record<string, unknown> | null {
  if (!isUtf8(body)) return null;
  try {
    const v: unknown = JSON.parse(body.toString("utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const NAMES = ["event_id", "sequence", "timestamp", "source", "event_type", "data"];

function scan(body: Buffer): { ok: boolean; found: ScanFound } {
  const found = newScanFound(NAMES);
  return { ok: scanLine(body, 0, body.length, found), found };
}

/** The scanner agrees with the reference on `body`; for accepted lines, its ranges hold the parsed members. */
function assertAgrees(body: Buffer, what: string, checkMembers: boolean): void {
  const expected = reference(body);
  const { ok, found } = scan(body);
  assert.equal(ok, expected !== null, `${what}: ${JSON.stringify(body.subarray(0, 200).toString("latin1"))}`);
  if (!ok || expected === null || !checkMembers) return;
  NAMES.forEach((name, k) => {
    const start = found.starts[k];
    const value: unknown = start < 0 ? undefined : JSON.parse(body.subarray(start, found.ends[k]).toString("utf8"));
    assert.deepEqual(value, Object.prototype.hasOwnProperty.call(expected, name) ? expected[name] : undefined, `${what}: ${name}`);
  });
}

const EDGE_CASES: Array<[string, string]> = [
  ["empty object", "{}"],
  ["spaces everywhere", ' \t{ "a" : [ 1 , { } , [ ] ] , "b" : "x" } \r\n'],
  ["top-level array", "[1,2]"],
  ["top-level string", '"x"'],
  ["top-level number", "12"],
  ["nothing", ""],
  ["trailing comma in object", '{"a":1,}'],
  ["trailing comma in array", '{"a":[1,]}'],
  ["missing colon", '{"a" 1}'],
  ["text after the object", '{"a":1}x'],
  ["two objects", "{}{}"],
  ["unclosed", '{"a":[1'],
  ["mismatched closer", '{"a":[1}}'],
  ["numbers JSON allows", '{"a":[-0,0.5,1e5,1E+5,2e-3,-12.75]}'],
  ["leading zero", '{"a":01}'],
  ["plus sign", '{"a":+1}'],
  ["bare fraction", '{"a":.5}'],
  ["dangling point", '{"a":1.}'],
  ["dangling exponent", '{"a":1e}'],
  ["minus alone", '{"a":-}'],
  ["literals", '{"a":[true,false,null]}'],
  ["misspelt literal", '{"a":tru}'],
  ["escapes", '{"a":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud800"}'],
  ["bad escape", '{"a":"\\x"}'],
  ["short unicode escape", '{"a":"\\u12"}'],
  ["raw control character", '{"a":"\u0001"}'],
  ["raw tab in a string", '{"a":"\t"}'],
  ["DEL in a string", '{"a":"\u007f"}'],
  ["non-ASCII text", '{"a":"café ☕ 😀"}'],
  ["non-breaking space outside strings", '{\u00a0"a":1}'],
  ["repeated keys: the last one counts", '{"event_id":"first","sequence":1,"event_id":"last","timestamp":"t","sequence":2}'],
  ["members nested deeper are not top-level", '{"data":{"event_id":"inner","sequence":9},"event_id":"outer"}'],
  ["object-valued member", '{"event_id":{"x":1},"timestamp":[1]}'],
  ["a repeated key whose last value is a container", '{"event_id":"a","sequence":3,"event_id":{},"sequence":[]}'],
  ["a repeated key whose last value is a scalar", '{"data":{"a":[1,{"b":2}]},"data":7,"source":[],"source":"s"}'],
  ["containers recorded whole", '{"data": {"x": [1, {"y": "}"}], "z": {}} ,"event_type":"t"}'],
  ["escaped key name", '{"event\\u005fid":"x"}'],
];

test("json-scan: edge cases agree with isUtf8 + JSON.parse, members included", () => {
  for (const [name, text] of EDGE_CASES) assertAgrees(Buffer.from(text, "utf8"), name, !name.startsWith("escaped key"));
});

test("json-scan: invalid UTF-8 is refused wherever it is, well-formed multi-byte text accepted", () => {
  const wrap = (bytes: number[]) => Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bytes), Buffer.from('"}')]);
  const cases: number[][] = [[0x80], [0xc0, 0x80], [0xc1, 0xbf], [0xc2], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xff], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xed, 0x9f, 0xbf], [0xf0, 0x9f, 0x98, 0x80], [0xf4, 0x8f, 0xbf, 0xbf]];
  for (const bytes of cases) assertAgrees(wrap(bytes), `bytes ${bytes.map((b) => b.toString(16)).join(" ")}`, true);
});

test("json-scan: nesting 100,000 deep is scanned without recursion", () => {
  const depth = 100_000;
  assertAgrees(Buffer.from(`{"a":${"[".repeat(depth)}${"]".repeat(depth)}}`), "deep arrays", false);
  assertAgrees(Buffer.from(`{"a":${"[".repeat(depth)}${"]".repeat(depth - 1)}}`), "deep arrays, one short", false);
  assertAgrees(Buffer.from(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`), "deep objects", false);
});

test("json-scan: every line of the bad-input corpus, after validation's BOM and CR trimming", () => {
  for (const line of corpusLines()) {
    const start = bodyStart(line.bytes);
    const body = line.bytes.subarray(start, bodyEnd(line.bytes, start));
    if (body.length > 1 << 20) {
      // the 8 MB lines: acceptance only, members need not be re-parsed
      assertAgrees(body, line.name, false);
      continue;
    }
    // members of the 100,000-deep lines are too deep for assert.deepEqual's recursion
    const deep = body.filter((c) => c === 0x5b || c === 0x7b).length > 1000;
    assertAgrees(body, line.name, !deep && !body.includes("\\u005f"));
  }
});

test("json-scan: 20,000 single-byte mutations of generated events agree with the reference", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "json-scan-"));
  try {
    const file = path.join(dir, "events.jsonl");
    generate({ events: 2000, seed: 7, now: new Date("2026-11-25T12:00:00Z"), out: file });
    const lines = fs
      .readFileSync(file)
      .toString("latin1")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => Buffer.from(l, "latin1"));
    for (const line of lines) assertAgrees(line, "generated line", true);
    const interesting = Buffer.from('{}[],:"\\ 019eE.-+tfnu\x00\x1f\x7f', "latin1");
    const high = [0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xff];
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let accepted = 0;
    for (let k = 0; k < 20_000; k++) {
      const line = lines[rand(lines.length)];
      const at = rand(line.length);
      const byte = rand(4) === 0 ? high[rand(high.length)] : interesting[rand(interesting.length)];
      let mutated: Buffer;
      switch (rand(4)) {
        case 0: // replace
          mutated = Buffer.from(line);
          mutated[at] = byte;
          break;
        case 1: // insert
          mutated = Buffer.concat([line.subarray(0, at), Buffer.from([byte]), line.subarray(at)]);
          break;
        case 2: // delete
          mutated = Buffer.concat([line.subarray(0, at), line.subarray(at + 1)]);
          break;
        default: // truncate
          mutated = line.subarray(0, at);
      }
      if (reference(mutated) !== null) accepted += 1;
      assertAgrees(mutated, `mutation ${k}`, true);
    }
    assert.ok(accepted > 2000 && accepted < 18_000, `mutations both accepted and refused (${accepted} accepted)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
