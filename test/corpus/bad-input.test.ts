/**
 * The bad-input corpus (test/corpus/corpus.ts), built at test time, run through
 * `runRecover` and through the CLI: nothing crashes, every line is accounted for, each bad
 * line gets its dead-letter code, the good lines around them are kept, and dead letters
 * never leak the offending values.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../../src/config";
import { runRecover, type RunSummary } from "../../src/pipelines/run-recover";
import { parseEventTime } from "../../src/timestamp";
import { CANARY, CORPUS_NOW, corpusLines, writeCorpus, type CorpusLine } from "./corpus";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BIN = path.join(ROOT, "bin", "recover.js");
const MAX_RAW_BYTES = 64 * 1024;

type Obj = Record<string, unknown>;

interface Outputs {
  readonly events: string[];
  readonly flags: Obj[];
  readonly deadLetters: Obj[];
  readonly summary: RunSummary;
}

function readLines(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.length > 0);
}

function readOutputs(dir: string): Outputs {
  return {
    events: readLines(path.join(dir, "events.jsonl")),
    flags: readLines(path.join(dir, "flags.jsonl")).map((l) => JSON.parse(l) as Obj),
    deadLetters: readLines(path.join(dir, "dead_letter.jsonl")).map((l) => JSON.parse(l) as Obj),
    summary: JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8")) as RunSummary,
  };
}

/** The top-level (own) event_id of a kept line (JSON.parse copes with 100k-deep lines). */
function keptId(raw: string): string {
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "(not an object)";
  const id: unknown = Object.prototype.hasOwnProperty.call(parsed, "event_id") ? (parsed as Obj).event_id : undefined;
  return typeof id === "string" ? id : "(none)";
}

const state: { dir: string; lines: CorpusLine[]; api: Outputs | null; cli: Outputs | null; cliStatus: number | null; cliStdout: string; cliStderr: string } = {
  dir: "",
  lines: [],
  api: null,
  cli: null,
  cliStatus: null,
  cliStdout: "",
  cliStderr: "",
};

function api(): Outputs {
  assert.ok(state.api !== null, "runRecover did not complete");
  return state.api;
}

function deadByLine(o: Outputs): Map<number, Obj> {
  const m = new Map<number, Obj>();
  for (const d of o.deadLetters) m.set(Number(d.line), d);
  return m;
}

