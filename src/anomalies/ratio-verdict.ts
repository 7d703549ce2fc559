/**
 * Judges one interval's ratio numerator / denominator (e.g. CRM entries per scanned card)
 * against the same interval of week in previous weeks.
 *
 * Judged when the observed denominator is > 0 and the median of the history denominators is
 * >= min_expected. expected = median of the history ratios (weeks with a denominator > 0),
 * spread = 1.4826 * MAD of them. A drop when all hold (rises mirror it):
 * - ratio <= (1 - ratio_min_drop) * expected;
 * - z = (ratio - expected) / shrunkSpread(spread, sd, weeks) <= -z, sd = sqrt(expected (1 - expected) / denominator)
 *   (binomial sampling sd; sqrt(expected / denominator) when expected > 1), floored at 0.5 / denominator;
 * - p = P(X <= numerator) < p_value, X ~ Binomial(denominator, expected)
 *   (X ~ Poisson(expected * denominator) when expected > 1: numerators can exceed denominators).
 *
 * `judgeRatio(50, 100, [85, 86, 84], [100, 100, 100], thresholds, 20, "down")`
 * -> `{ anomaly: "drop", observed: 0.5, expected: 0.85, ... }`.
 */
import type { AnomalyDirection, AnomalyThresholds } from "./config";
import { MAD_SCALE, median, medianAndMad, shrunkSpread } from "./robust";
import { binomialLower, binomialUpper, poissonLower, poissonUpper } from "./tails";
import { notJudged, type Verdict } from "./verdict";

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
  const { median: expected, mad } = medianAndMad(ratios);
  const sampling = expected <= 1 ? Math.sqrt((expected * (1 - expected)) / denominator) : Math.sqrt(expected / denominator);
  const score = (observed - expected) / shrunkSpread(MAD_SCALE * mad, Math.max(sampling, 0.5 / denominator), ratios.length);
  const pDown = expected <= 1 ? binomialLower(numerator, denominator, expected) : poissonLower(numerator, expected * denominator);
  const pUp = expected <= 1 ? binomialUpper(numerator, denominator, expected) : poissonUpper(numerator, expected * denominator);
  const drop =
    direction !== "up" &&
    observed <= (1 - thresholds.ratio_min_drop) * expected &&
    score <= -thresholds.z &&
    pDown < thresholds.p_value;
  const spike =
    direction !== "down" &&
    observed >= (1 + thresholds.ratio_min_rise) * expected &&
    score >= thresholds.z &&
    pUp < thresholds.p_value;
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
