/**
 * `recover stream --input` over a backlog: 20,000 generated events spanning 14 days, in the
 * default micro-batches of 5,000, so each batch spans about 3.5 days of event time, more than
 * the dedup horizon (24 h). The stream must end with a bounded run's findings and events.
 *
 * Before 2026-11-27 the chain stage dropped every step older than its own batch's watermark
 * minus the horizon when the chain was new, so the first days of each batch lost their early
 * steps: on 60,000 events in batches of 5,000, 267-384 false `missing_upstream` per seed
 * (seeds 2-7), the steps really missing after them went unflagged, and late steps were missed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cli, eventIdsOf, flagIdsByKind, generate, ID_KEYED_KINDS, missingChainSteps, missingNumbers, NOW, readJsonl, repeated, setDiff, type Flag } from "./support";

test("stream over a backlog whose batches span more than the dedup horizon: the bounded run's findings and events", { timeout: 300_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stream-backlog-"));
  try {
    const gen = generate(dir, 20_000, 21);
    const streamOut = path.join(dir, "stream");
    const runOut = path.join(dir, "run");
    const common = ["--input", gen.file, "--now", NOW, "--rates", gen.rates, "--no-duckdb", "--quiet"];
    const stream = await cli(["stream", ...common, "--out", streamOut, "--state", path.join(dir, "state")]);
    assert.equal(stream.code, 0, stream.stderr);
    const run = await cli(["run", ...common, "--out", runOut]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(stream.stdout) as { batches: number };
    assert.ok(summary.batches >= 4, `the input came in ${summary.batches} batches`);

    const streamFlags = readJsonl<Flag>(path.join(streamOut, "flags.jsonl"));
    const runFlags = readJsonl<Flag>(path.join(runOut, "flags.jsonl"));
    const chains = missingChainSteps(runFlags);
    assert.ok(chains.length >= 10, `the run finds missing chain steps to compare (${chains.length})`);
    assert.deepEqual(setDiff(missingChainSteps(streamFlags), chains), { onlyA: [], onlyB: [] }, "missing chain steps: stream-only / run-only");
    const a = flagIdsByKind(streamFlags, ID_KEYED_KINDS);
    const b = flagIdsByKind(runFlags, ID_KEYED_KINDS);
    for (const kind of ID_KEYED_KINDS) assert.deepEqual(setDiff(a.get(kind) ?? [], b.get(kind) ?? []), { onlyA: [], onlyB: [] }, `${kind}: stream-only / run-only flag ids`);
    assert.deepEqual(setDiff(missingNumbers(streamFlags), missingNumbers(runFlags)), { onlyA: [], onlyB: [] }, "missing sequence numbers");
    assert.equal(streamFlags.filter((f) => f.kind === "late_unchecked").length, 0, "no late_unchecked: nothing arrived late");
    assert.deepEqual(repeated(streamFlags.map((f) => f.flag_id)), [], "no flag_id twice");
    const events = eventIdsOf(path.join(streamOut, "events.jsonl"));
    assert.deepEqual(repeated(events), []);
    assert.deepEqual(setDiff(events, eventIdsOf(path.join(runOut, "events.jsonl"))), { onlyA: [], onlyB: [] }, "events: stream-only / run-only");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
