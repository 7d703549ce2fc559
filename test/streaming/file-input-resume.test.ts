/**
 * `recover stream --input` on a state that already consumed a file: it continues after the
 * consumed lines only when given that file (or that file grown by appends), and reads any other
 * file from its first line. Before 2026-11-27 it skipped as many lines of any file as the state
 * had consumed in all, so a second daily file on the same state was dropped without a word
 * (exit 0, `0 messages`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cli, eventIdsOf, flagIdsByKind, generate, ID_KEYED_KINDS, missingChainSteps, missingNumbers, NOW, readJsonl, setDiff, type Flag } from "./support";

interface Summary {
  readonly lines: number;
  readonly events: number;
  readonly held: number;
  readonly input_skipped_lines: number | null;
  readonly stopped_by: string;
  readonly conservation: { readonly holds: boolean; readonly equation: string };
}

/** Asserts that a stream's outputs are the bounded run's (net of the stream's retractions). */
function assertSameAsRun(streamOut: string, runOut: string): void {
  const s = readJsonl<Flag>(path.join(streamOut, "flags.jsonl"));
  const r = readJsonl<Flag>(path.join(runOut, "flags.jsonl"));
  assert.deepEqual(setDiff(missingChainSteps(s), missingChainSteps(r)), { onlyA: [], onlyB: [] }, "missing chain steps");
  assert.deepEqual(setDiff(missingNumbers(s), missingNumbers(r)), { onlyA: [], onlyB: [] }, "missing numbers");
  const a = flagIdsByKind(s, ID_KEYED_KINDS);
  const b = flagIdsByKind(r, ID_KEYED_KINDS);
  for (const kind of ID_KEYED_KINDS) assert.deepEqual(setDiff(a.get(kind) ?? [], b.get(kind) ?? []), { onlyA: [], onlyB: [] }, kind);
  const events = eventIdsOf(path.join(streamOut, "events.jsonl"));
  assert.equal(new Set(events).size, events.length, "no event twice");
  assert.deepEqual(setDiff(events, eventIdsOf(path.join(runOut, "events.jsonl"))), { onlyA: [], onlyB: [] }, "events");
}

async function withHalves(seed: number, body: (dir: string, first: Buffer, second: Buffer, whole: string, common: string[]) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "file-resume-"));
  try {
    const gen = generate(dir, 12_000, seed);
    const bytes = fs.readFileSync(gen.file);
    let cut = bytes.length >> 1;
    while (bytes[cut - 1] !== 0x0a) cut++;
    const common = ["--now", NOW, "--rates", gen.rates, "--no-duckdb", "--quiet", "--batch-size", "2000"];
    const run = await cli(["run", "--input", gen.file, "--out", path.join(dir, "run"), ...common.slice(0, -2)]);
    assert.equal(run.code, 0, run.stderr);
    await body(dir, bytes.subarray(0, cut), bytes.subarray(cut), gen.file, common);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("stream --input: a second file on the same state is read from its first line; the same file again is skipped whole", { timeout: 300_000 }, () =>
  withHalves(31, async (dir, first, second, _whole, common) => {
    const day1 = path.join(dir, "day1.jsonl");
    const day2 = path.join(dir, "day2.jsonl");
    fs.writeFileSync(day1, first);
    fs.writeFileSync(day2, second);
    const out = path.join(dir, "stream");
    const args = (file: string, ...more: string[]) => ["stream", "--input", file, "--out", out, "--state", path.join(dir, "state"), ...common, ...more];
    const one = await cli(args(day1, "--no-flush"));
    assert.equal(one.code, 0, one.stderr);
    const s1 = JSON.parse(one.stdout) as Summary;
    assert.equal(s1.stopped_by, "end_of_input");
    assert.ok(s1.held > 0, "--no-flush at the end of the file: the newest events stay held");
    assert.equal(s1.input_skipped_lines, 0);

    const two = await cli(args(day2));
    assert.equal(two.code, 0, two.stderr);
    const s2 = JSON.parse(two.stdout) as Summary;
    assert.equal(s2.input_skipped_lines, 0, "another file: read from line 1");
    assert.match(two.stderr, /not the file this state stopped in/);
    const lines = first.toString("latin1").split("\n").length - 1 + second.toString("latin1").split("\n").length - 1;
    assert.equal(s2.lines, lines, "every line of both files counted once");
    assert.equal(s2.held, 0);
    assert.equal(s2.conservation.holds, true, s2.conservation.equation);
    assertSameAsRun(out, path.join(dir, "run"));

    const outputs = ["events.jsonl", "flags.jsonl", "dead_letter.jsonl"].map((f) => fs.readFileSync(path.join(out, f)));
    const again = await cli(args(day2));
    assert.equal(again.code, 0, again.stderr);
    const s3 = JSON.parse(again.stdout) as Summary;
    assert.equal(s3.input_skipped_lines, second.toString("latin1").split("\n").length - 1, "the file the state stopped in: skipped whole");
    assert.equal(s3.lines, lines, "nothing read twice");
    ["events.jsonl", "flags.jsonl", "dead_letter.jsonl"].forEach((f, i) => assert.ok(fs.readFileSync(path.join(out, f)).equals(outputs[i]), `${f} unchanged`));
  }),
);

test("stream --input: a file grown by appends continues after the lines consumed", { timeout: 300_000 }, () =>
  withHalves(32, async (dir, first, second, _whole, common) => {
    const file = path.join(dir, "growing.jsonl");
    fs.writeFileSync(file, first);
    const out = path.join(dir, "stream");
    const args = ["stream", "--input", file, "--out", out, "--state", path.join(dir, "state"), ...common];
    const one = await cli([...args, "--no-flush"]);
    assert.equal(one.code, 0, one.stderr);
    fs.appendFileSync(file, second);
    const two = await cli(args);
    assert.equal(two.code, 0, two.stderr);
    const s = JSON.parse(two.stdout) as Summary;
    assert.equal(s.input_skipped_lines, first.toString("latin1").split("\n").length - 1);
    assert.doesNotMatch(two.stderr, /not the file/);
    assertSameAsRun(out, path.join(dir, "run"));
  }),
);
