/**
 * Overdispersion of a count series: how much more its hourly counts vary than Poisson noise
 * allows. Real traffic is never pure Poisson (campaigns, weather, a busy event), and a Poisson
 * test on overdispersed counts raises false alarms (measured before this estimate, at commit
 * de2ef0e: 1.04 per 1,000 judged intervals with log-normal rate noise of sigma 0.1, 6.6 at 0.2).
 *
 * Model (negative binomial, "NB2"): var = m + alpha * m^2, so the dispersion factor of an
 * interval with expected count m is phi = 1 + alpha * m (1 = Poisson): rate noise matters more
 * in busy hours than in quiet ones. alpha is estimated once per series and UTC day from the
 * 7 days before that day: for every interval h whose same-interval-of-week mean m_h over the
 * k previous weeks (the season's weeks, `sameTimeOfWeek`; not before the origin, nor before
 * the day's end less history_weeks weeks: what pruning keeps all day) is >= min_expected,
 * r_h = (c_h - m_h)^2 / (m_h (1 + 1/k)) (the 1/k is the baseline's own noise) is about
 * (1 + alpha m_h) times a chi-square with 1 degree of freedom; alpha is the value >= 0 that
 * makes the median of r_h / (1 + alpha m_h) equal that chi-square's median, 0.4549 (the median
 * keeps a past incident from inflating it). 0 when fewer than `MIN_DISPERSION_INTERVALS`
 * intervals qualify.
 *
 * `seriesAlpha(state, "source:kiosk/event_type:card.scanned", start)` -> ~0 for Poisson
 * traffic, ~0.01 for hourly rates that wobble by 10 %.
 */
import { DAY_MS, WEEK_MS } from "./interval";
import { sameTimeOfWeek } from "./season";
import { median } from "./robust";
import { countAt, type AnomalyState } from "./state";

/** Median of a chi-square variable with 1 degree of freedom. */
export const CHI2_1_MEDIAN = 0.4549364;
/** Intervals with enough volume needed in the 7-day window for an estimate; fewer -> 1. */
export const MIN_DISPERSION_INTERVALS = 24;

/** Per state: series id -> the day the estimate is for and the estimate. Not part of the committed state: it is recomputed from the counts. */
const memo = new WeakMap<AnomalyState, Map<string, { day: number; alpha: number }>>();

/** The dispersion factor phi = 1 + alpha * expected of `id` for an interval starting at `start` with `expected` events. */
export function seriesDispersion(state: AnomalyState, id: string, start: number, expected: number): number {
  return 1 + seriesAlpha(state, id, start) * expected;
}

/** The series' NB2 overdispersion alpha for the UTC day of `start` (memoized per day). */
export function seriesAlpha(state: AnomalyState, id: string, start: number): number {
  const day = Math.floor(start / DAY_MS) * DAY_MS;
  let bySeries = memo.get(state);
  if (bySeries === undefined) {
    bySeries = new Map();
    memo.set(state, bySeries);
  }
  const known = bySeries.get(id);
  if (known !== undefined && known.day === day) return known.alpha;
  const alpha = estimate(state, id, day);
  bySeries.set(id, { day, alpha });
  return alpha;
}

/** Per state: the day and the intervals of the 7 days before it, each with its previous weeks' starts (the same for every series). */
const windows = new WeakMap<AnomalyState, { day: number; floor: number; window: ReadonlyArray<{ h: number; weeks: number[] }> }>();

/**
 * The intervals h of the 7 days before `day`, each with the starts of its same interval of week
 * in previous weeks (newest first, at most history_weeks - 1) from `floor` on.
 */
function estimateWindow(state: AnomalyState, day: number, floor: number): ReadonlyArray<{ h: number; weeks: number[] }> {
  const known = windows.get(state);
  if (known !== undefined && known.day === day && known.floor === floor) return known.window;
  const { config } = state;
  const window: Array<{ h: number; weeks: number[] }> = [];
  for (let h = day - WEEK_MS; h < day; h += config.interval_ms) {
    const weeks: number[] = [];
    for (let k = 1; k <= config.history_weeks; k++) {
      const w = sameTimeOfWeek(h, -k, config);
      if (w < floor) break;
      weeks.push(w);
    }
    window.push({ h, weeks });
  }
  windows.set(state, { day, floor, window });
  return window;
}

function estimate(state: AnomalyState, id: string, day: number): number {
  const { config } = state;
  // The oldest week used is fixed per day (not per judged interval) and never older than what
  // pruning keeps while any interval of the day is judged, so restarts give the same estimate.
  const floor = Math.max(day + DAY_MS - config.history_weeks * WEEK_MS, state.origin ?? day);
  const residuals: number[] = [];
  const means: number[] = [];
  for (const { h, weeks } of estimateWindow(state, day, floor)) {
    const k = weeks.length;
    if (k === 0) continue;
    let sum = 0;
    for (const w of weeks) sum += countAt(state, id, w);
    const mean = sum / k;
    if (mean < config.min_expected) continue;
    const diff = countAt(state, id, h) - mean;
    residuals.push((diff * diff) / (mean * (1 + 1 / k)));
    means.push(mean);
  }
  if (residuals.length < MIN_DISPERSION_INTERVALS) return 0;
  const excess = (alpha: number): number => median(residuals.map((r, i) => r / (1 + alpha * means[i]))) - CHI2_1_MEDIAN;
  if (excess(0) <= 0) return 0;
  let lo = 0;
  let hi = 1;
  while (excess(hi) > 0 && hi < 1e6) hi *= 10;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (excess(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
