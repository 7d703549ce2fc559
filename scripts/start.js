#!/usr/bin/env node
// `npm start`: the main job on the embedded default. Generates a sample of this domain's
// traffic with injected faults (50,000 events, seed 1, anchored at a fixed instant), runs
// `recover run` on it on the DirectRunner, prints the summary and scores the flags against
// the generator's ground truth.
"use strict";
const { spawnSync } = require("child_process");
const path = require("path");
const fs = require("fs");

const root = path.resolve(__dirname, "..");
const outDir = path.join(root, "out");
const sample = path.join(outDir, "sample.jsonl");
const runDir = path.join(outDir, "run");
const now = "2026-11-25T12:00:00Z";
const recover = path.join(root, "bin", "recover.js");

fs.mkdirSync(outDir, { recursive: true });
const step = (args, quiet) => {
  const r = spawnSync(process.execPath, [recover, ...args], { stdio: ["ignore", quiet ? "ignore" : "inherit", "inherit"] });
  if (r.status !== 0) process.exit(r.status === null ? 1 : r.status);
};
process.stderr.write(`[start] generating 50,000 events into ${path.relative(root, sample)}\n`);
step(["generate", "--events", "50000", "--seed", "1", "--out", sample, "--now", now], true);
process.stderr.write(`[start] recover run --input ${path.relative(root, sample)} --out ${path.relative(root, runDir)} --now ${now} --rates ${path.relative(root, sample.replace(/\.jsonl$/, ".rates.jsonl"))}\n`);
step(["run", "--input", sample, "--out", runDir, "--now", now, "--rates", sample.replace(/\.jsonl$/, ".rates.jsonl")], false);
const { scoreRun } = require(path.join(root, "dist", "src", "generate", "index.js"));
const score = scoreRun(path.join(runDir, "flags.jsonl"), sample.replace(/\.jsonl$/, ".truth.jsonl"), path.join(runDir, "events.jsonl"), path.join(runDir, "dead_letter.jsonl"));
const rows = Object.entries(score.kinds).map(([kind, s]) => `  ${kind.padEnd(24)} precision ${s.precision.toFixed(3)}  recall ${s.recall.toFixed(3)}  (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})`);
process.stdout.write(`\nscore against the generator's ground truth:\n${rows.join("\n")}\n  look-alikes flagged: ${score.lookalikes_flagged} of ${score.lookalikes_total}\n`);
process.stdout.write(`\noutputs in ${path.relative(root, runDir)}/: events.jsonl, flags.jsonl, dead_letter.jsonl, summary.json, recovery.duckdb\n`);
