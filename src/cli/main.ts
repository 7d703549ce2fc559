import * as fs from "fs";
import { parseArgs } from "util";
import { ConfigError, parseConfig, type RecoveryConfig } from "../config";
import { runRecover } from "../pipelines/run-recover";
import { parseEventTime } from "../timestamp";
import { loadRates, ratesLoader } from "../sources/load-rates";
import { SnapshotFormatError } from "../corrections/rates/snapshot-rates";
import type { RateTable } from "../corrections/rate-table";
import { parseStateUrl } from "../state/state-url";
import { sqlAnomalies } from "../anomalies/sql";
import * as path from "path";
import type { BatchMessage, ExtraSink, MicroBatchSource } from "../streaming/stream-loop";
import { OutDirLockedError } from "../streaming/out-dir-lock";
import { StateContinuityError } from "../state/state-store";
import { COMMANDS, commandHelp, parseArgsOptions, requiredFlag, usageLine } from "./flags";
import { checkJobPaths, checkPath } from "./path-arguments";
import { UsageError } from "./usage-error";

/** Exit codes: 0 success; 1 runtime failure; 2 bad usage, flag or config; 3 conservation check failed. */
export const EXIT = { ok: 0, failure: 1, usage: 2, conservation: 3 } as const;

const USAGE = `usage:
${Object.values(COMMANDS)
  .map((c) => `  ${usageLine(c)}`)
  .join("\n")}

\`recover COMMAND --help\` lists a command's flags, their meanings and defaults.
exit codes: 0 ok, 1 runtime failure, 2 bad usage/flag/config, 3 conservation check failed`;

/** Entry point of the `recover` CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  const rest = argv.slice(1);
  try {
    // `recover run --help` (any command with -h/--help) prints its help instead of failing on the flag.
    if (command !== undefined && (rest.includes("--help") || rest.includes("-h"))) {
      const spec = Object.values(COMMANDS).find((c) => c.name.split(" ")[0] === command);
      process.stdout.write(spec === undefined ? USAGE + "\n" : commandHelp(spec));
      return EXIT.ok;
    }
    if (command === "run") return await runCommand(rest);
    if (command === "generate") return await generateCommand(rest);
    if (command === "stream") return await streamCommand(rest);
    if (command === "sql") return sqlCommand(rest);
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      process.stdout.write(USAGE + "\n");
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`recover: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
    if (err instanceof OutDirLockedError || err instanceof StateContinuityError) {
      process.stderr.write(`recover: ${err.message}\n`);
      return EXIT.failure;
    }
    throw err;
  }
}

/** `--wait-for-lock SECONDS` (0 or more) in ms; absent: 0, fail at once when the output directory is held. */
function lockWait(command: string, text: string | undefined): number {
  if (text === undefined) return 0;
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds < 0) throw new UsageError(`${command}: --wait-for-lock must be a number of seconds >= 0 (got "${text.slice(0, 20)}")`);
  return seconds * 1000;
}

function parseNow(text: string | undefined): number {
  if (text === undefined) return Date.now();
  const ms = parseEventTime(text);
  if (ms === null) throw new UsageError(`--now must be ISO-8601 with a zone, e.g. 2026-11-25T12:00:00Z (got "${text.slice(0, 40)}")`);
  return ms;
}

function loadConfig(command: string, file: string | undefined): RecoveryConfig {
  if (file === undefined) return parseConfig({});
  checkPath(command, "config", file, "file");
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    if (err instanceof SyntaxError) throw new ConfigError(`${command}: --config ${file} is not JSON (${err.message})`);
    throw err;
  }
  return parseConfig(json);
}

/**
 * The first load of `--rates SPEC` (a snapshot path was checked with checkPath before). A
 * snapshot that is not JSON or not a snapshot is a usage error (exit 2); any other failure (the
 * Open Exchange Rates API, I/O) stays a runtime failure (exit 1). Both name the flag.
 */
