/**
 * Judges every complete interval not judged yet: intervals [start, start + interval_ms)
 * with start + interval_ms <= watermark. Call it with each new watermark while streaming,
 * or once with the final watermark (the largest event time) of a bounded run: the last,
 * partial interval (its end > the final watermark) is then never judged. Judging the same
 * state at several watermarks gives the same findings as judging once at the last one,
 * provided every event arrived before the watermark passed its interval (later events are
 * still counted for future baselines, but judged intervals are not judged again).
 *
 * An interval is judged only from `origin + warmup_ms` on (warm-up), against the same
 * interval of week in up to `history_weeks` previous weeks that are not before `origin`: the
 * same local time of week in `time_zone` (`sameTimeOfWeek`, season.ts; in UTC, `start - k * WEEK_MS`).
 * Every count series the config selects (per event type, per source and event type) and
 * every configured ratio is judged; series absent in the interval count 0, so a silent
 * source is a drop to 0. Findings: kind `volume_anomaly` / `ratio_anomaly`, action
 * `manual_review`, identity (series, interval_start), so reruns give the same flag ids.
 *
 * `judgeComplete(state, Date.parse("2026-03-16T11:00:00Z"))` -> judges the hours up to the
 * one starting 10:00 and returns `{ findings: [...], judged: <series-intervals judged> }`.
 */
import type { Finding } from "../flag";
import { finding } from "../flag";
import { sameTimeOfWeek, startsOneSeasonLater } from "./season";
import { countAt, prune, type AnomalyState } from "./state";
import { eventTypeSeries, ratioSeries } from "./series";
import { judgeCount } from "./count-verdict";
import { seriesDispersion } from "./dispersion";
import { median } from "./robust";
import { judgeRatio } from "./ratio-verdict";
import type { Verdict } from "./verdict";

/** Kind of a flag about a count series. */
export const VOLUME_ANOMALY = "volume_anomaly";
/** Kind of a flag about a ratio series. */
export const RATIO_ANOMALY = "ratio_anomaly";
/** `detail.method` of volume flags. */
export const VOLUME_METHOD = "weekly_median_mad+conditional_quasi_poisson";
/** `detail.method` of ratio flags. */
export const RATIO_METHOD = "weekly_median_mad+binomial";

export interface JudgeResult {
  /** Anomalies found, in (interval_start, series) order. */
  readonly findings: Finding[];
  /** Series-intervals judged (count and ratio series), the denominator of a false-alarm rate. */
  readonly judged: number;
}

export function judgeComplete(state: AnomalyState, watermark: number): JudgeResult {
  const { config } = state;
  const findings: Finding[] = [];
  if (state.origin === null) return { findings, judged: 0 };
  const last = Math.floor(watermark / config.interval_ms) * config.interval_ms - config.interval_ms;
  const first = state.next ?? state.origin;
  let judged = 0;
  if (first <= last) {
    const { ids, starts } = judgeable(state, first, last);
    for (const start of starts) if (start - state.origin >= config.warmup_ms) judged += judgeInterval(state, start, ids, findings);
    state.next = first + Math.floor((last - first) / config.interval_ms) * config.interval_ms + config.interval_ms;
  }
  prune(state);
  return { findings, judged };
}

/**
 * What a judgement of the intervals [first, last] can judge, read once (counts do not change
 * while `judgeComplete` judges):
 * - `ids`, sorted: the series with a kept count of at least `min_expected` (positive). Any
 *   other's expected count, the median of its history (all of it kept), is below that, and
 *   `judgeCount` would not judge it: with 100,000 sources of one event each, every interval
 *   walked 200,000 series for nothing (`recover run` of 21 days of them: 63.5 s).
 * - `starts`, ascending: the interval starts in [first, last] 1 to `history_weeks` weeks (of
 *   the season: `startsOneSeasonLater`, which may add a few starts next to it across a clock
 *   change) after an interval where some series counted at least `min_expected`. At any other
 *   start every history, of a count or of a ratio's denominator, lies below the minimum in
 *   every week, so its median does too and nothing is judged there: the walk skips stretches
 *   without traffic instead of visiting every interval of the event-time span (an event dated year 1 beside today's was 17 million hours).
 */
