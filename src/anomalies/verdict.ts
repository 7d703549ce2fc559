/** The outcome of judging one series in one interval. */
export interface Verdict {
  /** False when the interval could not be judged (no history, or expected volume too low). */
  readonly judged: boolean;
  /** The deviation found, or null. */
  readonly anomaly: "drop" | "spike" | null;
  readonly observed: number;
  /** Seasonal median of the same interval of week in previous weeks. */
  readonly expected: number;
  /** Robust z-score: (observed - expected) / max(1.4826 * MAD, sampling sd). */
  readonly score: number;
  /** Tail probability of the observation in the flagged direction (the smaller tail when none). */
  readonly p_value: number;
  /** How many previous weeks the baseline used. */
  readonly weeks: number;
  /** Median absolute deviation of those weeks' values. */
  readonly mad: number;
}

/** A verdict for an interval that was not judged: `notJudged(5, 3, 2)` -> `{ judged: false, anomaly: null, observed: 5, expected: 3, ... }`. */
export function notJudged(observed: number, expected: number, weeks: number): Verdict {
  return { judged: false, anomaly: null, observed, expected, score: 0, p_value: 1, weeks, mad: 0 };
}
