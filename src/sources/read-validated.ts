import type { Validated, ValidationContext } from "../validate";
import { bodyEnd, bodyStart, validateLine } from "../validate";
import { noteEventType } from "../config-coverage";
import { reportProgress, statsFor } from "../pipelines/run-stats";
import { detectorState } from "../streaming/detector-state";
import { readFileLines } from "./jsonl-file";
import { ValidRangeRecorder } from "./valid-event-ranges";
import type { DeadLetter, ReceivedEvent } from "../event";
import { EVENT_BATCH_SIZE, type SourceBatch } from "../transforms/beam-stages";
import { dueTicks } from "../streaming/due-ticks";

/** What the read stage emits, tagged for `beam.split`. */
export type ReadOutput =
  | { events: SourceBatch }
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
 * letter; valid events leave in batches of one source (`EVENT_BATCH_SIZE`, arrival order
 * within a batch). Then it emits the largest valid event time of this input, a tick for every
 * source and open chain the detector state holds that has something due by then
 * (`SourceState.wakeAt`, `ChainState.wakeAt`), so their clocks run even without events.
 * A listener registered for `path` (valid-event-ranges.ts) learns where each valid event lies.
 */
export function* readValidated(path: string, ctx: ValidationContext, runId: string, stateId: string): Generator<ReadOutput> {
  const stats = statsFor(runId);
  const state = detectorState(stateId);
  const offset = state.lines;
  const pending = new Map<string, ReceivedEvent[]>();
  let watermark = NO_WATERMARK;
  let n = 0;
  let validateMs = 0;
  const ranges = ValidRangeRecorder.forInput(path);
  for (const { line, bytes, offset: at } of readFileLines(path)) {
    n = line;
    stats.lines += 1;
    if ((stats.lines & 0xffff) === 0) reportProgress(runId, "read");
    const start = performance.now();
    const v: Validated = validateLine(bytes, offset + line, ctx);
    validateMs += performance.now() - start;
    if (v.kind === "blank") stats.blank_lines += 1;
    else if (v.kind === "dead_letter") yield { dead_letter: v.deadLetter };
    else {
      const e = v.event;
      stats.event_types_seen = noteEventType(stats.event_types_seen, e.event_type);
      if (ranges !== null) {
        const start = bodyStart(bytes);
        ranges.add(e.line, at + start, at + bodyEnd(bytes, start));
      }
      if (e.event_time > watermark) watermark = e.event_time;
      const batch = pending.get(e.source);
      if (batch === undefined) pending.set(e.source, [e]);
      else if (batch.push(e) >= EVENT_BATCH_SIZE) {
        pending.delete(e.source);
        yield { events: { source: e.source, events: batch } };
      }
    }
  }
  stats.stage_ms["validate"] = (stats.stage_ms["validate"] ?? 0) + validateMs;
  ranges?.end();
  for (const [source, events] of pending) yield { events: { source, events } };
  state.lines = offset + n;
  yield { watermark };
  // This batch's clock is at most the largest event time so far.
  const due = dueTicks(state, Math.max(state.maxEventTime, watermark));
  for (const source of due.sources) yield { source_tick: { tick: source } };
  for (const key of due.chains) yield { chain_tick: { tick: key } };
}