async function firstRates(command: string, spec: string, load: () => Promise<RateTable>): Promise<RateTable> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof SnapshotFormatError) throw new UsageError(`${command}: --rates ${err.message}`);
    throw new Error(`${command}: --rates ${spec}: ${(err as Error).message}`, { cause: err });
  }
}

async function runCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: parseArgsOptions(COMMANDS.run.flags), strict: true });
  const input = requiredFlag(COMMANDS.run, "input", values.input);
  const out = requiredFlag(COMMANDS.run, "out", values.out);
  const spec = values.rates;
  checkJobPaths("run", { input, out, rates: spec });
  const waitForLockMs = lockWait("run", values["wait-for-lock"]);
  const config = loadConfig("run", values.config);
  const nowMs = parseNow(values.now);
  const rates = spec === undefined ? null : await firstRates("run", spec, () => loadRates(spec, config, nowMs));
  const summary = await runRecover({
    waitForLockMs,
    rates,
    input: input,
    outDir: out,
    config,
    nowMs,
    progress: !values.quiet,
    duckdb: !values["no-duckdb"],
  });
  process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  return summary.conservation.holds ? EXIT.ok : EXIT.conservation;
}

async function generateCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: parseArgsOptions(COMMANDS.generate.flags),
    strict: true,
  });
  const scenario = values.scenario ?? COMMANDS.generate.flags.scenario.default;
  const seed = Number(values.seed ?? COMMANDS.generate.flags.seed.default);
  if (scenario !== "faults" && scenario !== "silent-losses") throw new UsageError(`generate: --scenario must be faults or silent-losses (got "${scenario.slice(0, 40)}")`);
  if (!Number.isInteger(seed)) throw new UsageError("generate: --seed S must be an integer");
  const out = requiredFlag(COMMANDS.generate, "out", values.out);
  checkPath("generate", "out", out, "out-file");
  if (scenario === "silent-losses") {
    if (values.events !== undefined || values.now !== undefined) throw new UsageError("generate: --events and --now do not apply to --scenario silent-losses");
    const { SILENT_LOSS_CONFIG, writeSilentLossSample } = await import("../generate/index.js");
    const sample = writeSilentLossSample({ seed, out: out });
    process.stdout.write(JSON.stringify({ ...sample, run_with: { now: sample.now, config: SILENT_LOSS_CONFIG } }, null, 2) + "\n");
    return EXIT.ok;
  }
  const events = Number(values.events);
  if (!Number.isInteger(events) || events <= 0) throw new UsageError("generate: --events N must be a positive integer");
  const { generate } = await import("../generate/index.js");
  const summary = generate({ events, seed, now: new Date(parseNow(values.now)), out: out });
  process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  return EXIT.ok;
}

