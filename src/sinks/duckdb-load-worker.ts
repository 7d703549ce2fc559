/**
 * Worker thread of `startDuckDbLoad` (duckdb-overlapped.ts). While the pipeline runs, it copies
 * the valid events' bytes out of the input file (where the read stage says they are) and
 * appends them to the `events` table piece by piece, in arrival order, on one thread: row k of
 * the table (its `rowid`) is the k-th valid event. Once the pipeline is done it deletes the rows
 * of events that were not kept (copies, near-copies) or were kept in another form (those the
 * correction stage may have rewritten), appends those as written, checks the table (each
 * deleted row's content, then row count and payload bytes against `events.jsonl`) and loads the
 * flags and dead letters.
 *
 * Messages in: `{type: "ranges", triples}` (see valid-event-ranges.ts), `{type: "ranges_done"}`,
 * `{type: "end", end: EndOfRun}`. Out: `{type: "done"}` or `{type: "error", message}`; on an
 * error the caller loads the complete output files instead.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parentPort, workerData } from "worker_threads";
import type { RecoveryConfig } from "../config";
import type { RecoverFiles } from "../pipelines/recover";
import { createEventsTable, insertEvents, loadFlagsAndDeadLetters, sqlString } from "./duckdb-tables";
import { writeAll } from "./jsonl-writer";

/**
 * DuckDB's memory limit for the load. Loading 1M events (283 MB) on one thread here: 350 MB
 * peak RSS and 90k page faults with it, 620 MB and 145k without (4.2-4.3 s against 4.7-4.9 s).
 */
export const LOAD_MEMORY_LIMIT = "256MB";

/** Largest span of the input file read for one piece (one INSERT); a longer single event is read alone. */
const PIECE_BYTES = 32 << 20;

/** What the caller knows once the pipeline is done and the output files are closed. */
export interface EndOfRun {
  /** Lines of the events written as received (the rest of the staged rows go). */
  readonly kept: Int32Array;
  /** JSON lines to append as they were written (events the correction stage may have rewritten). */
  readonly replacements: string;
  /** Rows and payload bytes of `events.jsonl`: the table must end with exactly these. */
  readonly rows: number;
  readonly bytes: number;
}

interface Job {
  /** A directory of the caller's for the pieces (it removes it). */
  readonly tmp: string;
  readonly dbPath: string;
  readonly input: string;
  /** The input's size and modification time when the run started: it must not change before the end. */
  readonly inputAtStart: { readonly size: number; readonly mtimeMs: number };
  readonly files: RecoverFiles;
  readonly config: RecoveryConfig;
}

