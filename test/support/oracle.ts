/**
 * An independent reference implementation of the detector semantics of issue 2 (bounded run,
 * default config), written from the contract's text rather than from src/: brute force, whole
 * input in memory, no state machines. Tests hold the generator's truth (test/generate/oracle.test.ts)
 * and the real detectors on adversarial random traffic (test/pipelines/differential.test.ts) to it.
 */

export type Obj = Record<string, unknown>;

/** A valid event as the reference sees it. */
export interface OracleEvent {
  readonly line: number;
  readonly id: string;
  readonly source: string;
  readonly seq: number | null;
  readonly time: number;
  readonly type: string;
  readonly data: Obj;
  /** event type + canonical data: equal for near-duplicates. */
  readonly fp: string;
}

/** One reference flag: the fields that identify what was found. */
export interface OracleFlag {
  readonly kind: string;
  readonly event_id?: string;
  readonly source?: string;
  readonly key?: string;
  readonly detail?: Obj;
}

export interface OracleResult {
  readonly flags: OracleFlag[];
  readonly dead: Array<{ line: number; error_code: string }>;
  /** Kept events in (event time, event_id) order. */
  readonly kept: OracleEvent[];
}

const STEPS = ["card.scanned", "lead.created", "crm.synced", "followup.sent"];
const MAX_DELAY = [0, 5 * 60_000, 15 * 60_000, 60 * 60_000];
/** The two windows the reference takes from the config (defaults 24 h and 1 s). */
export interface ReferenceWindows {
  readonly horizonMs: number;
  readonly nearWindowMs: number;
}
const DEFAULT_WINDOWS: ReferenceWindows = { horizonMs: 24 * 3_600_000, nearWindowMs: 1_000 };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** JSON with object keys sorted at every depth. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Obj;
    return `{${Object.keys(o).sort().map((k) => JSON.stringify(k) + ":" + canonical(o[k])).join(",")}}`;
  }
  return JSON.stringify(v);
}

function badNumber(v: unknown, min: number | null): boolean {
  if (v === undefined || v === null) return false;
  const n = typeof v === "number" ? v : NaN;
  // The money rules' reach (README, numeric_invalid): 0, or 1e-40 <= |n| < 1e41.
  const reach = n === 0 || (Math.abs(n) >= 1e-40 && Math.abs(n) < 1e41);
  return !Number.isFinite(n) || !reach || (min !== null && n < min);
}

/** Validates one line: an event, or a dead-letter code. */
export function validateReference(text: string, line: number, now: number): OracleEvent | string {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return "malformed_json";
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) return "schema";
  const r = o as Obj;
  const okSeq = r.sequence === undefined || r.sequence === null || Number.isInteger(r.sequence);
  if (typeof r.event_id !== "string" || typeof r.source !== "string" || typeof r.event_type !== "string" || !okSeq) return "schema";
  if (typeof r.data !== "object" || r.data === null || Array.isArray(r.data)) return "schema";
  if (typeof r.timestamp !== "string" || !ISO.test(r.timestamp)) return "timestamp_invalid";
  const time = Date.parse(r.timestamp);
  if (time > now + 5 * 60_000) return "timestamp_future";
  if (time < now - 30 * 86_400_000) return "timestamp_stale";
  const d = r.data as Obj;
  const items = Array.isArray(d.items) ? (d.items as Obj[]) : [];
  if (badNumber(d.amount, 0) || badNumber(d.amount_usd, 0) || badNumber(d.duration_s, null)) return "numeric_invalid";
  if (items.some((i) => badNumber(i.unit_price, 0) || badNumber(i.quantity, 0))) return "numeric_invalid";
  return { line, id: r.event_id, source: r.source, seq: (r.sequence as number | undefined) ?? null, time, type: r.event_type, data: d, fp: r.event_type + "\u0000" + canonical(d) };
}

const byTimeId = (a: OracleEvent, b: OracleEvent): number => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The reference detectors over the lines of one input (line numbers 1-based; blank lines are
 * skipped), processing time `now`, default config but for `windows`.
 */
