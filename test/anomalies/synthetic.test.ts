import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/generate/prng";
import {
  DEFAULT_ANOMALY_CONFIG,
  HOUR_MS,
  WEEK_MS,
  addEvent,
  createAnomalyState,
  eventTypeSeries,
  judgeComplete,
  median,
  parseAnomalyConfig,
  ratioSeries,
  seriesAlpha,
  seriesDispersion,
  type AnomalyConfig,
  sourceSeries,
  DAY_MS,
} from "../../src/anomalies";
import type { Finding } from "../../src/flag";
import { DEFAULT_SYNTHETIC_START, syntheticEvents, syntheticTraffic, type Injection, type SyntheticTraffic } from "../../src/generate/silent-losses";
import { findingKey, hourKey, stateFromRows } from "./support";

const HOURS = 8 * 168;
const SCANNERS = ["scanner-ios", "scanner-android", "kiosk"];
const CRMS = ["crm-hubspot", "crm-salesforce"];

/** Counts per `series@interval_start(ms)`, for the detector's own expected value. */
function countIndex(traffic: SyntheticTraffic): Map<string, number> {
  const index = new Map<string, number>();
  const add = (k: string, n: number): void => void index.set(k, (index.get(k) ?? 0) + n);
  for (const r of traffic.rows) {
    add(`${eventTypeSeries(r.event_type)}@${r.interval_start}`, r.count);
    add(`${sourceSeries(r.source, r.event_type)}@${r.interval_start}`, r.count);
  }
  return index;
}

/** The detector's expected value: median of the same hour in up to 8 previous weeks. */
function expectedAt(index: Map<string, number>, traffic: SyntheticTraffic, series: string, hour: number): number {
  const values: number[] = [];
  for (let k = 1; k <= 8 && hour - 168 * k >= 0; k++) values.push(index.get(`${series}@${traffic.start + (hour - 168 * k) * HOUR_MS}`) ?? 0);
  return median(values);
}

/** Random injections in weeks 3-8 at distinct hours of week (so baselines stay clean). */
function injections(seed: number): Injection[] {
  const rng = new Rng(seed);
  const used = new Set<number>();
  const out: Injection[] = [];
  for (let i = 0; i < 60; i++) {
    const hour = rng.int(2 * 168, HOURS - 2);
    if (used.has(hour % 168)) continue;
    used.add(hour % 168);
    if (i % 3 === 0) out.push({ kind: "silent", source: rng.pick([...SCANNERS, ...CRMS]), hour });
    else if (i % 3 === 1) out.push({ kind: "ratio", hour, ratio: 0.5 });
    else out.push({ kind: "drop", source: rng.pick(SCANNERS), hour, factor: 0.5 });
  }
  return out;
}

const bucket = (e: number): string => (e < 20 ? "<20" : e < 40 ? "20-40" : e < 60 ? "40-60" : e < 100 ? "60-100" : ">=100");

test("injected drops: every silent hour and every 85 % -> 50 % ratio fall with enough volume is flagged", (t) => {
  const tally = new Map<string, [number, number]>();
  const count = (k: string, hit: boolean): void => {
    const [n, h] = tally.get(k) ?? [0, 0];
    tally.set(k, [n + 1, h + (hit ? 1 : 0)]);
  };
  const misses: string[] = [];
  for (let seed = 100; seed < 120; seed++) {
    const inj = injections(seed);
    const traffic = syntheticTraffic({ seed, injections: inj });
    const index = countIndex(traffic);
    const flagged = new Set(judgeComplete(stateFromRows(DEFAULT_ANOMALY_CONFIG, traffic), traffic.end).findings.map(findingKey));
    for (const j of inj) {
      if (j.kind === "silent") {
        const series = sourceSeries(j.source, CRMS.includes(j.source) ? "crm.synced" : "card.scanned");
        const e = expectedAt(index, traffic, series, j.hour);
        const hit = flagged.has(hourKey(traffic, series, j.hour));
        count(`silent ${bucket(e)}`, hit);
        if (e >= DEFAULT_ANOMALY_CONFIG.min_expected && !hit) misses.push(`seed ${seed} silent ${series} hour ${j.hour} expected ${e}`);
      } else if (j.kind === "ratio") {
        const e = expectedAt(index, traffic, eventTypeSeries("card.scanned"), j.hour);
        const hit = flagged.has(hourKey(traffic, ratioSeries("crm.synced", "card.scanned"), j.hour));
        count(`ratio ${bucket(e)}`, hit);
        if (e >= DEFAULT_ANOMALY_CONFIG.min_expected && !hit) misses.push(`seed ${seed} ratio hour ${j.hour} expected scans ${e}`);
      } else {
        const series = sourceSeries(j.source, "card.scanned");
        count(`rate x0.5 ${bucket(expectedAt(index, traffic, series, j.hour))}`, flagged.has(hourKey(traffic, series, j.hour)));
      }
    }
  }
  for (const [k, [n, h]] of [...tally].sort()) t.diagnostic(`detected ${k}: ${h}/${n}`);
  assert.deepEqual(misses, []);
});

