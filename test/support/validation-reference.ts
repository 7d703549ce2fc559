/**
 * An independent reference for line validation, written from the README contract
 * ("Validation", "The envelope") and the timestamp tests (test/transforms/timestamp.test.ts),
 * not from src/validate.ts or src/timestamp.ts. Used by
 * test/corpus/validation-differential.test.ts against `validateLine`.
 *
 * Readings of the contract where it is not explicit (each one is a choice, named here):
 * - blank: after the BOM and one trailing CR are removed, nothing but spaces, tabs and CRs is
 *   left. A line from a file never holds LF; a Pub/Sub message can (" \n "): that is read as
 *   not blank (then not JSON, malformed_json), as the implementation does; the README's
 *   "whitespace-only" leaves it open. Other Unicode spaces make the line non-blank too.
 * - the BOM is removed at the start of any line, once; the CR at the end, once.
 * - `raw` is the text without BOM and CR, surrounding whitespace kept ("as received").
 * - string lengths (1-1024) are counted in UTF-16 code units (JavaScript `length`).
 * - `sequence`: absent or null -> null; else a number that is a safe integer (-0 counts as 0).
 * - `data` depth: `data` itself is level 1, each nested object or array one more level; at most 64.
 * - timestamps: ISO-8601 extended `YYYY-MM-DDTHH:MM[:SS[.f+]](Z|+hh:mm|+hhmm)`, `T` and `Z` in
 *   either case, hours 00-23, seconds 00-59 (no leap second), any number of fraction digits
 *   (truncated to ms), years 0000-9999 (proleptic Gregorian), offsets up to 23:59.
 *   Time to the minute and `+hhmm` offsets are ISO-8601 forms the README's "(Z or +hh:mm)" does
 *   not name; src/timestamp.ts documents accepting them, so the reference accepts them too. An
 *   hour-only offset (`+01`) is not accepted. RFC 3339 (the timestamp tests' grammar) and
 *   ISO-8601 put no limit on fraction digits: neither does the reference.
 * - numeric fields: absent or null are not checked (as the README's oracle, test/support/oracle.ts);
 *   a number must be finite; a numeric string is the README's: digits with an optional `-`,
 *   fraction and exponent, nothing around them (`-?digits[.digits]([eE][+-]?digits)?`; not " 1",
 *   "+1", ".5", "1."), whose value (`Number`) is finite. (First drawn as what the corrections'
 *   `parseDecimal` reads; validation accepted " 12" and rejected ".5": the README now defines
 *   the narrower form, which `parseDecimal` reads too.) Since 2026-11-27 also what the money
 *   rules reach: at most 64 characters, an exponent within +-40 as written (a number's in its
 *   shortest text: 1e41 and 1e-41 fail, 1e40 and 1e-40 pass). Then value >= min. `[]` walks arrays only: a path through a non-array
 *   or non-object yields no value (nothing checked).
 * - keys: the value at the dotted path through own properties of plain objects; a non-empty
 *   string as is, a finite number as String(n), anything else null.
 */

export type RefOutcome =
  | { readonly kind: "blank" }
  | { readonly kind: "dead_letter"; readonly error_code: string }
  | {
      readonly kind: "event";
      readonly event_id: string;
      readonly source: string;
      readonly sequence: number | null;
      readonly timestamp: string;
      readonly event_time: number;
      readonly event_type: string;
      readonly keys: Record<string, string | null>;
      readonly raw: string;
    };

export interface RefContext {
  readonly nowMs: number;
  readonly maxFutureMs: number;
  readonly maxAgeMs: number;
  readonly numericFields: ReadonlyArray<{ readonly path: string; readonly min: number | null }>;
  readonly keyPaths: ReadonlyArray<string>;
  /** Dotted paths of the envelope fields (own properties of objects at each step). */
  readonly envelope: { readonly event_id: string; readonly source: string; readonly sequence: string; readonly timestamp: string; readonly event_type: string; readonly data: string };
}