async function streamCommand(args: string[]): Promise<number> {
  // Loaded on use: the Pub/Sub, BigQuery and Redis clients take about a second to load, which
  // `recover run` (and every other command) should not pay.
  const { FileBatchSource } = await import("../sources/file-batch-source.js");
  const { createPubSubClient } = await import("../sources/pubsub-client.js");
  const { PubSubSource } = await import("../sources/pubsub.js");
  const { openStateStore } = await import("../state/open-state-store.js");
  const { BigQuerySink } = await import("../sinks/bigquery.js");
  const { PubSubPublisher } = await import("../sources/pubsub-publisher.js");
  const { pubsubTopicFeed, recoverySinkFeed } = await import("../streaming/extra-sinks.js");
  const { DEFAULT_BATCH_MAX_MESSAGES, DEFAULT_BATCH_MAX_WAIT_MS, runStream } = await import("../streaming/stream-loop.js");
  const { values } = parseArgs({ args, options: parseArgsOptions(COMMANDS.stream.flags), strict: true });
  if ((values.subscription === undefined) === (values.input === undefined)) throw new UsageError("stream: give exactly one of --subscription or --input");
  const out = requiredFlag(COMMANDS.stream, "out", values.out);
  if (values["dry-run"]) {
    // Prints what `--bigquery` would create, and exits: no connection is made.
    const bq = /^([^.]+)\.(.+)$/.exec(values.bigquery ?? "");
    if (bq === null) throw new UsageError("stream: --dry-run prints the BigQuery DDL and needs --bigquery PROJECT.DATASET");
    process.stdout.write(new BigQuerySink({ project: bq[1], dataset: bq[2], dryRun: true }).ddl().join("\n\n") + "\n");
    return EXIT.ok;
  }
  const spec = values.rates;
  checkJobPaths("stream", { input: values.input, out, rates: spec });
  if (values.state !== undefined) {
    let state: ReturnType<typeof parseStateUrl>;
    try {
      state = parseStateUrl(values.state);
    } catch (err) {
      throw new UsageError(`stream: --state ${values.state}: ${(err as Error).message}`);
    }
    if (state.kind === "file") checkPath("stream", "state", state.dir, "out-dir");
  }
  const batchLog = values["batch-log"];
  // A log directly in an --out not created yet is created with it (the output lock makes --out).
  const inNewOut = batchLog !== undefined && path.dirname(path.resolve(batchLog)) === path.resolve(out) && !fs.existsSync(out);
  if (batchLog !== undefined && !inNewOut) checkPath("stream", "batch-log", batchLog, "out-file");
  const positive = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`stream: --${name} must be a positive number (got "${text.slice(0, 20)}")`);
    return n;
  };
  const batchSize = Math.floor(positive("batch-size", values["batch-size"], DEFAULT_BATCH_MAX_MESSAGES));
  const batchWait = positive("batch-wait-ms", values["batch-wait-ms"], DEFAULT_BATCH_MAX_WAIT_MS);
  const untilIdle = values["until-idle"] === undefined ? null : positive("until-idle", values["until-idle"], 0) * 1000;
  const waitForLockMs = lockWait("stream", values["wait-for-lock"]);
  if (values["no-flush"] && untilIdle === null && values.input === undefined) throw new UsageError("stream: --no-flush applies to an idle stop or the end of --input, and needs --until-idle SECONDS or --input FILE");
  const config = loadConfig("stream", values.config);
  const nowMs = values.now === undefined ? null : parseNow(values.now);
  const reloadRates = spec === undefined ? undefined : ratesLoader(spec, config);
  const rates = spec === undefined || reloadRates === undefined ? null : await firstRates("stream", spec, () => reloadRates(nowMs ?? Date.now()));
  // The Redis key prefix names the pipeline by its output directory, so two streams sharing a
  // Redis database never load each other's state.
  const store = openStateStore(values.state ?? path.join(out, "state"), `recover:${path.resolve(out)}`);
  const signal = { stop: false };
  const stop = () => {
    if (signal.stop) process.exit(130);
    signal.stop = true;
    process.stderr.write("[stream] stopping after the batch in hand (signal again to abort)\n");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  let source: MicroBatchSource<BatchMessage>;
  let client: { close(): Promise<void> } | null = null;
  if (values.input !== undefined) {
    source = new FileBatchSource(values.input, { holdUnterminated: values["no-flush"] === true });
  } else {
    const m = /^projects\/([^/]+)\/subscriptions\/([^/]+)$/.exec(values.subscription ?? "");
    if (m === null) throw new UsageError("stream: --subscription must look like projects/PROJECT/subscriptions/NAME");
    const pubsub = createPubSubClient(m[1]);
    client = pubsub;
    source = new PubSubSource(pubsub, m[2], {
      // Two batches in flight at most: enough for the next batch to fill while one is processed,
      // and after a crash at most that many messages come back late.
      maxOutstandingMessages: 2 * batchSize,
      idAttribute: values["id-attribute"],
      timestampAttribute: values["timestamp-attribute"],
      eventIdField: config.envelope.event_id,
      timestampField: config.envelope.timestamp,
    });
  }
  const extraSinks: ExtraSink[] = [];
  if (values.bigquery !== undefined) {
    const bq = /^([a-z][a-z0-9-]{4,28}[a-z0-9])\.([A-Za-z0-9_]{1,1024})$/.exec(values.bigquery);
    if (bq === null) throw new UsageError(`stream: --bigquery must be PROJECT.DATASET (got "${values.bigquery.slice(0, 60)}")`);
    extraSinks.push(recoverySinkFeed(new BigQuerySink({ project: bq[1], dataset: bq[2], ...(await bigQueryEmulator()) }), config));
  }
  if (values["reprocess-topic"] !== undefined || values["dead-letter-topic"] !== undefined) {
    const m = /^projects\/([^/]+)\/topics\/([^/]+)$/;
    const topicOf = (flag: string, v: string | undefined): { project: string; name: string } | undefined => {
      if (v === undefined) return undefined;
      const t = m.exec(v);
      if (t === null) throw new UsageError(`stream: --${flag} must look like projects/PROJECT/topics/NAME`);
      return { project: t[1], name: t[2] };
    };
    const reprocess = topicOf("reprocess-topic", values["reprocess-topic"]);
    const dead = topicOf("dead-letter-topic", values["dead-letter-topic"]);
    const project = (reprocess ?? dead)!.project;
    extraSinks.push(pubsubTopicFeed(new PubSubPublisher(createPubSubClient(project)), { reprocess: reprocess?.name, deadLetters: dead?.name }, config));
  }
  try {
    const summary = await runStream({
      source,
      outDir: out,
      store,
      config,
      rates,
      reloadRates,
      nowMs,
      batchMaxMessages: batchSize,
      batchMaxWaitMs: batchWait,
      untilIdleMs: untilIdle,
      flushOnIdle: !values["no-flush"],
      duckdb: !values["no-duckdb"],
      extraSinks,
      batchLog: values["batch-log"],
      progress: !values.quiet,
      signal,
      waitForLockMs,
    });
    fs.writeFileSync(path.join(out, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
    process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    if (source instanceof FileBatchSource && source.heldUnterminated) {
      process.stderr.write("[stream] the input's last line has no line feed yet (its writer may be in the middle of it): left for the next run\n");
    }
    return summary.conservation.holds ? EXIT.ok : EXIT.conservation;
  } finally {
    if (client !== null) await client.close();
  }
}

/** `recover sql anomalies --table P.D.events`: the BigQuery ML statements for the anomaly series. */
function sqlCommand(args: string[]): number {
  if (args[0] !== "anomalies") throw new UsageError('sql: the only statement set is "anomalies"');
  const { values } = parseArgs({ args: args.slice(1), options: parseArgsOptions(COMMANDS.sqlAnomalies.flags), strict: true });
  const table = requiredFlag(COMMANDS.sqlAnomalies, "table", values.table);
  let sql: ReturnType<typeof sqlAnomalies>;
  try {
    sql = sqlAnomalies(table, { model: values.model });
  } catch (err) {
    throw new UsageError(`sql anomalies: ${(err as Error).message}`);
  }
  process.stdout.write(`-- 1. train one ARIMA_PLUS model per series on hourly counts\n${sql.createModel};\n\n-- 2. flag anomalous hours\n${sql.detect};\n`);
  return EXIT.ok;
}

/**
 * With `BIGQUERY_EMULATOR_HOST` set (the client library's own variable: the API's base URL, such
 * as `http://127.0.0.1:9050/bigquery/v2`, which it then uses instead of Google's), no credentials
 * are sent, as with `PUBSUB_EMULATOR_HOST`. Unset: Application Default Credentials.
 */
async function bigQueryEmulator(): Promise<{ authClient?: InstanceType<typeof import("google-auth-library").PassThroughClient> }> {
  const host = process.env.BIGQUERY_EMULATOR_HOST;
  if (host === undefined || host === "") return {};
  const { PassThroughClient } = await import("google-auth-library");
  return { authClient: new PassThroughClient() };
}
