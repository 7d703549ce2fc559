import { currencyExponent, DEFAULT_CURRENCY_EXPONENT, normalizeCurrency } from "../corrections/currency-codes";
import { toMinor } from "../corrections/money";
import { getPath, isRecord } from "../corrections/paths";
import { forEachLine, readJsonObjects } from "./lines";

/** Counts for one kind: true/false positives, false negatives, and a few examples. */
export interface KindScore {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  /** tp / (tp + fp); 1 when there are no flags. */
  readonly precision: number;
  /** tp / (tp + fn); 1 when the truth is empty. */
  readonly recall: number;
  /** Up to 5 match keys flagged but not in the truth. */
  readonly fp_examples: string[];
  /** Up to 5 match keys in the truth but not flagged. */
  readonly fn_examples: string[];
}

export interface LookalikeHit {
  readonly lookalike: string;
  readonly event_id: string | null;
  readonly key: string | null;
  readonly flag_kind: string;
  readonly flag_id: string | null;
}

export interface Score {
  /** Per fault kind; `dead_letter` only when a dead-letter file is given. */
  readonly kinds: Record<string, KindScore>;
  readonly lookalikes_total: number;
  /** Look-alikes (counted once each) that got a flag of a scored kind. */
  readonly lookalikes_flagged: number;
  /** Up to 20 of them, with the offending flag. */
  readonly lookalike_examples: LookalikeHit[];
  /** With `eventsPath`: look-alike events missing from the run's kept events. */
  readonly lookalikes_missing_from_events: number | null;
  /** With `eventsPath`: truth records with an `expected` value compared with the run's events. */
  readonly corrections_checked: number | null;
  /** With `eventsPath`: of those, the ones whose event is absent or whose field differs (to the minor unit). */
  readonly corrections_wrong: number | null;
  /** Up to 5 of them. */
  readonly correction_examples: CorrectionMiss[];
}

export interface CorrectionMiss {
  readonly kind: string;
  readonly event_id: string;
  readonly field: string;
  readonly expected: unknown;
  /** The value in the run's events; undefined when the event is absent. */
  readonly actual: unknown;
}

/** Kinds scored from flags.jsonl; other flag kinds (gap_filled, late_unchecked, ...) are ignored. */
export const SCORED_KINDS = [
  "duplicate",
  "near_duplicate",
  "sequence_gap",
  "sequence_reused",
  "missing_upstream",
  "missing_downstream",
  "late_step",
  "duplicate_business_key",
  "currency_mismatch",
  "arithmetic_mismatch",
  "zero_duration",
  "field_swap",
] as const;

/** Other flag kinds of the correction rules: never scored, but they count when they name a look-alike. */
const CORRECTION_FLAG_KINDS = ["unknown_currency", "rate_unavailable", "out_of_range"] as const;

const CHAIN_KINDS = new Set(["missing_upstream", "missing_downstream", "late_step"]);

type Obj = Record<string, unknown>;

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isInteger(v) ? v : null;
}

function detail(flag: Obj): Obj {
  const d = flag.detail;
  return typeof d === "object" && d !== null ? (d as Obj) : {};
}

/**
 * What a flag or a truth record is matched on, per kind: duplicates by event_id (as a
 * multiset), near-duplicates, reuses, late steps and business keys by event_id, missing
 * chain steps by `key|missing`, dead letters by `line|error_code`. Gaps are expanded
 * to `source#number` (a set) by `gapNumbers`.
 */
function matchKey(kind: string, r: Obj, isFlag: boolean): string | null {
  switch (kind) {
    case "missing_upstream":
    case "missing_downstream": {
      const missing = isFlag ? str(detail(r).missing) : str(r.missing);
      return `${str(r.key)}|${missing}`;
    }
    case "dead_letter":
      return `${num(r.line)}|${str(r.error_code)}`;
    default:
      return str(r.event_id);
  }
}

function gapNumbers(r: Obj, isFlag: boolean, into: Set<string>): void {
  const d = isFlag ? detail(r) : r;
  const source = str(r.source) ?? str(d.source);
  const from = num(d.from);
  const to = num(d.to);
  if (source === null || from === null || to === null) return;
  for (let n = from; n <= to && n - from < 10_000_000; n++) into.add(`${source}#${n}`);
}

