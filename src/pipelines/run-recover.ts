import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as v8 from "v8";
import type { RecoveryConfig } from "../config";
import { unseenEventTypes, unseenEventTypesNotice } from "../config-coverage";
import { deadLetterNotice } from "../dead-letter-share";
import { sortedByKey } from "../order";
import { lockWaitNotice, withOutDirLock } from "../streaming/out-dir-lock";
import type { RateTable } from "../corrections/rate-table";
import { RATES_OFF_NOTICE, ratesCoverage, type RatesCoverage } from "../corrections/rates-coverage";
import { startDuckDbLoad } from "../sinks/duckdb-overlapped";
import { syncFile } from "../sinks/jsonl-writer";
import { runRecoverPipeline, type RecoverFiles } from "./recover";

export interface RecoverRunOptions {
  /** A JSON-lines file, or "-" for stdin (spooled to a temporary file first). */
  readonly input: string;
  readonly outDir: string;
  readonly config: RecoveryConfig;
  /** Processing time, epoch ms. */
  readonly nowMs: number;
  /** Progress lines on stderr. Default false. */
  readonly progress?: boolean;
  /** Exchange rates for currency revalidation (see loadRates); null or absent: off. */
  readonly rates?: RateTable | null;
  /** Also write `recovery.duckdb`. Default true. */
  readonly duckdb?: boolean;
  /** How long to wait while another process holds `outDir` (`--wait-for-lock`); default 0: fail at once. */
  readonly waitForLockMs?: number;
}

/** `summary.json`: counts per output and per kind, and the conservation check. */
export interface RunSummary {
  readonly input: string;
  readonly now: string;
  readonly watermark_note: string;
  readonly lines: number;
  readonly blank_lines: number;
  /** Pub/Sub redeliveries (same event_id and message_id as a kept event): dropped, not copies. */
  readonly redelivered: number;
  readonly events: number;
  readonly flags: number;
  readonly dead_letters: number;
  /** Dead letters per `error_code`, sorted by code (see dead-letter-share). */
  readonly dead_letters_by_code: Readonly<Record<string, number>>;
  readonly flags_by_kind: Readonly<Record<string, number>>;
  readonly pending_deadlines: number;
  readonly chain_key_missing: number;
  /** Events of a uniqueness rule's type without one of its key fields: not judged. */
  readonly business_key_missing: number;
  /** Series-intervals the anomaly detector judged (the denominator of its false-alarm rate). */
  readonly anomaly_intervals_judged: number;
  /** Whether currency revalidation ran (no `--rates`: off) and the dates its rates cover. */
  readonly currency_revalidation: RatesCoverage;
  /** Configured event types no valid event had, as `where: event_type` (see config-coverage). */
  readonly unseen_event_types: ReadonlyArray<string>;
  readonly conservation: { readonly holds: boolean; readonly equation: string };
  readonly seconds: number;
  /** Seconds inside each stage's own code; `beam_and_gc` is the rest of the pipeline. */
  readonly stage_seconds: Readonly<Record<string, number>>;
  readonly peak_rss_mb: number;
  /** V8's heap limit of the run (the CLI raises it for large inputs: src/cli/heap-limit.ts). */
  readonly heap_limit_mb: number;
  /**
   * Null when the DuckDB tables were loaded beside the pipeline (or DuckDB is off); else why
   * that load failed its checks and the complete output files were loaded after the run.
   */
  readonly duckdb_fallback: string | null;
}

/** The stderr line (after `[recover] `) of a run whose input held no lines (progress on). */
export const EMPTY_INPUT_NOTICE = "the input held no lines: nothing to recover, every output is empty";

/**
 * `recover run`: the bounded pipeline on the DirectRunner, then DuckDB and `summary.json`.
 * Outputs in `outDir`: events.jsonl, flags.jsonl, dead_letter.jsonl, summary.json,
 * recovery.duckdb.
 */
export async function runRecover(o: RecoverRunOptions): Promise<RunSummary> {
  // A stream running in this directory would have its outputs overwritten (out-dir-lock.ts).
  return withOutDirLock(o.outDir, () => runLocked(o), o.waitForLockMs, o.progress ? lockWaitNotice(o.waitForLockMs) : undefined);
}

