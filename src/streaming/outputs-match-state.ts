import * as fs from "fs";
import * as path from "path";
import type { RecoverFiles } from "../pipelines/recover";
import { StateContinuityError } from "../state/state-store";
import type { OutputOffsets } from "../sinks/duckdb-stream";

/**
 * Checks, before a stream cuts its outputs back to the committed offsets, that the outputs are
 * the ones the committed state describes (`offsets`, or null when the store has no state):
 * - no state, but an output holds lines: the state was lost (a Redis flushed or restarted
 *   without persistence, `--state` pointing elsewhere). Starting afresh would cut lines that
 *   were committed and acknowledged to nothing, and count their events again.
 * - an output shorter than its committed offset (missing: 0 bytes): a new disk under an old
 *   state, or another writer. Cutting "back" would pad the file with NUL bytes.
 * Throws StateContinuityError naming the file; changes nothing.
 */
export function checkOutputsMatchState(files: RecoverFiles, offsets: OutputOffsets | null): void {
  const pairs: Array<[string, number | null]> = [
    [files.events, offsets?.events ?? null],
    [files.flags, offsets?.flags ?? null],
    [files.deadLetters, offsets?.deadLetters ?? null],
  ];
  for (const [file, committed] of pairs) {
    const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
    if (committed === null && size > 0) {
      throw new StateContinuityError(
        `${path.basename(file)} in ${path.dirname(file)} holds ${size} bytes of output but the state store has no state for this stream: ` +
          `the state was lost (a Redis flushed, or restarted without persistence) or --state points elsewhere. Starting afresh would cut that output ` +
          `to nothing and count its events again; give this stream's --state, or move the outputs away to start over`,
      );
    }
    if (committed !== null && size < committed) {
      throw new StateContinuityError(
        `${path.basename(file)} in ${path.dirname(file)} holds ${size} bytes but the committed state says ${committed} were written: ` +
          `these are not the outputs the state was committed with (a new disk under an old state, or another process writing them). ` +
          `Restore the outputs, or move them and the state away to start over`,
      );
    }
  }
}
