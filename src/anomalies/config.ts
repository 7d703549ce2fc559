/**
 * Configuration of the volume and ratio anomaly detectors: a zod schema with a documented
 * default for every field.
 *
 * `AnomalyConfig.parse({})` -> the defaults below (1 h intervals, 2 weeks warm-up, 8 weeks of
 * history, minimum expected volume 20, drops only, ratio crm.synced / card.scanned);
 * `parseAnomalyConfig({ direction: "both" })` -> the defaults, also flagging spikes.
 *
 * Why these thresholds (anchors: Apache Beam's z-score anomaly detectors flag |z| > 3;
 * BigQuery ML `ML.DETECT_ANOMALIES` flags points outside the `anomaly_prob_threshold` = 0.95
 * prediction interval). Neither fits hourly counts: a fixed 0.95 interval flags ~5 % of
 * normal intervals (50 per 1,000, the target is < 1), and a z-score from the history spread
 * alone explodes when 2-3 weeks of history happen to agree (MAD 0) and ignores that a count
 * of 20 has Poisson noise of +/- 4.5. So an interval is flagged only when all three hold:
 * 1. practical size: observed <= (1 - min_drop) * expected (spikes: >= (1 + min_rise) * expected);
 * 2. seasonal spread: robust z = (observed - expected) / spread beyond `z` (3, Beam's anchor),
 *    spread = 1.4826 * MAD of the history shrunk toward, and floored at, the sampling sd
 *    sqrt(phi * expected) (robust.ts);
 * 3. sampling noise: the tail probability of the observation, given the expected count and
 *    how many weeks it was estimated from, below `p_value` (1e-3, i.e. a 0.999 interval).
 * phi = 1 + alpha * expected is the series' overdispersion, estimated daily from the week
 * before (dispersion.ts; 1 for Poisson traffic): real hourly rates wobble, and a pure Poisson
 * test on them raised false alarms to 1.04 per 1,000 at 10 % rate noise and 6.6 at 20 %
 * (before the estimate, commit de2ef0e).
 * Ratios use the same three tests with the binomial distribution and their own thresholds,
 * because at the minimum volume a ratio is far noisier than a count: with 20 scans at 85 %,
 * the sync ratio has a sampling sd of 8 points, and a true fall to 50 % leaves only 10 of 20
 * (p = 2.5e-4 under the usual 85 %) or, on an hour that happens to have 11 scans, 6 of 11
 * (p = 0.013). A 1e-3 test misses such hours. What keeps ratio false alarms down is instead
 * the size floor: a fall of at least 30 % of the expected ratio (85 % -> 59.5 % or lower);
 * a normal binomial hour of 20 scans gets there with probability 1.3e-3, one of 40 with
 * 2.7e-5, one of 100 with 3e-10.
 * The statistical tests then only refuse falls that a volatile history or a tiny hour can
 * explain (z 2, p 0.05). Measured on 8-week synthetic traffic (test/anomalies/synthetic.test.ts):
 * 0.46 ratio false alarms per 1,000 judged ratio intervals (30 seeds), and 288 of 288 injected
 * 85 % -> 50 % hours with >= 20 expected scans flagged (20 seeds).
 */
import { z } from "zod";
import { DAY_MS, HOUR_MS, WEEK_MS } from "./interval";
import { isTimeZone, UTC_ZONE } from "./season";

/** Interval length: 1 hour, aligned on UTC hours. */
export const DEFAULT_INTERVAL_MS = HOUR_MS;
/** The season's clock: UTC (the same UTC hour of week in previous weeks). */
export const DEFAULT_TIME_ZONE = UTC_ZONE;
/** History required before an interval can be judged: 2 weeks (two same-hour-of-week values). */
export const DEFAULT_WARMUP_MS = 2 * WEEK_MS;
/** Weeks of same-hour-of-week history in the baseline, and what the state keeps: 8. */
export const DEFAULT_HISTORY_WEEKS = 8;
/** Intervals whose expected count (ratios: expected denominator) is below this are not judged. */
export const DEFAULT_MIN_EXPECTED = 20;
/** Robust z-score magnitude an anomaly must exceed: 3 (Beam's z-score detectors' threshold). */
export const DEFAULT_Z = 3;
/** Tail probability an anomaly must be below: 1e-3 (fewer than 1 false alarm per 1,000 intervals). */
export const DEFAULT_P_VALUE = 1e-3;
/** A count drop must be at least 40 % of the expected count. */
export const DEFAULT_MIN_DROP = 0.4;
/** A count spike must be at least +100 % (double the expected count). */
export const DEFAULT_MIN_RISE = 1.0;
/** A ratio drop must be at least 30 % of the expected ratio (85 % -> 59.5 % or lower). */
export const DEFAULT_RATIO_MIN_DROP = 0.3;
/** A ratio rise must be at least 25 % of the expected ratio. */
export const DEFAULT_RATIO_MIN_RISE = 0.25;
/** Robust z-score magnitude a ratio anomaly must exceed: 2 (the size floor carries the false-alarm rate; see above). */
export const DEFAULT_RATIO_Z = 2;
/** Tail probability a ratio anomaly must be below: 0.05 (the size floor carries the false-alarm rate; see above). */
export const DEFAULT_RATIO_P_VALUE = 0.05;
/** Which deviations are flagged: drops only (silent losses); `up` spikes only; `both`. */
export const DEFAULT_DIRECTION = "down" as const;
/** Ratios judged by default: scanned business cards that became CRM entries (~85 %). */
export const DEFAULT_RATIOS: ReadonlyArray<{ numerator: string; denominator: string }> = [
  { numerator: "crm.synced", denominator: "card.scanned" },
];

