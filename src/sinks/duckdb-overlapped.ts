import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import type { RecoveryConfig } from "../config";
import type { RecoverFiles } from "../pipelines/recover";

/** A DuckDB load running beside the pipeline (see `startDuckDbLoad`). */
export interface OverlappedDuckDbLoad {
  /** The events file now holds `bytes` bytes of whole lines (called by the JSON-lines writer). */
  flushed(bytes: number): void;
  /** Call once every output file is closed: resolves when the three tables are loaded. */
  finish(): Promise<void>;
  /** Stops the worker without finishing (the pipeline failed). */
  abort(): Promise<void>;
}

/**
 * Loads a bounded run's outputs into DuckDB (the same tables as `loadDuckDb`) while the
 * pipeline runs: a worker thread appends `events.jsonl` to the `events` table in pieces of
 * whole lines as the writer flushes them, and the rest and the flags and dead letters once the
 * files are closed (then on every core, without keeping the file's row order). DuckDB works on
 * the core the single-threaded pipeline leaves idle. If the worker fails, `finish` falls back to
 * `loadDuckDb` over the complete files, so the tables are the same either way.
 *
 * @example
 * const load = startDuckDbLoad(db, files, config);
 * writer.onFlushed(files.events, load.flushed);
 * // ... run the pipeline, close the files ...
 * await load.finish();
 */
export function startDuckDbLoad(dbPath: string, files: RecoverFiles, config: RecoveryConfig): OverlappedDuckDbLoad {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "recover-duckdb-"));
  const worker = new Worker(path.join(__dirname, "duckdb-load-worker.js"), { workerData: { tmp, dbPath, files, config } });
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
  return {
    flushed(bytes: number) {
      if (outcome === null) worker.postMessage({ type: "flushed", bytes });
    },
    async finish() {
      if (outcome === null) worker.postMessage({ type: "end" });
      const ok = outcome ?? (await new Promise<boolean>((resolve) => (settle = resolve)));
      await worker.terminate();
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!ok) {
        if (process.env.RECOVER_DEBUG) process.stderr.write(`[recover] overlapped DuckDB load failed (${error ?? "worker exited"}); loading again\n`);
        // Loaded here only: the main thread of a run never needs DuckDB otherwise (the worker loads it).
        const { loadDuckDb } = await import("./duckdb-tables.js");
        await loadDuckDb(dbPath, files, config);
      }
    },
    async abort() {
      finished(false);
      await worker.terminate();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
