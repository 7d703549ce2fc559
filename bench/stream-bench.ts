/**
 * `npm run bench:stream` (issue 4): the Pub/Sub emulator -> `recover stream` (pipeline, JSONL
 * and DuckDB sinks, file state) against a bare subscriber that only acks, on the same
 * published traffic, interleaved (bare, pipeline, bare, pipeline) in one invocation; the
 * ratio of rates is the figure (target >= 80 %). Then detector-state memory streamed from a
 * file source at the same event rate for 1x and 5x the length (STREAM_BENCH_MEMORY=0 skips).
 *
 * Sizes: STREAM_BENCH_EVENTS (default 50,000 per round), STREAM_BENCH_MEMORY_EVENTS (default
 * 1,000,000 for 1x; 5x that for 5x).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { generate } from "../src/generate/index";
import { serializeCommittedState } from "../src/state/committed-state";
import { FileStateStore } from "../src/state/file-state-store";
import { createTopicAndSubscription } from "../src/sources/pubsub-admin";
import { createPubSubClient } from "../src/sources/pubsub-client";
import { PubSubPublisher } from "../src/sources/pubsub-publisher";
import { PubSubSource } from "../src/sources/pubsub";
import { readFileLines } from "../src/sources/jsonl-file";

const root = path.resolve(__dirname, "..", "..");
const dir = path.join(root, ".bench", "stream");
const events = Number(process.env.STREAM_BENCH_EVENTS ?? 50_000);
const now = "2026-11-25T12:00:00Z";
const project = "bench-project";
const batch = 5_000;

async function bareSubscriber(subscription: string, expected: number): Promise<number> {
  const client = createPubSubClient(project);
  const source = new PubSubSource(client, subscription, { maxOutstandingMessages: 2 * batch });
  let got = 0;
  let first: number | null = null;
  let last = Date.now();
  try {
    while (got < expected) {
      const msgs = await source.next(batch, 2_000);
      if (msgs.length === 0) continue;
      first ??= Date.now();
      await source.ack(msgs);
      got += msgs.length;
      last = Date.now();
    }
  } finally {
    await source.close();
    await client.close();
  }
  return got / ((last - (first ?? last)) / 1000);
}

function pipeline(subscription: string, round: number): { rate: number; summary: Record<string, unknown> } {
  const out = path.join(dir, `pipeline-${round}`);
  fs.rmSync(out, { recursive: true, force: true });
  const r = spawnSync(
    process.execPath,
    ["--max-semi-space-size=64", path.join(root, "bin", "recover.js"), "stream", "--subscription", `projects/${project}/subscriptions/${subscription}`, "--out", out, "--until-idle", "3", "--batch-size", String(batch), "--now", now, "--quiet"],
    { encoding: "utf8", env: { ...process.env, METADATA_SERVER_DETECTION: "none" } },
  );
  if (r.status !== 0) throw new Error(`recover stream exited ${r.status}: ${r.stderr}`);
  const summary = JSON.parse(r.stdout) as { lines: number; active_seconds: number };
  return { rate: summary.lines / summary.active_seconds, summary };
}

async function streamFile(input: string, extraArgs: string[]): Promise<Record<string, number>> {
  const out = path.join(dir, `memory-${path.basename(input)}`);
  fs.rmSync(out, { recursive: true, force: true });
  const r = spawnSync(process.execPath, ["--max-semi-space-size=64", path.join(root, "bin", "recover.js"), "stream", "--input", input, "--out", out, "--quiet", "--no-duckdb", "--batch-size", "50000", ...extraArgs], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`recover stream --input exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const summary = JSON.parse(r.stdout) as { lines: number; state_entries: number; peak_rss_mb: number; active_seconds: number };
  // The committed state at the end as one snapshot would hold it (the log of commits since the
  // last snapshot folded in).
  const committed = await new FileStateStore(path.join(out, "state")).load();
  if (committed === null) throw new Error(`no committed state in ${out}/state`);
  const stateBytes = Buffer.byteLength(serializeCommittedState(committed));
  return { lines: summary.lines, state_entries: summary.state_entries, state_mb: stateBytes / 1e6, peak_rss_mb: summary.peak_rss_mb, rate: summary.lines / summary.active_seconds };
}

async function main(): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const start = spawnSync(path.join(root, "scripts", "services", "pubsub-emulator.sh"), ["start"], { stdio: "inherit" });
  if (start.status !== 0) throw new Error("could not start the Pub/Sub emulator");
  process.env.PUBSUB_EMULATOR_HOST ??= "127.0.0.1:8085";
  process.env.METADATA_SERVER_DETECTION = "none";
  const input = path.join(dir, `events-${events}.jsonl`);
  if (!fs.existsSync(input)) generate({ events, seed: 5, now: new Date(now), out: input });
  const lines: Buffer[] = [];
  for (const { bytes } of readFileLines(input)) lines.push(Buffer.from(bytes));

  const rows: string[] = [];
  const rates = { bare: [] as number[], pipeline: [] as number[] };
  for (let round = 1; round <= 2; round++) {
    const topic = `bench-${Date.now()}-${round}`;
    const client = createPubSubClient(project);
    await createTopicAndSubscription(project, topic, `${topic}-bare`, { client });
    await createTopicAndSubscription(project, topic, `${topic}-pipe`, { client });
    const publisher = new PubSubPublisher(client);
    process.stderr.write(`[bench:stream] round ${round}: publishing ${lines.length} messages\n`);
    for (let i = 0; i < lines.length; i += 10_000) await publisher.publish(topic, lines.slice(i, i + 10_000));
    await publisher.close();
    await client.close();
    const bare = await bareSubscriber(`${topic}-bare`, lines.length);
    const pipe = pipeline(`${topic}-pipe`, round);
    rates.bare.push(bare);
    rates.pipeline.push(pipe.rate);
    rows.push(`round ${round}: bare subscriber ${Math.round(bare)} msg/s, recover stream ${Math.round(pipe.rate)} msg/s (${((100 * pipe.rate) / bare).toFixed(0)} %)`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  rows.push(`overall: recover stream at ${((100 * mean(rates.pipeline)) / mean(rates.bare)).toFixed(0)} % of the bare subscriber (target >= 80 %)`);

  if (process.env.STREAM_BENCH_MEMORY !== "0") {
    const n = Number(process.env.STREAM_BENCH_MEMORY_EVENTS ?? 1_000_000);
    const windowDays = 14;
    const base = Date.parse(now);
    const files: string[] = [];
    for (let k = 0; k < 5; k++) {
      const f = path.join(dir, `window-${n}-${k}.jsonl`);
      if (!fs.existsSync(f)) generate({ events: n, seed: 100 + k, now: new Date(base + k * windowDays * 86_400_000), out: f });
      files.push(f);
    }
    // Concatenated without the generator's injected bad lines: a "future" timestamp of one
    // window is a valid (far-ahead) event under a later window's processing time and would
    // throw the watermark forward, turning the next day of traffic into late data.
    const five = path.join(dir, `stream-${5 * n}.jsonl`);
    if (!fs.existsSync(five)) {
      const out = fs.openSync(five, "w");
      for (const f of files) {
        const bad = new Set(
          fs
            .readFileSync(f.replace(/\.jsonl$/, ".truth.jsonl"), "utf8")
            .split("\n")
            .filter((l) => l.includes('"dead_letter"'))
            .map((l) => (JSON.parse(l) as { line: number }).line),
        );
        const kept: string[] = [];
        for (const { line, bytes } of readFileLines(f)) if (!bad.has(line)) kept.push(bytes.toString("utf8"));
        fs.writeSync(out, kept.join("\n") + "\n");
      }
      fs.closeSync(out);
    }
    const config = path.join(dir, "long-config.json");
    // Business keys have no time limit by default (they grow with distinct keys, by design);
    // the memory check runs with a 30-day retention to show every other state is bounded.
    fs.writeFileSync(config, JSON.stringify({ validation: { max_age_ms: 120 * 86_400_000 }, business_key_retention_ms: 30 * 86_400_000 }));
    const lastNow = new Date(base + 4 * windowDays * 86_400_000).toISOString();
    process.stderr.write(`[bench:stream] memory: streaming ${n} then ${5 * n} events at the same event rate\n`);
    const one = await streamFile(files[0], ["--config", config, "--now", new Date(base).toISOString()]);
    const many = await streamFile(five, ["--config", config, "--now", lastNow]);
    rows.push(`state after ${one.lines} events: ${one.state_entries} entries, ${one.state_mb.toFixed(1)} MB committed, peak RSS ${one.peak_rss_mb} MB, ${Math.round(one.rate)} events/s`);
    rows.push(`state after ${many.lines} events: ${many.state_entries} entries, ${many.state_mb.toFixed(1)} MB committed, peak RSS ${many.peak_rss_mb} MB, ${Math.round(many.rate)} events/s`);
    rows.push(`state growth 5x stream vs 1x: entries x${(many.state_entries / one.state_entries).toFixed(2)}, RSS x${(many.peak_rss_mb / one.peak_rss_mb).toFixed(2)}`);
  }
  process.stdout.write(rows.join("\n") + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:stream: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
