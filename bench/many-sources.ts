/**
 * `npm run bench:sources`: many short-lived producers. SOURCES_BENCH_SOURCES sources (default
 * 100,000) of one event each, spread evenly over SOURCES_BENCH_DAYS days of event time
 * (default 5), in time order; `recover stream --input` (batches of 5,000, file state, no
 * DuckDB) next to `recover run` of the same file, both as users run them, in one invocation.
 * Prints wall seconds and peak RSS of each and their ratio. The event type is in no chain or
 * rule, so what is measured is the per-source state: a stream keeps every source it has seen
 * (its sequence range), and must not visit or rewrite the silent ones in every batch.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");
const dir = path.join(root, ".bench", "sources");
const sources = Number(process.env.SOURCES_BENCH_SOURCES ?? 100_000);
const days = Number(process.env.SOURCES_BENCH_DAYS ?? 5);
const now = "2026-11-25T12:00:00Z";

/** One event per source, `device-<i>`, at evenly spaced times over the `days` before 2026-11-25. */
function writeInput(file: string): void {
  const end = Date.parse("2026-11-25T00:00:00Z");
  const span = days * 86_400_000;
  const lines: string[] = [];
  for (let i = 0; i < sources; i++) {
    const timestamp = new Date(end - span + Math.floor((i * span) / sources)).toISOString();
    lines.push(JSON.stringify({ event_id: `e-${i}`, source: `device-${i}`, sequence: 1 + (i % 7), event_type: "device.heartbeat", timestamp, data: { n: i % 13 } }));
  }
  fs.writeFileSync(file, lines.join("\n") + "\n");
}

/** Runs the CLI; returns its wall seconds and the summary's peak RSS. */
function recover(args: string[]): { seconds: number; rss: number; events: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(root, "bin", "recover.js"), ...args, "--now", now, "--no-duckdb", "--quiet"], { encoding: "utf8", maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`recover ${args[0]} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const summary = JSON.parse(r.stdout) as { peak_rss_mb: number; events: number };
  return { seconds, rss: summary.peak_rss_mb, events: summary.events };
}

function main(): void {
  fs.mkdirSync(dir, { recursive: true });
  const input = path.join(dir, `sources-${sources}-${days}d.jsonl`);
  if (!fs.existsSync(input)) writeInput(input);
  const runOut = path.join(dir, "run");
  const streamOut = path.join(dir, "stream");
  fs.rmSync(runOut, { recursive: true, force: true });
  fs.rmSync(streamOut, { recursive: true, force: true });
  process.stderr.write(`[bench:sources] ${sources} sources of one event over ${days} days: recover run, then recover stream\n`);
  const run = recover(["run", "--input", input, "--out", runOut]);
  const stream = recover(["stream", "--input", input, "--out", streamOut, "--batch-size", "5000"]);
  if (run.events !== sources || stream.events !== sources) throw new Error(`events kept: run ${run.events}, stream ${stream.events}, expected ${sources}`);
  process.stdout.write(
    [
      `recover run:    ${run.seconds.toFixed(1)} s, peak RSS ${run.rss} MB`,
      `recover stream: ${stream.seconds.toFixed(1)} s, peak RSS ${stream.rss} MB (batches of 5,000)`,
      `stream / run:   ${(stream.seconds / run.seconds).toFixed(2)}x time, ${(stream.rss / run.rss).toFixed(2)}x RSS`,
    ].join("\n") + "\n",
  );
}

main();