async function main(port: NonNullable<typeof parentPort>, job: Job): Promise<void> {
  const instance = await DuckDBInstance.create(job.dbPath);
  const db = await instance.connect();
  const input = fs.openSync(job.input, "r");
  /** Triple batches not yet loaded, and the index of the next triple in the first. */
  const queue: Float64Array[] = [];
  /** Every batch received, in order: row k of the table is triple k. */
  const stagedTriples: Float64Array[] = [];
  let head = 0;
  let queuedBytes = 0;
  let rangesDone = false;
  let end: EndOfRun | null = null;
  let staged = 0;
  let busy = false;
  let failed = false;
  // Messages may arrive before the table exists: nothing runs on the connection until it does.
  let ready = false;
  const close = () => {
    fs.closeSync(input);
    db.closeSync();
    instance.closeSync();
  };
  const fail = (err: unknown) => {
    failed = true;
    port.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
  };
  /** The input span of one piece, reused (fresh memory costs page faults here). */
  let span = Buffer.allocUnsafe(0);
  /** Copies the next piece's events from the input into `file`; returns how many. */
  const nextPiece = (file: string): number => {
    const from = queue[0][3 * head + 1];
    // Take triples while the span they cover stays within PIECE_BYTES (at least one).
    const picked: Array<[Float64Array, number, number]> = [];
    let to = from;
    let count = 0;
    while (queue.length > 0) {
      const batch = queue[0];
      let i = head;
      while (i < batch.length / 3 && (count === 0 || batch[3 * i + 2] - from <= PIECE_BYTES)) {
        to = batch[3 * i + 2];
        i++;
        count++;
      }
      picked.push([batch, head, i]);
      if (i < batch.length / 3) {
        head = i;
        break;
      }
      queue.shift();
      head = 0;
    }
    // One byte more than the span: the `\n` after the last event is in the input too (or added).
    if (span.length < to - from + 1) span = Buffer.allocUnsafe(Math.max(to - from + 1, PIECE_BYTES + 1));
    readFully(input, span.subarray(0, to - from), from);
    span[to - from] = 0x0a;
    // Events on consecutive lines are separated by exactly one `\n` in the input: write each
    // such run of lines with one call, newlines included.
    const out = fs.openSync(file, "w");
    try {
      let runStart = -1;
      let runEnd = -1;
      for (const [batch, lo, hi] of picked) {
        for (let i = lo; i < hi; i++) {
          const start = batch[3 * i + 1] - from;
          const stop = batch[3 * i + 2] - from;
          queuedBytes -= stop - start;
          if (runStart >= 0 && start === runEnd + 1 && span[runEnd] === 0x0a) {
            runEnd = stop;
            continue;
          }
          if (runStart >= 0) writeLine(out, span, runStart, runEnd);
          runStart = start;
          runEnd = stop;
        }
      }
      if (runStart >= 0) writeLine(out, span, runStart, runEnd);
    } finally {
      fs.closeSync(out);
    }
    return count;
  };
  const pump = async (): Promise<void> => {
    if (!ready || busy || failed) return;
    busy = true;
    try {
      while (queue.length > 0 && (queuedBytes >= PIECE_BYTES || rangesDone)) {
        const piece = path.join(job.tmp, "events-piece.jsonl");
        const count = nextPiece(piece);
        await insertEvents(db, piece, job.config);
        staged += count;
        fs.rmSync(piece, { force: true });
      }
      if (rangesDone && queue.length === 0 && end !== null) {
        await db.run(`SET threads = ${Math.max(1, os.availableParallelism())}`);
        // Rows were copied from the input after the read stage read it: only the same bytes will do.
        const now = fs.fstatSync(input);
        if (now.size !== job.inputAtStart.size || now.mtimeMs !== job.inputAtStart.mtimeMs) throw new Error("the input changed during the run");
        await settle(db, end, deletionsOf(end.kept, stagedTriples, input, path.join(job.tmp, "deletions.csv")), staged, job.config);
        await loadFlagsAndDeadLetters(db, job.files);
        close();
        port.postMessage({ type: "done" });
      }
    } catch (err) {
      close();
      fail(err);
    } finally {
      busy = false;
    }
  };
  port.on("message", (m: { type: string; triples?: Float64Array; end?: EndOfRun }) => {
    if (m.type === "ranges" && m.triples !== undefined && m.triples.length > 0) {
      queue.push(m.triples);
      stagedTriples.push(m.triples);
      for (let i = 0; i < m.triples.length; i += 3) queuedBytes += m.triples[i + 2] - m.triples[i + 1];
    }
    if (m.type === "ranges_done") rangesDone = true;
    if (m.type === "end" && m.end !== undefined) end = m.end;
    void pump();
  });
  try {
    // One DuckDB thread while the pipeline runs: the pipeline's own thread keeps the other core,
    // and one thread keeps the rows in arrival order (rowid = arrival index).
    await db.run("SET threads = 1");
    await db.run("SET preserve_insertion_order = true");
    // Inserting never needs much memory, but DuckDB keeps written blocks cached up to its limit
    // (80 % of RAM by default): fresh pages the process must fault in (see LOAD_MEMORY_LIMIT).
    await db.run(`SET memory_limit = '${LOAD_MEMORY_LIMIT}'`);
    await createEventsTable(db);
  } catch (err) {
    close();
    fail(err);
    return;
  }
  ready = true;
  void pump();
}

/** The staged rows to delete: their rowids (CSV `file`), the md5 of each one's staged bytes, and byte counts. */
export interface Deletions {
  readonly file: string;
  readonly count: number;
  /** md5 (hex) of the bytes staged for each row to delete, sorted. */
  readonly md5s: string[];
  /** Payload bytes of all staged rows, and of the rows to delete. */
  readonly stagedBytes: number;
  readonly deletedBytes: number;
}

