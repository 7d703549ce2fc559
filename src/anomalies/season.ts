/**
 * The weekly season in local time: "the same interval of week k weeks ago" is the interval at
 * the same local wall-clock time k weeks earlier in the configured `time_zone`, so traffic that
 * follows local clocks (a shop open 08:00-18:00 in Berlin) keeps its baseline across a
 * daylight-saving change. In "UTC" (the default) it is exactly `start - k * WEEK_MS`.
 *
 * `sameTimeOfWeek(Date.parse("2026-10-26T07:00:00Z"), -1, { interval_ms: HOUR_MS, time_zone: "Europe/Berlin" })`
 * -> epoch ms of 2026-10-19T06:00:00Z: 08:00 in Berlin both times (CET, then CEST a week before),
 * where plain UTC arithmetic gives 07:00Z, 09:00 in Berlin.
 *
 * Offsets come from `Intl.DateTimeFormat` (Node's full ICU) and are cached per zone and UTC
 * hour, so a mapping costs a few Map lookups; "UTC" makes no Intl call at all.
 */
import { DAY_MS, HOUR_MS, WEEK_MS, intervalStart } from "./interval";

/** The zone of plain UTC arithmetic, and the default `time_zone`. */
export const UTC_ZONE = "UTC";

/** What the season needs of a config (`AnomalyConfig` has it). */
export interface SeasonClock {
  readonly interval_ms: number;
  /** IANA zone name; absent (a state committed before the field existed) means UTC. */
  readonly time_zone?: string;
}

/** Whether `name` is a time zone `Intl.DateTimeFormat` knows: `isTimeZone("Europe/Berlin")` -> true, `isTimeZone("Europe/Berln")` -> false. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Start of the interval at the same local time of week as the one starting at `start`, `weeks`
 * weeks later (negative: earlier): the local wall time of `start` moved by `weeks` * 7 days and
 * converted back to UTC. A wall time that does not exist (the hour skipped in spring) becomes
 * the first instant after the gap; one that occurs twice (the hour repeated in autumn) the
 * earlier of the two. The instant is then put on the interval grid: the interval starting
 * nearest to it (ties: the earlier), i.e. the one the mapped interval overlaps most; for 1 h
 * or shorter intervals and whole-hour offset changes the instant already is a start, and
 * 1-day intervals keep `start + weeks * WEEK_MS` (a 1 h shift overlaps the same UTC day most).
 *
 * `sameTimeOfWeek(Date.parse("2026-04-01T16:00:00Z"), -1, { interval_ms: HOUR_MS, time_zone: "Europe/Berlin" })`
 * -> 2026-03-25T17:00:00Z (18:00 in Berlin, CEST then CET).
 */
export function sameTimeOfWeek(start: number, weeks: number, clock: SeasonClock): number {
  const zone = clock.time_zone ?? UTC_ZONE;
  if (zone === UTC_ZONE) return start + weeks * WEEK_MS;
  const wall = start + offsetAt(zone, start) + weeks * WEEK_MS;
  return nearestStart(instantOfWallTime(zone, wall), clock.interval_ms);
}

/**
 * Every interval start S whose `sameTimeOfWeek(S, -weeks)` can be `earlier`, and perhaps a few
 * more (a superset, for the walk that skips intervals without any history: judging a start whose
 * history is empty changes nothing). In UTC, and wherever the zone's offset is the same around
 * `earlier` and around `earlier + weeks` weeks, that is the one start `earlier + weeks * WEEK_MS`;
 * across an offset change of d, the starts within d plus half an interval of it (a start a week
 * after the spring gap maps to the instant after it, so it is not always `sameTimeOfWeek(earlier, weeks)`).
 * Assumes an offset changes at most once within two days, by less than a day (true of every zone's rules).
 */
export function startsOneSeasonLater(earlier: number, weeks: number, clock: SeasonClock): number[] {
  const plain = earlier + weeks * WEEK_MS;
  const zone = clock.time_zone ?? UTC_ZONE;
  if (zone === UTC_ZONE) return [plain];
  const offsets = [earlier - DAY_MS, earlier + DAY_MS, plain - DAY_MS, plain + DAY_MS].map((t) => offsetAt(zone, t));
  const change = Math.max(...offsets) - Math.min(...offsets);
  if (change === 0) return [plain];
  const steps = Math.ceil((change + clock.interval_ms / 2) / clock.interval_ms);
  const starts: number[] = [];
  for (let i = -steps; i <= steps; i++) starts.push(plain + i * clock.interval_ms);
  return starts;
}

/** The interval start nearest to `time` (ties: the earlier one). */
function nearestStart(time: number, intervalMs: number): number {
  const below = intervalStart(time, intervalMs);
  return time - below > intervalMs / 2 ? below + intervalMs : below;
}

/**
 * The UTC instant (epoch ms) at which the clocks of `zone` show `wall` (a wall time written as
 * epoch ms, as if the zone were UTC). The offsets a day either side bound the candidates: a
 * candidate is right when the zone has that offset at it. Two right: the earlier. None: `wall`
 * is in a gap, and the answer is the transition, found by bisection (rare: once a year per hour).
 */
function instantOfWallTime(zone: string, wall: number): number {
  const before = offsetAt(zone, wall - DAY_MS);
  const after = offsetAt(zone, wall + DAY_MS);
  const candidates = [wall - before, wall - after].filter((t, i) => offsetAt(zone, t) === (i === 0 ? before : after));
  if (candidates.length > 0) return Math.min(...candidates);
  // A gap: at `wall - after` the zone still had `before`; from the transition on it has `after`.
  let lo = wall - after;
  let hi = wall - before;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Per zone: its formatter and, per UTC hour (index), the offset that holds for the whole hour, or NaN when it changes inside. */
const zoneClocks = new Map<string, { format: Intl.DateTimeFormat; byHour: Map<number, number> }>();
/** Cached hours per zone before the cache starts afresh (11 years of hours): keeps a long stream's memory flat. */
const MAX_CACHED_HOURS = 100_000;

/** The zone's UTC offset in ms at `time` (local wall time = `time` + offset). */
function offsetAt(zone: string, time: number): number {
  let clock = zoneClocks.get(zone);
  if (clock === undefined) {
    clock = { format: new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" }), byHour: new Map() };
    zoneClocks.set(zone, clock);
  }
  const hour = Math.floor(time / HOUR_MS);
  let offset = clock.byHour.get(hour);
  if (offset === undefined) {
    const first = exactOffset(clock.format, hour * HOUR_MS);
    offset = first === exactOffset(clock.format, hour * HOUR_MS + HOUR_MS - 1) ? first : Number.NaN;
    if (clock.byHour.size >= MAX_CACHED_HOURS) clock.byHour.clear();
    clock.byHour.set(hour, offset);
  }
  return Number.isNaN(offset) ? exactOffset(clock.format, time) : offset;
}

/** The offset `format` (with `timeZoneName: "longOffset"`) shows at `time`: "GMT+05:30" -> 19,800,000. */
function exactOffset(format: Intl.DateTimeFormat, time: number): number {
  const name = format.formatToParts(time).find((p) => p.type === "timeZoneName")?.value ?? "";
  const m = /^GMT(?:([+-])(\d{1,2})(?::(\d\d))?(?::(\d\d))?)?$/.exec(name);
  if (m === null) throw new Error(`unexpected time zone offset ${JSON.stringify(name)}`);
  if (m[1] === undefined) return 0;
  const ms = (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)) * 1000;
  return m[1] === "-" ? -ms : ms;
}
