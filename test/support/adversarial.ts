/**
 * Adversarial random traffic for the differential tests (test/pipelines/differential.test.ts,
 * test/streaming/stream-differential.test.ts), and what the reference (test/support/oracle.ts)
 * expects of it. Few sources, ids, sequence numbers, lead ids and payloads, so copies,
 * near-copies (at 0, the window's edge and just past it), ties in event time, reused and
 * missing numbers, repeated chain steps, copies beyond the dedup horizon, business-key extras
 * and calls of 0 s collide in every way.
 */
import type { Flag } from "../../src/event";
import type { Finding } from "../../src/flag";
import { Rng } from "../../src/generate/prng";
import { referenceRecover, referenceZeroDurations, type OracleFlag, type ReferenceWindows } from "./oracle";

/** Processing time of every adversarial input. */
export const NOW = Date.parse("2026-11-25T12:00:00Z");
const T0 = NOW - 2 * 86_400_000;
const HOUR = 3_600_000;

const CHAIN_TYPES = ["card.scanned", "lead.created", "crm.synced", "followup.sent"];

/** Shuffles in place (Fisher-Yates). */
export function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** The object with its keys in a random order, at every depth. */
function reorder(rng: Rng, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => reorder(rng, x));
  if (typeof v !== "object" || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const k of shuffle(rng, Object.keys(v))) out[k] = reorder(rng, (v as Record<string, unknown>)[k]);
  return out;
}

interface Spec {
  event_id: string;
  source: string;
  sequence?: number | null;
  timestamp: string;
  event_type: string;
  data: Record<string, unknown>;
}

/**
 * The same instant written in one of several zones and precisions (`Z`, `+05:30`, `-08:00`,
 * whole seconds when the milliseconds are 0), so copies and near-copies differ in text only.
 */