function judgeable(state: AnomalyState, first: number, last: number): { ids: string[]; starts: number[] } {
  const { config } = state;
  const ids: string[] = [];
  const busy = new Set<number>();
  for (const [id, byInterval] of state.counts) {
    let reachesMinimum = false;
    for (const [start, n] of byInterval) {
      if (n < config.min_expected) continue;
      reachesMinimum = true;
      busy.add(start);
    }
    if (reachesMinimum) ids.push(id);
  }
  const starts = new Set<number>();
  for (const b of busy) {
    for (let k = 1; k <= config.history_weeks; k++) {
      for (const start of startsOneSeasonLater(b, k, config)) if (start >= first && start <= last) starts.add(start);
    }
  }
  return { ids: ids.sort(), starts: [...starts].sort((a, b) => a - b) };
}

/** Judges the series `ids` (sorted) at one interval; appends findings; returns how many series were judged. */
function judgeInterval(state: AnomalyState, start: number, ids: ReadonlyArray<string>, findings: Finding[]): number {
  const { config } = state;
  const weekStarts: number[] = [];
  for (let k = 1; k <= config.history_weeks; k++) {
    const weekStart = sameTimeOfWeek(start, -k, config);
    if (weekStart < (state.origin ?? start)) break;
    weekStarts.push(weekStart);
  }
  if (weekStarts.length === 0) return 0;
  const end = start + config.interval_ms;
  let judged = 0;
  for (const id of ids) {
    const key = state.series.get(id);
    if (key === undefined || (key.source === null ? !config.by_event_type : !config.by_source)) continue;
    const history = weekStarts.map((w) => countAt(state, id, w));
    const dispersion = seriesDispersion(state, id, start, median(history));
    const v = judgeCount(countAt(state, id, start), history, config.thresholds, config.min_expected, config.direction, dispersion);
    if (!v.judged) continue;
    judged++;
    if (v.anomaly === null) continue;
    findings.push(
      finding({
        kind: VOLUME_ANOMALY,
        action: "manual_review",
        identity: [id, start],
        source: key.source,
        event_type: key.event_type,
        detail: { ...detail(id, start, end, v, VOLUME_METHOD), dispersion: round(dispersion) },
      }),
    );
  }
  for (const ratio of config.ratios) {
    const num = eventTypeSeries(ratio.numerator);
    const den = eventTypeSeries(ratio.denominator);
    const id = ratioSeries(ratio.numerator, ratio.denominator);
    const numerator = countAt(state, num, start);
    const denominator = countAt(state, den, start);
    const v = judgeRatio(
      numerator,
      denominator,
      weekStarts.map((w) => countAt(state, num, w)),
      weekStarts.map((w) => countAt(state, den, w)),
      config.thresholds,
      config.min_expected,
      config.direction,
    );
    if (!v.judged) continue;
    judged++;
    if (v.anomaly === null) continue;
    findings.push(
      finding({
        kind: RATIO_ANOMALY,
        action: "manual_review",
        identity: [id, start],
        detail: { ...detail(id, start, end, v, RATIO_METHOD), numerator, denominator },
      }),
    );
  }
  return judged;
}

function detail(series: string, start: number, end: number, v: Verdict, method: string): Record<string, unknown> {
  return {
    series,
    interval_start: new Date(start).toISOString(),
    interval_end: new Date(end).toISOString(),
    direction: v.anomaly,
    observed: round(v.observed),
    expected: round(v.expected),
    score: round(v.score),
    p_value: Number(v.p_value.toPrecision(4)),
    mad: round(v.mad),
    weeks: v.weeks,
    method,
  };
}

/** 6 decimals: stable, readable numbers in flag details. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
