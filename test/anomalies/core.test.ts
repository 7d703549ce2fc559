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
  withConfig,
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

/** Series-intervals a judgement of [first, last] must judge, found by visiting every interval and every series (the definition `judgeComplete` skips through). */
function judgedByWalking(state: ReturnType<typeof createAnomalyState>, first: number, last: number): number {
  const config = state.config;
  const origin = state.origin as number;
  const countAt = (id: string, start: number): number => state.counts.get(id)?.get(start) ?? 0;
  let judged = 0;
  for (let start = first; start <= last; start += config.interval_ms) {
    if (start - origin < config.warmup_ms) continue;
    const weeks: number[] = [];
    for (let k = 1; k <= config.history_weeks && start - k * WEEK_MS >= origin; k++) weeks.push(start - k * WEEK_MS);
    if (weeks.length === 0) continue;
    for (const id of state.counts.keys()) {
      const v = judgeCount(countAt(id, start), weeks.map((w) => countAt(id, w)), config.thresholds, config.min_expected, config.direction);
      if (v.judged) judged++;
    }
    for (const r of config.ratios) {
      const num = `event_type:${r.numerator}`;
      const den = `event_type:${r.denominator}`;
      const v = judgeRatio(countAt(num, start), countAt(den, start), weeks.map((w) => countAt(num, w)), weeks.map((w) => countAt(den, w)), config.thresholds, config.min_expected, config.direction);
      if (v.judged) judged++;
    }
  }
  return judged;
}

test("judging skips only intervals where nothing can be judged: random bursts of traffic over 12 weeks, against a walk of every interval", () => {
  let seed = 7;
  const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const config = DEFAULT_ANOMALY_CONFIG;
  const t0 = Date.parse("2026-08-03T00:00:00Z");
  for (let round = 0; round < 5; round++) {
    const state = createAnomalyState(config);
    // Bursts of a few hours at random places; volumes around the minimum, so some histories reach it and some do not.
    for (let burst = 0; burst < 30; burst++) {
      const at = t0 + Math.floor(random() * 12 * 168) * HOUR_MS;
      const hours = 1 + Math.floor(random() * 6);
      for (let h = 0; h < hours; h++) {
        for (const type of ["card.scanned", "crm.synced", "call.completed"]) {
          const n = Math.floor(random() * 3 * config.min_expected);
          addCount(state, random() < 0.5 ? "scanner-a" : "scanner-b", type, at + h * HOUR_MS, n);
        }
      }
    }
    // A day repeated in the first 4 weeks, so some intervals have full histories; and one day in
    // week 1 only, so the intervals a week later are judgeable from that one week alone
    // (median of [50, 0] = 25 >= 20).
    for (let w = 0; w < 4; w++) for (let h = 0; h < 24; h++) addCount(state, "steady", "card.scanned", t0 + w * WEEK_MS + h * HOUR_MS, 50);
    for (let h = 48; h < 72; h++) addCount(state, "fresh", "lead.created", t0 + WEEK_MS + h * HOUR_MS, 50);
    addCount(state, "steady", "card.scanned", t0 + 12 * WEEK_MS, 1);
    const watermark = t0 + 12 * WEEK_MS + HOUR_MS;
    const first = state.origin as number;
    const last = Math.floor(watermark / HOUR_MS) * HOUR_MS - HOUR_MS;
    const expected = judgedByWalking(state, first, last);
    const { judged } = judgeComplete(state, watermark);
    assert.ok(expected > 0, "the traffic leaves something to judge");
    assert.equal(judged, expected, `round ${round}`);
  }
});

test("an event dated year 1 beside eight weeks of today's traffic: judged as without it, not by visiting 17 million hours", { timeout: 60_000 }, () => {
  const config = DEFAULT_ANOMALY_CONFIG;
  const t0 = Date.parse("2026-09-07T00:00:00Z");
  const build = (withAncient: boolean): ReturnType<typeof createAnomalyState> => {
    const state = createAnomalyState(config);
    if (withAncient) addCount(state, "scanner", "card.scanned", Date.parse("0001-01-01T00:00:00Z"), 1);
    for (let h = 0; h < 8 * 168; h++) {
      // The last week's hour 30 is silent: a drop to 0 from about 60.
      const silent = h === 7 * 168 + 30;
      addCount(state, "scanner", "card.scanned", t0 + h * HOUR_MS, silent ? 0 : 60 + (h % 5));
    }
    addCount(state, "scanner", "card.scanned", t0 + 8 * 168 * HOUR_MS, 1);
    return state;
  };
  const watermark = t0 + 8 * 168 * HOUR_MS + HOUR_MS;
  const plain = judgeComplete(build(false), watermark);
  const ancient = judgeComplete(build(true), watermark);
  const silentStart = new Date(t0 + (7 * 168 + 30) * HOUR_MS).toISOString();
  const flaggedAt = (r: typeof plain): string[] => r.findings.filter((f) => f.kind === "volume_anomaly").map((f) => String((f.detail as { interval_start: string }).interval_start));
  assert.ok(flaggedAt(plain).includes(silentStart), `flagged: ${flaggedAt(plain).join(", ")}`);
  assert.ok(flaggedAt(ancient).includes(silentStart), `flagged: ${flaggedAt(ancient).join(", ")}`);
  // With an origin in year 1 the warm-up is long over and every history week counts (as zeros
  // before the traffic began), so the first weeks are judged differently; the last ones alike.
  const lastWeek = (r: typeof plain): string[] => flaggedAt(r).filter((s) => Date.parse(s) >= t0 + 7 * WEEK_MS);
  assert.deepEqual(lastWeek(ancient), lastWeek(plain));
  assert.ok(ancient.judged > 0);
});

test("withConfig: a resumed state takes the config it is restarted with, except interval_ms (its counts' key)", () => {
  const state = createAnomalyState(parseAnomalyConfig({}), Date.parse("2026-11-02T00:00:00Z"));
  assert.equal(withConfig(state, parseAnomalyConfig({})), state, "the same config: the same state");
  const zoned = withConfig(state, parseAnomalyConfig({ time_zone: "Europe/Berlin", min_expected: 30 }));
  assert.equal(zoned.config.time_zone, "Europe/Berlin");
  assert.equal(zoned.config.min_expected, 30);
  assert.equal(zoned.counts, state.counts, "the counts carry over");
  assert.equal(zoned.origin, state.origin);
  const longer = withConfig(state, parseAnomalyConfig({ interval_ms: 2 * 3_600_000, min_expected: 30 }));
  assert.equal(longer.config.interval_ms, 3_600_000, "the committed interval stays");
  assert.equal(longer.config.min_expected, 30);
});
