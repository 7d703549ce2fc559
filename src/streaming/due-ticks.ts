import type { RecoveryConfig } from "../config";
import { awaitsDownstream } from "../transforms/check-dependency-chains";
import type { DetectorState } from "./detector-state";

/** What a batch ticks: the sources and chain keys with something due. */
export interface DueTicks {
  readonly sources: string[];
  readonly chains: string[];
}

/**
 * The ticks of a batch whose watermark is at most `latest` (the largest event time so far):
 * every source and open chain of the state with something due by then (`SourceState.wakeAt`,
 * `ChainState.wakeAt`), in the state's order. A tick of any other one would change no output.
 */
export function dueTicks(state: DetectorState, latest: number): DueTicks {
  const sources: string[] = [];
  for (const [name, source] of state.sources) if (isDue(source.wakeAt, latest)) sources.push(name);
  const chains: string[] = [];
  for (const [key, chain] of state.chains) if (isDue(chain.wakeAt, latest)) chains.push(key);
  return { sources, chains };
}

/** Whether a `wakeAt` is reached by a watermark of at most `latest`; none (a state from before 2026-11-27) always is. */
function isDue(wakeAt: number | undefined, latest: number): boolean {
  return (wakeAt ?? -Infinity) <= latest;
}

/**
 * Open chains whose next step's deadline the watermark has not passed, after a batch: what the
 * judgements of every chain at the batch's watermark would count as pending. A chain judged in
 * the batch and still awaiting its next step is pending (one whose deadline passed was flagged
 * and no longer awaits it); one not ticked awaits a deadline beyond its `wakeAt`.
 */
export function pendingDeadlines(state: DetectorState, chains: RecoveryConfig["chains"]): number {
  let n = 0;
  for (const [key, chain] of state.chains) if (awaitsDownstream(chain, chains[(JSON.parse(key) as [number, string])[0]])) n += 1;
  return n;
}
