/**
 * Counters a bounded run collects from inside its DoFns (the direct runner's `run()` returns
 * no data). Keyed by run id so two runs in one process do not mix.
 */
export interface RunStats {
  lines: number;
  blank_lines: number;
  pending_deadlines: number;
  chain_key_missing: number;
  /** Events of a uniqueness rule's type without one of its key fields: not judged. */
  business_key_missing: number;
  anomaly_intervals_judged: number;
  redelivered: number;
  /** Dead letters written, per `error_code`. */
  dead_letters_by_code: Record<string, number>;
  /** Event types of the valid events read (`noteEventType`); null once too many to track. */
  event_types_seen: Set<string> | null;
  started_ms: number;
  last_progress_ms: number;
  progress: boolean;
  /** Milliseconds spent inside each stage's own code (the rest of a run is Beam and GC). */
  stage_ms: Record<string, number>;
}

const runs = new Map<string, RunStats>();

export function statsFor(runId: string): RunStats {
  let stats = runs.get(runId);
  if (stats === undefined) {
    stats = { lines: 0, blank_lines: 0, pending_deadlines: 0, chain_key_missing: 0, business_key_missing: 0, anomaly_intervals_judged: 0, redelivered: 0, dead_letters_by_code: {}, event_types_seen: new Set(), started_ms: Date.now(), last_progress_ms: Date.now(), progress: false, stage_ms: {} };
    runs.set(runId, stats);
  }
  return stats;
}

export function dropStats(runId: string): void {
  runs.delete(runId);
}

/** Writes a progress line to stderr at most once a second. */
export function reportProgress(runId: string, stage: string, force = false): void {
  const s = statsFor(runId);
  if (!s.progress) return;
  const now = Date.now();
  if (!force && now - s.last_progress_ms < 1000) return;
  s.last_progress_ms = now;
  const secs = (now - s.started_ms) / 1000;
  const rate = secs > 0 ? Math.round(s.lines / secs) : 0;
  process.stderr.write(`[recover] ${stage}: ${s.lines} lines read, ${rate}/s, ${secs.toFixed(1)} s\n`);
}

/** Runs `fn`, adding its wall time to `stage` of the run. */
export function timed<T>(runId: string, stage: string, fn: () => T): T {
  const start = performance.now();
  try {
    return fn();
  } finally {
    const stats = statsFor(runId);
    stats.stage_ms[stage] = (stats.stage_ms[stage] ?? 0) + performance.now() - start;
  }
}
