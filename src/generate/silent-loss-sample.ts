/**
 * A sample for the anomaly detector, as `recover generate --scenario silent-losses` and `npm start`
 * write it: three weeks of scanner and CRM traffic with a daily and weekly rhythm
 * (`syntheticTraffic`), and two losses injected in week 3 that only volumes show: the iOS
 * scanner silent for an hour (Monday 14:00 UTC), and the scan-to-CRM ratio falling from about
 * 85 % to 50 % for an hour (Wednesday 15:00 UTC). Events are JSON lines whose data is only a
 * reference (the chain and business-key rules have nothing to key on: run it with those rules
 * off, as `SILENT_LOSS_CONFIG` says); their truth, one line per injected loss, goes beside them.
 *
 * `writeSilentLossSample({ seed: 11, out: "out/silent-losses.jsonl" })` -> about 150,000 events and
 * `out/silent-losses.truth.jsonl` with a `volume_anomaly` for `source:scanner-ios/event_type:card.scanned`
 * and a `ratio_anomaly` for `ratio:crm.synced/card.scanned`.
 */
import * as fs from "fs";
import { HOUR_MS } from "../anomalies/interval";
import { ratioSeries, sourceSeries } from "../anomalies/series";
import { Rng } from "./prng";
import { syntheticEvents, syntheticTraffic } from "./silent-losses";
import { defaultTruthPath } from "./truth";

/** Hours after the sample's start (a Monday 00:00 UTC) of the two injected losses. */
export const SILENT_HOUR = 2 * 168 + 14;
export const RATIO_HOUR = 2 * 168 + 2 * 24 + 15;
/** The silent source. */
export const SILENT_SOURCE = "scanner-ios";

/** The rules that apply to this sample: the defaults with no chain, business-key or range rule (its events carry no data). */
export const SILENT_LOSS_CONFIG = { chains: [], uniqueness: [], corrections: { range_rules: [] } } as const;

/** One injected loss: the flag a run should raise, by series and interval start. */
export interface SilentLossTruth {
  readonly kind: "volume_anomaly" | "ratio_anomaly";
  readonly series: string;
  readonly interval_start: string;
}

export interface SilentLossSample {
  readonly events: number;
  /** A processing time just after the sample (the `--now` to run it with). */
  readonly now: string;
  readonly truth: ReadonlyArray<SilentLossTruth>;
  readonly truth_path: string;
}

/** Writes the sample to `out` and its truth beside it (`.truth.jsonl`). Deterministic for a seed. */
export function writeSilentLossSample(options: { readonly seed: number; readonly out: string }): SilentLossSample {
  const traffic = syntheticTraffic({
    seed: options.seed,
    weeks: 3,
    injections: [
      { kind: "silent", source: SILENT_SOURCE, hour: SILENT_HOUR },
      { kind: "ratio", hour: RATIO_HOUR, ratio: 0.5 },
    ],
  });
  const events = syntheticEvents(traffic, options.seed + 1);
  const ids = new Rng(options.seed + 2);
  const sequence = new Map<string, number>();
  const lines = events.map((e) => {
    const n = (sequence.get(e.source) ?? 0) + 1;
    sequence.set(e.source, n);
    // Data unique per event (a scan or sync reference), so no two are near-duplicates.
    return JSON.stringify({ event_id: ids.uuid(), source: e.source, sequence: n, timestamp: new Date(e.event_time).toISOString(), event_type: e.event_type, data: { ref: `${e.source}-${n}` } });
  });
  fs.writeFileSync(options.out, lines.join("\n") + "\n");
  const at = (hour: number): string => new Date(traffic.start + hour * HOUR_MS).toISOString();
  const truth: SilentLossTruth[] = [
    { kind: "volume_anomaly", series: sourceSeries(SILENT_SOURCE, "card.scanned"), interval_start: at(SILENT_HOUR) },
    { kind: "ratio_anomaly", series: ratioSeries("crm.synced", "card.scanned"), interval_start: at(RATIO_HOUR) },
  ];
  const truthPath = defaultTruthPath(options.out);
  fs.writeFileSync(truthPath, truth.map((t) => JSON.stringify(t)).join("\n") + "\n");
  return { events: lines.length, now: new Date(traffic.end + HOUR_MS).toISOString(), truth, truth_path: truthPath };
}

/** A run's anomaly flags against the sample's truth. */
export interface SilentLossScore {
  /** Each injected loss, and whether a flag of its kind names its series and interval. */
  readonly injected: ReadonlyArray<SilentLossTruth & { readonly flagged: boolean }>;
  /**
   * Anomaly flags in intervals without an injected loss: false alarms. (A loss also shows in
   * other series of its interval, such as the silent scanner's in `event_type:card.scanned`:
   * those flags are about it, and not counted here.)
   */
  readonly other_flags: ReadonlyArray<{ readonly kind: string; readonly series: string; readonly interval_start: string }>;
}

/** Scores `flags.jsonl` of a run over the sample against its truth file. */
export function scoreSilentLosses(flagsPath: string, truthPath: string): SilentLossScore {
  const read = (file: string): Array<Record<string, unknown>> =>
    fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const key = (kind: unknown, series: unknown, start: unknown): string => `${String(kind)} ${String(series)} ${String(start)}`;
  const flags = read(flagsPath)
    .filter((f) => f.kind === "volume_anomaly" || f.kind === "ratio_anomaly")
    .map((f) => {
      const detail = f.detail as { series: string; interval_start: string };
      return { kind: String(f.kind), series: detail.series, interval_start: detail.interval_start };
    });
  const truth = read(truthPath) as unknown as SilentLossTruth[];
  const flagged = new Set(flags.map((f) => key(f.kind, f.series, f.interval_start)));
  const lossIntervals = new Set(truth.map((t) => t.interval_start));
  return {
    injected: truth.map((t) => ({ ...t, flagged: flagged.has(key(t.kind, t.series, t.interval_start)) })),
    other_flags: flags.filter((f) => !lossIntervals.has(f.interval_start)),
  };
}
