/**
 * The CLI's commands and flags, written once: `parseArgs` reads its options from here, `recover
 * COMMAND --help` prints them, and the README's flag tables are these tables
 * (`test/cli/flags.test.ts` checks both, and that the defaults shown are the ones the code uses).
 * Plain data on purpose: `recover run` loads it at start-up, so it imports nothing heavy.
 *
 * `commandHelp(COMMANDS.run)` ->
 * "usage: recover run --input FILE|- --out DIR [options]\n\n<what it does>\n\n  --input FILE|-  <meaning> (required)\n..."
 */

import { UsageError } from "./usage-error";

/** One flag: what `parseArgs` needs, and what help and the README say of it. */
export interface FlagSpec {
  readonly type: "string" | "boolean";
  /** The value's placeholder (`FILE`, `DIR`, `N`); string flags only. */
  readonly value?: string;
  /** Shown in the usage line without brackets; the command checks it and names it when missing. */
  readonly required?: boolean;
  /** The default, as shown (the command applies it; booleans default to false). */
  readonly default?: string;
  readonly description: string;
}

/** A command (`sql anomalies` is one: the word after `sql` is part of its name). */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Extra text for the usage line, for rules that per-flag `required` cannot say ("one of"). */
  readonly usage?: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
}

const config: FlagSpec = { type: "string", value: "FILE", description: "JSON config; every field optional, defaults in the README's Configuration section" };
const now: FlagSpec = { type: "string", value: "ISO", default: "the wall clock", description: "processing time, ISO-8601 with a zone: what the future and stale limits are measured from" };
const rates: FlagSpec = {
  type: "string",
  value: "DIR|FILE.jsonl|oxr",
  default: "currency revalidation off",
  description: "exchange rates: a directory of YYYY-MM-DD.json snapshots, one JSON-lines file of dated snapshots, or the Open Exchange Rates API (app id from OXR_APP_ID)",
};
const waitForLock: FlagSpec = { type: "string", value: "SECONDS", default: "0", description: "wait this long for another job using the same --out to finish, instead of failing at once" };
const noDuckdb: FlagSpec = { type: "boolean", description: "write no recovery.duckdb (the JSON-lines outputs only)" };
const quiet: FlagSpec = { type: "boolean", description: "no progress line and no notices on stderr (errors and refused sink rows are still said)" };

export const COMMANDS = {
  run: {
    name: "run",
    summary: "Runs the pipeline once over a file (or stdin) on the DirectRunner: events.jsonl, flags.jsonl, dead_letter.jsonl, summary.json and recovery.duckdb in --out.",
    flags: {
      input: { type: "string", value: "FILE|-", required: true, description: "JSON lines to recover; - reads stdin" },
      out: { type: "string", value: "DIR", required: true, description: "output directory, created when missing" },
      config,
      now,
      rates,
      "wait-for-lock": waitForLock,
      "no-duckdb": noDuckdb,
      quiet,
    },
  },
  stream: {
    name: "stream",
    summary: "Runs the same pipeline per micro-batch over a Pub/Sub subscription or a file, keeping detector state across batches, until a signal, --until-idle or the end of --input.",
    usage: "(--subscription projects/P/subscriptions/S | --input FILE)",
    flags: {
      subscription: { type: "string", value: "projects/P/subscriptions/S", description: "the Pub/Sub subscription to read (PUBSUB_EMULATOR_HOST for the emulator)" },
      input: { type: "string", value: "FILE", description: "a file as the source instead; a second run on the same state continues after the lines it consumed" },
      out: { type: "string", value: "DIR", required: true, description: "output directory, created when missing" },
      state: { type: "string", value: "DIR|redis://HOST:PORT/DB", default: "OUT/state", description: "where the detector state is committed after each batch" },
      "until-idle": { type: "string", value: "SECONDS", default: "run until a signal", description: "stop after this long without a message: advance the watermark to the largest event time, flush, exit 0" },
      "no-flush": { type: "boolean", description: "stop (idle, end of --input) without flushing: held events stay in the state for the next run" },
      "batch-size": { type: "string", value: "N", default: "5000", description: "most messages per micro-batch" },
      "batch-wait-ms": { type: "string", value: "MS", default: "2000", description: "longest wait for a micro-batch to fill" },
      "id-attribute": { type: "string", value: "NAME", description: "Pub/Sub attribute holding the event id; when present on a message it overrides the one in the data" },
      "timestamp-attribute": { type: "string", value: "NAME", description: "Pub/Sub attribute holding the event time (epoch ms or RFC 3339); when present it overrides the one in the data" },
      config,
      now: { ...now, default: "the wall clock at each batch" },
      rates: { ...rates, description: `${rates.description}; reloaded as the days pass` },
      "batch-log": { type: "string", value: "FILE", description: "append one JSON line per committed batch (its size, first line and message ids): for tests and audits" },
      bigquery: { type: "string", value: "PROJECT.DATASET", description: "also write events, flags and dead letters to BigQuery tables (created when missing)" },
      "dry-run": { type: "boolean", description: "with --bigquery: print the tables' and views' DDL and exit" },
      "reprocess-topic": { type: "string", value: "projects/P/topics/T", description: "publish flags whose action is reprocess to this topic" },
      "dead-letter-topic": { type: "string", value: "projects/P/topics/T", description: "publish dead letters to this topic" },
      "wait-for-lock": waitForLock,
      "no-duckdb": noDuckdb,
      quiet,
    },
  },
  generate: {
    name: "generate",
    summary:
      "Writes synthetic lead-capture traffic with injected faults to --out, its ground truth beside it (.truth.jsonl) and the exchange rates it used (.rates.jsonl); with --scenario silent-losses, traffic for the anomaly detector instead.",
    usage: "(--events N | --scenario silent-losses)",
    flags: {
      events: { type: "string", value: "N", description: "how many lines to write (the faults scenario)" },
      scenario: {
        type: "string",
        value: "faults|silent-losses",
        default: "faults",
        description:
          "silent-losses: three weeks of scanner and CRM traffic, a scanner silent for an hour and the scan-to-CRM ratio at 50 % for an hour in week 3, and their truth; prints the --now and --config to run it with (--events and --now do not apply)",
      },
      seed: { type: "string", value: "S", default: "1", description: "random seed: the same seed gives the same file" },
      out: { type: "string", value: "FILE", required: true, description: "the JSON-lines file to write (its directory must exist)" },
      now: { type: "string", value: "ISO", default: "the wall clock", description: "the traffic's 14 days end here" },
    },
  },
  sqlAnomalies: {
    name: "sql anomalies",
    summary: "Prints the BigQuery ML statements (ARIMA_PLUS per series, then ML.DETECT_ANOMALIES) over the anomaly detector's hourly count series.",
    flags: {
      table: { type: "string", value: "PROJECT.DATASET.TABLE", required: true, description: "the events table to count; point it at the events_once view" },
      model: { type: "string", value: "PROJECT.DATASET.NAME", default: "TABLE_volume_arima", description: "the model to create" },
    },
  },
} as const satisfies Record<string, CommandSpec>;

