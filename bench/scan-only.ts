/**
 * Child process of `npm run bench`: a lower bound for cores whose events are never JavaScript
 * objects. Every line of FILE is checked with the byte scanner of bench/json-scan.ts (UTF-8 and
 * the whole JSON syntax, as validation's `JSON.parse` does, after the same BOM and CR
 * trimming), and of each object line its `event_id`, `sequence` and `timestamp` go into typed
 * arrays: the id as two 32-bit hashes in an open-addressed table (the dedup's lookup), the
 * sequence and the event time (epoch ms) as doubles. No string and no object is made per
 * line except for timestamps outside the `YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM)` form, which
 * `Date.parse` reads. Prints `{"seconds": S, "objects": N, "ids": N}`.
 *
 * It is not a validator (no envelope types, limits or dead letters): it shows what reading and
 * remembering the fields the detectors key on costs when nothing is materialized, next to the
 * floor, which materializes everything.
 *
 * With `full`, the scan also hashes what the other detectors key on: the source, the event
 * type, the data's structure (key order ignored, as the near-duplicate rule does) and the
 * default chain key `data.lead_id`, in a second pass over the data's bytes.
 *
 *   node dist/bench/scan-only.js FILE envelope|full
 */
import { readFileLines } from "../src/sources/jsonl-file";
import { bodyEnd, bodyStart } from "../src/validate";
import { dataFingerprint, foundKeyEnd, foundKeyStart, hashBytes } from "./byte-fingerprint";
import { newScanFound, scanLine } from "./json-scan";

const [file, mode] = process.argv.slice(2);
if (file === undefined || (mode !== "envelope" && mode !== "full")) {
  process.stderr.write("usage: scan-only.js FILE envelope|full\n");
  process.exit(2);
}

/** Slots of the id table: a power of two, at least twice the ids expected. */
const SLOTS = 1 << 22;
const hashA = new Uint32Array(SLOTS);
const hashB = new Uint32Array(SLOTS);
let ids = 0;
let sequences: Float64Array = new Float64Array(1 << 20);
let times: Float64Array = new Float64Array(1 << 20);
let sources: Int32Array = new Int32Array(1 << 20);
let types: Int32Array = new Int32Array(1 << 20);
let fingerprints: Int32Array = new Int32Array(1 << 20);
let leadIds: Int32Array = new Int32Array(1 << 20);
let objects = 0;

/** Adds the id bytes `b[start, end)` to the table (FNV-1a and a multiply-xorshift). */
function addId(b: Uint8Array, start: number, end: number): void {
  let x = 0x811c9dc5;
  let y = 0x9747b28c;
  for (let i = start; i < end; i++) {
    x = Math.imul(x ^ b[i], 16777619);
    y = Math.imul(y ^ b[i], 0x5bd1e995);
    y ^= y >>> 15;
  }
  x = x >>> 0 || 1; // 0 marks an empty slot
  y = y >>> 0;
  for (let slot = y & (SLOTS - 1); ; slot = (slot + 1) & (SLOTS - 1)) {
    if (hashA[slot] === 0) {
      hashA[slot] = x;
      hashB[slot] = y;
      ids += 1;
      return;
    }
    if (hashA[slot] === x && hashB[slot] === y) return;
  }
}

function digits(b: Uint8Array, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = b[i + k] - 0x30;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** Epoch ms of the timestamp string whose quotes are at `start` and `end - 1`; NaN when not read. */
function timeOf(b: Uint8Array, start: number, end: number): number {
  const s = start + 1;
  const e = end - 1;
  if (e - s >= 20 && b[s + 4] === 0x2d && b[s + 7] === 0x2d && b[s + 10] === 0x54 && b[s + 13] === 0x3a && b[s + 16] === 0x3a) {
    let i = s + 19;
    let ms = 0;
    if (b[i] === 0x2e) {
      let scale = 100;
      for (i++; i < e && b[i] >= 0x30 && b[i] <= 0x39; i++) {
        ms += (b[i] - 0x30) * scale;
        scale /= 10;
      }
      ms = Math.floor(ms);
    }
    let offsetMin = 0;
    if (i === e - 1 && b[i] === 0x5a) offsetMin = 0;
    else if (i === e - 6 && (b[i] === 0x2b || b[i] === 0x2d) && b[i + 3] === 0x3a) offsetMin = (b[i] === 0x2d ? -1 : 1) * (digits(b, i + 1, 2) * 60 + digits(b, i + 4, 2));
    else return Date.parse(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString("latin1"));
    const utc = Date.UTC(digits(b, s, 4), digits(b, s + 5, 2) - 1, digits(b, s + 8, 2), digits(b, s + 11, 2), digits(b, s + 14, 2), digits(b, s + 17, 2), ms);
    return utc - offsetMin * 60_000;
  }
  return Date.parse(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString("latin1"));
}

const LEAD_ID = Buffer.from("lead_id", "latin1");
const NAMES = ["event_id", "sequence", "timestamp", "source", "event_type", "data"];
const [ID, SEQ, TIME, SOURCE, TYPE, DATA] = [0, 1, 2, 3, 4, 5];

/**
 * Scans every line of `path` into the columns above (in a function: V8 optimizes it whole).
 * With `full`, also the source, event type and the data's structural hash and `lead_id`, as
 * 32-bit hashes: everything the detectors key on.
 */
function scanFile(path: string, full: boolean): void {
  const found = newScanFound(NAMES);
  for (const { bytes } of readFileLines(path)) {
    const from = bodyStart(bytes);
    const to = bodyEnd(bytes, from);
    if (!scanLine(bytes, from, to, found)) continue;
    if (objects === times.length) {
      times = grown(times);
      sequences = grown(sequences);
      sources = grownInt(sources);
      types = grownInt(types);
      fingerprints = grownInt(fingerprints);
      leadIds = grownInt(leadIds);
    }
    const s = found.starts;
    const e = found.ends;
    if (s[ID] >= 0 && bytes[s[ID]] === 0x22) addId(bytes, s[ID] + 1, e[ID] - 1);
    sequences[objects] = s[SEQ] >= 0 ? digits(bytes, s[SEQ], e[SEQ] - s[SEQ]) : NaN;
    times[objects] = s[TIME] >= 0 && bytes[s[TIME]] === 0x22 ? timeOf(bytes, s[TIME], e[TIME]) : NaN;
    if (full) {
      sources[objects] = s[SOURCE] >= 0 ? hashBytes(bytes, s[SOURCE], e[SOURCE]) : 0;
      types[objects] = s[TYPE] >= 0 ? hashBytes(bytes, s[TYPE], e[TYPE]) : 0;
      fingerprints[objects] = s[DATA] >= 0 ? dataFingerprint(bytes, s[DATA], LEAD_ID) : 0;
      leadIds[objects] = s[DATA] >= 0 && foundKeyStart() >= 0 ? hashBytes(bytes, foundKeyStart(), foundKeyEnd()) : 0;
    }
    objects += 1;
  }
}

function grown(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

function grownInt(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

const start = process.hrtime.bigint();
scanFile(file, mode === "full");
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(JSON.stringify({ seconds, objects, ids }) + "\n");