/** Alarms and judged series-intervals of `config` over normal traffic of seeds 1..`seeds` (no injections). */
function falseAlarms(config: AnomalyConfig, seeds: number, jitter = 0): { alarms: number; judged: number; perThousand: string } {
  let judged = 0;
  let alarms = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const traffic = syntheticTraffic({ seed, jitter });
    const r = judgeComplete(stateFromRows(config, traffic), traffic.end);
    judged += r.judged;
    alarms += r.findings.length;
  }
  return { alarms, judged, perThousand: ((1000 * alarms) / judged).toFixed(3) };
}

test("false alarms on normal traffic: < 1 per 1,000 judged intervals over 10 seeds", (t) => {
  const { alarms, judged, perThousand } = falseAlarms(DEFAULT_ANOMALY_CONFIG, 10);
  t.diagnostic(`false alarms: ${alarms} / ${judged} judged series-intervals = ${perThousand} per 1,000`);
  assert.ok(judged > 50_000, `${judged}`);
  assert.ok(alarms / judged < 1e-3, `${alarms} / ${judged}`);
});

test("false alarms of the ratio alone: < 1 per 1,000 judged ratio intervals over 30 seeds", (t) => {
  const { alarms, judged, perThousand } = falseAlarms(parseAnomalyConfig({ by_event_type: false, by_source: false }), 30);
  t.diagnostic(`ratio false alarms: ${alarms} / ${judged} judged ratio intervals = ${perThousand} per 1,000`);
  assert.ok(judged > 20_000, `${judged}`);
  assert.ok(alarms / judged < 1e-3, `${alarms} / ${judged}`);
});

test("overdispersed traffic (hourly rates wobbling by 10 % and 20 %): < 1 false alarm per 1,000; silent hours still all flagged", (t) => {
  for (const jitter of [0.1, 0.2]) {
    const { alarms, judged, perThousand } = falseAlarms(DEFAULT_ANOMALY_CONFIG, 10, jitter);
    t.diagnostic(`jitter ${jitter}: ${alarms} / ${judged} = ${perThousand} per 1,000`);
    assert.ok(judged > 50_000, `${judged}`);
    assert.ok(alarms / judged < 1e-3, `jitter ${jitter}: ${alarms} / ${judged}`);
  }
  const misses: string[] = [];
  for (let seed = 100; seed < 110; seed++) {
    const inj = injections(seed).filter((j) => j.kind === "silent");
    const traffic = syntheticTraffic({ seed, jitter: 0.1, injections: inj });
    const index = countIndex(traffic);
    const flagged = new Set(judgeComplete(stateFromRows(DEFAULT_ANOMALY_CONFIG, traffic), traffic.end).findings.map(findingKey));
    for (const j of inj) {
      if (j.kind !== "silent") continue;
      const series = sourceSeries(j.source, CRMS.includes(j.source) ? "crm.synced" : "card.scanned");
      const e = expectedAt(index, traffic, series, j.hour);
      if (e >= DEFAULT_ANOMALY_CONFIG.min_expected && !flagged.has(hourKey(traffic, series, j.hour))) misses.push(`seed ${seed} ${series} hour ${j.hour} expected ${e}`);
    }
  }
  assert.deepEqual(misses, []);
});

test("dispersion: alpha about 0 for Poisson traffic, about sigma^2 for rates wobbling by sigma; the same whichever hour of the day asks first", () => {
  const series = sourceSeries("scanner-ios", "card.scanned");
  const day = DEFAULT_SYNTHETIC_START + 5 * WEEK_MS + 2 * DAY_MS;
  const calm = seriesAlpha(stateFromRows(DEFAULT_ANOMALY_CONFIG, syntheticTraffic({ seed: 7 })), series, day);
  const wobbly = syntheticTraffic({ seed: 7, jitter: 0.2 });
  const wild = seriesAlpha(stateFromRows(DEFAULT_ANOMALY_CONFIG, wobbly), series, day);
  assert.ok(calm >= 0 && calm < 0.01, `${calm}`);
  assert.ok(wild > 0.02 && wild < 0.08, `${wild}`); // log-normal sigma 0.2: alpha = e^(0.04) - 1 = 0.041
  assert.equal(seriesAlpha(stateFromRows(DEFAULT_ANOMALY_CONFIG, wobbly), series, day + 13 * HOUR_MS), wild);
  assert.equal(seriesDispersion(stateFromRows(DEFAULT_ANOMALY_CONFIG, wobbly), series, day, 100), 1 + 100 * wild);
  assert.equal(seriesAlpha(stateFromRows(DEFAULT_ANOMALY_CONFIG, wobbly), "source:nobody/event_type:card.scanned", day), 0);
});

