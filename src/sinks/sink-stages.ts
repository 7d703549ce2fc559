/** DoFn bodies that write the three outputs as JSON lines (see jsonl-writer). */
import type { DeadLetter, ReceivedEvent } from "../event";
import { stamp, type Finding } from "../flag";
import { appendLine } from "./jsonl-writer";
import { statsFor, timed } from "../pipelines/run-stats";
import { countDeadLetter } from "../dead-letter-share";

const kinds = new Map<string, Record<string, number>>();

export function* writeEvent(path: string, event: ReceivedEvent, runId: string): Generator<never> {
  timed(runId, "sinks", () => appendLine(path, event.raw));
}

/** Per events path: told of every batch of events written there (see `onEventsWritten`). */
const writtenListeners = new Map<string, (events: ReadonlyArray<ReceivedEvent>) => void>();

/** Calls `listener` with every batch `writeEvents` writes to `path`, after writing it; null removes it. */
export function onEventsWritten(path: string, listener: ((events: ReadonlyArray<ReceivedEvent>) => void) | null): void {
  if (listener === null) writtenListeners.delete(path);
  else writtenListeners.set(path, listener);
}

/** Writes a batch of kept events, in order. */
export function* writeEvents(path: string, events: ReceivedEvent[], runId: string): Generator<never> {
  timed(runId, "sinks", () => {
    for (const e of events) appendLine(path, e.raw);
    writtenListeners.get(path)?.(events);
  });
}

export function* writeFinding(path: string, f: Finding, detectedAt: string, runId: string): Generator<never> {
  timed(runId, "sinks", () => appendLine(path, JSON.stringify(stamp(f, detectedAt))));
  const counts = kinds.get(runId) ?? {};
  counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  kinds.set(runId, counts);
}

export function* writeDeadLetter(path: string, d: DeadLetter, runId: string): Generator<never> {
  timed(runId, "sinks", () => appendLine(path, JSON.stringify(d)));
  countDeadLetter(statsFor(runId).dead_letters_by_code, d.error_code);
}

export function kindCounts(runId: string): Record<string, number> {
  return { ...(kinds.get(runId) ?? {}) };
}

export function dropKindCounts(runId: string): void {
  kinds.delete(runId);
}
