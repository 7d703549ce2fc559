import type { Rng } from "./prng";

/** Length of the generated traffic window: the 14 days before `now`. */
export const WINDOW_MS = 14 * 24 * 3_600_000;
const HOUR_MS = 3_600_000;

/**
 * Relative traffic per UTC hour of day: quiet nights, a morning ramp, busy afternoons
 * (peak 14-16h), a tail into the evening.
 */
const HOURLY_WEIGHT: ReadonlyArray<number> = [
  0.08, 0.06, 0.05, 0.05, 0.06, 0.1, 0.2, 0.4, 0.65, 0.8, 0.9, 0.95,
  1.0, 1.1, 1.25, 1.3, 1.2, 1.0, 0.8, 0.6, 0.42, 0.3, 0.2, 0.12,
];

/**
 * Draws `count` sorted instants in (now - 14 days, now] whose density follows the daily
 * rhythm times per-hour log-normal noise (sigma 0.25) times a weekend factor (0.55).
 * Stratified: the i-th draw is the inverse CDF at (i + u) / count, so the draws come out
 * in ascending order without being stored, and the total is exactly `count`.
 */
export class RhythmSampler {
  private readonly start: number;
  private readonly cdf: number[];
  private bin = 0;
  private index = 0;

  constructor(private readonly rng: Rng, now: number, private readonly count: number) {
    this.start = now - WINDOW_MS;
    const bins = WINDOW_MS / HOUR_MS;
    const weights: number[] = [];
    for (let b = 0; b < bins; b++) {
      const at = new Date(this.start + b * HOUR_MS);
      const day = at.getUTCDay();
      const weekend = day === 0 || day === 6 ? 0.55 : 1;
      weights.push(HOURLY_WEIGHT[at.getUTCHours()] * weekend * Math.exp(0.25 * rng.normal()));
    }
    const total = weights.reduce((s, w) => s + w, 0);
    this.cdf = [0];
    for (const w of weights) this.cdf.push(this.cdf[this.cdf.length - 1] + w / total);
    this.cdf[this.cdf.length - 1] = 1;
  }

  /** How many instants are left to draw. */
  get remaining(): number {
    return this.count - this.index;
  }

  /** The next instant (epoch ms, integer, non-decreasing, in (now-14d, now]); undefined when done. */
  next(): number | undefined {
    if (this.index >= this.count) return undefined;
    const u = (this.index + this.rng.next()) / this.count;
    this.index++;
    while (this.bin < this.cdf.length - 2 && this.cdf[this.bin + 1] <= u) this.bin++;
    const lo = this.cdf[this.bin];
    const hi = this.cdf[this.bin + 1];
    const frac = hi > lo ? (u - lo) / (hi - lo) : 0;
    const t = this.start + (this.bin + frac) * HOUR_MS;
    return Math.min(this.start + WINDOW_MS, Math.max(this.start + 1, Math.ceil(t)));
  }
}
