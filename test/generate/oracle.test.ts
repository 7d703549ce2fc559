/**
 * An independent reference implementation of the detector semantics (batch, defaults),
 * run over generated files: its flags must match the truth exactly (precision = recall = 1
 * for every kind, every dead letter, no look-alike flagged). This checks the truth, not
 * the real detectors.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { generate, scoreRun } from "../../src/generate";
import { forEachLine } from "../../src/generate/lines";
import { correct, loadRates } from "./correction-oracle";

type Obj = Record<string, unknown>;

interface Ev {
  readonly line: number;
  readonly id: string;
  readonly source: string;
  readonly seq: number | null;
  readonly time: number;
  readonly type: string;
  readonly data: Obj;
  readonly fp: string;
}

const STEPS = ["card.scanned", "lead.created", "crm.synced", "followup.sent"];
const MAX_DELAY = [0, 5 * 60_000, 15 * 60_000, 60 * 60_000];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function canonical(v: unknown): string {
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
  return !Number.isFinite(n) || (min !== null && n < min);
}

/** Validates one line: an event, or a dead-letter code. */
function validate(text: string, line: number, now: number): Ev | string {
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

const byTimeId = (a: Ev, b: Ev): number => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Batch reference detectors with default config; returns flags, dead letters and the kept events. */
function oracle(eventsPath: string, now: number): { flags: Obj[]; dead: Obj[]; kept: Ev[] } {
  const flags: Obj[] = [];
  const dead: Obj[] = [];
  const all: Ev[] = [];
  forEachLine(eventsPath, (text, line) => {
    const v = validate(text, line, now);
    if (typeof v === "string") dead.push({ line, error_code: v });
    else all.push(v);
  });
  const ids = new Set<string>();
  const unique: Ev[] = [];
  for (const e of all) {
    if (ids.has(e.id)) flags.push({ kind: "duplicate", event_id: e.id });
    else {
      ids.add(e.id);
      unique.push(e);
    }
  }
  unique.sort(byTimeId);
  const lastKept = new Map<string, Ev>();
  const kept: Ev[] = [];
  for (const e of unique) {
    const k = e.source + "\u0000" + e.fp;
    const prev = lastKept.get(k);
    if (prev !== undefined && e.time - prev.time <= 1_000) {
      flags.push({ kind: "near_duplicate", event_id: e.id, detail: { duplicate_of: prev.id } });
      continue;
    }
    lastKept.set(k, e);
    kept.push(e);
  }
  const seqs = new Map<string, Set<number>>();
  for (const e of all) if (e.seq !== null) (seqs.get(e.source) ?? seqs.set(e.source, new Set()).get(e.source))?.add(e.seq);
  for (const [source, s] of seqs) {
    const sorted = [...s].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] > sorted[i - 1] + 1) flags.push({ kind: "sequence_gap", source, detail: { from: sorted[i - 1] + 1, to: sorted[i] - 1 } });
    }
  }
  const firstSeq = new Set<string>();
  for (const e of kept) {
    if (e.seq === null) continue;
    const k = `${e.source}#${e.seq}`;
    if (firstSeq.has(k)) flags.push({ kind: "sequence_reused", event_id: e.id });
    firstSeq.add(k);
  }
  const watermark = all.reduce((m, e) => Math.max(m, e.time), Number.NEGATIVE_INFINITY);
  const leads = new Map<string, Array<Ev | undefined>>();
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
  const business = new Set<string>();
  for (const e of kept) {
    if (e.type !== "discount.issued") continue;
    const k = `${String(e.data.user_id)}|${String(e.data.program)}`;
    if (business.has(k)) flags.push({ kind: "duplicate_business_key", event_id: e.id });
    business.add(k);
  }
  return { flags, dead, kept };
}

for (const [events, seed] of [
  [20_000, 7],
  [50_000, 123],
  [3_000, 99],
] as const) {
  test(`reference detectors match the truth exactly (${events} events, seed ${seed})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "gen-oracle-"));
    try {
      const now = new Date("2026-03-15T12:00:00.000Z");
      const out = join(dir, "events.jsonl");
      const summary = generate({ events, seed, now, out });
      const { flags, dead, kept } = oracle(out, now.getTime());
      // The correction rules run on the kept events (src/corrections, rates from the generated snapshot).
      const asEvents = kept.map((e) => ({ event_id: e.id, source: e.source, event_type: e.type, timestamp: new Date(e.time).toISOString(), data: e.data }));
      const rates = await loadRates(summary.rates, asEvents);
      for (const e of asEvents) for (const f of correct(e, rates).findings) flags.push({ kind: f.kind, event_id: f.event_id });
      writeFileSync(join(dir, "flags.jsonl"), flags.map((f) => JSON.stringify(f) + "\n").join(""));
      writeFileSync(join(dir, "dead.jsonl"), dead.map((f) => JSON.stringify(f) + "\n").join(""));
      const score = scoreRun(join(dir, "flags.jsonl"), summary.truth, out, join(dir, "dead.jsonl"));
      for (const [kind, s] of Object.entries(score.kinds)) {
        assert.equal(s.fp + s.fn, 0, `${kind}: ${JSON.stringify(s)}`);
      }
      assert.equal(score.lookalikes_flagged, 0, JSON.stringify(score.lookalike_examples));
      assert.equal(score.lookalikes_missing_from_events, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
