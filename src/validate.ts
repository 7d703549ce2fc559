import { isUtf8 } from "buffer";
import { z } from "zod";
import type { RecoveryConfig } from "./config";
import type { DeadLetter, DeadLetterCode, DeliveryMeta, Issue, ReceivedEvent } from "./event";
import { collectPath, getPath, isPlainObject, nestsDeeperThan } from "./json-path";
import { eventTimeProblem, parseEventTime } from "./timestamp";
import { mayNeedCorrection, needsCorrection } from "./corrections/candidate";
import type { RateTable } from "./corrections/rate-table";
import { MAX_DECIMAL_EXPONENT, parseDecimal } from "./corrections/decimal";

/** Deepest `data` nesting accepted; deeper payloads are `schema` dead letters. */
export const MAX_DATA_DEPTH = 64;
/** Dead letters keep at most this many bytes of the received line (`raw_truncated` says so). */
export const MAX_RAW_BYTES = 64 * 1024;

/** What validation needs besides the line: the config and processing time. */
export interface ValidationContext {
  readonly config: RecoveryConfig;
  /** Processing time (`--now` or the wall clock at start), epoch ms. */
  readonly nowMs: number;
  /** Every configured key path (`keyPaths(config)`). */
  readonly keyPaths: ReadonlyArray<string>;
  /**
   * The run's exchange rates (null: currency revalidation off). When given, an event's
   * `correctable` is exact (the correction rules run on the parsed object here, see
   * `needsCorrection`); when absent, it is the conservative prefilter `mayNeedCorrection`.
   * The correction stage's output is the same either way, provided it gets these same rates
   * (the pipelines pass one table to both).
   */
  readonly rates?: RateTable | null;
}

export type Validated =
  | { readonly kind: "event"; readonly event: ReceivedEvent }
  | { readonly kind: "dead_letter"; readonly deadLetter: DeadLetter }
  | { readonly kind: "blank" };

const Envelope = z.object({
  event_id: z.string().min(1).max(1024),
  source: z.string().min(1).max(1024),
  sequence: z.number().int().safe().nullable().optional(),
  event_type: z.string().min(1).max(1024),
  data: z.custom<Record<string, unknown>>(isPlainObject, { message: "expected an object" }),
});

/**
 * One received line -> an event, a dead letter or a blank. Never throws for any input.
 *
 * Order of checks (the first failing family names the `error_code`): UTF-8 and JSON
 * (`malformed_json`), envelope fields and `data` depth (`schema`), the timestamp
 * (`timestamp_invalid`, then `timestamp_future` / `timestamp_stale` against processing
 * time), declared numeric fields (`numeric_invalid`). Issues carry paths and messages,
 * never the offending values.
 *
 * @example
 * validateLine(Buffer.from('{"event_id":"e1"}'), 7, ctx)
 * // -> { kind: "dead_letter", deadLetter: { error_code: "schema", line: 7, event_id: "e1", ... } }
 */
export function validateLine(bytes: Buffer, line: number, ctx: ValidationContext): Validated {
  const start = bodyStart(bytes);
  const end = bodyEnd(bytes, start);
  const body = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  if (isBlank(body)) return { kind: "blank" };
  const dead = (code: DeadLetterCode, issues: Issue[], parsed?: unknown): Validated => ({
    kind: "dead_letter",
    deadLetter: deadLetter(body, line, code, issues, parsed, ctx, new Date(ctx.nowMs).toISOString()),
  });
  if (!isUtf8(body)) return dead("malformed_json", [{ path: [], code: "invalid_utf8", message: "line is not valid UTF-8" }]);
  const text = body.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the input around the error: keep only the position (no PII).
    const at = /position (\d+)/.exec((err as Error).message);
    return dead("malformed_json", [{ path: [], code: "invalid_json", message: at === null ? "not valid JSON" : `not valid JSON (at position ${at[1]})` }]);
  }
  if (!isPlainObject(parsed)) return dead("schema", [{ path: [], code: "invalid_type", message: "expected a JSON object" }]);
  return validateObject(parsed, text, line, ctx, dead);
}