async function runLocked(o: RecoverRunOptions): Promise<RunSummary> {
  const started = Date.now();
  if ((o.rates ?? null) === null && (o.progress ?? false)) process.stderr.write(`[recover] ${RATES_OFF_NOTICE}\n`);
  const input = o.input === "-" ? spoolStdin() : o.input;
  if (!fs.existsSync(input)) throw new Error(`input not found: ${input}`);
  const files: RecoverFiles = {
    events: path.join(o.outDir, "events.jsonl"),
    flags: path.join(o.outDir, "flags.jsonl"),
    deadLetters: path.join(o.outDir, "dead_letter.jsonl"),
  };
  // DuckDB loads the valid events while the pipeline runs (on the other core).
  const duck = (o.duckdb ?? true) ? startDuckDbLoad(path.join(o.outDir, "recovery.duckdb"), input, files, o.config) : null;
  const pipelineStart = Date.now();
  let result: Awaited<ReturnType<typeof runRecoverPipeline>>;
  try {
    result = await runRecoverPipeline({ input, files, config: o.config, nowMs: o.nowMs, rates: o.rates ?? null, progress: o.progress ?? false, deferSync: true });
  } catch (err) {
    if (duck !== null) await duck.abort();
    throw err;
  }
  if (o.input === "-") fs.rmSync(input, { force: true });
  const pipelineMs = Date.now() - pipelineStart;
  const duckStart = Date.now();
  // The DuckDB worker settles (reading the closed files) while this thread waits for the disk.
  const duckFinished = duck === null ? null : duck.finish();
  try {
    for (const file of Object.values(files)) syncFile(file);
  } catch (err) {
    await duckFinished?.catch(() => undefined);
    throw err;
  }
  const duckdbFallback = duckFinished === null ? null : await duckFinished;
  const duckMs = Date.now() - duckStart;
  const stageMs = result.stats.stage_ms;
  const inStages = Object.values(stageMs).reduce((a, b) => a + b, 0);
  const stageSeconds: Record<string, number> = {};
  for (const [k, v] of Object.entries(stageMs)) stageSeconds[k] = round3(v / 1000);
  stageSeconds["beam_and_gc"] = round3(Math.max(0, pipelineMs - inStages) / 1000);
  // What is left of the DuckDB load after the pipeline (most of it overlaps the pipeline), with
  // the outputs' fsync beside it.
  stageSeconds["duckdb"] = round3(duckMs / 1000);
  const duplicates = result.kinds["duplicate"] ?? 0;
  const nearDuplicates = result.kinds["near_duplicate"] ?? 0;
  const redelivered = result.stats.redelivered;
  const accounted = result.events + duplicates + nearDuplicates + result.deadLetters + result.stats.blank_lines + redelivered;
  // An empty input is valid (every output empty), but more often a mistake than not: say so.
  if (result.stats.lines === 0 && (o.progress ?? false)) process.stderr.write(`[recover] ${EMPTY_INPUT_NOTICE}\n`);
  const unseen = unseenEventTypes(o.config, result.stats.event_types_seen);
  if (unseen.length > 0 && (o.progress ?? false)) process.stderr.write(`[recover] ${unseenEventTypesNotice(unseen)}\n`);
  const deadNotice = deadLetterNotice(result.stats.dead_letters_by_code, result.stats.lines - result.stats.blank_lines - redelivered, o.config, o.nowMs);
  if (deadNotice !== null && (o.progress ?? false)) process.stderr.write(`[recover] ${deadNotice}\n`);
  const summary: RunSummary = {
    input: o.input,
    now: new Date(o.nowMs).toISOString(),
    watermark_note: "bounded run: final watermark = largest valid event time",
    lines: result.stats.lines,
    blank_lines: result.stats.blank_lines,
    redelivered,
    events: result.events,
    flags: result.flags,
    dead_letters: result.deadLetters,
    dead_letters_by_code: sortedByKey(result.stats.dead_letters_by_code),
    flags_by_kind: sortedByKey(result.kinds),
    pending_deadlines: result.stats.pending_deadlines,
    chain_key_missing: result.stats.chain_key_missing,
    business_key_missing: result.stats.business_key_missing,
    anomaly_intervals_judged: result.stats.anomaly_intervals_judged,
    currency_revalidation: ratesCoverage(o.rates ?? null),
    unseen_event_types: unseen,
    conservation: {
      holds: accounted === result.stats.lines,
      equation: `${result.stats.lines} lines = ${result.events} events + ${duplicates} duplicates + ${nearDuplicates} near-duplicates + ${result.deadLetters} dead letters + ${result.stats.blank_lines} blank + ${redelivered} redelivered`,
    },
    seconds: (Date.now() - started) / 1000,
    stage_seconds: stageSeconds,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    heap_limit_mb: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20),
    duckdb_fallback: duckdbFallback,
  };
  fs.writeFileSync(path.join(o.outDir, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
  return summary;
}

function spoolStdin(): string {
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "recover-")), "stdin.jsonl");
  const out = fs.openSync(tmp, "w");
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    let n = 0;
    try {
      n = fs.readSync(0, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EAGAIN") continue;
      if ((err as NodeJS.ErrnoException).code === "EOF") break;
      throw err;
    }
    if (n === 0) break;
    fs.writeSync(out, buf, 0, n);
  }
  fs.closeSync(out);
  return tmp;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
