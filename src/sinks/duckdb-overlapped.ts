import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import type { RecoveryConfig } from "../config";
import type { ReceivedEvent } from "../event";
import type { RecoverFiles } from "../pipelines/recover";
import { onValidRanges } from "../sources/valid-event-ranges";
import type { EndOfRun } from "./duckdb-load-worker";
import { onEventsWritten } from "./sink-stages";

/** A DuckDB load running beside the pipeline (see `startDuckDbLoad`). */
export interface OverlappedDuckDbLoad {
  /**
   * Call once every output file is closed: resolves when the three tables are loaded, with null,
   * or with why the overlapped load failed and the complete files were loaded instead.
   */
  finish(): Promise<string | null>;
  /** Stops the worker without finishing (the pipeline failed). */
  abort(): Promise<void>;
}

/**
 * Loads a bounded run's outputs into DuckDB (the same tables as `loadDuckDb`) while the
 * pipeline runs, on the core the single-threaded pipeline leaves idle.
 *
 * A bounded run releases its kept events only at its end, so `events.jsonl` is written in the
 * last seconds. The load does not wait for it: the read stage reports where each valid event
 * lies in the input (valid-event-ranges.ts) and a worker thread appends those bytes, which are
 * what `raw` holds, to the `events` table in arrival order. At the end it is told which of
 * them to drop: events not kept, and events marked `correctable` (the correction stage may
 * have rewritten them), which it appends again as written. The worker then checks that the
 * input has not changed since the run started (size and modification time) and the table (the
 * content of each row it deletes, then rows and payload bytes against `events.jsonl`); if
 * that or anything else fails, `finish`
 * loads the complete files with `loadDuckDb`, so the tables are the same either way.
 *
 * @example
 * const load = startDuckDbLoad(db, input, files, config);
 * // ... run the pipeline over `input`, close the files ...
 * await load.finish();
 */
export function startDuckDbLoad(dbPath: string, input: string, files: RecoverFiles, config: RecoveryConfig): OverlappedDuckDbLoad {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "recover-duckdb-"));
  const { size, mtimeMs } = fs.statSync(input);
  const worker = new Worker(path.join(__dirname, "duckdb-load-worker.js"), { workerData: { tmp, dbPath, input, inputAtStart: { size, mtimeMs }, files, config } });
  const kept = new GrowingInts();
  const rewritable: string[] = [];
  let error: string | null = null;
  let settle: ((ok: boolean) => void) | null = null;
  let outcome: boolean | null = null;
  const finished = (ok: boolean) => {
    if (outcome !== null) return;
    outcome = ok;
    if (settle !== null) settle(ok);
  };
  worker.on("message", (m: { type: string; message?: string }) => {
    if (m.type === "done") finished(true);
    if (m.type === "error") {
      error = m.message ?? "unknown error";
      finished(false);
    }
  });
  worker.on("error", (err) => {
    error = err.message;
    finished(false);
  });
  worker.on("exit", () => finished(false));
  onValidRanges(input, {
    batch(triples, count) {
      if (outcome === null) worker.postMessage({ type: "ranges", triples: triples.subarray(0, 3 * count) }, [triples.buffer as ArrayBuffer]);
    },
    done() {
      if (outcome === null) worker.postMessage({ type: "ranges_done" });
    },
  });
  onEventsWritten(files.events, (events: ReadonlyArray<ReceivedEvent>) => {
    for (const e of events) {
      if (e.correctable) rewritable.push(e.raw);
      else kept.push(e.line);
    }
  });
  const unhook = () => {
    onValidRanges(input, null);
    onEventsWritten(files.events, null);
  };
  const stop = async () => {
    unhook();
    await worker.terminate();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  return {
    async finish() {
      unhook();
      if (outcome === null) {
        const end = endOfRun(tmp, files.events, kept, rewritable);
        worker.postMessage({ type: "end", end }, [end.kept.buffer as ArrayBuffer]);
      }
      const ok = outcome ?? (await new Promise<boolean>((resolve) => (settle = resolve)));
      await stop();
      if (!ok) {
        if (process.env.RECOVER_DEBUG) process.stderr.write(`[recover] overlapped DuckDB load failed (${error ?? "worker exited"}); loading again\n`);
        // Loaded here only: the main thread of a run never needs DuckDB otherwise (the worker loads it).
        const { loadDuckDb } = await import("./duckdb-tables.js");
        await loadDuckDb(dbPath, files, config);
        return error ?? "worker exited";
      }
      return null;
    },
    async abort() {
      finished(false);
      await stop();
    },
  };
}

/** The worker's instructions once the run is done: what stays as staged, what comes back. */
function endOfRun(tmp: string, eventsFile: string, kept: GrowingInts, rewritable: string[]): EndOfRun {
  const replacements = path.join(tmp, "replacements.jsonl");
  fs.writeFileSync(replacements, rewritable.map((raw) => raw + "\n").join(""));
  const rows = kept.length + rewritable.length;
  return { kept: kept.values.slice(0, kept.length), replacements, rows, bytes: fs.statSync(eventsFile).size - rows };
}

/** A growing list of int32 (a million lines cost 4 MB, not a million boxed numbers). */
class GrowingInts {
  values: Int32Array = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Int32Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }
}
