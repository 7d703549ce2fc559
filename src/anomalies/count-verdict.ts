/**
 * Judges one interval's count against the same interval of week in previous weeks.
 *
 * expected = median(history), spread = 1.4826 * MAD(history), and the interval is judged
 * when expected >= min_expected. It is a drop when all hold (spikes mirror it):
 * - observed <= (1 - min_drop) * expected (big enough to matter);
 * - z = (observed - expected) / shrunkSpread(spread, sqrt(phi * expected), k) <= -z (unusual for
 *   the season, k = weeks of history; the (quasi-)Poisson sd sqrt(phi * expected) is both the
 *   floor, so a zero MAD cannot make every wobble infinite, and the prior the MAD of few weeks
 *   is shrunk to);
 * - p = P(X <= observed / phi) < p_value with X ~ Binomial((observed + k * expected) / phi, 1 / (k + 1)):
 *   the exact conditional test of "this hour's Poisson rate equals the rate of the k history
 *   hours", with the history taken as k copies of its median. Unlike a plain Poisson tail at
 *   lambda = expected, it accounts for the baseline being estimated from only k weeks.
 *   phi >= 1 is the series' overdispersion (dispersion.ts; 1 = Poisson): dividing counts by it
 *   is the quasi-Poisson form of the same test.
 *
 * `judgeCount(0, [48, 52, 50], thresholds, 20, "down")` -> `{ anomaly: "drop", expected: 50, score: -7.07, ... }`.
 */
import type { AnomalyDirection, AnomalyThresholds } from "./config";
import { MAD_SCALE, medianAndMad, shrunkSpread } from "./robust";
import { binomialLower, binomialUpper } from "./tails";
import { notJudged, type Verdict } from "./verdict";

export function judgeCount(
  observed: number,
  history: ReadonlyArray<number>,
  thresholds: AnomalyThresholds,
  minExpected: number,
  direction: AnomalyDirection,
  dispersion = 1,
): Verdict {
  const weeks = history.length;
  if (weeks === 0) return notJudged(observed, 0, 0);
  const { median: expected, mad } = medianAndMad(history);
  if (expected < minExpected) return notJudged(observed, expected, weeks);
  const scale = shrunkSpread(MAD_SCALE * mad, Math.sqrt(dispersion * expected), weeks);
  const score = (observed - expected) / scale;
  // quasi-Poisson: the conditional test on counts scaled down by the dispersion
  const trials = (observed + weeks * expected) / dispersion;
  const share = 1 / (weeks + 1);
  const pDown = binomialLower(observed / dispersion, trials, share);
  const pUp = binomialUpper(observed / dispersion, trials, share);
  const drop =
    direction !== "up" && observed <= (1 - thresholds.min_drop) * expected && score <= -thresholds.z && pDown < thresholds.p_value;
  const spike =
    direction !== "down" && observed >= (1 + thresholds.min_rise) * expected && score >= thresholds.z && pUp < thresholds.p_value;
  return {
    judged: true,
    anomaly: drop ? "drop" : spike ? "spike" : null,
    observed,
    expected,
    score,
    p_value: drop ? pDown : spike ? pUp : Math.min(pDown, pUp),
    weeks,
    mad,
  };
}
