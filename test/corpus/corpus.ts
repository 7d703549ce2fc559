/**
 * A bad-input corpus built at test time (nothing large is committed): every line is a
 * `CorpusLine` with the outcome the validator must give it (kept event, blank, or a
 * dead-letter code), reasoned from src/validate.ts and src/timestamp.ts.
 */
import * as fs from "fs";

export const CORPUS_NOW = "2026-11-25T12:00:00Z";
/** Put in wrong-typed / malformed fields: it must never appear in a dead letter's `issues`. */
export const CANARY = "pii-canary@example.com";
export const EIGHT_MB = 8 * 1024 * 1024;

export type Outcome = { readonly kind: "event"; readonly eventId: string } | { readonly kind: "blank" } | { readonly kind: "dead"; readonly code: string };

export interface CorpusLine {
  readonly name: string;
  /** Line bytes without the terminating "\n" (a "\r" here is a CRLF ending). */
  readonly bytes: Buffer;
  readonly outcome: Outcome;
  /** The line carries CANARY in an offending value. */
  readonly canary?: boolean;
}

type Obj = Record<string, unknown>;

let counter = 0;
/** A valid event, 2 h before CORPUS_NOW plus `counter` seconds, unique data (no near-duplicates). */
export function good(id: string, extra: Obj = {}): Obj {
  counter += 1;
  const t = new Date(Date.parse("2026-11-25T10:00:00Z") + counter * 1000).toISOString();
  return { event_id: id, source: "corpus", timestamp: t, event_type: "order.placed", data: { n: counter, ref: id }, ...extra };
}

const text = (s: string): Buffer => Buffer.from(s, "utf8");
const json = (o: unknown): Buffer => text(JSON.stringify(o));
const ev = (name: string, o: Obj): CorpusLine => ({ name, bytes: json(o), outcome: { kind: "event", eventId: String(o.event_id) } });
const dead = (name: string, bytes: Buffer, code: string, canary = false): CorpusLine => ({ name, bytes, outcome: { kind: "dead", code }, canary });
const blank = (name: string, bytes: Buffer): CorpusLine => ({ name, bytes, outcome: { kind: "blank" } });

