/**
 * Synthetic lead-capture traffic for the anomaly detectors only: hourly counts with a daily
 * and weekly rhythm and Poisson noise, for scanner sources emitting `card.scanned` and CRM
 * sources emitting `crm.synced` for ~85 % of the scans (binomial), plus injected drops.
 *
 * `syntheticTraffic({ seed: 1 })` -> 8 weeks of rows `{ interval_start, source, event_type, count }`
 * starting Monday 2026-01-05T00:00Z, and the true Poisson rate of every (source, type, hour).
 */
import { Rng } from "./prng";
import { HOUR_MS, WEEK_MS } from "../anomalies/interval";

/** Monday 2026-01-05T00:00:00Z. */
export const DEFAULT_SYNTHETIC_START = Date.parse("2026-01-05T00:00:00Z");
export const DEFAULT_SYNTHETIC_WEEKS = 8;
/** Share of scans that become CRM entries. */
export const DEFAULT_SYNC_RATIO = 0.85;

/** Relative traffic per UTC hour of day (as in src/generate/rhythm.ts): quiet nights, busy afternoons. */
export const HOURLY_WEIGHT: ReadonlyArray<number> = [
  0.08, 0.06, 0.05, 0.05, 0.06, 0.1, 0.2, 0.4, 0.65, 0.8, 0.9, 0.95, 1.0, 1.1, 1.25, 1.3, 1.2, 1.0, 0.8, 0.6, 0.42, 0.3, 0.2, 0.12,
];
/** Saturday and Sunday traffic relative to weekdays. */
export const WEEKEND_FACTOR = 0.55;

/** Scanner sources and their weekday peak-hour scans (rate at weight 1.0). */
export const DEFAULT_SCANNERS: ReadonlyArray<{ source: string; peak: number }> = [
  { source: "scanner-ios", peak: 200 },
  { source: "scanner-android", peak: 120 },
  { source: "kiosk", peak: 30 },
];
/** CRM sources and their share of the synced entries. */
export const DEFAULT_CRMS: ReadonlyArray<{ source: string; share: number }> = [
  { source: "crm-hubspot", share: 0.6 },
  { source: "crm-salesforce", share: 0.4 },
];

/** An injected loss: a source emits nothing for an hour, or the sync ratio falls for an hour. */
export type Injection =
  | { readonly kind: "silent"; readonly source: string; readonly hour: number }
  /** The sync ratio of every scan in the hour is `ratio`: exactly round(ratio * scans) entries, not a binomial draw. */
  | { readonly kind: "ratio"; readonly hour: number; readonly ratio: number }
  /** A scanner source's rate multiplied by `factor` (0.5: a 50 % drop) for an hour. */
  | { readonly kind: "drop"; readonly source: string; readonly hour: number; readonly factor: number };

export interface SyntheticOptions {
  readonly seed: number;
  readonly start?: number;
  readonly weeks?: number;
  /** Extra log-normal noise (sigma) on each source's hourly rate: overdispersion beyond Poisson. 0 = pure Poisson. */
  readonly jitter?: number;
  readonly injections?: ReadonlyArray<Injection>;
}

export interface CountRow {
  readonly interval_start: number;
  readonly source: string;
  readonly event_type: string;
  readonly count: number;
}

export interface SyntheticTraffic {
  readonly start: number;
  /** Exclusive end: start + weeks. */
  readonly end: number;
  readonly rows: CountRow[];
  /** True rate of card.scanned at `hour` (index from start) for a scanner source, or all scanners (null). */
  readonly scanRate: (hour: number, source: string | null) => number;
  /** True rate of crm.synced at `hour` for a CRM source, or all (null), without injections. */
  readonly syncRate: (hour: number, source: string | null) => number;
}

/** Rhythm factor of the hour `hour` after `start` (a Monday 00:00 UTC): daily weight times weekend factor. */
export function rhythm(start: number, hour: number): number {
  const at = new Date(start + hour * HOUR_MS);
  const day = at.getUTCDay();
  return HOURLY_WEIGHT[at.getUTCHours()] * (day === 0 || day === 6 ? WEEKEND_FACTOR : 1);
}

