import type { Validated, ValidationContext } from "../validate";
import { validateLine } from "../validate";
import { reportProgress, statsFor, timed } from "../pipelines/run-stats";
import { detectorState } from "../streaming/detector-state";
import { readFileLines } from "./jsonl-file";
import type { DeadLetter, ReceivedEvent } from "../event";

/** What the read stage emits, tagged for `beam.split`. */
export type ReadOutput =
  | { event: ReceivedEvent }
  | { dead_letter: DeadLetter }
  | { watermark: number }
  | { source_tick: { tick: string } }
  | { chain_tick: { tick: string } };

/** Returned as the watermark of an input with no valid event (no rule will look at it). */
export const NO_WATERMARK = -8.64e15;

/**
 * Reads a JSON-lines file inside a DoFn and validates every line, numbering lines after those
 * the detector state has already consumed (so arrival order continues across micro-batches).
 * Blank lines are counted (run stats) and skipped; everything else becomes an event or a dead
 * letter. Then it emits the largest valid event time of this input, and a tick for every
 * source and open chain the detector state holds, so their clocks run even without events.
 */
export function* readValidated(path: string, ctx: ValidationContext, runId: string, stateId: string): Generator<ReadOutput> {
  const stats = statsFor(runId);
  const state = detectorState(stateId);
  const offset = state.lines;
  let watermark = NO_WATERMARK;
  let n = 0;
  for (const { line, bytes } of readFileLines(path)) {
    n = line;
    stats.lines += 1;
    if ((stats.lines & 0xffff) === 0) reportProgress(runId, "read");
    const v: Validated = timed(runId, "validate", () => validateLine(bytes, offset + line, ctx));
    if (v.kind === "blank") stats.blank_lines += 1;
    else if (v.kind === "dead_letter") yield { dead_letter: v.deadLetter };
    else {
      if (v.event.event_time > watermark) watermark = v.event.event_time;
      yield { event: v.event };
    }
  }
  state.lines = offset + n;
  yield { watermark };
  for (const source of state.sources.keys()) yield { source_tick: { tick: source } };
  for (const key of state.chains.keys()) yield { chain_tick: { tick: key } };
}