export function referenceRecover(lines: ReadonlyArray<string>, now: number, windows: ReferenceWindows = DEFAULT_WINDOWS): OracleResult {
  const flags: OracleFlag[] = [];
  const dead: Array<{ line: number; error_code: string }> = [];
  const all: OracleEvent[] = [];
  lines.forEach((text, i) => {
    if (text.trim() === "") return;
    const v = validateReference(text, i + 1, now);
    if (typeof v === "string") dead.push({ line: i + 1, error_code: v });
    else all.push(v);
  });
  // duplicate: in arrival order, a copy of an id whose event time is within the horizon of a
  // kept copy of that id (and of its source) is discarded; copies are numbered per id.
  const keptTimes = new Map<string, number[]>();
  const copies = new Map<string, number>();
  const unique: OracleEvent[] = [];
  for (const e of all) {
    const k = e.source + "\u0000" + e.id;
    const times = keptTimes.get(k) ?? [];
    keptTimes.set(k, times);
    if (times.some((t) => Math.abs(e.time - t) <= windows.horizonMs)) {
      const copy = (copies.get(k) ?? 0) + 1;
      copies.set(k, copy);
      flags.push({ kind: "duplicate", event_id: e.id, source: e.source, detail: { copy } });
    } else {
      times.push(e.time);
      unique.push(e);
    }
  }
  // near_duplicate: in (event time, event_id) order, against the kept events of the same
  // source and fingerprint within the window; duplicate_of the latest of them.
  unique.sort(byTimeId);
  const kept: OracleEvent[] = [];
  for (const e of unique) {
    let prior: OracleEvent | undefined;
    for (const k of kept) {
      if (k.source === e.source && k.fp === e.fp && k.id !== e.id && e.time - k.time <= windows.nearWindowMs) prior = k;
    }
    if (prior !== undefined) {
      flags.push({ kind: "near_duplicate", event_id: e.id, source: e.source, detail: { duplicate_of: prior.id } });
      continue;
    }
    kept.push(e);
  }
  // sequence_gap: per source, over every valid line's number from the range's start: the
  // smallest number within the gap timeout (10 min) after the earliest sighting, again from a
  // smaller one's time; smaller numbers later than that are a restarted counter's, ignored.
  const sightings = new Map<string, OracleEvent[]>();
  for (const e of all) {
    if (e.seq === null) continue;
    sightings.set(e.source, [...(sightings.get(e.source) ?? []), e]);
  }
  for (const [source, seen] of sightings) {
    const byTime = [...seen].sort((a, b) => a.time - b.time || (a.seq as number) - (b.seq as number));
    let start = byTime[0];
    for (let moved = true; moved; ) {
      moved = false;
      for (const e of byTime) {
        if (e.time <= start.time + 10 * 60_000 && (e.seq as number) < (start.seq as number)) {
          start = e;
          moved = true;
        }
      }
    }
    const s = new Set(seen.map((e) => e.seq as number).filter((n) => n >= (start.seq as number)));
    const sorted = [...s].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] > sorted[i - 1] + 1) flags.push({ kind: "sequence_gap", source, detail: { from: sorted[i - 1] + 1, to: sorted[i] - 1 } });
    }
  }
  // sequence_reused: a kept event whose number the first kept event (time order) of its source
  // with that number had, under another id (the same id again is a copy, not a reuse).
  const firstSeq = new Map<string, string>();
  for (const e of kept) {
    if (e.seq === null) continue;
    const k = `${e.source}\u0000${e.seq}`;
    const owner = firstSeq.get(k);
    if (owner === undefined) firstSeq.set(k, e.id);
    else if (owner !== e.id) flags.push({ kind: "sequence_reused", event_id: e.id, source: e.source });
  }
  // Chains: the earliest kept event of each step per data.lead_id.
  const watermark = all.reduce((m, e) => Math.max(m, e.time), Number.NEGATIVE_INFINITY);
  const leads = new Map<string, Array<OracleEvent | undefined>>();
  for (const e of kept) {
    const step = STEPS.indexOf(e.type);
    if (step < 0 || typeof e.data.lead_id !== "string") continue;
    const chain = leads.get(e.data.lead_id) ?? [undefined, undefined, undefined, undefined];
    leads.set(e.data.lead_id, chain);
    if (chain[step] === undefined) chain[step] = e;
  }
  for (const [key, chain] of leads) {
    let last = -1;
    chain.forEach((e, i) => {
      if (e !== undefined) last = i;
    });
    for (let i = 0; i < last; i++) if (chain[i] === undefined) flags.push({ kind: "missing_upstream", key, detail: { missing: STEPS[i] } });
    for (let i = 1; i <= last; i++) {
      const e = chain[i];
      if (e === undefined) continue;
      let j = i - 1;
      let budget = MAX_DELAY[i];
      while (j >= 0 && chain[j] === undefined) budget += MAX_DELAY[j--];
      const prev = j >= 0 ? chain[j] : undefined;
      if (prev !== undefined && e.time > prev.time + budget) flags.push({ kind: "late_step", event_id: e.id, key });
    }
    const lastEv = chain[last];
    if (last < 3 && lastEv !== undefined && watermark > lastEv.time + MAX_DELAY[last + 1]) {
      flags.push({ kind: "missing_downstream", key, detail: { missing: STEPS[last + 1] } });
    }
  }
  // duplicate_business_key: one discount.issued per (user_id, program), in time order.
  // The first holder's id again (kept beyond the dedup horizon) is a copy, not an extra.
  const business = new Map<string, string>();
  for (const e of kept) {
    if (e.type !== "discount.issued" || typeof e.data.user_id !== "string" || typeof e.data.program !== "string") continue;
    const k = `${e.data.user_id}\u0000${e.data.program}`;
    const owner = business.get(k);
    if (owner === undefined) business.set(k, e.id);
    else if (owner !== e.id) flags.push({ kind: "duplicate_business_key", event_id: e.id });
  }
  return { flags, dead, kept };
}

/** zero_duration (issue 3): a kept call.completed whose data.duration_s is <= 0. */
export function referenceZeroDurations(kept: ReadonlyArray<OracleEvent>): OracleFlag[] {
  return kept.filter((e) => e.type === "call.completed" && typeof e.data.duration_s === "number" && e.data.duration_s <= 0).map((e) => ({ kind: "zero_duration", event_id: e.id }));
}