function inSomeZone(rng: Rng, iso: string): string {
  const ms = Date.parse(iso);
  const offset = rng.pick([0, 0, 330, -480]);
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
  const text = rng.chance(0.5) && local.endsWith(".000") ? local.slice(0, 19) : local;
  if (offset === 0) return text + "Z";
  const sign = offset < 0 ? "-" : "+";
  const a = Math.abs(offset);
  return `${text}${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}

/** How a case is drawn; every field has a default. */
export interface CaseShape {
  /**
   * Event times stay within this many ms of the first case's start, and no id comes again
   * beyond the dedup horizon (for the stream, whose state forgets what is older than its
   * horizons: a reference with unbounded memory only predicts it within them). Default: no bound.
   */
  readonly within?: number;
  /** How much later an id comes again, when it does (default 25 h, beyond the default horizon). */
  readonly repeatAfterMs?: ReadonlyArray<number>;
  /** The near-duplicate window whose edges the close offsets probe (default 1 s). */
  readonly nearWindowMs?: number;
}

/** A small time offset that puts events at, inside and just past a near-duplicate window of `w` ms. */
function closeOffset(rng: Rng, w: number): number {
  return rng.pick([0, 0, 1, w / 4, w / 2, w - 1, w, w, w + 1, 1.5 * w, 2 * w]);
}

/**
 * One adversarial case: lines of JSON, names prefixed by `c<n>-`.
 */
export function makeCase(rng: Rng, n: number, shape: CaseShape = {}): string[] {
  const within = shape.within ?? Infinity;
  const repeatAfterMs = shape.repeatAfterMs ?? [25 * HOUR];
  const w = shape.nearWindowMs ?? 1_000;
  const p = `c${n}-`;
  const sources = [`${p}a`, `${p}b`].slice(0, rng.int(1, 2));
  const nextSeq = new Map<string, number>(sources.map((s) => [s, rng.int(0, 1000)]));
  const originals: Spec[] = [];
  let t = T0 + rng.int(0, HOUR);
  const count = rng.int(4, 30);
  for (let i = 0; i < count; i++) {
    // Mostly close together (window edges, ties), sometimes minutes or hours later (chain deadlines).
    const step = rng.chance(0.6) ? closeOffset(rng, w) : rng.chance(0.7) ? rng.int(1, 40) * 60_000 : rng.int(1, 30) * HOUR;
    t += t + step - T0 <= within ? step : closeOffset(rng, w);
    const source = rng.pick(sources);
    const kind = rng.int(0, 9);
    let event_type: string;
    let data: Record<string, unknown>;
    if (kind < 5) {
      event_type = rng.pick(CHAIN_TYPES);
      data = { lead_id: `${p}L${rng.int(0, 2)}`, owner: rng.pick(["x", "y"]) };
    } else if (kind < 7) {
      event_type = "discount.issued";
      data = { user_id: `${p}u${rng.int(0, 1)}`, program: rng.pick(["spring", "fall"]), code: rng.pick(["A", "B"]) };
    } else if (kind === 9) {
      event_type = "call.completed";
      data = { call_id: `${p}call${rng.int(0, 1)}`, duration_s: rng.pick([0, 0, 42, 600]) };
    } else {
      event_type = "note.added";
      data = { text: rng.pick(["hi", "hello"]), meta: { a: 1, b: [1, 2, { c: rng.int(0, 1) }] } };
    }
    let sequence: number | null | undefined;
    if (rng.chance(0.1)) sequence = rng.chance(0.5) ? null : undefined;
    else {
      const s = nextSeq.get(source)!;
      // Mostly the next number; sometimes a gap or a reuse of the last one.
      const step = rng.chance(0.15) ? rng.int(2, 4) : rng.chance(0.1) ? 0 : 1;
      sequence = s + step;
      nextSeq.set(source, sequence);
    }
    const spec: Spec = { event_id: `${p}e${i}`, source, timestamp: new Date(t).toISOString(), event_type, data };
    if (sequence !== undefined) spec.sequence = sequence;
    originals.push(spec);
  }
  const all: Spec[] = [];
  for (const o of originals) {
    all.push(o);
    // Exact copies (same event), including with another key order.
    if (rng.chance(0.25)) for (let c = rng.int(1, 2); c > 0; c--) all.push(o);
    // A near-copy: another id, the same source, type and data, close in time.
    if (rng.chance(0.25)) all.push({ ...o, event_id: `${o.event_id}n`, timestamp: new Date(Date.parse(o.timestamp) + closeOffset(rng, w)).toISOString() });
    // The same id again more than the dedup horizon later (a new event under a reused id).
    if (within === Infinity && rng.chance(0.05)) all.push({ ...o, timestamp: new Date(Date.parse(o.timestamp) + rng.pick(repeatAfterMs)).toISOString() });
  }
  const lines = shuffle(rng, all).map((s) => JSON.stringify(reorder(rng, { ...s, timestamp: inSomeZone(rng, s.timestamp) })));
  if (rng.chance(0.2)) lines.splice(rng.int(0, lines.length), 0, "{not json");
  if (rng.chance(0.1)) lines.splice(rng.int(0, lines.length), 0, JSON.stringify({ event_id: `${p}bad`, source: sources[0], timestamp: "yesterday", event_type: "note.added", data: {} }));
  return lines;
}

/** The reference's findings: the detectors of issue 2 and the call check of issue 3. */
export function reference(lines: string[], windows?: ReferenceWindows): ReturnType<typeof referenceRecover> {
  const r = referenceRecover(lines, NOW, windows);
  return { ...r, flags: [...r.flags, ...referenceZeroDurations(r.kept)] };
}

/** What identifies a flag, as a comparable text (the reference's fields only). */
export function identify(f: OracleFlag | Finding | Flag): string {
  const d = (f.detail ?? {}) as Record<string, unknown>;
  switch (f.kind) {
    case "duplicate":
      return `${f.kind} ${f.event_id} #${String(d.copy)}`;
    case "sequence_reused":
    case "duplicate_business_key":
      return `${f.kind} ${f.event_id}`;
    case "near_duplicate":
      return `${f.kind} ${f.event_id} of ${String(d.duplicate_of)}`;
    case "sequence_gap":
      return `${f.kind} ${f.source} ${String(d.from)}..${String(d.to)}`;
    case "missing_upstream":
    case "missing_downstream":
      return `${f.kind} ${f.key} ${String(d.missing)}`;
    case "late_step":
      return `${f.kind} ${f.event_id} ${f.key}`;
    default:
      return `${f.kind} ${f.event_id ?? ""}`;
  }
}

export const sorted = (xs: string[]): string[] => [...xs].sort();


/**
 * The lines in the order a stream would see them: by event time plus a jitter of up to
 * `jitterMs` (less than the allowed lateness, so no event arrives behind the watermark);
 * lines without a readable timestamp keep a random place.
 */
export function timeOrdered(rng: Rng, lines: ReadonlyArray<string>, jitterMs: number): string[] {
  const keyed = lines.map((line) => {
    let time = NaN;
    try {
      time = Date.parse(String((JSON.parse(line) as { timestamp?: unknown }).timestamp));
    } catch {
      // malformed on purpose
    }
    return { line, key: Number.isFinite(time) ? time + rng.int(0, jitterMs) : NaN };
  });
  const timed = keyed.filter((k) => Number.isFinite(k.key)).sort((a, b) => a.key - b.key);
  const out = timed.map((k) => k.line);
  for (const k of keyed) if (!Number.isFinite(k.key)) out.splice(rng.int(0, out.length), 0, k.line);
  return out;
}