/** Poisson(lambda) by inversion (exact; lambda up to ~700). */
export function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  const u = rng.next();
  let k = 0;
  let p = Math.exp(-lambda);
  let cdf = p;
  const cap = lambda + 50 * Math.sqrt(lambda) + 100;
  while (u > cdf && k < cap) {
    k++;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

/** Binomial(n, p) as a sum of Bernoulli draws. */
export function binomial(rng: Rng, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) k++;
  return k;
}

export function syntheticTraffic(options: SyntheticOptions): SyntheticTraffic {
  const rng = new Rng(options.seed);
  const start = options.start ?? DEFAULT_SYNTHETIC_START;
  const weeks = options.weeks ?? DEFAULT_SYNTHETIC_WEEKS;
  const jitter = options.jitter ?? 0;
  const hours = (weeks * WEEK_MS) / HOUR_MS;
  const silent = new Set<string>();
  const ratioAt = new Map<number, number>();
  const factorAt = new Map<string, number>();
  for (const inj of options.injections ?? []) {
    if (inj.kind === "silent") silent.add(`${inj.source}@${inj.hour}`);
    else if (inj.kind === "drop") factorAt.set(`${inj.source}@${inj.hour}`, inj.factor);
    else ratioAt.set(inj.hour, inj.ratio);
  }
  const rows: CountRow[] = [];
  const push = (hour: number, source: string, event_type: string, count: number): void => {
    if (count > 0) rows.push({ interval_start: start + hour * HOUR_MS, source, event_type, count });
  };
  for (let h = 0; h < hours; h++) {
    const r = rhythm(start, h);
    let scans = 0;
    for (const s of DEFAULT_SCANNERS) {
      const factor = factorAt.get(`${s.source}@${h}`) ?? 1;
      const lambda = s.peak * r * factor * (jitter > 0 ? Math.exp(jitter * rng.normal()) : 1);
      const n = silent.has(`${s.source}@${h}`) ? 0 : poisson(rng, lambda);
      scans += n;
      push(h, s.source, "card.scanned", n);
    }
    const injected = ratioAt.get(h);
    // An injected ratio is realized exactly (its hour holds round(ratio * scans) entries); normal hours are binomial.
    let synced = injected === undefined ? binomial(rng, scans, DEFAULT_SYNC_RATIO) : Math.round(injected * scans);
    for (let i = 0; i < DEFAULT_CRMS.length; i++) {
      const c = DEFAULT_CRMS[i];
      const rest = DEFAULT_CRMS.slice(i).reduce((sum, x) => sum + x.share, 0);
      const n = i === DEFAULT_CRMS.length - 1 ? synced : binomial(rng, synced, c.share / rest);
      synced -= n;
      push(h, c.source, "crm.synced", silent.has(`${c.source}@${h}`) ? 0 : n);
    }
  }
  const totalPeak = DEFAULT_SCANNERS.reduce((s, x) => s + x.peak, 0);
  return {
    start,
    end: start + hours * HOUR_MS,
    rows,
    scanRate: (hour, source) => (source === null ? totalPeak : (DEFAULT_SCANNERS.find((s) => s.source === source)?.peak ?? 0)) * rhythm(start, hour),
    syncRate: (hour, source) =>
      totalPeak * rhythm(start, hour) * DEFAULT_SYNC_RATIO * (source === null ? 1 : (DEFAULT_CRMS.find((c) => c.source === source)?.share ?? 0)),
  };
}

/**
 * The rows as individual events, `count` per row at distinct instants of its hour, in
 * event-time order: `{ event_type, source, event_time }`.
 */
export function syntheticEvents(traffic: SyntheticTraffic, seed: number): Array<{ event_type: string; source: string; event_time: number }> {
  const rng = new Rng(seed);
  const events: Array<{ event_type: string; source: string; event_time: number }> = [];
  for (const row of traffic.rows) {
    for (let i = 0; i < row.count; i++) events.push({ event_type: row.event_type, source: row.source, event_time: row.interval_start + rng.int(0, HOUR_MS - 1) });
  }
  return events.sort((a, b) => a.event_time - b.event_time || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}
