/**
 * The detectors' explicit, incremental state: counts per series and interval, for as many
 * weeks as the baseline needs, plus how far judging has got. Plain data, mutated in place by
 * `addEvent` / `addCount` (counting) and `judgeComplete` (judging, then pruning).
 *
 * Bounded: after judging up to interval start S, counts of intervals before
 * S - history_weeks weeks are deleted (and series left without counts are forgotten), so a
 * state holds at most (history_weeks * 168 + 1) hourly counts per live series (24 more with a
 * `time_zone` other than UTC: `keptFrom`). Events for already deleted intervals are not
 * counted (`dropped` counts them).
 *
 * `addEvent(state, { event_type: "card.scanned", source: "scanner-ios", event_time: t })`
 * -> `state.counts` gains 1 at the hour of t for `event_type:card.scanned` and
 * `source:scanner-ios/event_type:card.scanned`.
 */
import type { ReceivedEvent } from "../event";
import type { AnomalyConfig } from "./config";
import { DAY_MS, intervalStart, WEEK_MS } from "./interval";
import { UTC_ZONE } from "./season";
import { isDeepStrictEqual } from "util";
import { eventTypeSeries, sourceSeries, type SeriesKey } from "./series";

/** What the counting needs of an event (`ReceivedEvent` has it). */
export type CountedEvent = Pick<ReceivedEvent, "event_type" | "source" | "event_time">;

export interface AnomalyState {
  readonly config: AnomalyConfig;
  /** Start of the first interval counted: warm-up runs from here. null before the first count. */
  origin: number | null;
  /** Start of the next interval to judge; null before the first judgement. */
  next: number | null;
  /** Series id -> interval start -> count (absent = 0). */
  readonly counts: Map<string, Map<number, number>>;
  /** Series id -> what it covers. */
  readonly series: Map<string, SeriesKey>;
  /** Events (or counts) dropped because their interval was older than the kept history. */
  dropped: number;
}

/**
 * A fresh state. `origin` (epoch ms, aligned down to an interval) declares when observation
 * started when that is earlier than the first event; by default the first counted interval.
 */
export function createAnomalyState(config: AnomalyConfig, origin: number | null = null): AnomalyState {
  return {
    config,
    origin: origin === null ? null : intervalStart(origin, config.interval_ms),
    next: null,
    counts: new Map(),
    series: new Map(),
    dropped: 0,
  };
}

/**
 * The state judged under `config` from now on. A stream resumed from a committed state took
 * the anomaly config it was started with and silently ignored the one it was restarted with (a
 * `time_zone` or threshold changed had no effect); now the new one applies, except
 * `interval_ms`, which the counts are keyed by: a change of it keeps the committed one and is
 * said on stderr once per process (it needs a fresh state).
 *
 * `withConfig(state, { ...state.config, time_zone: "Europe/Berlin" }).config.time_zone` -> "Europe/Berlin".
 */
export function withConfig(state: AnomalyState, config: AnomalyConfig): AnomalyState {
  if (state.config === config || isDeepStrictEqual(state.config, config)) return state;
  if (state.config.interval_ms !== config.interval_ms) {
    if (!intervalChangeSaid) {
      intervalChangeSaid = true;
      process.stderr.write(`[anomalies] the state counts intervals of ${state.config.interval_ms} ms and the config asks for ${config.interval_ms} ms: the state's interval stays (start with a fresh state to change it)\n`);
    }
    return { ...state, config: { ...config, interval_ms: state.config.interval_ms } };
  }
  return { ...state, config };
}

let intervalChangeSaid = false;

/** Counts one event in its event_type series and its (source, event_type) series. */
export function addEvent(state: AnomalyState, event: CountedEvent): void {
  addCount(state, event.source, event.event_type, event.event_time, 1);
}

/**
 * Adds `count` events of (`source`, `eventType`) at `time` (any instant of the interval) to
 * both series: the bulk form of `addEvent`, for pre-aggregated input.
 */
export function addCount(state: AnomalyState, source: string, eventType: string, time: number, count: number): void {
  if (count <= 0) return;
  const start = intervalStart(time, state.config.interval_ms);
  if (start < keptFrom(state)) {
    state.dropped += count;
    return;
  }
  if (state.origin === null || (state.next === null && start < state.origin)) state.origin = start;
  bump(state, eventTypeSeries(eventType), { event_type: eventType, source: null }, start, count);
  bump(state, sourceSeries(source, eventType), { event_type: eventType, source }, start, count);
}

/** The count of `series` in the interval starting at `start` (0 when absent). */
export function countAt(state: AnomalyState, series: string, start: number): number {
  return state.counts.get(series)?.get(start) ?? 0;
}

/**
 * Earliest interval start whose count is still kept (and needed): `history_weeks` weeks before
 * the next interval to judge; in a zone other than UTC a day more, since the same local time
 * of week lies up to the zone's offset change (1 h for summer time) and half an interval away
 * from the plain weeks (season.ts).
 */
export function keptFrom(state: AnomalyState): number {
  if (state.next === null) return Number.NEGATIVE_INFINITY;
  const { history_weeks, time_zone } = state.config;
  return state.next - history_weeks * WEEK_MS - ((time_zone ?? UTC_ZONE) === UTC_ZONE ? 0 : DAY_MS);
}

/**
 * Deletes counts older than `keptFrom` and series left without counts.
 *
 * Here and in `bump`, every change to a series' counts is followed by `counts.set` or
 * `counts.delete` of the series, so a map that records its writes (the stream's commit, which
 * writes only the series a batch changed) sees it.
 */
export function prune(state: AnomalyState): void {
  const from = keptFrom(state);
  for (const [id, byInterval] of state.counts) {
    let deleted = false;
    for (const start of byInterval.keys()) {
      if (start >= from) continue;
      byInterval.delete(start);
      deleted = true;
    }
    if (byInterval.size === 0) {
      state.counts.delete(id);
      state.series.delete(id);
    } else if (deleted) state.counts.set(id, byInterval);
  }
}

function bump(state: AnomalyState, id: string, key: SeriesKey, start: number, count: number): void {
  const byInterval = state.counts.get(id);
  if (byInterval === undefined) {
    state.counts.set(id, new Map([[start, count]]));
    state.series.set(id, key);
    return;
  }
  byInterval.set(start, (byInterval.get(start) ?? 0) + count);
  state.counts.set(id, byInterval);
}