test("warm-up: nothing is judged in the first two weeks; night hours below the minimum volume are not judged", () => {
  const traffic = syntheticTraffic({ seed: 3, injections: [{ kind: "silent", source: "scanner-ios", hour: 168 + 14 }] });
  const state = stateFromRows(DEFAULT_ANOMALY_CONFIG, traffic);
  const early = judgeComplete(state, traffic.start + 2 * WEEK_MS);
  assert.deepEqual(early, { findings: [], judged: 0 }); // the week-2 silence is inside the warm-up
  const quiet = syntheticTraffic({ seed: 3, injections: [{ kind: "silent", source: "scanner-ios", hour: 3 * 168 + 3 }] }); // 03:00, ~10 scans
  const flags = judgeComplete(stateFromRows(DEFAULT_ANOMALY_CONFIG, quiet), quiet.end).findings.map(findingKey);
  assert.ok(!flags.includes(hourKey(quiet, sourceSeries("scanner-ios", "card.scanned"), 3 * 168 + 3)));
});

test("individual events: the partial last interval is not judged; incremental watermarks give the same flags as one final judgement", () => {
  const weeks = 4;
  const lastHour = weeks * 168 - 1; // the partial last hour: its silence must not be judged
  const inj: Injection[] = [
    { kind: "silent", source: "scanner-ios", hour: 3 * 168 + 14 },
    { kind: "ratio", hour: 3 * 168 + 15, ratio: 0.5 },
    { kind: "silent", source: "scanner-android", hour: lastHour },
  ];
  const traffic = syntheticTraffic({ seed: 7, weeks, injections: inj });
  const events = syntheticEvents(traffic, 7);
  const finalWatermark = events[events.length - 1].event_time; // inside the last hour: it is partial
  const once = createAnomalyState(DEFAULT_ANOMALY_CONFIG);
  for (const e of events) addEvent(once, e);
  const single = judgeComplete(once, finalWatermark);
  assert.equal(once.next, traffic.end - HOUR_MS, "the last hour is not judged");

  const incremental = createAnomalyState(DEFAULT_ANOMALY_CONFIG);
  const found: Finding[] = [];
  let judged = 0;
  let nextWatermark = traffic.start + 5 * 3_600_000 + 17;
  for (const e of events) {
    if (e.event_time >= nextWatermark) {
      const r = judgeComplete(incremental, nextWatermark);
      found.push(...r.findings);
      judged += r.judged;
      nextWatermark += 7 * 3_600_000 + 1_234_567;
    }
    addEvent(incremental, e);
  }
  const last = judgeComplete(incremental, finalWatermark);
  found.push(...last.findings);
  judged += last.judged;
  assert.deepEqual(found, single.findings);
  assert.equal(judged, single.judged);
  const keys = single.findings.map(findingKey);
  assert.ok(keys.includes(hourKey(traffic, sourceSeries("scanner-ios", "card.scanned"), 3 * 168 + 14)), keys.join("\n"));
  assert.ok(keys.includes(hourKey(traffic, ratioSeries("crm.synced", "card.scanned"), 3 * 168 + 15)), keys.join("\n"));
  assert.ok(single.findings.every((f) => f.kind === "volume_anomaly" || f.kind === "ratio_anomaly"));
  assert.ok(single.findings.every((f) => f.action === "manual_review"));
});

test("direction both also flags spikes; flag ids are stable across reruns", () => {
  const config = parseAnomalyConfig({ direction: "both" });
  const traffic = syntheticTraffic({ seed: 11 });
  const rows = traffic.rows.slice();
  rows.push({ interval_start: traffic.start + (4 * 168 + 14) * HOUR_MS, source: "kiosk", event_type: "card.scanned", count: 200 });
  const spiky = { ...traffic, rows };
  const a = judgeComplete(stateFromRows(config, spiky), spiky.end).findings;
  const b = judgeComplete(stateFromRows(config, spiky), spiky.end).findings;
  const spike = a.find((f) => f.detail.series === sourceSeries("kiosk", "card.scanned") && f.detail.direction === "spike");
  assert.ok(spike !== undefined);
  assert.deepEqual(a.map((f) => f.flag_id), b.map((f) => f.flag_id));
  assert.equal(new Set(a.map((f) => f.flag_id)).size, a.length);
});
