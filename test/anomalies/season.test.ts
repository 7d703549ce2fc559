/**
 * The season in local time (src/anomalies/season.ts): `sameTimeOfWeek` across both 2026
 * summer-time changes of Europe/Berlin (03-29, 10-25) and America/New_York (03-08, 11-01), at
 * wall times that do not exist or occur twice, in a 30-minute-offset zone, for 15 min and 1 day
 * intervals; UTC is plain week arithmetic; `startsOneSeasonLater` holds every start that maps
 * back to a given one; and the config refuses an unknown zone.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DAY_MS, HOUR_MS, WEEK_MS, parseAnomalyConfig, sameTimeOfWeek, startsOneSeasonLater } from "../../src/anomalies";
import { parseConfig } from "../../src/config";

const MIN_15 = 15 * 60_000;
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

/** [zone, interval, start, weeks, expected start, why (local times)] */
const CASES: ReadonlyArray<readonly [string, number, string, number, string, string]> = [
  ["Europe/Berlin", HOUR_MS, "2026-10-26T07:00:00Z", -1, "2026-10-19T06:00:00Z", "08:00 CET <- 08:00 CEST"],
  ["Europe/Berlin", HOUR_MS, "2026-10-19T06:00:00Z", 1, "2026-10-26T07:00:00Z", "08:00 CEST -> 08:00 CET"],
  ["Europe/Berlin", HOUR_MS, "2026-11-16T16:00:00Z", -4, "2026-10-19T15:00:00Z", "17:00 CET <- 17:00 CEST, 4 weeks"],
  ["Europe/Berlin", HOUR_MS, "2026-04-01T16:00:00Z", -1, "2026-03-25T17:00:00Z", "18:00 CEST <- 18:00 CET"],
  ["Europe/Berlin", HOUR_MS, "2026-03-25T17:00:00Z", 1, "2026-04-01T16:00:00Z", "18:00 CET -> 18:00 CEST"],
  ["Europe/Berlin", HOUR_MS, "2026-07-15T10:00:00Z", -3, "2026-06-24T10:00:00Z", "12:00 CEST, no change between"],
  ["Europe/Berlin", HOUR_MS, "2026-12-02T09:00:00Z", -40, "2026-02-25T09:00:00Z", "10:00 CET, both changes between"],
  // 02:00-03:00 on 2026-03-29 does not exist in Berlin: the instant after the gap, 03:00 CEST.
  ["Europe/Berlin", HOUR_MS, "2026-04-05T00:00:00Z", -1, "2026-03-29T01:00:00Z", "02:00 CEST <- 02:00 (skipped): 03:00 CEST"],
  ["Europe/Berlin", HOUR_MS, "2026-03-22T01:00:00Z", 1, "2026-03-29T01:00:00Z", "02:00 CET -> 02:00 (skipped): 03:00 CEST"],
  ["Europe/Berlin", MIN_15, "2026-04-05T00:30:00Z", -1, "2026-03-29T01:00:00Z", "02:30 CEST <- 02:30 (skipped): 03:00 CEST"],
  // 02:00-03:00 on 2026-10-25 occurs twice in Berlin: the earlier, CEST.
  ["Europe/Berlin", HOUR_MS, "2026-11-01T01:00:00Z", -1, "2026-10-25T00:00:00Z", "02:00 CET <- 02:00 CEST (twice)"],
  ["Europe/Berlin", MIN_15, "2026-11-01T01:30:00Z", -1, "2026-10-25T00:30:00Z", "02:30 CET <- 02:30 CEST (twice)"],
  ["Europe/Berlin", HOUR_MS, "2026-10-18T00:00:00Z", 1, "2026-10-25T00:00:00Z", "02:00 CEST -> 02:00 CEST (twice)"],
  ["Europe/Berlin", MIN_15, "2026-10-26T07:45:00Z", -1, "2026-10-19T06:45:00Z", "08:45 CET <- 08:45 CEST"],
  // A day-long interval is a UTC day (01:00-01:00 CET): the same UTC day a week before overlaps it most.
  ["Europe/Berlin", DAY_MS, "2026-10-26T00:00:00Z", -1, "2026-10-19T00:00:00Z", "a UTC day across the autumn change"],
  ["Europe/Berlin", DAY_MS, "2026-03-30T00:00:00Z", -1, "2026-03-23T00:00:00Z", "a UTC day across the spring change"],
  ["America/New_York", HOUR_MS, "2026-03-10T13:00:00Z", -1, "2026-03-03T14:00:00Z", "09:00 EDT <- 09:00 EST"],
  ["America/New_York", HOUR_MS, "2026-11-03T14:00:00Z", -1, "2026-10-27T13:00:00Z", "09:00 EST <- 09:00 EDT"],
  ["America/New_York", HOUR_MS, "2026-03-15T06:00:00Z", -1, "2026-03-08T07:00:00Z", "02:00 EDT <- 02:00 (skipped): 03:00 EDT"],
  ["America/New_York", HOUR_MS, "2026-11-08T06:00:00Z", -1, "2026-11-01T05:00:00Z", "01:00 EST <- 01:00 EDT (twice)"],
  // India keeps +05:30 all year: plain weeks, also for intervals starting at local xx:30 or xx:45.
  ["Asia/Kolkata", HOUR_MS, "2026-10-26T04:00:00Z", -1, "2026-10-19T04:00:00Z", "09:30 IST"],
  ["Asia/Kolkata", MIN_15, "2026-10-26T04:15:00Z", -2, "2026-10-12T04:15:00Z", "09:45 IST"],
  ["UTC", HOUR_MS, "2026-10-26T07:00:00Z", -1, "2026-10-19T07:00:00Z", "UTC: the same UTC hour"],
  ["UTC", MIN_15, "2026-03-29T01:15:00Z", 1, "2026-04-05T01:15:00Z", "UTC: the same UTC quarter hour"],
];