/** The default envelope: every field at the top level under its own name. */
export const DEFAULT_ENVELOPE: RefContext["envelope"] = { event_id: "event_id", source: "source", sequence: "sequence", timestamp: "timestamp", event_type: "event_type", data: "data" };

/** The value at a dotted path of own properties of plain objects, or undefined. */
function at(root: unknown, path: string): unknown {
  let c: unknown = root;
  for (const segment of path.split(".")) {
    if (!isPlainObject(c) || !own(c, segment)) return undefined;
    c = c[segment];
  }
  return c;
}

type Obj = Record<string, unknown>;

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const dead = (error_code: string): RefOutcome => ({ kind: "dead_letter", error_code });

function own(o: Obj, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

function isPlainObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isBlankByte(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d;
}

function envelopeString(v: unknown): boolean {
  return typeof v === "string" && v.length >= 1 && v.length <= 1024;
}

/** Depth of a JSON value: scalars 0, containers 1 + deepest child; stops counting past `limit`. */
function depthExceeds(v: unknown, level: number, limit: number): boolean {
  if (typeof v !== "object" || v === null) return false;
  if (level > limit) return true;
  const children = Array.isArray(v) ? v : Object.values(v as Obj);
  for (const c of children) if (depthExceeds(c, level + 1, limit)) return true;
  return false;
}

// ---------------------------------------------------------------- timestamps

const TS = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** Days since 1970-01-01 of a proleptic Gregorian date (any year >= 0), by counting. */
function daysFromCivil(y: number, m: number, d: number): number {
  // Days from 0000-03-01 using 400-year cycles of 146097 days, March-based years.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12; // March = 0
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Epoch ms of an RFC 3339 timestamp as read above, or null when it is not one. */
export function referenceEventTime(s: string): number | null {
  const m = TS.exec(s);
  if (m === null) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const ms = m[7] === undefined ? 0 : Number((m[7] + "00").slice(0, 3));
  let offsetMin = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMin = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const local = daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
  return local - offsetMin * 60_000;
}

// ---------------------------------------------------------------- numbers

const NUMERIC_STRING = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** The value of a numeric field, or null when it is neither a finite number nor a numeric string the money rules read. */
function numericValue(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) && exponentWithinReach(String(v)) ? v : null;
  if (typeof v === "string" && NUMERIC_STRING.test(v) && v.length <= 64 && exponentWithinReach(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** The README: the exponent as written (a number's in its shortest text) within +-40. */
function exponentWithinReach(text: string): boolean {
  const at = text.search(/[eE]/);
  return at < 0 || Math.abs(Number(text.slice(at + 1))) <= 40;
}

/** Every value at a numeric path (`a.b[].c`): own properties of objects, `[]` over arrays. */
function valuesAt(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const segment of path.split(".")) {
    const walk = segment.endsWith("[]");
    const key = walk ? segment.slice(0, -2) : segment;
    const next: unknown[] = [];
    for (const c of current) {
      if (!isPlainObject(c) || !own(c, key)) continue;
      const v = c[key];
      if (!walk) next.push(v);
      else if (Array.isArray(v)) next.push(...v);
    }
    current = next;
  }
  return current;
}

function keyValue(root: Obj, path: string): string | null {
  const c = at(root, path);
  if (typeof c === "string") return c.length > 0 ? c : null;
  if (typeof c === "number" && Number.isFinite(c)) return String(c);
  return null;
}

// ---------------------------------------------------------------- the line

/** The reference outcome of one input line (its bytes without the "\n"). */
export function referenceValidate(bytes: Uint8Array, ctx: RefContext): RefOutcome {
  let b = bytes;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
  if (b.length >= 1 && b[b.length - 1] === 0x0d) b = b.subarray(0, b.length - 1);
  let blank = true;
  for (const x of b) if (!isBlankByte(x)) blank = false;
  if (blank) return { kind: "blank" };

  let text: string;
  try {
    text = decoder.decode(b);
  } catch {
    return dead("malformed_json");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return dead("malformed_json");
  }

  if (!isPlainObject(parsed)) return dead("schema");
  const o = parsed;
  const env = ctx.envelope;
  const eventId = at(o, env.event_id);
  const source = at(o, env.source);
  const eventType = at(o, env.event_type);
  const sequence = at(o, env.sequence);
  const data = at(o, env.data);
  if (!envelopeString(eventId) || !envelopeString(source) || !envelopeString(eventType)) return dead("schema");
  if (sequence !== undefined && sequence !== null && !(typeof sequence === "number" && Number.isSafeInteger(sequence))) return dead("schema");
  if (!isPlainObject(data) || depthExceeds(data, 1, 64)) return dead("schema");

  const timestamp = at(o, env.timestamp);
  if (typeof timestamp !== "string") return dead("timestamp_invalid");
  const eventTime = referenceEventTime(timestamp);
  if (eventTime === null) return dead("timestamp_invalid");
  if (eventTime > ctx.nowMs + ctx.maxFutureMs) return dead("timestamp_future");
  if (eventTime < ctx.nowMs - ctx.maxAgeMs) return dead("timestamp_stale");

  for (const field of ctx.numericFields) {
    for (const v of valuesAt(o, field.path)) {
      if (v === undefined || v === null) continue;
      const n = numericValue(v);
      if (n === null || (field.min !== null && n < field.min)) return dead("numeric_invalid");
    }
  }

  const keys: Record<string, string | null> = {};
  for (const p of ctx.keyPaths) keys[p] = keyValue(o, p);
  return {
    kind: "event",
    event_id: eventId as string,
    source: source as string,
    sequence: sequence === undefined || sequence === null ? null : (sequence as number) + 0,
    timestamp,
    event_time: eventTime,
    event_type: eventType as string,
    keys,
    raw: text,
  };
}

// ---------------------------------------------------------------- dead letters

const lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** The most a dead letter's `raw` holds, in UTF-8 bytes (README: "cut at 64 KiB"). */
export const REF_MAX_RAW_BYTES = 64 * 1024;

/**
 * What a dead letter of these line bytes must carry besides its code: `raw` is a prefix of the
 * line's text (BOM and CR removed, invalid bytes as U+FFFD) of at most 64 KiB of UTF-8, the
 * whole text when that fits, else cut within the last character before the limit (so at least
 * 64 KiB - 3 bytes; a cut may not split a surrogate pair); `raw_truncated` says whether it was
 * cut; `event_id` is the configured event_id when it is a string, at most 1024 characters.
 */
export function referenceDeadLetterCheck(bytes: Uint8Array, ctx: RefContext, got: { raw: string; raw_truncated: boolean; event_id: string | null }): string | null {
  let b = bytes;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
  if (b.length >= 1 && b[b.length - 1] === 0x0d) b = b.subarray(0, b.length - 1);
  const full = lenient.decode(b);
  const fullBytes = Buffer.byteLength(full, "utf8");
  if (fullBytes <= REF_MAX_RAW_BYTES) {
    if (got.raw !== full) return "raw: not the whole line text";
    if (got.raw_truncated) return "raw_truncated: true for a whole raw";
  } else {
    if (!got.raw_truncated) return "raw_truncated: false for a cut raw";
    if (!full.startsWith(got.raw)) return "raw: not a prefix of the line text";
    const n = Buffer.byteLength(got.raw, "utf8");
    if (n > REF_MAX_RAW_BYTES) return "raw: longer than 64 KiB";
    if (n < REF_MAX_RAW_BYTES - 3) return "raw: cut more than one character before 64 KiB";
    if (/[\uD800-\uDBFF]$/.test(got.raw)) return "raw: ends in half a surrogate pair";
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(b));
  } catch {
    parsed = undefined;
  }
  const id = at(parsed, ctx.envelope.event_id);
  const want = typeof id === "string" ? id.slice(0, 1024) : null;
  if (got.event_id !== want) return `event_id: ref ${JSON.stringify(want)}, impl ${JSON.stringify(got.event_id)}`;
  return null;
}
