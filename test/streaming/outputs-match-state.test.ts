/**
 * A stream refuses to start when its outputs and its committed state do not go together,
 * instead of cutting committed outputs to nothing (state lost: a Redis flushed or restarted
 * without persistence; before, every committed event was deleted from events.jsonl and DuckDB,
 * exit 0) or padding them with NUL bytes (a fresh disk under an old state).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkOutputsMatchState } from "../../src/streaming/outputs-match-state";
import { StateContinuityError } from "../../src/state/state-store";
import { BIN, NOW } from "./support";

function withDir(body: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outputs-state-"));
  try {
    body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("checkOutputsMatchState: a table of outputs against committed offsets", () =>
  withDir((dir) => {
    const files = { events: path.join(dir, "events.jsonl"), flags: path.join(dir, "flags.jsonl"), deadLetters: path.join(dir, "dead_letter.jsonl") };
    const cases: Array<{ name: string; sizes: [number, number, number] | null; offsets: [number, number, number] | null; refused: RegExp | null }> = [
      { name: "first start, no outputs", sizes: null, offsets: null, refused: null },
      { name: "first start, empty outputs", sizes: [0, 0, 0], offsets: null, refused: null },
      { name: "no state, lines in flags.jsonl", sizes: [0, 5, 0], offsets: null, refused: /flags\.jsonl .* holds 5 bytes of output but the state store has no state/ },
      { name: "outputs as committed", sizes: [10, 5, 3], offsets: [10, 5, 3], refused: null },
      { name: "outputs longer (a batch cut short: cut back)", sizes: [20, 9, 3], offsets: [10, 5, 3], refused: null },
      { name: "events.jsonl shorter than committed", sizes: [4, 5, 3], offsets: [10, 5, 3], refused: /events\.jsonl .* holds 4 bytes but the committed state says 10/ },
      { name: "outputs missing under a committed state", sizes: null, offsets: [10, 5, 3], refused: /events\.jsonl .* holds 0 bytes but the committed state says 10/ },
      { name: "outputs missing under a state that committed nothing", sizes: null, offsets: [0, 0, 0], refused: null },
    ];
    for (const c of cases) {
      for (const f of Object.values(files)) fs.rmSync(f, { force: true });
      if (c.sizes !== null) [files.events, files.flags, files.deadLetters].forEach((f, i) => fs.writeFileSync(f, "x".repeat(c.sizes![i])));
      const offsets = c.offsets === null ? null : { events: c.offsets[0], flags: c.offsets[1], deadLetters: c.offsets[2] };
      if (c.refused === null) assert.doesNotThrow(() => checkOutputsMatchState(files, offsets), c.name);
      else assert.throws(() => checkOutputsMatchState(files, offsets), (err: Error) => err instanceof StateContinuityError && c.refused!.test(err.message), c.name);
    }
  }));

test("recover stream with its state gone, or its outputs gone, refuses to start (exit 1, one line) and changes nothing", () =>
  withDir((dir) => {
    const input = path.join(dir, "in.jsonl");
    const lines = [1, 2, 3].map((i) => JSON.stringify({ event_id: `e${i}`, source: "s", sequence: i, timestamp: `2026-11-25T11:0${i}:00Z`, event_type: "t", data: { i } }));
    fs.writeFileSync(input, lines.join("\n") + "\n");
    const out = path.join(dir, "out");
    const stream = () => spawnSync(process.execPath, [BIN, "stream", "--input", input, "--out", out, "--now", NOW, "--no-duckdb", "--quiet"], { encoding: "utf8" });
    const first = stream();
    assert.equal(first.status, 0, first.stderr);
    const events = fs.readFileSync(path.join(out, "events.jsonl"), "utf8");
    assert.equal(events.split("\n").filter(Boolean).length, 3);

    fs.renameSync(path.join(out, "state"), path.join(dir, "state-aside"));
    const lost = stream();
    assert.equal(lost.status, 1, lost.stderr);
    assert.match(lost.stderr, /^recover: events\.jsonl in .* holds \d+ bytes of output but the state store has no state for this stream/);
    assert.equal(lost.stderr.trim().split("\n").length, 1, lost.stderr);
    assert.equal(fs.readFileSync(path.join(out, "events.jsonl"), "utf8"), events, "outputs untouched");

    fs.rmSync(path.join(out, "state"), { recursive: true, force: true });
    fs.renameSync(path.join(dir, "state-aside"), path.join(out, "state"));
    fs.writeFileSync(path.join(out, "events.jsonl"), "");
    const fresh = stream();
    assert.equal(fresh.status, 1, fresh.stderr);
    assert.match(fresh.stderr, /^recover: events\.jsonl in .* holds 0 bytes but the committed state says \d+ were written/);
    assert.equal(fs.readFileSync(path.join(out, "events.jsonl"), "utf8"), "", "not padded");
  }));
