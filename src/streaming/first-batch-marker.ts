import * as fs from "fs";
import * as path from "path";

/** The file in a stream's output directory that says its first batch has begun and is not committed. */
export const FIRST_BATCH_FILE = ".first-batch-uncommitted";

/**
 * A stream whose store holds no state refuses to start over outputs that hold lines: the state
 * was lost, and cutting them would count their events again (outputs-match-state.ts). But a
 * crash during the very first batch leaves exactly that picture (lines written, no commit yet),
 * and every restart then refused to run until someone moved the outputs away. So before the
 * first batch writes anything, this marker is written (fsync'd); after the first commit it is
 * removed. A restart that finds no state and the marker knows the lines are that uncommitted
 * batch's and cuts them back, as it would after any later batch.
 *
 * `markFirstBatch(dir)` before the first batch's output; `clearFirstBatch(dir)` after its commit
 * (and at start-up when the store holds a state: a marker left by a crash between the first
 * commit and its removal must not excuse a state lost later).
 */
export function markFirstBatch(outDir: string): void {
  const file = path.join(outDir, FIRST_BATCH_FILE);
  const fd = fs.openSync(file, "w");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const dir = fs.openSync(outDir, "r");
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

export function clearFirstBatch(outDir: string): void {
  fs.rmSync(path.join(outDir, FIRST_BATCH_FILE), { force: true });
}

/** Whether a first batch began in `outDir` and was never committed. */
export function firstBatchUncommitted(outDir: string): boolean {
  return fs.existsSync(path.join(outDir, FIRST_BATCH_FILE));
}
