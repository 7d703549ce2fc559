import * as fs from "fs";
import * as path from "path";
import type { RecoveryConfig } from "../config";
import { noteEventType, unseenEventTypes, unseenEventTypesNotice } from "../config-coverage";
import { deadLetterNotice } from "../dead-letter-share";
import { sortedByKey } from "../order";
import { utcDateOf, type RateTable } from "../corrections/rate-table";
import { RATES_OFF_NOTICE, ratesCoverage, type RatesCoverage } from "../corrections/rates-coverage";
import type { DeadLetter } from "../event";
import { runRecoverPipeline, type RecoverFiles } from "../pipelines/recover";
import { DuckDbStreamSink, type OutputOffsets } from "../sinks/duckdb-stream";
import { syncFile } from "../sinks/jsonl-writer";
import { StateContinuityError, type StateStore } from "../state/state-store";
import { applyChanges, detectorState, dropDetectorState, emptyDetectorState, fromCommitted, registerDetectorState, smallJson, stateSize, takeChanges, type DetectorState, type TableTexts } from "./detector-state";
import { faultPoint } from "./fault-points";
import { NO_WATERMARK } from "../sources/read-validated";
import { pendingDeadlines } from "./due-ticks";
import { lockWaitNotice, withOutDirLock } from "./out-dir-lock";
import { checkOutputsMatchState } from "./outputs-match-state";
import { readBatchClock, writeBatchClock } from "./batch-clock";
import { clearFirstBatch, firstBatchUncommitted, markFirstBatch } from "./first-batch-marker";
import { TrackedMap } from "./tracked-map";
import type { Resumed } from "../sources/file-batch-source";
import type { InputMark } from "../sources/input-mark";

/** The committed state's table of message ids committed within the dedup horizon. */
const MESSAGES_TABLE = "messages";

/**
 * A batch that fails is retried in place this many times more (its messages kept, their leases
 * extended, so Pub/Sub counts no new delivery attempt) before it is nacked: 8.
 */
export const BATCH_RETRIES = 8;
/** Wait before the first retry of a failed batch; it doubles on each retry, up to 60 s: 1 s. */
export const BATCH_RETRY_BACKOFF_MS = 1_000;
const BATCH_RETRY_MAX_BACKOFF_MS = 60_000;

/** After a failed reload of the exchange rates, the next attempt waits this long: 10 min. */
export const RATES_RETRY_MS = 10 * 60_000;

/** Default micro-batch bounds: at most 5,000 messages or 2 s of waiting, whichever first. */
export const DEFAULT_BATCH_MAX_MESSAGES = 5_000;
export const DEFAULT_BATCH_MAX_WAIT_MS = 2_000;

/** What the loop needs of a source: Pub/Sub subscriptions and files both fit. */
/** One message of a micro-batch: its input line and, from Pub/Sub, its delivery metadata. */
export interface BatchMessage {
  readonly line: Buffer;
  readonly meta?: { readonly message_id: string | null; readonly publish_time: string | null };
}

export interface MicroBatchSource<M extends BatchMessage> {
  next(maxMessages: number, maxWaitMs: number): Promise<M[]>;
  ack(batch: ReadonlyArray<M>): Promise<void>;
  nack(batch: ReadonlyArray<M>): Promise<void>;
  close(): Promise<void>;
  /**
   * True when a bounded source has no more input (a file); absent for Pub/Sub. A bounded source
   * has no redelivery policy: a batch it is given back comes straight back, so a batch that
   * fails every retry stops the stream instead (see the loop's failure handling).
   */
  readonly exhausted?: boolean;
  /** A file source: how far it was consumed, committed with each batch's state. */
  mark?(): InputMark;
  /**
   * A file source continues after what the committed state consumed of it (see
   * `FileBatchSource.resume`; `legacyLines`: the lines a state without a mark consumed).
   */
  resume?(mark: InputMark | null | undefined, legacyLines: number): Resumed;
}

/**
 * Fed after a batch's outputs are in the JSON-lines files, before its state commit and ack (at
 * least once). Returns rows it rejected, as dead letters the loop appends to the dead-letter
 * output (never dropped).
 */