function countKeys(records: ReadonlyArray<Obj>, kind: string, isFlag: boolean): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of records) {
    if (r.kind !== kind) continue;
    const k = matchKey(kind, r, isFlag) ?? "(none)";
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

function compare(flags: Map<string, number>, truth: Map<string, number>): KindScore {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const fpEx: string[] = [];
  const fnEx: string[] = [];
  for (const [k, c] of flags) {
    const t = truth.get(k) ?? 0;
    tp += Math.min(c, t);
    if (c > t) {
      fp += c - t;
      if (fpEx.length < 5) fpEx.push(k);
    }
  }
  for (const [k, t] of truth) {
    const c = flags.get(k) ?? 0;
    if (t > c) {
      fn += t - c;
      if (fnEx.length < 5) fnEx.push(k);
    }
  }
  return {
    tp,
    fp,
    fn,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    fp_examples: fpEx,
    fn_examples: fnEx,
  };
}

function asCounts(set: Set<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of set) m.set(k, 1);
  return m;
}

/**
 * Grades a run's flags (flags.jsonl) against a generator truth file. Per scored kind:
 * tp, fp, fn, precision, recall (see `matchKey`; gaps compare the set of missing
 * (source, number) pairs, so how ranges are split does not matter). Look-alikes count
 * as flagged when a scored-kind flag names their event_id, a chain flag names their
 * key, or a gap flag's range covers their (source, sequence).
 *
 * Flags of the other correction kinds (unknown_currency, rate_unavailable, out_of_range) naming a
 * look-alike also count, and so does a non-empty `corrections` list on it in `eventsPath`.
 *
 * `eventsPath` (optional): the run's kept-events output; look-alike events absent from it
 * are counted in `lookalikes_missing_from_events`, and each truth record with an `expected`
 * value is checked against its event there (`corrections_checked` / `corrections_wrong`):
 * `field` (data.amount_usd in USD cents, data.amount in minor units of the event's currency)
 * must equal `expected` to the minor unit; for field_swap, data.contact.email and .phone
 * must equal `expected.email` and `expected.phone`. `deadLettersPath` (optional): the run's
 * dead_letter.jsonl, scored as kind `dead_letter` by (line, error_code).
 */