/** The staged rows whose lines are not in `kept` (rowid k is triple k), written to `file`. */
export function deletionsOf(kept: Int32Array, stagedTriples: Float64Array[], input: number, file: string): Deletions {
  let lastLine = 0;
  for (const t of stagedTriples) for (let i = 0; i < t.length; i += 3) if (t[i] > lastLine) lastLine = t[i];
  const keep = new Uint8Array(lastLine + 1);
  for (let i = 0; i < kept.length; i++) if (kept[i] <= lastLine) keep[kept[i]] = 1;
  const rowids: string[] = [];
  const md5s: string[] = [];
  let stagedBytes = 0;
  let deletedBytes = 0;
  let rowid = 0;
  let bytes = Buffer.allocUnsafe(0);
  for (const t of stagedTriples) {
    for (let i = 0; i < t.length; i += 3, rowid++) {
      const length = t[i + 2] - t[i + 1];
      stagedBytes += length;
      if (keep[t[i]] === 1) continue;
      deletedBytes += length;
      if (bytes.length < length) bytes = Buffer.allocUnsafe(Math.max(length, 2 * bytes.length));
      readFully(input, bytes.subarray(0, length), t[i + 1]);
      rowids.push(`${rowid}\n`);
      md5s.push(createHash("md5").update(bytes.subarray(0, length)).digest("hex"));
    }
  }
  fs.writeFileSync(file, rowids.join(""));
  return { file, count: rowids.length, md5s: md5s.sort(), stagedBytes, deletedBytes };
}

/**
 * From the staged rows to the kept events, in one transaction: deletes the rows to delete and
 * requires the rows deleted to hold exactly the bytes staged for them (so rowids and arrival
 * order agree; a copy with the same bytes is as good), appends the replacements, then requires
 * the table to hold `events.jsonl`'s rows and payload bytes. Any mismatch rolls back and throws.
 */
export async function settle(db: DuckDBConnection, end: EndOfRun, deletions: Deletions, staged: number, config: RecoveryConfig): Promise<void> {
  await db.run("BEGIN TRANSACTION");
  try {
    if (deletions.count > 0) {
      await db.run(`CREATE TEMP TABLE deletions AS SELECT * FROM read_csv(${sqlString(deletions.file)}, header = false, columns = {'r': 'BIGINT'})`);
      const deleted = await db.runAndReadAll("DELETE FROM events WHERE rowid IN (SELECT r FROM deletions) RETURNING md5(payload::VARCHAR)");
      // Both sorted: the same multiset of contents exactly when they are equal element by element.
      const md5s = deleted.getRows().map((r) => String(r[0])).sort();
      if (md5s.length !== deletions.count || md5s.some((m, i) => m !== deletions.md5s[i])) {
        throw new Error(`staged rows out of step: the ${deletions.count} rows to delete do not hold their events (${staged} staged)`);
      }
      await db.run("DROP TABLE deletions");
    }
    const replaced = end.rows - end.kept.length;
    if (replaced > 0) await insertEvents(db, end.replacements, config);
    const rows = await scalar(db, "SELECT count(*) FROM events");
    // Payload bytes from what was staged, deleted and appended: no scan of the table.
    const bytes = deletions.stagedBytes - deletions.deletedBytes + fs.statSync(end.replacements).size - replaced;
    if (rows !== end.rows || bytes !== end.bytes) throw new Error(`events table (${rows} rows, ${bytes} bytes) differs from events.jsonl (${end.rows} rows, ${end.bytes} bytes)`);
    await db.run("COMMIT");
  } catch (err) {
    await db.run("ROLLBACK");
    throw err;
  }
}

async function scalar(db: DuckDBConnection, sql: string): Promise<number> {
  const reader = await db.runAndReadAll(sql);
  return Number(reader.getRows()[0][0]);
}

/** Writes `span[start, end)` and a `\n` (the byte at `end` when it is one, else a separate write). */
function writeLine(fd: number, span: Buffer, start: number, end: number): void {
  if (span[end] === 0x0a) writeAll(fd, span.subarray(start, end + 1));
  else {
    writeAll(fd, span.subarray(start, end));
    writeAll(fd, NEWLINE);
  }
}

const NEWLINE = Buffer.from("\n");

function readFully(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = fs.readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) throw new Error(`input shorter than ${position + buf.length} bytes`);
    done += n;
  }
}

if (parentPort !== null) {
  const port = parentPort;
  main(port, workerData as Job).catch((err: unknown) => port.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) }));
}
