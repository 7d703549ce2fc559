/**
 * Judges one interval's ratio numerator / denominator (e.g. CRM entries per scanned card)
 * against the same interval of week in previous weeks.
 *
 * Judged when the observed denominator is > 0 and the median of the history denominators is
 * >= min_expected. The expected ratio is pooled (sum of numerators / sum of denominators, the
 * binomial maximum-likelihood estimate) over the history weeks whose own ratio lies within
 * 4 binomial standard deviations of the median week ratio, so one past incident does not move
 * it while every normal week's volume counts. spread = 1.4826 * MAD of the week ratios. A drop
 * when all hold (rises mirror it):
 * - ratio <= (1 - ratio_min_drop) * expected;
 * - z = (ratio - expected) / shrunkSpread(spread, sd, weeks) <= -ratio_z, sd = sqrt(expected (1 - expected) / denominator)
 *   (binomial sampling sd; sqrt(expected / denominator) when expected > 1), floored at 0.5 / denominator;
 * - p = P(X <= numerator) < ratio_p_value, X ~ Binomial(denominator, expected)
 *   (X ~ Poisson(expected * denominator) when expected > 1: numerators can exceed denominators).
 *
 * `judgeRatio(50, 100, [85, 86, 84], [100, 100, 100], thresholds, 20, "down")`
 * -> `{ anomaly: "drop", observed: 0.5, expected: 0.85, ... }`.
 */
import type { AnomalyDirection, AnomalyThresholds } from "./config";
import { MAD_SCALE, median, medianAndMad, shrunkSpread } from "./robust";
import { binomialLower, binomialUpper, poissonLower, poissonUpper } from "./tails";
import { notJudged, type Verdict } from "./verdict";

/** A history week's ratio further than this many binomial sds from the median week is left out of the pooled ratio. */
export const POOL_OUTLIER_SDS = 4;

export function judgeRatio(
  numerator: number,
  denominator: number,
  historyNumerators: ReadonlyArray<number>,
  historyDenominators: ReadonlyArray<number>,
  thresholds: AnomalyThresholds,
  minExpected: number,
  direction: AnomalyDirection,
): Verdict {
  const weeks = historyDenominators.length;
  const observed = denominator > 0 ? numerator / denominator : 0;
  if (weeks === 0) return notJudged(observed, 0, 0);
  const ratios: number[] = [];
  for (let i = 0; i < weeks; i++) if (historyDenominators[i] > 0) ratios.push(historyNumerators[i] / historyDenominators[i]);
  if (denominator <= 0 || ratios.length === 0 || median(historyDenominators) < minExpected) {
    return notJudged(observed, ratios.length === 0 ? 0 : median(ratios), weeks);
  }
  const { median: typical, mad } = medianAndMad(ratios);
  const expected = pooledRatio(historyNumerators, historyDenominators, typical);
  const sampling = samplingSd(expected, denominator);
  const score = (observed - expected) / shrunkSpread(MAD_SCALE * mad, Math.max(sampling, 0.5 / denominator), ratios.length);
  const pDown = expected <= 1 ? binomialLower(numerator, denominator, expected) : poissonLower(numerator, expected * denominator);
  const pUp = expected <= 1 ? binomialUpper(numerator, denominator, expected) : poissonUpper(numerator, expected * denominator);
  const drop =
    direction !== "up" &&
    observed <= (1 - thresholds.ratio_min_drop) * expected &&
    score <= -thresholds.ratio_z &&
    pDown < thresholds.ratio_p_value;
  const spike =
    direction !== "down" &&
    observed >= (1 + thresholds.ratio_min_rise) * expected &&
    score >= thresholds.ratio_z &&
    pUp < thresholds.ratio_p_value;
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

/** Sampling sd of a ratio with `expected` over `denominator` trials: binomial, or Poisson for ratios above 1. */
function samplingSd(expected: number, denominator: number): number {
  return expected <= 1 ? Math.sqrt((expected * (1 - expected)) / denominator) : Math.sqrt(expected / denominator);
}

/**
 * sum(numerators) / sum(denominators) over the weeks whose ratio is within POOL_OUTLIER_SDS
 * sampling sds of `typical` (the median week ratio); `typical` itself when none is.
 * `pooledRatio([85, 40, 170], [100, 100, 200], 0.85)` -> 0.85 (the 0.40 week is left out).
 */
export function pooledRatio(numerators: ReadonlyArray<number>, denominators: ReadonlyArray<number>, typical: number): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < denominators.length; i++) {
    const d = denominators[i];
    if (d <= 0) continue;
    const band = POOL_OUTLIER_SDS * Math.max(samplingSd(typical, d), 0.5 / d);
    if (Math.abs(numerators[i] / d - typical) > band) continue;
    num += numerators[i];
    den += d;
  }
  return den > 0 ? num / den : typical;
}
