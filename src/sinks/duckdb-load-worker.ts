/**
 * Worker thread of `startDuckDbLoad` (duckdb-overlapped.ts): loads `events.jsonl` into DuckDB
 * piece by piece while the pipeline is still writing it, then the flags and dead letters.
 *
 * Messages in: `{type: "flushed", bytes}` (the events file holds `bytes` bytes of whole lines),
 * `{type: "end"}` (every output file is closed). Out: `{type: "done"}` or `{type: "error", message}`.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parentPort, workerData } from "worker_threads";
import type { RecoveryConfig } from "../config";
import type { RecoverFiles } from "../pipelines/recover";
import { createEventsTable, insertEvents, loadFlagsAndDeadLetters } from "./duckdb-tables";

/**
 * DuckDB's memory limit for the load. Loading 1M events (283 MB) on one thread here: 350 MB
 * peak RSS and 90k page faults with it, 620 MB and 145k without (4.2-4.3 s against 4.7-4.9 s).
 */
export const LOAD_MEMORY_LIMIT = "256MB";

/** Bytes of `events.jsonl` collected before one INSERT. */
const PIECE_BYTES = 32 << 20;

interface Job {
  /** A directory of the caller's for the pieces (it removes it). */
  readonly tmp: string;
  readonly dbPath: string;
  readonly files: RecoverFiles;
  readonly config: RecoveryConfig;
}

async function main(port: NonNullable<typeof parentPort>, job: Job): Promise<void> {
  const instance = await DuckDBInstance.create(job.dbPath);
  const db = await instance.connect();
  const tmp = job.tmp;
  let flushed = 0;
  let loaded = 0;
  let ended = false;
  let busy = false;
  let failed = false;
  // Messages may arrive before the table exists: nothing runs on the connection until it does.
  let ready = false;
  const fail = (err: unknown) => {
    failed = true;
    port.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
  };
  const close = () => {
    db.closeSync();
    instance.closeSync();
  };
  const pump = async (): Promise<void> => {
    if (!ready || busy || failed) return;
    busy = true;
    try {
      // Once the pipeline is done, DuckDB may use every core for the rest, inserting in
      // parallel (row order then need not follow the file: tables are read with ORDER BY).
      if (ended) {
        await db.run(`SET threads = ${Math.max(1, os.availableParallelism())}`);
        await db.run("SET preserve_insertion_order = false");
      }
      while (flushed - loaded >= PIECE_BYTES || (ended && flushed > loaded)) {
        const upTo = flushed;
        const piece = path.join(tmp, "events-piece.jsonl");
        copyRange(job.files.events, loaded, upTo, piece);
        await insertEvents(db, piece, job.config);
        loaded = upTo;
        fs.rmSync(piece, { force: true });
      }
      if (ended) {
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
  port.on("message", (m: { type: string; bytes?: number }) => {
    if (m.type === "flushed") flushed = m.bytes ?? flushed;
    if (m.type === "end") ended = true;
    void pump();
  });
  try {
    // One DuckDB thread while the pipeline runs: the pipeline's own thread keeps the other core.
    await db.run("SET threads = 1");
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

function copyRange(file: string, from: number, to: number, out: string): void {
  const buf = Buffer.allocUnsafe(to - from);
  const fd = fs.openSync(file, "r");
  try {
    let done = 0;
    while (done < buf.length) {
      const n = fs.readSync(fd, buf, done, buf.length - done, from + done);
      if (n === 0) throw new Error(`events file shorter than ${to} bytes`);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.writeFileSync(out, buf);
}

if (parentPort !== null) {
  const port = parentPort;
  main(port, workerData as Job).catch((err: unknown) => port.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) }));
}
