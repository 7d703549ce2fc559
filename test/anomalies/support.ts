/** Helpers shared by the anomaly tests: feed synthetic traffic into a state and key findings. */
import { addCount, createAnomalyState, type AnomalyConfig, type AnomalyState } from "../../src/anomalies";
import type { Finding } from "../../src/flag";
import type { SyntheticTraffic } from "../../src/generate/silent-losses";

/** A state holding all rows of `traffic` (bulk counting API). */
export function stateFromRows(config: AnomalyConfig, traffic: SyntheticTraffic): AnomalyState {
  const state = createAnomalyState(config);
  for (const r of traffic.rows) addCount(state, r.source, r.event_type, r.interval_start, r.count);
  return state;
}

/** `series@interval_start` of a finding. */
export function findingKey(f: Finding): string {
  return `${String(f.detail.series)}@${String(f.detail.interval_start)}`;
}

/** `series@ISO hour` for hour index `hour` of `traffic`. */
export function hourKey(traffic: SyntheticTraffic, series: string, hour: number): string {
  return `${series}@${new Date(traffic.start + hour * 3_600_000).toISOString()}`;
}