/** A ratio of two event types' counts in the same interval (all sources). */
export const RatioConfig = z.object({ numerator: z.string().min(1), denominator: z.string().min(1) }).strict();

export const AnomalyThresholds = z
  .object({
    z: z.number().finite().positive().default(DEFAULT_Z),
    p_value: z.number().gt(0).lt(1).default(DEFAULT_P_VALUE),
    min_drop: z.number().min(0).max(1).default(DEFAULT_MIN_DROP),
    min_rise: z.number().finite().min(0).default(DEFAULT_MIN_RISE),
    ratio_min_drop: z.number().min(0).max(1).default(DEFAULT_RATIO_MIN_DROP),
    ratio_min_rise: z.number().finite().min(0).default(DEFAULT_RATIO_MIN_RISE),
    ratio_z: z.number().finite().positive().default(DEFAULT_RATIO_Z),
    ratio_p_value: z.number().gt(0).lt(1).default(DEFAULT_RATIO_P_VALUE),
  })
  .strict()
  .default({});

export const AnomalyConfig = z
  .object({
    /** Interval length; must divide a day (and so a week) evenly. */
    interval_ms: z
      .number()
      .int()
      .positive()
      .max(DAY_MS)
      .refine((ms) => DAY_MS % ms === 0, { message: "interval_ms must divide a day evenly" })
      .default(DEFAULT_INTERVAL_MS),
    /**
     * The zone whose clocks drive the traffic's daily rhythm (an IANA name): "the same interval
     * of week k weeks ago" is the same local wall-clock time k weeks earlier in that zone, so a
     * shop open 08:00-18:00 in "Europe/Berlin" is compared with its own opening hours across a
     * summer-time change. "UTC" (the default): the same UTC time, `start - k * WEEK_MS`.
     */
    time_zone: z
      .string()
      .refine(isTimeZone, (zone) => ({ message: `unknown time zone ${JSON.stringify(zone)}: expected an IANA name such as "Europe/Berlin" or "UTC"` }))
      .default(DEFAULT_TIME_ZONE),
    /** An interval is judged only when it starts at least this long after the first counted interval. */
    warmup_ms: z.number().int().nonnegative().default(DEFAULT_WARMUP_MS),
    history_weeks: z.number().int().min(1).max(52).default(DEFAULT_HISTORY_WEEKS),
    min_expected: z.number().finite().positive().default(DEFAULT_MIN_EXPECTED),
    direction: z.enum(["down", "up", "both"]).default(DEFAULT_DIRECTION),
    /** Judge per-event-type series. */
    by_event_type: z.boolean().default(true),
    /** Judge per-(source, event_type) series. */
    by_source: z.boolean().default(true),
    ratios: z.array(RatioConfig).default(DEFAULT_RATIOS.map((r) => ({ ...r }))),
    thresholds: AnomalyThresholds,
  })
  .strict()
  .refine((c) => c.warmup_ms <= c.history_weeks * WEEK_MS, { message: "warmup_ms must not exceed history_weeks weeks" });

export type AnomalyConfig = z.output<typeof AnomalyConfig>;
export type AnomalyConfigInput = z.input<typeof AnomalyConfig>;
export type AnomalyThresholds = z.output<typeof AnomalyThresholds>;
export type RatioConfig = z.output<typeof RatioConfig>;
export type AnomalyDirection = AnomalyConfig["direction"];

/** The defaults: `AnomalyConfig.parse({})`. */
export const DEFAULT_ANOMALY_CONFIG: AnomalyConfig = AnomalyConfig.parse({});

/** Parses a config object, filling defaults; throws the first problem as one line. */
export function parseAnomalyConfig(input: unknown): AnomalyConfig {
  const result = AnomalyConfig.safeParse(input ?? {});
  if (!result.success) {
    const first = result.error.issues[0];
    throw new Error(`invalid anomaly config at ${first.path.join(".") || "(root)"}: ${first.message}`);
  }
  return result.data;
}