/** What `util.parseArgs` is given for a flag: a boolean defaults to false, a string to undefined. */
export type ParseArgsOptions<F> = { [K in keyof F]: F[K] extends { readonly type: "boolean" } ? { type: "boolean"; default: boolean } : { type: "string" } };

/** The `options` of `util.parseArgs` for a command's flags. */
export function parseArgsOptions<F extends Readonly<Record<string, FlagSpec>>>(flags: F): ParseArgsOptions<F> {
  const options: Record<string, { type: "string" } | { type: "boolean"; default: boolean }> = {};
  for (const [name, flag] of Object.entries(flags)) options[name] = flag.type === "boolean" ? { type: "boolean", default: false } : { type: "string" };
  return options as ParseArgsOptions<F>;
}

/** The value of a flag the command requires, or a usage error naming it with its placeholder (`run: --out DIR is required`). */
export function requiredFlag<S extends CommandSpec>(spec: S, name: keyof S["flags"] & string, value: string | undefined): string {
  if (value === undefined) throw new UsageError(`${spec.name}: --${name} ${spec.flags[name].value ?? ""} is required`);
  return value;
}

/** `recover NAME <required flags> [options]`. */
export function usageLine(spec: CommandSpec): string {
  const required = Object.entries(spec.flags)
    .filter(([, f]) => f.required === true)
    .map(([name, f]) => `--${name} ${f.value ?? ""}`.trim());
  return ["recover", spec.name, spec.usage, ...required, "[options]"].filter((p) => p !== undefined).join(" ");
}

/** `recover COMMAND --help`: usage, what it does, and every flag with its meaning and default. */
export function commandHelp(spec: CommandSpec): string {
  const rows = Object.entries(spec.flags).map(([name, f]) => [`--${name}${f.value === undefined ? "" : ` ${f.value}`}`, meaning(f)] as const);
  // Columns as wide as the longest flag of at most 32 characters; a longer one has its meaning on the next line.
  const width = Math.max(...rows.map(([left]) => (left.length <= 32 ? left.length : 0)));
  const lines = rows.map(([left, right]) => (left.length > width ? `  ${left}\n  ${" ".repeat(width)}  ${right}` : `  ${left.padEnd(width)}  ${right}`));
  return `usage: ${usageLine(spec)}\n\n${spec.summary}\n\n${lines.join("\n")}\n`;
}

/** The README's table of a command's flags (markdown). */
export function flagTable(spec: CommandSpec): string {
  const rows = Object.entries(spec.flags).map(([name, f]) => `| ${escapeCell(`\`--${name}${f.value === undefined ? "" : ` ${f.value}`}\``)} | ${escapeCell(meaning(f))} |`);
  return ["| flag | meaning |", "|---|---|", ...rows].join("\n");
}

function meaning(f: FlagSpec): string {
  const extra = f.required === true ? " (required)" : f.default !== undefined ? ` (default: ${f.default})` : "";
  return `${f.description}${extra}`;
}

/** A table cell's text: `|` escaped, as GitHub's tables need even inside code spans. */
function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|");
}
