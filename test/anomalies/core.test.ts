import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AnomalyConfig,
  DEFAULT_ANOMALY_CONFIG,
  HOUR_MS,
  WEEK_MS,
  addCount,
  addEvent,
  binomialLower,
  createAnomalyState,
  intervalStart,
  judgeComplete,
  judgeCount,
  judgeRatio,
  pooledRatio,
  medianAndMad,
  parseAnomalyConfig,
  poissonLower,
  poissonUpper,
  shrunkSpread,
  sourceSeries,
} from "../../src/anomalies";

const close = (a: number, b: number, rel = 1e-3): void => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} vs ${b}`);

test("tails match known values", () => {
  close(poissonLower(0, 20), Math.exp(-20));
  close(poissonLower(8, 20), 0.002087, 2e-3);
  close(poissonLower(10, 20), 0.010812, 2e-3);
  close(poissonUpper(30, 20), 0.021818, 5e-3);
  close(binomialLower(10, 20, 0.85), 0.00024838);
  // direct sum for a small binomial
  const direct = [0, 1, 2, 3].reduce((s, k) => s + [1, 7, 21, 35][k] * 0.3 ** k * 0.7 ** (7 - k), 0);
  close(binomialLower(3, 7, 0.3), direct);
  assert.equal(poissonLower(-1, 5), 0);
  assert.equal(poissonUpper(0, 5), 1);
});

test("robust statistics", () => {
  assert.deepEqual(medianAndMad([10, 12, 11, 40]), { median: 11.5, mad: 1 });
  close(shrunkSpread(10.4, 4.9, 2), 6.39, 1e-2);
  assert.equal(shrunkSpread(0, 4, 8), 4);
});

test("config defaults and validation", () => {
  const c = AnomalyConfig.parse({});
  assert.equal(c.interval_ms, HOUR_MS);
  assert.equal(c.warmup_ms, 2 * WEEK_MS);
  assert.equal(c.min_expected, 20);
  assert.equal(c.direction, "down");
  assert.deepEqual(c.ratios, [{ numerator: "crm.synced", denominator: "card.scanned" }]);
  assert.deepEqual(c.thresholds, { z: 3, p_value: 1e-3, min_drop: 0.4, min_rise: 1, ratio_min_drop: 0.3, ratio_min_rise: 0.25, ratio_z: 2, ratio_p_value: 0.05 });
  assert.throws(() => parseAnomalyConfig({ interval_ms: 7 * 60_000 }), /interval_ms must divide a day/);
  assert.throws(() => parseAnomalyConfig({ thresholds: { p_value: 2 } }), /thresholds\.p_value/);
  assert.throws(() => parseAnomalyConfig({ nope: 1 }), /invalid anomaly config/);
  assert.equal(intervalStart(Date.parse("2026-03-02T10:42:00Z"), HOUR_MS), Date.parse("2026-03-02T10:00:00Z"));
});

test("judgeCount: drop, noise, low volume, spikes only when asked", () => {
  const t = DEFAULT_ANOMALY_CONFIG.thresholds;
  const drop = judgeCount(0, [48, 52, 50], t, 20, "down");
  assert.equal(drop.anomaly, "drop");
  assert.equal(drop.expected, 50);
  assert.equal(judgeCount(40, [48, 52, 50], t, 20, "down").anomaly, null);
  assert.equal(judgeCount(0, [10, 12, 11], t, 20, "down").judged, false);
  assert.equal(judgeCount(150, [48, 52, 50], t, 20, "down").anomaly, null);
  assert.equal(judgeCount(150, [48, 52, 50], t, 20, "both").anomaly, "spike");
  assert.equal(judgeCount(0, [48, 52, 50], t, 20, "up").anomaly, null);
  // a 10 % dip at high volume is significant but below the 40 % floor
  assert.equal(judgeCount(9000, [10000, 10010, 9990], t, 20, "down").anomaly, null);
  // two agreeing weeks (MAD 0) do not turn a wobble into an anomaly
  assert.equal(judgeCount(25, [30, 30], t, 20, "down").anomaly, null);
});

test("judgeRatio: 85 % -> 50 % is a drop; noise is not", () => {
  const t = DEFAULT_ANOMALY_CONFIG.thresholds;
  const v = judgeRatio(50, 100, [85, 86, 84], [100, 100, 100], t, 20, "down");
  assert.equal(v.anomaly, "drop");
  assert.equal(v.observed, 0.5);
  assert.equal(v.expected, 0.85);
  assert.equal(judgeRatio(80, 100, [85, 86, 84], [100, 100, 100], t, 20, "down").anomaly, null);
  assert.equal(judgeRatio(6, 10, [85, 86, 84], [100, 100, 100], t, 20, "down").anomaly, null); // 60 %: a 29 % fall, under the 30 % floor
  assert.equal(judgeRatio(5, 10, [85, 86, 84], [100, 100, 100], t, 20, "down").anomaly, "drop"); // 50 % of 10: p = 0.0099
  // 55 % after weeks of 95, 55, 85, 65, 90 and 70 %: a volatile history explains it (z -1.6)
  const volatile = [38, 22, 34, 26, 36, 28];
  assert.equal(judgeRatio(22, 40, volatile, volatile.map(() => 40), t, 20, "down").anomaly, null);
  // a past incident week (40 %) is left out of the pooled expected ratio; the median is 0.85 either way
  const pooled = judgeRatio(50, 100, [85, 40, 170, 86], [100, 100, 200, 100], t, 20, "down");
  assert.equal(pooled.expected, (85 + 170 + 86) / 400);
  assert.equal(pooledRatio([85, 40, 170], [100, 100, 200], 0.85), 0.85);
  assert.equal(judgeRatio(8, 10, [8, 9], [10, 10], t, 20, "down").judged, false);
  assert.equal(judgeRatio(0, 0, [85], [100], t, 20, "down").judged, false);
});

test("events: warm-up, partial last interval, flag shape and stable ids", () => {
  const config = parseAnomalyConfig({});
  const t0 = Date.parse("2026-01-05T00:00:00Z");
  const state = createAnomalyState(config);
  // hour 10 of each Monday: 50 scans in weeks 0-2, none in week 3; one event in week 3 hour 11 (partial).
  for (let w = 0; w < 3; w++) {
    for (let i = 0; i < 50; i++) addEvent(state, { source: "scanner-ios", event_type: "card.scanned", event_time: t0 + w * WEEK_MS + 10 * HOUR_MS + i * 1000 });
  }
  addEvent(state, { source: "scanner-ios", event_type: "card.scanned", event_time: t0 + 3 * WEEK_MS + 11 * HOUR_MS + 5 });
  const watermark = t0 + 3 * WEEK_MS + 11 * HOUR_MS + 5;
  const { findings, judged } = judgeComplete(state, watermark);
  // week 1 hour 10 is before the warm-up (one week of history); week 2 judged (no anomaly); week 3 is a drop to 0
  assert.deepEqual(
    findings.map((f) => [f.kind, f.detail.series, f.detail.interval_start]),
    [
      ["volume_anomaly", "event_type:card.scanned", "2026-01-26T10:00:00.000Z"],
      ["volume_anomaly", "source:scanner-ios/event_type:card.scanned", "2026-01-26T10:00:00.000Z"],
    ],
  );
  assert.equal(judged, 5); // 2 series x (week 2, week 3) at hour 10, and the ratio in week 2 (expected 0 %; week 3 has no scans)
  const f = findings[1];
  assert.equal(f.action, "manual_review");
  assert.equal(f.source, "scanner-ios");
  assert.equal(f.event_type, "card.scanned");
  assert.deepEqual(
    { ...f.detail, score: undefined, p_value: undefined },
    {
      series: "source:scanner-ios/event_type:card.scanned",
      interval_start: "2026-01-26T10:00:00.000Z",
      interval_end: "2026-01-26T11:00:00.000Z",
      direction: "drop",
      observed: 0,
      expected: 50,
      score: undefined,
      p_value: undefined,
      mad: 0,
      weeks: 3,
      method: "weekly_median_mad+conditional_quasi_poisson",
      dispersion: 1, // too few hours with volume for an estimate
    },
  );
  assert.equal(state.next, t0 + 3 * WEEK_MS + 11 * HOUR_MS); // the partial hour 11 is not judged yet
  // same input, another state: same flag ids
  const again = createAnomalyState(config);
  for (let w = 0; w < 3; w++) for (let i = 0; i < 50; i++) addEvent(again, { source: "scanner-ios", event_type: "card.scanned", event_time: t0 + w * WEEK_MS + 10 * HOUR_MS + i * 1000 });
  assert.deepEqual(judgeComplete(again, watermark).findings.map((x) => x.flag_id), findings.map((x) => x.flag_id));
  // judging again at the same watermark finds nothing new
  assert.deepEqual(judgeComplete(state, watermark), { findings: [], judged: 0 });
});

test("state is bounded: counts older than history_weeks before the next interval are pruned and late ones dropped", () => {
  const config = parseAnomalyConfig({ history_weeks: 2, warmup_ms: WEEK_MS });
  const t0 = Date.parse("2026-01-05T00:00:00Z");
  const state = createAnomalyState(config);
  for (let h = 0; h < 5 * 168; h++) addEvent(state, { source: "s", event_type: "x", event_time: t0 + h * HOUR_MS });
  judgeComplete(state, t0 + 5 * WEEK_MS);
  for (const byInterval of state.counts.values()) assert.ok(byInterval.size <= 2 * 168, `${byInterval.size}`);
  addEvent(state, { source: "s", event_type: "x", event_time: t0 });
  assert.equal(state.dropped, 1);
});

test("a series whose history is exactly the minimum volume is judged (its drop to silence flagged); one just below it is not", () => {
  const config = DEFAULT_ANOMALY_CONFIG;
  const hour = HOUR_MS;
  const week = WEEK_MS;
  const t0 = Date.parse("2026-10-05T09:00:00Z");
  const state = createAnomalyState(config);
  for (let w = 0; w < 3; w++) {
    addCount(state, "at-minimum", "card.scanned", t0 + w * week, config.min_expected);
    addCount(state, "just-below", "lead.created", t0 + w * week, config.min_expected - 1);
  }
  // Week 3, the same hour: both silent. Something else counted, so the interval is complete.
  addCount(state, "other", "call.completed", t0 + 3 * week + 2 * hour, 1);
  const { findings } = judgeComplete(state, t0 + 3 * week + 2 * hour);
  const flagged = findings.filter((f) => f.kind === "volume_anomaly").map((f) => (f.detail as { series: string }).series);
  assert.ok(flagged.includes(sourceSeries("at-minimum", "card.scanned")), `flagged: ${flagged.join(", ")}`);
  assert.ok(!flagged.some((s) => s.includes("lead.created")), `flagged: ${flagged.join(", ")}`);
});