function deepArray(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

function deepObject(depth: number): string {
  return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

/** Every line of the corpus, in file order (line number = index + 1). */
export function corpusLines(): CorpusLine[] {
  counter = 0;
  const lines: CorpusLine[] = [];
  const add = (l: CorpusLine): void => {
    lines.push(l);
  };
  // Line 1: a UTF-8 BOM before a valid event.
  add({ name: "bom_first_line", bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(good("g-bom"))]), outcome: { kind: "event", eventId: "g-bom" } });
  add(ev("good_1", good("g-1")));

  // Truncated / malformed JSON.
  const full = JSON.stringify(good("t-trunc"));
  add(dead("truncated_json", text(full.slice(0, full.length - 7)), "malformed_json"));
  add(dead("truncated_after_brace", text("{"), "malformed_json"));
  add(dead("nan_literal_amount", text(JSON.stringify(good("t-nan", {})).replace('"n":', '"amount":NaN,"n":')), "malformed_json"));
  add(dead("infinity_literal_amount", text(JSON.stringify(good("t-inf", {})).replace('"n":', '"amount":Infinity,"n":')), "malformed_json"));
  add(dead("invalid_utf8", Buffer.concat([text('{"event_id":"t-utf8","source":"corpus","data":{"x":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), text('"}}')]), "malformed_json"));
  add(dead("trailing_garbage", text(JSON.stringify(good("t-garbage")) + " x"), "malformed_json"));
  add(dead("malformed_unquoted_canary", text(`{"event_id":"t-mal1","email": ${CANARY}}`), "malformed_json", true));
  add(dead("malformed_nan_after_canary", text(`{"email":"${CANARY}","amount": NaN}`), "malformed_json", true));
  add(dead("single_quotes", text("{'event_id': 't-sq'}"), "malformed_json"));

  // Not an object.
  add(dead("json_array", text("[1,2,3]"), "schema"));
  add(dead("json_array_of_event", text(JSON.stringify([good("t-arr")])), "schema"));
  add(dead("json_number", text("42"), "schema"));
  add(dead("json_string", text('"hello"'), "schema"));
  add(dead("json_null", text("null"), "schema"));
  add(dead("json_true", text("true"), "schema"));

  // Wrong types for each envelope field (the canary rides in the wrong-typed value).
  add(dead("event_id_number", json(good("x", { event_id: 12345 })), "schema"));
  add(dead("event_id_array_canary", json(good("x", { event_id: [CANARY] })), "schema", true));
  add(dead("event_id_empty", json(good("x", { event_id: "" })), "schema"));
  add(dead("source_object_canary", json(good("t-src", { source: { email: CANARY } })), "schema", true));
  add(dead("source_null", json(good("t-srcnull", { source: null })), "schema"));
  add(dead("sequence_string_canary", json(good("t-seq", { sequence: CANARY })), "schema", true));
  add(dead("sequence_float", json(good("t-seqf", { sequence: 1.5 })), "schema"));
  add(dead("sequence_unsafe", text(JSON.stringify(good("t-sequ")).replace('"source"', '"sequence":9007199254740993,"source"')), "schema"));
  add(dead("event_type_object", json(good("t-type", { event_type: { t: 1 } })), "schema"));
  add(dead("event_type_too_long_canary", json(good("t-typelong", { event_type: CANARY.repeat(60) })), "schema", true));
  add(dead("data_string_canary", json(good("t-data", { data: CANARY })), "schema", true));
  add(dead("data_array", json(good("t-dataarr", { data: [1, 2] })), "schema"));
  add(dead("data_null", json(good("t-datanull", { data: null })), "schema"));
  add(dead("timestamp_number", json(good("t-tsnum", { timestamp: 1764064800000 })), "timestamp_invalid"));
  add(dead("timestamp_canary", json(good("t-tscanary", { timestamp: CANARY })), "timestamp_invalid", true));
  add(dead("timestamp_object", json(good("t-tsobj", { timestamp: { iso: "2026-11-25T10:00:00Z" } })), "timestamp_invalid"));
  add(dead("amount_string_canary", json(good("t-amt", { data: { amount: CANARY } })), "numeric_invalid", true));
  add(dead("amount_negative", json(good("t-amtneg", { data: { amount: -0.01 } })), "numeric_invalid"));
  add(dead("amount_nan_string", json(good("t-amtnan", { data: { amount: "NaN" } })), "numeric_invalid"));
  add(dead("amount_infinity_string", json(good("t-amtinf", { data: { amount: "Infinity" } })), "numeric_invalid"));
  add(dead("amount_1e400", text(JSON.stringify(good("t-1e400", { data: { amount: 0 } })).replace('"amount":0', '"amount":1e400')), "numeric_invalid"));
  add(dead("amount_boolean", json(good("t-amtbool", { data: { amount: true } })), "numeric_invalid"));
  add(dead("amount_1e41_beyond_money_rules", json(good("t-1e41", { data: { amount: 1e41 } })), "numeric_invalid"));
  add(dead("amount_string_1e41", json(good("t-s1e41", { data: { amount: "1e41" } })), "numeric_invalid"));
  add(dead("amount_65_characters", json(good("t-65c", { data: { amount: "1" + "0".repeat(61) + ".00" } })), "numeric_invalid"));
  add(dead("amount_1e-41", json(good("t-1e-41", { data: { amount: 1e-41 } })), "numeric_invalid"));
  add(ev("amount_1e40_within_reach", good("g-1e40", { data: { amount: 1e40 } })));
  add(ev("amount_1e-40_within_reach", good("g-1e-40", { data: { amount: 1e-40 } })));
  add(dead("quantity_negative_in_items", json(good("t-items", { data: { items: [{ unit_price: 2, quantity: -1 }] } })), "numeric_invalid"));

  // Missing fields.
  for (const field of ["event_id", "source", "event_type", "data"]) {
    const o = good(`t-missing-${field}`);
    delete o[field];
    add(dead(`missing_${field}`, json(o), "schema"));
  }
  const noTs = good("t-missing-ts");
  delete noTs.timestamp;
  add(dead("missing_timestamp", json(noTs), "timestamp_invalid"));
  add(dead("empty_object", text("{}"), "schema"));

  // Timestamps.
  add(dead("timestamp_without_zone", json(good("t-nozone", { timestamp: "2026-11-25T10:00:00" })), "timestamp_invalid"));
  add(dead("timestamp_30_february", json(good("t-feb30", { timestamp: "2026-02-30T10:00:00Z" })), "timestamp_invalid"));
  add(dead("timestamp_29_february_non_leap", json(good("t-feb29", { timestamp: "2026-02-29T10:00:00Z" })), "timestamp_invalid"));
  add(dead("timestamp_30_february_millis", json(good("t-feb30ms", { timestamp: "2026-02-30T10:00:00.000Z" })), "timestamp_invalid"));
  add(dead("timestamp_hour_24", json(good("t-hour24", { timestamp: "2026-11-25T24:00:00Z" })), "timestamp_invalid"));
  add(dead("timestamp_date_only", json(good("t-dateonly", { timestamp: "2026-11-25" })), "timestamp_invalid"));
  add(dead("timestamp_year_0099", json(good("t-y0099", { timestamp: "0099-11-25T10:00:00Z" })), "timestamp_stale"));
  add(dead("timestamp_future", json(good("t-future", { timestamp: "2026-11-25T12:05:00.001Z" })), "timestamp_future"));
  add(dead("timestamp_far_future", json(good("t-farfuture", { timestamp: "9999-12-31T23:59:59Z" })), "timestamp_future"));
  add(dead("timestamp_stale", json(good("t-stale", { timestamp: "2026-10-26T11:59:59.999Z" })), "timestamp_stale"));
  add(ev("timestamp_future_limit_inclusive", good("g-futurelimit", { timestamp: "2026-11-25T12:05:00Z" })));
  add(ev("timestamp_stale_limit_inclusive", good("g-stalelimit", { timestamp: "2026-10-26T12:00:00Z" })));
  add(ev("timestamp_offset", good("g-offset", { timestamp: "2026-11-25T11:30:00+01:00" })));

  // Nesting: data depth limit 64 (data itself is level 1: deepObject(64) is depth 64), 100k deep in and outside data.
  add(ev("data_depth_64", { ...good("g-depth64"), data: JSON.parse(deepObject(64)) as Obj }));
  add(dead("data_depth_65", text(JSON.stringify(good("t-depth65")).replace(/"data":\{[^}]*\}/, `"data":${deepObject(65)}`)), "schema"));
  add(dead("data_100k_deep_array", text(JSON.stringify(good("t-deeparr")).replace(/"data":\{[^}]*\}/, `"data":{"x":${deepArray(100_000)}}`)), "schema"));
  add(dead("data_100k_deep_object", text(JSON.stringify(good("t-deepobj")).replace(/"data":\{[^}]*\}/, `"data":${deepObject(100_000)}`)), "schema"));
  // Outside data only `data` is depth-checked: a deep sibling field leaves a valid event.
  add({ name: "top_level_100k_deep", bytes: text(JSON.stringify(good("g-deeptop")).replace(/\}$/, `,"extra":${deepArray(100_000)}}`)), outcome: { kind: "event", eventId: "g-deeptop" } });
  add(dead("top_level_100k_deep_array_line", text(deepArray(100_000)), "schema"));

  // An 8 MB line (a schema dead letter: no event_id) of ASCII.
  const big = good("t-8mb");
  delete big.event_id;
  const bigText = JSON.stringify({ ...big, data: { blob: "" } }).replace('"blob":""', `"blob":"${"a".repeat(EIGHT_MB)}"`);
  add(dead("eight_mb_line", text(bigText), "schema"));

  // Prototype-pollution payloads: own keys named __proto__ / constructor are plain data.
  add({
    name: "proto_in_data",
    bytes: text(JSON.stringify(good("g-proto")).replace(/"data":\{/, '"data":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},')),
    outcome: { kind: "event", eventId: "g-proto" },
  });
  add({
    name: "proto_top_level",
    bytes: text(JSON.stringify(good("g-proto-top")).replace(/^\{/, '{"__proto__":{"polluted":"yes","event_id":"evil"},"constructor":{"prototype":{"polluted":"yes"}},')),
    outcome: { kind: "event", eventId: "g-proto-top" },
  });
  add(dead("proto_only_envelope", text('{"__proto__":{"event_id":"p1","source":"s","timestamp":"2026-11-25T10:00:00Z","event_type":"x","data":{},"polluted":"yes"}}'), "schema"));
  add({
    name: "proto_in_attributes",
    bytes: text(JSON.stringify(good("g-proto-attr")).replace(/^\{/, '{"message_id":"m1","attributes":{"__proto__":"x","constructor":"y","polluted":"z"},')),
    outcome: { kind: "event", eventId: "g-proto-attr" },
  });

  // A 2,000-character event_id (max 1024).
  add(dead("event_id_2000_chars", json(good("i".repeat(2000))), "schema"));

  // Blank lines, CRLF endings, whitespace-only lines.
  add(blank("empty_line", text("")));
  add(blank("spaces_and_tabs", text("  \t  ")));
  add(blank("lone_cr", text("\r")));
  add({ name: "crlf_event", bytes: Buffer.concat([json(good("g-crlf")), text("\r")]), outcome: { kind: "event", eventId: "g-crlf" } });
  add(dead("crlf_dead_letter", text("{oops\r"), "malformed_json"));
  add(ev("good_2", good("g-2", { sequence: null })));
  add(ev("unicode_ok", good("g-unicode", { data: { name: "Zoë 漢字 🎉", n: 9999 } })));
  // Last line: a valid event without a trailing newline.
  add(ev("final_line_no_newline", good("g-last")));
  return lines;
}

/** Writes the corpus: lines joined by "\n", the last one without a newline. */
export function writeCorpus(file: string, lines: ReadonlyArray<CorpusLine>): void {
  const fd = fs.openSync(file, "w");
  try {
    lines.forEach((l, i) => {
      fs.writeSync(fd, l.bytes);
      if (i < lines.length - 1) fs.writeSync(fd, "\n");
    });
  } finally {
    fs.closeSync(fd);
  }
}
