/**
 * Robust location and spread: the median and the median absolute deviation (MAD). The MAD
 * times `MAD_SCALE` (1.4826) estimates the standard deviation of normally distributed data,
 * while one outlier (a past incident) moves neither.
 *
 * `medianAndMad([10, 12, 11, 40])` -> `{ median: 11.5, mad: 1 }`.
 */

/** MAD -> standard deviation under normality: 1 / Phi^-1(3/4). */
export const MAD_SCALE = 1.4826;

/** Median of a non-empty list (mean of the two middle values for even lengths); NaN when empty. */
export function median(values: ReadonlyArray<number>): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median and median absolute deviation from it. */
export function medianAndMad(values: ReadonlyArray<number>): { median: number; mad: number } {
  const m = median(values);
  return { median: m, mad: median(values.map((v) => Math.abs(v - m))) };
}

/**
 * Weight, in weeks of history, of the sampling-noise prior in `shrunkSpread`: 8, as much as a
 * full default history. The sampling model already carries the series' overdispersion,
 * estimated from a whole week of intervals (dispersion.ts), so it is a better spread than the
 * MAD of 2-8 same-hour values; at 4 a drop to 0 from 25 after weeks of 35, 25, 16, 25, 32
 * scored only -2.9.
 */
export const SAMPLING_PRIOR_WEEKS = 8;

/**
 * The spread a z-score divides by: the history spread (1.4826 * MAD of `weeks` values) shrunk
 * toward the sampling standard deviation (what pure Poisson / binomial noise gives), as if the
 * sampling model were worth `SAMPLING_PRIOR_WEEKS` weeks of history, and never below it:
 * sqrt((weeks * spread^2 + prior * sampling^2) / (weeks + prior)) floored at `sampling`.
 * A MAD of 2-3 values is a poor estimate (two weeks at 17 and 31 give 10.4 for a Poisson
 * series of sd ~4.9); shrinking keeps it from hiding a drop to zero, while 8 weeks of a
 * genuinely volatile series still widen the spread.
 *
 * `shrunkSpread(10.4, 4.9, 2)` -> 6.39.
 */
export function shrunkSpread(spread: number, sampling: number, weeks: number): number {
  const pooled = Math.sqrt((weeks * spread * spread + SAMPLING_PRIOR_WEEKS * sampling * sampling) / (weeks + SAMPLING_PRIOR_WEEKS));
  return Math.max(pooled, sampling);
}