export interface ExtraSink {
  readonly name: string;
  publish(batch: number, files: RecoverFiles, from: OutputOffsets, to: OutputOffsets): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

export interface StreamOptions<M extends BatchMessage> {
  readonly source: MicroBatchSource<M>;
  readonly outDir: string;
  readonly store: StateStore;
  readonly config: RecoveryConfig;
  /** Exchange rates loaded for the processing time at start; null: currency revalidation off. */
  readonly rates: RateTable | null;
  /**
   * Loads the rates for a processing time (`loadRates` with the run's `--rates`). The table at
   * start covers the dates a valid event can have then; a stream that runs for days needs
   * later dates (else its orders take an older day's rate, and after `max_fallback_days` none:
   * every order flagged `rate_unavailable`). Called before the first batch of each later UTC
   * date of processing time; a failure keeps the table in hand, is logged, and is retried at
   * the first batch `RATES_RETRY_MS` later. Absent: the table never changes.
   */
  readonly reloadRates?: (nowMs: number) => Promise<RateTable>;
  /** Fixed processing time (replays, tests); null: `clock()` at each batch. */
  readonly nowMs: number | null;
  /** The wall clock (tests script it); default `Date.now`. */
  readonly clock?: () => number;
  /** Retries in place of a failed batch before it is nacked; default `BATCH_RETRIES`. */
  readonly batchRetries?: number;
  /** Wait before the first retry of a failed batch (doubling, at most 60 s); default `BATCH_RETRY_BACKOFF_MS`. */
  readonly batchRetryBackoffMs?: number;
  readonly batchMaxMessages: number;
  readonly batchMaxWaitMs: number;
  /** Stop after this long without a message; null: never. */
  readonly untilIdleMs: number | null;
  /**
   * What an idle stop or the end of a file input does. True (the CLI's default): flush as a
   * bounded run does (the watermark jumps to the largest event time seen, open gaps and chains
   * are declared), so messages that arrive later are late data. False (`--no-flush`): commit
   * nothing more and stop; the next run continues as if the stream had never stopped
   * (scheduled catch-up runs, or one file after another on the same state).
   */
  readonly flushOnIdle?: boolean;
  readonly duckdb: boolean;
  readonly extraSinks: ReadonlyArray<ExtraSink>;
  readonly progress: boolean;
  /** Appends one JSON line per committed batch `{batch, messages, message_ids, first_line}` (tests, audits). */
  readonly batchLog?: string;
  /** How long to wait while another process holds `outDir` (`--wait-for-lock`); default 0: fail at once. */
  readonly waitForLockMs?: number;
  /** Set `stop` to finish the batch in hand and return (SIGINT/SIGTERM). */
  readonly signal: { stop: boolean };
}

/** Counters kept in the committed state, so they survive restarts. */
export interface StreamCounters {
  batches: number;
  lines: number;
  blank_lines: number;
  events: number;
  dead_letters: number;
  /** Dead letters per `error_code` (empty in states committed before it). */
  dead_letters_by_code: Record<string, number>;
  redelivered: number;
  /** Rows an extra sink (BigQuery) refused, kept as `sink_rejected` dead letters (not input lines). */
  sink_rejected: number;
  flags_by_kind: Record<string, number>;
  /** Chain-step events without their chain key, and uniqueness-rule events without a key field: not judged (0 in states committed before these counts). */
  chain_key_missing: number;
  business_key_missing: number;
}

interface Checkpoint {
  /** `smallJson` of the detector state (its keyed tables are the committed state's `tables`); a state committed before tables holds `toJson`, the whole state. */
  readonly detectors: string;
  readonly offsets: OutputOffsets;
  readonly counters: StreamCounters;
  /**
   * Empty: the message ids committed within the dedup horizon are the table `messages` (id ->
   * publish time, epoch ms). A state committed before held them here.
   */
  readonly messages: Array<[string, number]>;
  /**
   * How far a file input was consumed (null: the last batch came from Pub/Sub). Absent in
   * states committed before it: those resume a file after `counters.lines` lines.
   */
  readonly input?: InputMark | null;
}

export interface StreamSummary extends StreamCounters {
  /** Wall time of this process's loop, and the part from the first message to the last commit. */
  readonly seconds: number;
  readonly active_seconds: number;
  readonly peak_rss_mb: number;
  readonly state_entries: number;
  readonly pending_deadlines: number;
  /**
   * Valid events kept in the committed state, not yet written: they wait for the watermark to
   * pass them (near-duplicates are judged then). Zero after a flush; a stop without one
   * (`--no-flush`, a signal) leaves them for the next run.
   */
  readonly held: number;
  readonly stopped_by: "idle" | "end_of_input" | "signal";
  /**
   * `--input`: lines of the file skipped at start as consumed by the committed state (0: read
   * from its first line, e.g. another file than the state stopped in); null for Pub/Sub.
   */
  readonly input_skipped_lines: number | null;
  /** Whether currency revalidation ran (no `--rates`: off) and the dates of the last rates loaded. */
  readonly currency_revalidation: RatesCoverage;
  /** Configured event types no valid event read by this process had (see config-coverage). */
  readonly unseen_event_types: ReadonlyArray<string>;
  readonly conservation: { readonly holds: boolean; readonly equation: string };
}

/**
 * The streaming mode: micro-batches from a source through the same Beam pipeline as a bounded
 * run, with the detector state carried from batch to batch.
 *
 * Per batch, in this order: the batch's lines go through the pipeline (outputs appended to the
 * JSON-lines files, fsync'd); DuckDB gets them in one transaction tagged with the batch number;
 * extra sinks (BigQuery, Pub/Sub topics) get them at least once; the new detector state, the
 * output file sizes, the counters and the committed message ids are committed atomically to the
 * state store (its keyed tables as the entries the batch changed, see `detector-state`); only
 * then are the messages acknowledged. After a crash anywhere, a restart loads the committed state,
 * truncates the JSON-lines outputs to the committed sizes and deletes DuckDB rows of later
 * batches: the unacknowledged messages are redelivered and processed again from that state, so
 * nothing is lost and nothing is written twice to these sinks. Redeliveries of messages whose
 * ack was lost are dropped by dedup (same event_id and message_id) and counted as `redelivered`.
 *
 * Processing fails as a whole batch (a sink down, say): the state is rolled back and the same
 * messages are processed again after a backoff (1 s doubling to 60 s), kept in hand so Pub/Sub
 * counts no delivery attempt; after `BATCH_RETRIES` retries (183 s of waiting) they are nacked, and
 * the subscription's dead-letter policy moves a message that keeps failing to the dead-letter
 * topic after N delivery attempts.
 */
export async function runStream<M extends BatchMessage>(o: StreamOptions<M>): Promise<StreamSummary> {
  // One process per output directory (see out-dir-lock.ts); OutDirLockedError otherwise.
  return withOutDirLock(o.outDir, () => runLocked(o), o.waitForLockMs, o.progress ? lockWaitNotice(o.waitForLockMs) : undefined);
}

async function runLocked<M extends BatchMessage>(o: StreamOptions<M>): Promise<StreamSummary> {
  const files: RecoverFiles = {
    events: path.join(o.outDir, "events.jsonl"),
    flags: path.join(o.outDir, "flags.jsonl"),
    deadLetters: path.join(o.outDir, "dead_letter.jsonl"),
  };
  const stateId = `stream:${path.resolve(o.outDir)}`;
  const inbox = path.join(o.outDir, ".inbox.jsonl");
  const committed = await o.store.load();
  let batch = committed?.batch ?? 0;
  let checkpoint: Checkpoint = committed === null ? freshCheckpoint() : (committed.detectors as Checkpoint);
  // The committed table entries (texts), kept to roll back to and for the stores' snapshots.
  const tables: TableTexts = new Map([...(committed?.tables ?? [])].map(([name, entries]) => [name, new Map(entries)]));
  // The next commit writes the tables whole (first of this process, or after a failed one,
  // when what the store holds is not known for sure); otherwise only what the batch changed.
  let writeAllTables = true;
  registerDetectorState(stateId, fromCommitted(checkpoint.detectors, tables));
  // No state and a first batch that never committed: its lines are cut back like any batch's.
  if (committed !== null) clearFirstBatch(o.outDir);
  checkOutputsMatchState(files, committed === null && !firstBatchUncommitted(o.outDir) ? null : checkpoint.offsets);
  truncateOutputs(files, checkpoint.offsets);
  const duck = o.duckdb ? await DuckDbStreamSink.open(path.join(o.outDir, "recovery.duckdb"), o.config) : null;
  await duck?.rollbackAfter(batch);

  const counters: StreamCounters = committedCounters(checkpoint);
  let committedMessages = committedMessagesOf(tables, checkpoint);
  // A file input continues after what the state consumed of it, if it is the same file.
  // States from before marks: every line consumed is in `lines` (redeliveries too).
  const resumed = o.source.resume?.(checkpoint.input, counters.lines) ?? null;
  if (resumed?.note != null) process.stderr.write(`[stream] ${resumed.note}\n`);
  let idleSince = Date.now();
  let stoppedBy: StreamSummary["stopped_by"] = "signal";
  const clock = o.clock ?? Date.now;
  const rates = { table: o.rates, day: utcDateOf(o.nowMs ?? clock()), retryAt: -Infinity };
  if (rates.table === null && o.progress) process.stderr.write(`[stream] ${RATES_OFF_NOTICE}\n`);
  const started = Date.now();
  /** Event types of the valid events this process read (see config-coverage). */
  let eventTypesSeen: Set<string> | null = new Set();
  let firstMessageAt: number | null = null;
  let lastCommitAt: number | null = null;
  // A failed batch, kept to be processed again at the same processing time, and how many times it has failed.
  let failed: { messages: M[]; failures: number; nowMs: number } | null = null;
  // The processing time of a batch that a previous process began and did not commit (batch-clock.ts).
  let replayedNow: number | null = o.nowMs === null ? readBatchClock(o.outDir, batch + 1) : null;
  try {
    for (;;) {
      if (o.signal.stop) {
        if (failed !== null) await o.source.nack(failed.messages);
        break;
      }
      const retry: { messages: M[]; failures: number; nowMs: number } | null = failed;
      failed = null;
      const pulled: M[] = retry !== null ? retry.messages : await o.source.next(o.batchMaxMessages, o.batchMaxWaitMs);
      // A message committed before (its ack was lost, or a crash came between commit and ack,
      // or the ack of a retried batch failed after its commit) is acknowledged again and
      // counted, never processed twice.
      const again = pulled.filter((m) => m.meta?.message_id != null && committedMessages.has(m.meta.message_id));
      const delivered = again.length === 0 ? pulled : pulled.filter((m) => !again.includes(m));
      // A message delivered more than once in one pull is processed once; its other deliveries
      // are acknowledged with the batch and counted as redelivered once it commits.
      const { messages, repeats } = splitRepeats(delivered);
      if (again.length > 0) {
        await o.source.ack(again);
        counters.redelivered += again.length;
        counters.lines += again.length;
        // Counted now, so a rollback of a failing batch must keep them.
        checkpoint = { ...checkpoint, counters: { ...checkpoint.counters, redelivered: checkpoint.counters.redelivered + again.length, lines: checkpoint.counters.lines + again.length } };
      }
      const ended = o.source.exhausted === true && messages.length === 0;
      const idle = messages.length === 0 && o.untilIdleMs !== null && Date.now() - idleSince >= o.untilIdleMs;
      if (messages.length === 0 && !ended && !idle) continue;
      if ((idle || ended) && o.flushOnIdle === false) {
        stoppedBy = ended ? "end_of_input" : "idle";
        break;
      }
      if (messages.length > 0) {
        idleSince = Date.now();
        firstMessageAt ??= Date.now();
      }
      const final = ended || idle;
      // One message is one line: a line feed inside a message (pretty-printed JSON, where it can
      // only be whitespace between tokens) becomes a space, so it is not split into several.
      // Each message ends with its own line feed: a message that is empty (a blank line) is a
      // line of the inbox even when it is the batch's last, so it is counted like any other.
      fs.writeFileSync(inbox, messages.map((m) => m.line.toString("latin1").replace(/[\r\n]/g, " ") + "\n").join(""), "latin1");
      faultPoint("before_output");
      const nowMs: number = o.nowMs ?? retry?.nowMs ?? replayedNow ?? clock();
      replayedNow = null;
      if (o.nowMs === null && retry === null) writeBatchClock(o.outDir, batch + 1, nowMs);
      await refreshRates(rates, nowMs, o);
      if (batch === 0 && !firstBatchUncommitted(o.outDir)) markFirstBatch(o.outDir);
      const from = outputOffsets(files);
      try {
        const result = await runRecoverPipeline({
          input: inbox,
          files,
          config: o.config,
          nowMs,
          rates: rates.table,
          // Held events wait across batches, and the rates may be reloaded meanwhile: their
          // correctable bit must not depend on the table of the batch that validated them.
          exactCorrectable: false,
          progress: false,
          stateId,
          final,
          append: true,
        });
        for (const sink of o.extraSinks) {
          // Up to what the files hold now: the rows an earlier sink refused (sink_rejected dead
          // letters, appended below) go to the later ones too (the dead-letter topic).
          const rejected = await sink.publish(batch + 1, files, from, outputOffsets(files));
          if (rejected.length > 0) {
            fs.appendFileSync(files.deadLetters, rejected.map((d) => JSON.stringify(d) + "\n").join(""));
            // On disk before the commit that counts them, like the pipeline's own lines: else a
            // power loss after the commit leaves the file shorter than the committed offset.
            syncFile(files.deadLetters);
            // Said even with --quiet: these rows will not be in the sink (a table whose schema
            // differs from the one expected refuses every row, and the run still exits 0).
            const first = rejected[0].issues[0];
            process.stderr.write(`[stream] ${sink.name} refused ${rejected.length} row${rejected.length === 1 ? "" : "s"} of batch ${batch + 1}, kept as sink_rejected dead letters in dead_letter.jsonl (first: ${first === undefined ? "no reason" : `${first.code}: ${first.message.slice(0, 200)}`})\n`);
          }
          counters.sink_rejected += rejected.length;
        }
        const to = outputOffsets(files);
        await duck?.insertBatch(batch + 1, files, from, to);
        faultPoint("after_output_before_state");
        counters.batches += 1;
        counters.lines += result.stats.lines;
        counters.blank_lines += result.stats.blank_lines;
        counters.chain_key_missing += result.stats.chain_key_missing;
        counters.business_key_missing += result.stats.business_key_missing;
        counters.events += result.events;
        counters.dead_letters += result.deadLetters;
        for (const [code, n] of Object.entries(result.stats.dead_letters_by_code)) counters.dead_letters_by_code[code] = (counters.dead_letters_by_code[code] ?? 0) + n;
        counters.redelivered += result.stats.redelivered + repeats.length;
        counters.lines += repeats.length;
        for (const [k, v] of Object.entries(result.kinds)) counters.flags_by_kind[k] = (counters.flags_by_kind[k] ?? 0) + v;
        if (result.stats.event_types_seen === null) eventTypesSeen = null;
        else for (const t of result.stats.event_types_seen) eventTypesSeen = noteEventType(eventTypesSeen, t);
        rememberMessages(committedMessages, messages, o.config.dedup_horizon_ms);
        const ds = detectorState(stateId);
        const next: Checkpoint = { detectors: smallJson(ds), offsets: to, counters: structuredClone(counters), messages: [], input: o.source.mark?.() ?? null };
        const changes = takeChanges(ds);
        changes.set(MESSAGES_TABLE, messageChanges(committedMessages));
        const undo = applyChanges(tables, changes);
        try {
          const time = Number.isFinite(ds.maxEventTime) ? ds.maxEventTime : 0;
          await o.store.commit({ batch: batch + 1, watermark: time, maxEventTime: time, detectors: next, tables }, writeAllTables ? undefined : changes);
        } catch (err) {
          applyChanges(tables, undo);
          writeAllTables = true;
          throw err;
        }
        writeAllTables = false;
        // Only a commit that went through is what a failure rolls back to.
        checkpoint = next;
        batch += 1;
        if (batch === 1) clearFirstBatch(o.outDir);
        if (o.batchLog !== undefined) {
          const ids = messages.map((m) => m.meta?.message_id ?? null);
          fs.appendFileSync(o.batchLog, JSON.stringify({ batch, messages: messages.length, first_line: counters.lines - result.stats.lines + 1, message_ids: ids }) + "\n");
        }
        faultPoint("after_state_before_ack");
        await o.source.ack(delivered);
        if (messages.length > 0) lastCommitAt = Date.now();
      } catch (err) {
        // Back to the last commit (redeliveries acknowledged before the batch stay counted).
        Object.assign(counters, committedCounters(checkpoint));
        committedMessages = committedMessagesOf(tables, checkpoint);
        registerDetectorState(stateId, fromCommitted(checkpoint.detectors, tables));
        truncateOutputs(files, checkpoint.offsets);
        await duck?.rollbackAfter(batch);
        // The store lost this stream's state or another process commits to it: a retry would
        // fail the same way, and going on would count events twice. Stop, unacknowledged.
        if (err instanceof StateContinuityError) {
          await o.source.nack(delivered);
          throw err;
        }
        // Retried in place first: a sink down for a minute must not spend the messages'
        // delivery attempts (5 nacks in 5 s would move a whole batch of good events to the
        // dead-letter topic). After BATCH_RETRIES, nacked: Pub/Sub's policy takes over.
        const failures: number = (retry?.failures ?? 0) + 1;
        const giveUp: boolean = failures > (o.batchRetries ?? BATCH_RETRIES);
        // A file would hand the same lines back at once, for ever (a deleted BigQuery table, a
        // refused schema, a rule that throws): stop, with the committed state intact.
        if (giveUp && o.source.exhausted !== undefined) {
          throw new Error(`batch ${batch + 1} failed ${failures} times, the last: ${(err as Error).message}. A file input has no redelivery policy to set the batch aside, so the stream stops here; the state is committed up to batch ${batch}, and the same command continues from there once the cause is fixed`);
        }
        failed = giveUp ? null : { messages: delivered, failures, nowMs };
        if (giveUp) await o.source.nack(delivered);
        const backoff = o.batchRetryBackoffMs ?? BATCH_RETRY_BACKOFF_MS;
        const wait = Math.min(backoff * 2 ** (failures - 1), BATCH_RETRY_MAX_BACKOFF_MS);
        process.stderr.write(
          `[stream] batch ${batch + 1} failed (${failures} time${failures === 1 ? "" : "s"}), rolled back, ${giveUp ? "nacked" : `retrying in ${wait / 1000} s`}: ${(err as Error).message}\n`,
        );
        await new Promise((r) => setTimeout(r, giveUp ? backoff : wait));
        continue;
      }
      if (o.progress) reportStreamProgress(batch, messages.length, counters, started, detectorState(stateId));
      if (final) {
        stoppedBy = ended ? "end_of_input" : "idle";
        break;
      }
    }
  } finally {
    duck?.close();
    for (const sink of o.extraSinks) await sink.close();
    await o.source.close();
    await o.store.close();
    fs.rmSync(inbox, { force: true });
  }
  const state = detectorState(stateId);
  const size = stateSize(state);
  let held = 0;
  for (const source of state.sources.values()) held += source.held.length;
  // Counted in the state: the chain stage judges only the chains a batch ticked or fed.
  const pending = pendingDeadlines(state, o.config.chains);
  dropDetectorState(stateId);
  const timing = {
    seconds: (Date.now() - started) / 1000,
    active_seconds: firstMessageAt === null || lastCommitAt === null ? 0 : (lastCommitAt - firstMessageAt) / 1000,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  const unseen = unseenEventTypes(o.config, eventTypesSeen);
  const deadNotice = deadLetterNotice(counters.dead_letters_by_code, counters.lines - counters.blank_lines - counters.redelivered, o.config, o.nowMs ?? clock());
  if (deadNotice !== null && o.progress) process.stderr.write(`[stream] ${deadNotice}\n`);
  if (unseen.length > 0 && o.progress) process.stderr.write(`[stream] ${unseenEventTypesNotice(unseen)}\n`);
  return { ...summarize(counters, size, pending, held, stoppedBy), input_skipped_lines: resumed?.skipped ?? null, currency_revalidation: ratesCoverage(rates.table), unseen_event_types: unseen, ...timing };
}

/** Reloads the rates when processing time has reached a later UTC date (see `StreamOptions.reloadRates`). */
async function refreshRates(rates: { table: RateTable | null; day: string; retryAt: number }, nowMs: number, o: StreamOptions<BatchMessage>): Promise<void> {
  const day = utcDateOf(nowMs);
  if (o.reloadRates === undefined || rates.table === null || day <= rates.day || nowMs < rates.retryAt) return;
  try {
    rates.table = await o.reloadRates(nowMs);
    rates.day = day;
    if (o.progress) process.stderr.write(`[stream] exchange rates reloaded for processing date ${day}\n`);
  } catch (err) {
    rates.retryAt = nowMs + RATES_RETRY_MS;
    process.stderr.write(`[stream] reloading exchange rates for ${day} failed, keeping the table of ${rates.day} (next try in ${RATES_RETRY_MS / 60_000} min): ${(err as Error).message}\n`);
  }
}

function freshCheckpoint(): Checkpoint {
  const detectors = smallJson(emptyDetectorState());
  return {
    detectors,
    offsets: { events: 0, flags: 0, deadLetters: 0 },
    counters: { batches: 0, lines: 0, blank_lines: 0, events: 0, dead_letters: 0, dead_letters_by_code: {}, redelivered: 0, sink_rejected: 0, flags_by_kind: {}, chain_key_missing: 0, business_key_missing: 0 },
    messages: [],
  };
}

/**
 * The committed message ids: the table's, and those a checkpoint of the earlier form holds
 * (recorded as changes, so the next commit writes them to the table).
 */
function committedMessagesOf(tables: TableTexts, checkpoint: Checkpoint): TrackedMap<string, number> {
  const ids = new TrackedMap<string, number>();
  // In publish-time order, as `rememberMessages` expects (a store may list them in any order).
  const committed = [...(tables.get(MESSAGES_TABLE) ?? [])].map(([id, text]): [string, number] => [id, Number(text)]);
  committed.sort((a, b) => a[1] - b[1]);
  for (const [id, time] of committed) ids.set(id, time);
  ids.takeChanged();
  for (const [id, time] of checkpoint.messages) ids.set(id, time);
  return ids;
}

/**
 * `batch` split into the first delivery of each message (and every message without an id) and
 * the deliveries of an id already delivered earlier in it (Pub/Sub can repeat one within a pull).
 */
function splitRepeats<M extends BatchMessage>(batch: M[]): { messages: M[]; repeats: M[] } {
  const seen = new Set<string>();
  const messages: M[] = [];
  const repeats: M[] = [];
  for (const m of batch) {
    const id = m.meta?.message_id;
    if (id != null && seen.has(id)) repeats.push(m);
    else {
      if (id != null) seen.add(id);
      messages.push(m);
    }
  }
  return repeats.length === 0 ? { messages: batch, repeats } : { messages, repeats };
}

/** The ids added or forgotten since the last call, as table changes (text: the publish time). */
function messageChanges(ids: TrackedMap<string, number>): Map<string, string | null> {
  const changes = new Map<string, string | null>();
  for (const id of ids.takeChanged()) {
    const time = ids.get(id);
    changes.set(id, time === undefined ? null : String(time));
  }
  return changes;
}

/**
 * Adds a batch's message ids; forgets those published more than the horizon before the newest.
 * The map is in insertion order, which follows publish time but for the stragglers of a
 * redelivery, so the scan stops at the first id young enough: a batch costs what it adds and
 * evicts, not the size of the map (an out-of-order id is forgotten a little later).
 */
function rememberMessages(
  seen: Map<string, number>,
  batch: ReadonlyArray<{ readonly meta?: { readonly message_id: string | null; readonly publish_time: string | null } }>,
  horizonMs: number,
): void {
  let newest = -Infinity;
  for (const m of batch) {
    if (m.meta?.message_id == null) continue;
    const published = m.meta.publish_time === null ? NaN : Date.parse(m.meta.publish_time);
    const t = Number.isFinite(published) ? published : Date.now();
    seen.set(m.meta.message_id, t);
    if (t > newest) newest = t;
  }
  if (!Number.isFinite(newest)) return;
  for (const [id, t] of seen) {
    if (t >= newest - horizonMs) break;
    seen.delete(id);
  }
}

function outputOffsets(files: RecoverFiles): OutputOffsets {
  const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  return { events: size(files.events), flags: size(files.flags), deadLetters: size(files.deadLetters) };
}

/** Cuts each output back to its committed size (dropping what an interrupted batch wrote). */
function truncateOutputs(files: RecoverFiles, offsets: OutputOffsets): void {
  const cut = (file: string, size: number) => {
    if (!fs.existsSync(file)) fs.writeFileSync(file, "");
    if (fs.statSync(file).size !== size) fs.truncateSync(file, size);
  };
  cut(files.events, offsets.events);
  cut(files.flags, offsets.flags);
  cut(files.deadLetters, offsets.deadLetters);
}

/** A copy of the checkpoint's counters; counts a state committed before them lacks start at 0. */
function committedCounters(checkpoint: Checkpoint): StreamCounters {
  const c: Partial<StreamCounters> = structuredClone(checkpoint.counters);
  return { ...c, chain_key_missing: c.chain_key_missing ?? 0, business_key_missing: c.business_key_missing ?? 0, dead_letters_by_code: c.dead_letters_by_code ?? {} } as StreamCounters;
}

function summarize(
  c: StreamCounters,
  stateEntries: number,
  pending: number,
  held: number,
  stoppedBy: StreamSummary["stopped_by"],
): Omit<StreamSummary, "seconds" | "active_seconds" | "peak_rss_mb" | "currency_revalidation" | "unseen_event_types" | "input_skipped_lines"> {
  const dup = c.flags_by_kind["duplicate"] ?? 0;
  const near = c.flags_by_kind["near_duplicate"] ?? 0;
  const accounted = c.events + held + dup + near + c.dead_letters + c.blank_lines + c.redelivered;
  return {
    ...c,
    dead_letters_by_code: sortedByKey(c.dead_letters_by_code),
    flags_by_kind: sortedByKey(c.flags_by_kind),
    state_entries: stateEntries,
    pending_deadlines: pending,
    held,
    stopped_by: stoppedBy,
    conservation: {
      holds: accounted === c.lines,
      equation: `${c.lines} messages = ${c.events} events + ${held} held + ${dup} duplicates + ${near} near-duplicates + ${c.dead_letters} dead letters + ${c.blank_lines} blank + ${c.redelivered} redelivered`,
    },
  };
}

function reportStreamProgress(batch: number, size: number, c: StreamCounters, started: number, state: DetectorState): void {
  const secs = (Date.now() - started) / 1000;
  const lag = state.maxEventTime > NO_WATERMARK ? Math.round((Date.now() - state.maxEventTime) / 1000) : 0;
  process.stderr.write(
    `[stream] batch ${batch}: ${size} messages, ${c.lines} total, ${Math.round(c.lines / Math.max(secs, 0.001))}/s, event-time lag ${lag} s, state ${stateSize(state)} entries, rss ${Math.round(process.memoryUsage().rss / 1048576)} MB\n`,
  );
}