test("sameTimeOfWeek: the same local wall-clock time k weeks away, across summer-time changes", () => {
  for (const [time_zone, interval_ms, start, weeks, expected, why] of CASES) {
    assert.equal(iso(sameTimeOfWeek(at(start), weeks, { interval_ms, time_zone })), iso(at(expected)), `${time_zone} ${start} ${weeks}: ${why}`);
  }
});

test("sameTimeOfWeek in UTC (and without a zone, as in a state committed before the field) is start + k weeks exactly", () => {
  for (let i = 0; i < 2000; i++) {
    const start = at("2020-01-06T00:00:00Z") + i * 7 * HOUR_MS + (i % 4) * MIN_15;
    for (const weeks of [-8, -1, 1, 3]) {
      assert.equal(sameTimeOfWeek(start, weeks, { interval_ms: MIN_15, time_zone: "UTC" }), start + weeks * WEEK_MS);
      assert.equal(sameTimeOfWeek(start, weeks, { interval_ms: MIN_15 }), start + weeks * WEEK_MS);
    }
  }
});

test("startsOneSeasonLater holds every start whose season k weeks earlier is the given start; in UTC just start + k weeks", () => {
  for (const time_zone of ["Europe/Berlin", "America/New_York", "Asia/Kolkata"]) {
    for (const interval_ms of [MIN_15, HOUR_MS, DAY_MS]) {
      const clock = { interval_ms, time_zone };
      for (const from of [at("2026-03-01T00:00:00Z"), at("2026-10-18T00:00:00Z")]) {
        for (let start = from; start < from + 3 * WEEK_MS; start += interval_ms) {
          for (const weeks of [1, 2]) {
            const earlier = sameTimeOfWeek(start, -weeks, clock);
            assert.ok(startsOneSeasonLater(earlier, weeks, clock).includes(start), `${time_zone} ${interval_ms} ${iso(start)} ${weeks}`);
          }
        }
      }
    }
  }
  assert.deepEqual(startsOneSeasonLater(at("2026-03-29T01:00:00Z"), 1, { interval_ms: HOUR_MS, time_zone: "UTC" }), [at("2026-04-05T01:00:00Z")]);
  assert.deepEqual(startsOneSeasonLater(at("2026-07-01T10:00:00Z"), 2, { interval_ms: HOUR_MS, time_zone: "Europe/Berlin" }), [at("2026-07-15T10:00:00Z")]);
});

test("config: time_zone defaults to UTC; an unknown zone is a one-line error", () => {
  assert.equal(parseAnomalyConfig({}).time_zone, "UTC");
  assert.equal(parseAnomalyConfig({ time_zone: "Europe/Berlin" }).time_zone, "Europe/Berlin");
  assert.throws(() => parseAnomalyConfig({ time_zone: "Europe/Berln" }), /^Error: invalid anomaly config at time_zone: unknown time zone "Europe\/Berln": expected an IANA name/);
  assert.throws(() => parseAnomalyConfig({ time_zone: "" }), /unknown time zone ""/);
  assert.throws(() => parseConfig({ anomalies: { time_zone: "Mars/Olympus" } }), /anomalies\.time_zone.*unknown time zone "Mars\/Olympus"/);
});