/** Where a line's text starts: after a UTF-8 byte order mark, if any. */
export function bodyStart(bytes: Buffer): number {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

/** Where a line's text ends: before a trailing `\r`, if any. `bytes[bodyStart, bodyEnd)` is what `raw` decodes. */
export function bodyEnd(bytes: Buffer, start: number): number {
  const end = bytes.length;
  return end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
}

function validateObject(
  obj: Record<string, unknown>,
  text: string,
  line: number,
  ctx: ValidationContext,
  dead: (code: DeadLetterCode, issues: Issue[], parsed?: unknown) => Validated,
): Validated {
  const env = ctx.config.envelope;
  const eventId = getPath(obj, env.event_id);
  const source = getPath(obj, env.source);
  const sequence = getPath(obj, env.sequence);
  const eventType = getPath(obj, env.event_type);
  const data = getPath(obj, env.data);
  // The zod schema is the specification; the hand-written predicate is its fast path for
  // the common valid case, and zod runs only to explain a failure.
  if (!fastEnvelopeCheck(eventId, source, sequence, eventType, data)) {
    const checked = Envelope.safeParse({ event_id: eventId, source, sequence, event_type: eventType, data });
    if (!checked.success) {
      const issues = checked.error.issues.map((i) => ({
        path: [...configuredPath(env, String(i.path[0])), ...i.path.slice(1)],
        code: i.code,
        message: i.message,
      }));
      return dead("schema", issues, obj);
    }
  }
  const fields = { event_id: eventId as string, source: source as string, sequence: sequence as number | null | undefined, event_type: eventType as string, data: data as Record<string, unknown> };
  if (nestsDeeperThan(fields.data, MAX_DATA_DEPTH)) {
    return dead("schema", [{ path: env.data.split("."), code: "too_deep", message: `nesting deeper than ${MAX_DATA_DEPTH}` }], obj);
  }
  const stamp = getPath(obj, env.timestamp);
  const tsPath = env.timestamp.split(".");
  if (stamp === undefined || stamp === null) {
    return dead("timestamp_invalid", [{ path: tsPath, code: "missing", message: "timestamp is required" }], obj);
  }
  const eventTime = typeof stamp === "string" ? parseEventTime(stamp) : null;
  if (eventTime === null) {
    const message = typeof stamp === "string" ? eventTimeProblem(stamp) : "expected ISO-8601 with a zone";
    return dead("timestamp_invalid", [{ path: tsPath, code: "invalid_date", message }], obj);
  }
  const v = ctx.config.validation;
  if (eventTime > ctx.nowMs + v.max_future_ms) {
    return dead("timestamp_future", [{ path: tsPath, code: "too_big", message: `more than ${v.max_future_ms} ms after processing time` }], obj);
  }
  if (eventTime < ctx.nowMs - v.max_age_ms) {
    return dead("timestamp_stale", [{ path: tsPath, code: "too_small", message: `more than ${v.max_age_ms} ms before processing time` }], obj);
  }
  const numericIssues = checkNumericFields(obj, ctx.config);
  if (numericIssues.length > 0) return dead("numeric_invalid", numericIssues, obj);

  const event: ReceivedEvent = {
    line,
    event_id: fields.event_id,
    source: interned(fields.source),
    sequence: fields.sequence ?? null,
    timestamp: stamp as string,
    event_time: eventTime,
    event_type: interned(fields.event_type),
    keys: keyValues(obj, ctx.keyPaths),
    meta: deliveryMeta(obj),
    correctable: correctable(obj, fields, stamp as string, ctx),
    raw: text,
  };
  return { kind: "event", event };
}

/** Whether the correction stage may rewrite or flag the event (see `ValidationContext.rates`). */
function correctable(obj: Record<string, unknown>, fields: { event_id: string; source: string; event_type: string; data: Record<string, unknown> }, timestamp: string, ctx: ValidationContext): boolean {
  const corrections = hasOwn(obj, "corrections") ? obj["corrections"] : undefined;
  if (ctx.rates === undefined) return mayNeedCorrection(fields.data, fields.event_type, ctx.config.corrections, corrections !== undefined);
  const event = { event_id: fields.event_id, event_type: fields.event_type, timestamp, source: fields.source, data: fields.data, corrections };
  return needsCorrection(event, ctx.rates, ctx.config.corrections);
}

/**
 * Numbers (or numeric strings) at the declared paths must be finite, within the money rules'
 * reach (`withinDecimalReach`) and >= their minimum.
 */
function checkNumericFields(obj: Record<string, unknown>, config: RecoveryConfig): Issue[] {
  // Fast path without allocations for the common all-valid case; issues only on failure.
  if (config.validation.numeric_fields.every((f) => numericValid(obj, compiledSteps(f.path), 0, f.min))) return [];
  const issues: Issue[] = [];
  for (const field of config.validation.numeric_fields) {
    for (const { path, value } of collectPath(obj, field.path)) {
      if (value === null) continue;
      const n = typeof value === "number" ? value : typeof value === "string" && NUMERIC_TEXT.test(value) ? Number(value) : NaN;
      if (!Number.isFinite(n)) issues.push({ path, code: "not_finite", message: "expected a finite number" });
      else if (!withinDecimalReach(value as number | string)) issues.push({ path, code: "out_of_range", message: `beyond what the money rules read (at most 64 characters, an exponent within +-${MAX_DECIMAL_EXPONENT})` });
      else if (field.min !== null && n < field.min) issues.push({ path, code: "too_small", message: `expected >= ${field.min}` });
    }
  }
  return issues;
}

function fastEnvelopeCheck(eventId: unknown, source: unknown, seq: unknown, eventType: unknown, data: unknown): boolean {
  return (
    isIdString(eventId) &&
    isIdString(source) &&
    isIdString(eventType) &&
    (seq === undefined || seq === null || (typeof seq === "number" && Number.isSafeInteger(seq))) &&
    isPlainObject(data)
  );
}

/** The same all-null `keys` object for every event that has none of the key paths (most do not). */
const noKeys = new WeakMap<ReadonlyArray<string>, Readonly<Record<string, string | null>>>();

function keyValues(obj: Record<string, unknown>, paths: ReadonlyArray<string>): Readonly<Record<string, string | null>> {
  let keys: Record<string, string | null> | null = null;
  for (let i = 0; i < paths.length; i++) {
    const value = keyValue(getPath(obj, paths[i]));
    if (value === null && keys === null) continue;
    if (keys === null) {
      keys = {};
      for (let j = 0; j < i; j++) keys[paths[j]] = null;
    }
    keys[paths[i]] = value;
  }
  if (keys !== null) return keys;
  let shared = noKeys.get(paths);
  if (shared === undefined) {
    const all: Record<string, string | null> = {};
    for (const path of paths) all[path] = null;
    shared = Object.freeze(all);
    noKeys.set(paths, shared);
  }
  return shared;
}

/** Sources and event types seen, so held events share one copy of each (bounded). */
const INTERNED = new Map<string, string>();
const MAX_INTERNED = 4096;

/** The shared copy of a short, repetitive string (a source or an event type). */
function interned(value: string): string {
  const shared = INTERNED.get(value);
  if (shared !== undefined) return shared;
  if (INTERNED.size < MAX_INTERNED && value.length <= 128) INTERNED.set(value, value);
  return value;
}

function isIdString(v: unknown): boolean {
  return typeof v === "string" && v.length >= 1 && v.length <= 1024;
}

/**
 * A numeric string: digits with an optional `-`, fraction and exponent, nothing around them
 * (`"12.50"`, `"-3"`, `"1e3"`; not `" 12"`, `"+1"`, `".5"`). The correction rules read every
 * such text (`parseDecimal` accepts more) up to their limits (64 characters, exponents within
 * +-40), so white space cannot slip an amount past them.
 */
const NUMERIC_TEXT = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** The smallest magnitude other than 0 the money rules read from a number: 1e-40 (the literal, correctly rounded). */
const SMALLEST_READ = Number(`1e-${MAX_DECIMAL_EXPONENT}`);
/** The smallest magnitude they do not: 1e41. */
const LARGEST_UNREAD = Number(`1e${MAX_DECIMAL_EXPONENT + 1}`);

/**
 * Whether the money rules read a finite number or numeric string exactly (`parseDecimal` is
 * not null): at most 64 characters and an exponent within +-40 as written; a number as its
 * shortest text, so 0 or 1e-40 <= |x| < 1e41. Beyond that an amount could be neither
 * revalidated nor corrected, so validation does not accept it (`out_of_range`).
 */
export function withinDecimalReach(value: number | string): boolean {
  if (typeof value === "string") return parseDecimal(value) !== null;
  const magnitude = Math.abs(value);
  return magnitude === 0 || (magnitude >= SMALLEST_READ && magnitude < LARGEST_UNREAD);
}

const stepCache = new Map<string, Array<{ name: string; array: boolean }>>();

function compiledSteps(path: string): Array<{ name: string; array: boolean }> {
  let steps = stepCache.get(path);
  if (steps === undefined) {
    steps = path.split(".").map((raw) => (raw.endsWith("[]") ? { name: raw.slice(0, -2), array: true } : { name: raw, array: false }));
    stepCache.set(path, steps);
  }
  return steps;
}

function numericValid(node: unknown, steps: Array<{ name: string; array: boolean }>, i: number, min: number | null): boolean {
  if (i === steps.length) {
    if (node === null) return true;
    const n = typeof node === "number" ? node : typeof node === "string" && NUMERIC_TEXT.test(node) ? Number(node) : NaN;
    return Number.isFinite(n) && withinDecimalReach(node as number | string) && (min === null || n >= min);
  }
  const step = steps[i];
  if (!isPlainObject(node) || !Object.prototype.hasOwnProperty.call(node, step.name)) return true;
  const child = node[step.name];
  if (!step.array) return numericValid(child, steps, i + 1, min);
  if (!Array.isArray(child)) return true;
  for (const el of child) if (!numericValid(el, steps, i + 1, min)) return false;
  return true;
}

function keyValue(value: unknown): string | null {
  if (typeof value === "string") return value.length > 0 ? value : null;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

function configuredPath(env: RecoveryConfig["envelope"], field: string): string[] {
  const path = (env as Record<string, string>)[field];
  return typeof path === "string" ? path.split(".") : [field];
}

/** Pub/Sub delivery fields at the top level of a received object, when present. */
export function deliveryMeta(obj: unknown): DeliveryMeta {
  if (!isPlainObject(obj) || !(hasOwn(obj, "message_id") || hasOwn(obj, "publish_time") || hasOwn(obj, "attributes") || hasOwn(obj, "delivery_attempt"))) {
    return NO_META;
  }
  const get = (k: string): unknown => (isPlainObject(obj) && Object.prototype.hasOwnProperty.call(obj, k) ? obj[k] : undefined);
  const messageId = get("message_id");
  const publishTime = get("publish_time");
  const attempt = get("delivery_attempt");
  return {
    message_id: typeof messageId === "string" ? messageId : null,
    publish_time: typeof publishTime === "string" ? publishTime : null,
    attributes: stringRecord(get("attributes")),
    delivery_attempt: typeof attempt === "number" && Number.isInteger(attempt) ? attempt : null,
  };
}

const NO_META: DeliveryMeta = Object.freeze({ message_id: null, publish_time: null, attributes: null, delivery_attempt: null });

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function stringRecord(value: unknown): Record<string, string> | null {
  if (!isPlainObject(value)) return null;
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  return out;
}

function isBlank(body: Buffer): boolean {
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
}

function deadLetter(
  body: Buffer,
  line: number,
  code: DeadLetterCode,
  issues: Issue[],
  parsed: unknown,
  ctx: ValidationContext,
  receivedAt: string,
): DeadLetter {
  const { raw, truncated } = cutRaw(body);
  const eventId = getPath(parsed, ctx.config.envelope.event_id);
  const meta = deliveryMeta(parsed);
  return {
    error_code: code,
    issues,
    raw,
    raw_truncated: truncated,
    line,
    event_id: typeof eventId === "string" ? eventId.slice(0, 1024) : null,
    message_id: meta.message_id,
    attributes: meta.attributes,
    received_at: receivedAt,
  };
}

/**
 * The received bytes as UTF-8 text of at most MAX_RAW_BYTES bytes: cut on a character
 * boundary; invalid bytes become U+FFFD, which can make the text longer than the bytes, so the
 * decoded text is trimmed again until it fits.
 */
function cutRaw(body: Buffer): { raw: string; truncated: boolean } {
  if (body.length <= MAX_RAW_BYTES) {
    const text = body.toString("utf8");
    if (Buffer.byteLength(text) <= MAX_RAW_BYTES) return { raw: text, truncated: false };
  }
  let end = Math.min(body.length, MAX_RAW_BYTES);
  while (end > 0 && end < body.length && (body[end] & 0xc0) === 0x80) end--;
  let text = body.subarray(0, end).toString("utf8");
  while (Buffer.byteLength(text) > MAX_RAW_BYTES) text = text.slice(0, text.length - Math.max(1, Math.ceil((Buffer.byteLength(text) - MAX_RAW_BYTES) / 3)));
  if (/[\uD800-\uDBFF]$/.test(text)) text = text.slice(0, -1);
  return { raw: text, truncated: true };
}
