/**
 * Child process of `npm run bench`: what the least a dedup by event_id must do costs, next to
 * the floor. It reads and parses every line of FILE (as the floor does) and records each
 * object's `event_id`, in one of two forms, then prints `{"seconds": S, "ids": N}`:
 *
 * - `strings`: a `Set` of the id strings, as any rule that remembers ids as JavaScript strings
 *   must (the cores' dedup, the Beam shuffle, the streaming state). The strings outlive the
 *   young generation, and the collector copies them: this is a lower bound for any cores built
 *   of per-event heap objects, and it is compared with the 2x target.
 * - `hashed`: two 32-bit hashes of each id in open-addressed typed arrays, no string kept.
 *   Not exact (a real table would confirm a hash match against the input line); it shows what
 *   a layout without per-event strings would start from.
 *
 *   node dist/bench/id-set-only.js FILE strings|hashed
 */
import { readFileLines } from "../src/sources/jsonl-file";

const [file, mode] = process.argv.slice(2);
if (file === undefined || (mode !== "strings" && mode !== "hashed")) {
  process.stderr.write("usage: id-set-only.js FILE strings|hashed\n");
  process.exit(2);
}

/** Slots of the hashed table: a power of two, at least twice the ids expected. */
const SLOTS = 1 << 22;
const hashA = new Uint32Array(mode === "hashed" ? SLOTS : 0);
const hashB = new Uint32Array(mode === "hashed" ? SLOTS : 0);
const strings = new Set<string>();
let hashed = 0;

/** Adds an id to the hashed table (FNV-1a and a multiply-xorshift over its UTF-16 units). */
function addHashed(id: string): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = a >>> 0 || 1; // 0 marks an empty slot
  b = b >>> 0;
  for (let slot = b & (SLOTS - 1); ; slot = (slot + 1) & (SLOTS - 1)) {
    if (hashA[slot] === 0) {
      hashA[slot] = a;
      hashB[slot] = b;
      hashed += 1;
      return;
    }
    if (hashA[slot] === a && hashB[slot] === b) return;
  }
}

const start = process.hrtime.bigint();
for (const { bytes } of readFileLines(file)) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    continue; // the generated input holds a few bad lines on purpose
  }
  const id = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>)["event_id"] : undefined;
  if (typeof id !== "string") continue;
  if (mode === "strings") strings.add(id);
  else addHashed(id);
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(JSON.stringify({ seconds, ids: mode === "strings" ? strings.size : hashed }) + "\n");
