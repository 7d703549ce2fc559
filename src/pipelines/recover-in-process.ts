import type { RecoveryConfig } from "../config";
import { keyPaths } from "../config";
import type { RateTable } from "../corrections/rate-table";
import type { DeadLetter, ReceivedEvent } from "../event";
import type { Finding } from "../flag";
import { byArrival } from "../order";
import { readFileLines } from "../sources/jsonl-file";
import { NO_WATERMARK } from "../sources/read-validated";
import { chainStepsOf, checkChainBatch } from "../transforms/check-dependency-chains";
import { correctKeptEvent } from "../transforms/correct-events";
import { businessKey, judgeBusinessKey } from "../transforms/enforce-unique-business-keys";
import { recoverSourceBatch } from "../transforms/recover-source-stream";
import { countIntervals } from "../anomalies/interval-counts";
import { addCount, createAnomalyState } from "../anomalies/state";
import { judgeComplete } from "../anomalies/judge";
import { validateLine } from "../validate";

export interface InProcessResult {
  readonly lines: number;
  readonly blankLines: number;
  readonly kept: ReceivedEvent[];
  readonly findings: Finding[];
  readonly deadLetters: DeadLetter[];
  readonly pendingDeadlines: number;
}

/**
 * The bounded pipeline's rules in plain Node, without Beam: the same cores in the same order
 * (validate -> per source -> corrections -> chains, business keys, anomalies), grouped with
 * Maps instead of shuffles. It is the benchmark's "cores alone" figure and a reference the
 * Beam pipeline's outputs are tested against; it keeps everything in memory. Findings are
 * appended one by one: `push(...list)` passes each as an argument and overflows the stack
 * from about 120,000 (200,000 events of one source reusing one number threw).
 */
export function recoverInProcess(input: string, config: RecoveryConfig, nowMs: number, rates: RateTable | null): InProcessResult {
  const ctx = { config, nowMs, keyPaths: keyPaths(config), rates };
  const bySource = new Map<string, ReceivedEvent[]>();
  const deadLetters: DeadLetter[] = [];
  let lines = 0;
  let blankLines = 0;
  let watermark = NO_WATERMARK;
  for (const { line, bytes } of readFileLines(input)) {
    lines += 1;
    const v = validateLine(bytes, line, ctx);
    if (v.kind === "blank") blankLines += 1;
    else if (v.kind === "dead_letter") deadLetters.push(v.deadLetter);
    else {
      if (v.event.event_time > watermark) watermark = v.event.event_time;
      const list = bySource.get(v.event.source);
      if (list === undefined) bySource.set(v.event.source, [v.event]);
      else list.push(v.event);
    }
  }
  const findings: Finding[] = [];
  const kept: ReceivedEvent[] = [];
  const anomalies = createAnomalyState(config.anomalies);
  for (const [source, events] of bySource) {
    const out = recoverSourceBatch(source, events.sort(byArrival), watermark, config);
    for (const f of out.findings) findings.push(f);
    for (const c of countIntervals(source, out.kept, config.anomalies.interval_ms).counts) addCount(anomalies, source, c.event_type, c.start, c.n);
    for (const e of out.kept) {
      const corrected = correctKeptEvent(e, rates, config);
      for (const f of corrected.findings) findings.push(f);
      kept.push(corrected.event);
    }
  }
  let pendingDeadlines = 0;
  const byChainKey = config.chains.map(() => new Map<string, ReceivedEvent[]>());
  for (const e of kept) {
    for (const { index, key } of chainStepsOf(config.chains, e.event_type) ?? []) {
      const value = e.keys[key];
      if (value === null || value === undefined) continue;
      const list = byChainKey[index].get(value);
      if (list === undefined) byChainKey[index].set(value, [e]);
      else list.push(e);
    }
  }
  byChainKey.forEach((byKey, index) => {
    for (const [key, events] of byKey) {
      const r = checkChainBatch(config.chains[index], key, events, watermark);
      for (const f of r.findings) findings.push(f);
      pendingDeadlines += r.pending;
    }
  });
  for (const rule of config.uniqueness) {
    const byKey = new Map<string, ReceivedEvent[]>();
    for (const e of kept) {
      const key = businessKey(rule, e);
      if (key === null) continue;
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [e]);
      else list.push(e);
    }
    for (const [key, events] of byKey) for (const f of judgeBusinessKey({ first: null }, rule, key, events)) findings.push(f);
  }
  for (const f of judgeComplete(anomalies, watermark).findings) findings.push(f);
  return { lines, blankLines, kept, findings, deadLetters, pendingDeadlines };
}
