import type { Validated, ValidationContext } from "../validate";
import { validateLine } from "../validate";
import { reportProgress, statsFor, timed } from "../pipelines/run-stats";
import { readFileLines } from "./jsonl-file";
import type { DeadLetter, ReceivedEvent } from "../event";

/** What the read stage emits, tagged for `beam.split`. */
export type ReadOutput = { event: ReceivedEvent } | { dead_letter: DeadLetter } | { watermark: number };

/** Returned as the watermark of an input with no valid event (no rule will look at it). */
export const NO_WATERMARK = -8.64e15;

/**
 * Reads a JSON-lines file inside a DoFn and validates every line. Blank lines are counted
 * (run stats) and skipped; everything else becomes an event or a dead letter. Last, it emits
 * the input's event-time watermark: the largest valid event time (a bounded input's final
 * watermark).
 */
export function* readValidated(path: string, ctx: ValidationContext, runId: string): Generator<ReadOutput> {
  const stats = statsFor(runId);
  let watermark = NO_WATERMARK;
  for (const { line, bytes } of readFileLines(path)) {
    stats.lines += 1;
    if ((stats.lines & 0xffff) === 0) reportProgress(runId, "read");
    const v: Validated = timed(runId, "validate", () => validateLine(bytes, line, ctx));
    if (v.kind === "blank") stats.blank_lines += 1;
    else if (v.kind === "dead_letter") yield { dead_letter: v.deadLetter };
    else {
      if (v.event.event_time > watermark) watermark = v.event.event_time;
      yield { event: v.event };
    }
  }
  yield { watermark };
}