before(async () => {
  state.dir = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-"));
  state.lines = corpusLines();
  const input = path.join(state.dir, "corpus.jsonl");
  writeCorpus(input, state.lines);
  const apiOut = path.join(state.dir, "api");
  await runRecover({ input, outDir: apiOut, config: parseConfig({}), nowMs: parseEventTime(CORPUS_NOW) as number, duckdb: false });
  state.api = readOutputs(apiOut);
  const cliOut = path.join(state.dir, "cli");
  const r = spawnSync(process.execPath, [BIN, "run", "--input", input, "--out", cliOut, "--now", CORPUS_NOW, "--quiet"], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  state.cliStatus = r.status;
  state.cliStdout = r.stdout;
  state.cliStderr = r.stderr;
  if (r.status === 0) state.cli = readOutputs(cliOut);
});

after(() => {
  if (state.dir !== "") fs.rmSync(state.dir, { recursive: true, force: true });
});

test("corpus: every line is accounted for (conservation)", () => {
  const o = api();
  const s = o.summary;
  const n = state.lines.length;
  const blanks = state.lines.filter((l) => l.outcome.kind === "blank").length;
  const events = state.lines.filter((l) => l.outcome.kind === "event").length;
  const dead = state.lines.filter((l) => l.outcome.kind === "dead").length;
  assert.equal(s.lines, n, "summary.lines = corpus lines");
  assert.equal(s.conservation.holds, true, s.conservation.equation);
  const dups = s.flags_by_kind.duplicate ?? 0;
  const near = s.flags_by_kind.near_duplicate ?? 0;
  assert.equal(s.lines, s.events + dups + near + s.dead_letters + s.blank_lines, "lines = events + duplicates + near-duplicates + dead letters + blank");
  assert.deepEqual({ events: s.events, dead_letters: s.dead_letters, blank_lines: s.blank_lines, dups, near }, { events, dead_letters: dead, blank_lines: blanks, dups: 0, near: 0 });
  assert.equal(o.events.length, events);
  assert.equal(o.deadLetters.length, dead);
});

test("corpus: each bad line has its dead-letter error_code, good lines are kept", () => {
  const o = api();
  const dead = deadByLine(o);
  const problems: string[] = [];
  state.lines.forEach((l, i) => {
    const line = i + 1;
    const d = dead.get(line);
    if (l.outcome.kind === "dead") {
      if (d === undefined) problems.push(`line ${line} ${l.name}: expected ${l.outcome.code}, got no dead letter`);
      else if (d.error_code !== l.outcome.code) problems.push(`line ${line} ${l.name}: expected ${l.outcome.code}, got ${String(d.error_code)}`);
    } else if (d !== undefined) {
      problems.push(`line ${line} ${l.name}: expected ${l.outcome.kind}, got dead letter ${String(d.error_code)} ${JSON.stringify(d.issues)}`);
    }
  });
  assert.deepEqual(problems, []);
  const kept = o.events.map(keptId).sort();
  const wanted = state.lines.flatMap((l) => (l.outcome.kind === "event" ? [l.outcome.eventId] : [])).sort();
  assert.deepEqual(kept, wanted, "kept event ids");
});

test("corpus: a timestamp_invalid dead letter says whether the value has the wrong shape or is not a calendar date", () => {
  const dead = deadByLine(api());
  const expected: Record<string, string> = {
    timestamp_without_zone: "expected ISO-8601 with a zone",
    timestamp_date_only: "expected ISO-8601 with a zone",
    timestamp_number: "expected ISO-8601 with a zone",
    timestamp_30_february: "not a calendar date",
    timestamp_30_february_millis: "not a calendar date",
    timestamp_29_february_non_leap: "not a calendar date",
    timestamp_hour_24: "time of day or zone offset out of range",
  };
  const got: Record<string, unknown> = {};
  for (const name of Object.keys(expected)) {
    const d = dead.get(state.lines.findIndex((l) => l.name === name) + 1);
    got[name] = d === undefined ? "no dead letter" : { error_code: d.error_code, issues: d.issues };
  }
  const want = Object.fromEntries(Object.entries(expected).map(([name, message]) => [name, { error_code: "timestamp_invalid", issues: [{ path: ["timestamp"], code: "invalid_date", message }] }]));
  assert.deepEqual(got, want);
});

test("corpus: kept lines are written as received, without BOM or CR", () => {
  const o = api();
  for (const raw of o.events) {
    assert.ok(!raw.startsWith("\ufeff"), "no BOM in events output");
    assert.ok(!raw.endsWith("\r"), "no CR in events output");
  }
  const bom = o.events.find((r) => keptId(r) === "g-bom");
  assert.ok(bom !== undefined);
  assert.deepEqual(JSON.parse(bom), JSON.parse(state.lines[0].bytes.subarray(3).toString("utf8")));
  const unicode = o.events.find((r) => keptId(r) === "g-unicode");
  assert.ok(unicode !== undefined && unicode.includes("Zoë 漢字 🎉"));
});

test("corpus: dead letters carry line, truncated raw and capped event_id", () => {
  const o = api();
  const dead = deadByLine(o);
  const idx = (name: string): number => state.lines.findIndex((l) => l.name === name) + 1;
  const big = dead.get(idx("eight_mb_line"));
  assert.ok(big !== undefined);
  assert.equal(big.raw_truncated, true);
  assert.equal(typeof big.raw, "string");
  assert.ok(Buffer.byteLength(String(big.raw), "utf8") <= MAX_RAW_BYTES, `raw is ${Buffer.byteLength(String(big.raw), "utf8")} bytes`);
  for (const d of o.deadLetters) {
    if (d === big) continue;
    const src: CorpusLine = state.lines[Number(d.line) - 1];
    const truncated: boolean = src.bytes.length > MAX_RAW_BYTES;
    assert.equal(d.raw_truncated, truncated, `raw_truncated of line ${String(d.line)} ${src.name}`);
    assert.ok(Buffer.byteLength(String(d.raw), "utf8") <= MAX_RAW_BYTES, `raw of line ${String(d.line)} ${src.name}`);
    assert.ok(Array.isArray(d.issues) && d.issues.length > 0, `issues of line ${String(d.line)}`);
  }
  const longId = dead.get(idx("event_id_2000_chars"));
  assert.ok(longId !== undefined);
  assert.equal(typeof longId.event_id === "string" ? longId.event_id.length : -1, 1024, "event_id capped at 1024 chars");
  const utf8 = dead.get(idx("invalid_utf8"));
  assert.ok(utf8 !== undefined && String(utf8.raw).includes("\ufffd"), "invalid UTF-8 kept with replacement characters");
  const crlf = dead.get(idx("crlf_dead_letter"));
  assert.equal(crlf?.raw, "{oops");
});

test("corpus: issues of wrong-typed fields never contain the offending value", () => {
  const o = api();
  const dead = deadByLine(o);
  const leaks: string[] = [];
  state.lines.forEach((l, i) => {
    if (l.canary !== true || (l.outcome.kind === "dead" && l.outcome.code === "malformed_json")) return;
    const d = dead.get(i + 1);
    assert.ok(d !== undefined, `${l.name} dead-lettered`);
    assert.ok(String(d.raw).includes(CANARY), `${l.name}: raw keeps the line`);
    if (JSON.stringify(d.issues).includes("pii-canary")) leaks.push(`${l.name}: ${JSON.stringify(d.issues)}`);
  });
  assert.deepEqual(leaks, []);
});

test(
  "corpus: issues of malformed JSON never contain the offending text",
  {},
  () => {
    const o = api();
    const dead = deadByLine(o);
    const leaks: string[] = [];
    state.lines.forEach((l, i) => {
      if (l.canary !== true || l.outcome.kind !== "dead" || l.outcome.code !== "malformed_json") return;
      const d = dead.get(i + 1);
      assert.ok(d !== undefined, `${l.name} dead-lettered`);
      if (JSON.stringify(d.issues).includes("pii-canary")) leaks.push(`${l.name}: ${JSON.stringify(d.issues)}`);
    });
    assert.deepEqual(leaks, []);
  },
);

test("corpus: __proto__ / constructor payloads pollute nothing and are kept consistently", () => {
  const probe: Obj = {};
  assert.equal(probe.polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false);
  const o = api();
  const kept = new Set(o.events.map(keptId));
  for (const id of ["g-proto", "g-proto-top", "g-proto-attr"]) assert.ok(kept.has(id), `${id} kept`);
  assert.ok(!kept.has("evil") && !kept.has("p1"));
  const proto = o.events.find((r) => keptId(r) === "g-proto");
  assert.ok(proto !== undefined && proto.includes('"__proto__":{"polluted":"yes"}'), "payload written as received");
  if (state.cli !== null) {
    const cliKept = new Set(state.cli.events.map(keptId));
    for (const id of ["g-proto", "g-proto-top", "g-proto-attr"]) assert.ok(cliKept.has(id), `${id} kept by the CLI too`);
  }
});

test("corpus via the CLI: exit 0, summary on stdout, same outputs as runRecover", () => {
  assert.equal(state.cliStatus, 0, `CLI exit ${String(state.cliStatus)}; stderr: ${state.cliStderr.slice(0, 2000)}`);
  assert.ok(state.cli !== null);
  const stdout = JSON.parse(state.cliStdout) as RunSummary;
  const a = api().summary;
  const c = state.cli.summary;
  assert.deepEqual(stdout.conservation, c.conservation);
  assert.equal(c.conservation.holds, true, c.conservation.equation);
  for (const k of ["lines", "blank_lines", "events", "flags", "dead_letters", "pending_deadlines", "chain_key_missing"] as const) assert.equal(c[k], a[k], `summary.${k}`);
  assert.deepEqual(c.flags_by_kind, a.flags_by_kind);
  assert.deepEqual(state.cli.events.map(keptId).sort(), api().events.map(keptId).sort());
  const codes = (o: Outputs) => o.deadLetters.map((d) => `${String(d.line)}|${String(d.error_code)}`).sort();
  assert.deepEqual(codes(state.cli), codes(api()));
  assert.ok(fs.existsSync(path.join(state.dir, "cli", "recovery.duckdb")), "recovery.duckdb written");
});

test("corpus via the CLI: the DuckDB events table, loaded beside the pipeline, holds exactly events.jsonl", async () => {
  assert.ok(state.cli !== null);
  assert.equal(state.cli.summary.duckdb_fallback, null, "loaded beside the pipeline, no fallback");
  const instance = await DuckDBInstance.create(path.join(state.dir, "cli", "recovery.duckdb"));
  const db = await instance.connect();
  try {
    const rows = await db.runAndReadAll("SELECT payload::VARCHAR FROM events");
    const payloads = rows.getRows().map((r) => String(r[0]));
    assert.ok(payloads.length > 0);
    assert.deepEqual(payloads.sort(), [...state.cli.events].sort());
  } finally {
    db.closeSync();
    instance.closeSync();
  }
});

test(
  "an 8 MB line of multi-byte characters: dead-letter raw stays <= 65536 bytes",
  {},
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-mb-"));
    try {
      const input = path.join(dir, "in.jsonl");
      // 17-byte prefix + 3-byte characters: byte 65536 falls inside a character.
      const line = `{"data":{"blob":"${"€".repeat(Math.ceil((8 * 1024 * 1024) / 3))}"}}`;
      fs.writeFileSync(input, line + "\n");
      await runRecover({ input, outDir: path.join(dir, "out"), config: parseConfig({}), nowMs: parseEventTime(CORPUS_NOW) as number, duckdb: false });
      const d = JSON.parse(readLines(path.join(dir, "out", "dead_letter.jsonl"))[0]) as Obj;
      assert.equal(d.error_code, "schema");
      assert.equal(d.raw_truncated, true);
      assert.ok(Buffer.byteLength(String(d.raw), "utf8") <= MAX_RAW_BYTES, `raw is ${Buffer.byteLength(String(d.raw), "utf8")} bytes`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