export function scoreRun(flagsPath: string, truthPath: string, eventsPath?: string, deadLettersPath?: string): Score {
  const flags = readJsonObjects(flagsPath);
  const truthAll = readJsonObjects(truthPath);
  const truth = truthAll.filter((r) => typeof r.kind === "string");
  const lookalikes = truthAll.filter((r) => typeof r.lookalike === "string");

  const kinds: Record<string, KindScore> = {};
  for (const kind of SCORED_KINDS) {
    if (kind === "sequence_gap") {
      const f = new Set<string>();
      const t = new Set<string>();
      for (const r of flags) if (r.kind === kind) gapNumbers(r, true, f);
      for (const r of truth) if (r.kind === kind) gapNumbers(r, false, t);
      kinds[kind] = compare(asCounts(f), asCounts(t));
    } else {
      kinds[kind] = compare(countKeys(flags, kind, true), countKeys(truth, kind, false));
    }
  }
  if (deadLettersPath !== undefined) {
    const dead = readJsonObjects(deadLettersPath).map((d) => ({ ...d, kind: "dead_letter" }));
    kinds.dead_letter = compare(countKeys(dead, "dead_letter", true), countKeys(truth, "dead_letter", false));
  }

  const byId = new Map<string, number>();
  const byKey = new Map<string, number>();
  const bySeq = new Map<string, number>();
  lookalikes.forEach((l, i) => {
    const id = str(l.event_id);
    const key = str(l.key);
    if (id !== null) byId.set(id, i);
    if (key !== null) byKey.set(key, i);
    if (str(l.source) !== null && num(l.sequence) !== null) bySeq.set(`${l.source}#${l.sequence}`, i);
  });
  const hit = new Map<number, LookalikeHit>();
  const scored = new Set<string>([...SCORED_KINDS, ...CORRECTION_FLAG_KINDS]);
  for (const f of flags) {
    const kind = str(f.kind);
    if (kind === null || !scored.has(kind)) continue;
    const found: number[] = [];
    const id = str(f.event_id);
    const key = str(f.key);
    if (id !== null && byId.has(id)) found.push(byId.get(id) as number);
    if (key !== null && CHAIN_KINDS.has(kind) && byKey.has(key)) found.push(byKey.get(key) as number);
    if (kind === "sequence_gap" && bySeq.size > 0) {
      const covered = new Set<string>();
      gapNumbers(f, true, covered);
      for (const k of covered) if (bySeq.has(k)) found.push(bySeq.get(k) as number);
    }
    for (const i of found) {
      if (hit.has(i)) continue;
      const l = lookalikes[i];
      hit.set(i, { lookalike: String(l.lookalike), event_id: str(l.event_id), key: str(l.key), flag_kind: kind, flag_id: str(f.flag_id) });
    }
  }

  let missing: number | null = null;
  const checks = { checked: null as number | null, wrong: null as number | null, examples: [] as CorrectionMiss[] };
  if (eventsPath !== undefined) {
    const wanted = new Set<string>(lookalikes.map((l) => str(l.event_id)).filter((x): x is string => x !== null));
    const withExpected = truth.filter((r) => r.expected !== undefined && str(r.event_id) !== null);
    const parseIds = new Set<string>([...wanted, ...withExpected.map((r) => String(r.event_id))]);
    const parsed = new Map<string, Obj>();
    const idPattern = /"event_id"\s*:\s*"([^"]*)"/;
    forEachLine(eventsPath, (line) => {
      const m = idPattern.exec(line);
      if (m === null) return;
      wanted.delete(m[1]);
      if (parseIds.has(m[1]) && !parsed.has(m[1])) {
        const value: unknown = JSON.parse(line);
        if (isRecord(value)) parsed.set(m[1], value);
      }
    });
    missing = wanted.size;
    lookalikes.forEach((l, i) => {
      const id = str(l.event_id);
      const event = id === null ? undefined : parsed.get(id);
      const corrections = event?.corrections;
      if (hit.has(i) || !Array.isArray(corrections) || corrections.length === 0) return;
      const first: unknown = corrections[0];
      const flagId = isRecord(first) ? str(first.flag_id) : null;
      hit.set(i, { lookalike: String(l.lookalike), event_id: id, key: str(l.key), flag_kind: "correction", flag_id: flagId });
    });
    checks.checked = withExpected.length;
    checks.wrong = 0;
    for (const r of withExpected) {
      const id = String(r.event_id);
      const miss = checkCorrection(r, parsed.get(id));
      if (miss === null) continue;
      checks.wrong++;
      if (checks.examples.length < 5) checks.examples.push(miss);
    }
  }

  return {
    kinds,
    lookalikes_total: lookalikes.length,
    lookalikes_flagged: hit.size,
    lookalike_examples: [...hit.values()].slice(0, 20),
    lookalikes_missing_from_events: missing,
    corrections_checked: checks.checked,
    corrections_wrong: checks.wrong,
    correction_examples: checks.examples,
  };
}

/** Minor units of a money value at `path` of `data` (USD cents for amount_usd, else the event's currency). */
function moneyMinor(data: Obj, path: string, value: unknown): bigint | null {
  const code = normalizeCurrency(getPath(data, "data.currency"));
  const exponent = path === "data.amount_usd" ? 2 : code === null ? DEFAULT_CURRENCY_EXPONENT : currencyExponent(code);
  return toMinor(value, { exponent, minorUnits: false });
}

/** Null when the run's event carries the truth record's expected value; else what differs. */
function checkCorrection(r: Obj, event: Obj | undefined): CorrectionMiss | null {
  const kind = String(r.kind);
  const id = String(r.event_id);
  const data = event !== undefined && isRecord(event.data) ? event.data : undefined;
  if (kind === "field_swap") {
    const expected = isRecord(r.expected) ? r.expected : {};
    const actual = data === undefined ? undefined : { email: getPath(data, "data.contact.email"), phone: getPath(data, "data.contact.phone") };
    const ok = actual !== undefined && actual.email === expected.email && actual.phone === expected.phone;
    return ok ? null : { kind, event_id: id, field: "data.contact", expected: r.expected, actual };
  }
  const field = str(r.field) ?? "";
  const actual = data === undefined ? undefined : getPath(data, field);
  if (data !== undefined) {
    const want = moneyMinor(data, field, r.expected);
    const got = moneyMinor(data, field, actual);
    if (want !== null && got !== null && want === got) return null;
  }
  return { kind, event_id: id, field, expected: r.expected, actual };
}
