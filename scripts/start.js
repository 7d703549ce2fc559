#!/usr/bin/env node
// `npm start`: the main job on the embedded default. Generates a sample of this domain's
// traffic with injected faults (50,000 events, seed 1, anchored at a fixed instant), runs
// `recover run` on it on the DirectRunner, prints the summary and scores the flags against
// the generator's ground truth; then the same for the anomaly detector on three weeks of
// traffic with two silent losses (src/generate/silent-loss-sample.ts).
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

// Silent losses: the sample above spans the anomaly detector's two-week warm-up only, so a
// second one, three weeks of scanner and CRM traffic with two losses only volumes show.
const lossSample = path.join(outDir, "silent-losses.jsonl");
const lossDir = path.join(outDir, "silent-losses");
const lossConfig = path.join(outDir, "silent-losses.config.json");
const { SILENT_LOSS_CONFIG, scoreSilentLosses, writeSilentLossSample } = require(path.join(root, "dist", "src", "generate", "index.js"));
process.stderr.write(`\n[start] generating three weeks of scanner and CRM traffic with two silent losses into ${path.relative(root, lossSample)}\n`);
const loss = writeSilentLossSample({ seed: 11, out: lossSample });
fs.writeFileSync(lossConfig, JSON.stringify(SILENT_LOSS_CONFIG, null, 2) + "\n");
process.stderr.write(`[start] recover run --input ${path.relative(root, lossSample)} --out ${path.relative(root, lossDir)} --now ${loss.now} --config ${path.relative(root, lossConfig)} --quiet\n`);
step(["run", "--input", lossSample, "--out", lossDir, "--now", loss.now, "--config", lossConfig, "--quiet"], true);
const lossScore = scoreSilentLosses(path.join(lossDir, "flags.jsonl"), loss.truth_path);
const judged = JSON.parse(fs.readFileSync(path.join(lossDir, "summary.json"), "utf8")).anomaly_intervals_judged;
const lossRows = lossScore.injected.map((t) => `  ${t.kind.padEnd(16)} ${t.series} at ${t.interval_start}: ${t.flagged ? "flagged" : "MISSED"}`);
process.stdout.write(
  `\nsilent losses (${loss.events} events, 3 weeks): the injected losses\n${lossRows.join("\n")}\n` +
    `  anomaly flags in other intervals: ${lossScore.other_flags.length} of ${judged} series-intervals judged\n` +
    `outputs in ${path.relative(root, lossDir)}/\n`,
);
