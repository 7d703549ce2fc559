import * as fs from "fs";
import * as path from "path";

/** The file in a stream's output directory that holds the processing time of the batch in hand. */
export const BATCH_CLOCK_FILE = ".batch-clock.json";

/**
 * Without `--now`, a stream's processing time is the wall clock at each batch, and validation
 * judges `timestamp_future` / `timestamp_stale` against it. A batch that fails after its rows
 * reached BigQuery or a topic (at least once, before the state commit) is processed again: in
 * place after a retry wait, or by the next process after a crash. Judged at a later clock, an
 * event near either limit could change sides, and the exactly-once views would then hold a row
 * the JSON-lines outputs do not. So the batch's processing time is written here (fsync'd)
 * before anything leaves the process, and a replay of the same batch number reuses it. Written
 * in place: a write torn by a crash reads as none, and a crash then came before any of the
 * batch's rows left, so any clock will do for its replay.
 */
export function writeBatchClock(outDir: string, batch: number, nowMs: number): void {
  const fd = fs.openSync(path.join(outDir, BATCH_CLOCK_FILE), "w");
  try {
    fs.writeSync(fd, JSON.stringify({ batch, now_ms: nowMs }) + "\n");
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The processing time written for `batch` (see writeBatchClock); null when none was, or it is unreadable. */
export function readBatchClock(outDir: string, batch: number): number | null {
  try {
    const saved = JSON.parse(fs.readFileSync(path.join(outDir, BATCH_CLOCK_FILE), "utf8")) as { batch?: unknown; now_ms?: unknown };
    return saved.batch === batch && typeof saved.now_ms === "number" && Number.isFinite(saved.now_ms) ? saved.now_ms : null;
  } catch {
    return null;
  }
}
