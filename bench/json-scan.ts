/**
 * A JSON syntax check over a line's bytes that builds no JavaScript value: the measuring stick
 * for "events that are never objects" (bench/scan-only.ts), not a part of the library.
 *
 * `scanLine(bytes, start, end, found)` returns true exactly when `bytes[start, end)` is valid
 * UTF-8 and `JSON.parse` of its text would succeed and give an object (the cases
 * `validateLine` reads on: invalid UTF-8 and non-objects are dead letters). Nesting is tracked
 * in a byte stack, not by recursion, so any depth is scanned. For the top-level members `found`
 * names (written without escapes), the byte range of the last occurrence's value is left in
 * `found` (`JSON.parse` keeps the last of repeated keys), -1 when absent.
 */

/** Byte ranges of the top-level members a scan records: [starts[k], ends[k]) for names[k], -1 when absent. */
export interface ScanFound {
  readonly names: ReadonlyArray<Uint8Array>;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

/** A `ScanFound` for the top-level members `names` (written without escapes). */
export function newScanFound(names: ReadonlyArray<string>): ScanFound {
  return { names: names.map((n) => Buffer.from(n, "latin1")), starts: new Int32Array(names.length), ends: new Int32Array(names.length) };
}

const OBJECT = 1;
const ARRAY = 2;
let stack = new Uint8Array(256);

/** Which recorded member the key `b[start, end)` names: its index + 1, or 0. */
function memberOf(found: ScanFound, b: Uint8Array, start: number, end: number): number {
  const n = end - start;
  next: for (let k = 0; k < found.names.length; k++) {
    const name = found.names[k];
    if (name.length !== n) continue;
    for (let j = 0; j < n; j++) if (b[start + j] !== name[j]) continue next;
    return k + 1;
  }
  return 0;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** End of the string whose opening quote is at `i` (the index after its closing quote), or -1. */
function scanString(b: Uint8Array, i: number, end: number): number {
  i++;
  while (i < end) {
    const c = b[i];
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      const e = b[i + 1];
      if (i + 1 >= end) return -1;
      if (e === 0x75) {
        if (i + 5 >= end || !isHex(b[i + 2]) || !isHex(b[i + 3]) || !isHex(b[i + 4]) || !isHex(b[i + 5])) return -1;
        i += 6;
      } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i += 2;
      else return -1;
    } else if (c < 0x20) return -1;
    else if (c < 0x80) i++;
    else {
      const n = utf8Length(b, i, end);
      if (n === 0) return -1;
      i += n;
    }
  }
  return -1;
}

/** Length of the well-formed UTF-8 sequence at `i` (Unicode Table 3-7), 0 when ill-formed. */
function utf8Length(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < end && b[i + k] >= lo && b[i + k] <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** End of the number starting at `i`, or -1 (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`). */
function scanNumber(b: Uint8Array, i: number, end: number): number {
  if (b[i] === 0x2d) i++;
  if (i >= end) return -1;
  if (b[i] === 0x30) i++;
  else if (b[i] >= 0x31 && b[i] <= 0x39) while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++;
  else return -1;
  if (i < end && b[i] === 0x2e) {
    i++;
    const digits = i;
    while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++;
    if (i === digits) return -1;
  }
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    const digits = i;
    while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++;
    if (i === digits) return -1;
  }
  return i;
}

/** End of the literal `word` (true, false, null) at `i`, or -1. */
function scanWord(b: Uint8Array, i: number, end: number, word: string): number {
  if (i + word.length > end) return -1;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** Where the last key `scanKeyAndColon` read ends (the index after its closing quote). */
let keyEnd = 0;

/** From a key's opening quote at `i`: the index after the colon that follows it, or -1. Sets `keyEnd`. */
function scanKeyAndColon(b: Uint8Array, i: number, end: number): number {
  if (i >= end || b[i] !== 0x22) return -1;
  keyEnd = scanString(b, i, end);
  if (keyEnd < 0) return -1;
  i = keyEnd;
  while (i < end && isSpace(b[i])) i++;
  return i < end && b[i] === 0x3a ? i + 1 : -1;
}

export function scanLine(b: Uint8Array, start: number, end: number, found: ScanFound): boolean {
  found.starts.fill(-1);
  found.ends.fill(-1);
  /** The recorded member whose value is the container open at depth 2, and where it began. */
  let openMember = 0;
  let openStart = -1;
  let i = start;
  while (i < end && isSpace(b[i])) i++;
  if (i >= end || b[i] !== 0x7b) return false;
  let depth = 0;
  /** Which member the value about to be scanned belongs to (top level only). */
  let member = 0;
  // After a value: expect `,` or a closer. Else: expect a value (or a key in an object).
  let afterValue = false;
  for (;;) {
    while (i < end && isSpace(b[i])) i++;
    if (i >= end) return false;
    const c = b[i];
    if (afterValue) {
      if (depth === 0) return false;
      const open = stack[depth - 1];
      if (c === 0x2c) {
        i++;
        if (open === OBJECT) {
          // a key and a colon must follow
          while (i < end && isSpace(b[i])) i++;
          const keyStart = i;
          i = scanKeyAndColon(b, i, end);
          if (i < 0) return false;
          member = depth === 1 ? memberOf(found, b, keyStart + 1, keyEnd - 1) : 0;
        }
        afterValue = false;
        continue;
      }
      if ((c === 0x7d && open === OBJECT) || (c === 0x5d && open === ARRAY)) {
        i++;
        depth--;
        if (depth === 1 && openMember !== 0) {
          found.starts[openMember - 1] = openStart;
          found.ends[openMember - 1] = i;
          openMember = 0;
        }
        if (depth === 0) {
          while (i < end && isSpace(b[i])) i++;
          return i === end;
        }
        continue;
      }
      return false;
    }
    const valueStart = i;
    if (c === 0x7b || c === 0x5b) {
      if (depth === 1) {
        openMember = member;
        openStart = valueStart;
      }
      if (depth === stack.length) {
        const bigger = new Uint8Array(stack.length * 2);
        bigger.set(stack);
        stack = bigger;
      }
      stack[depth++] = c === 0x7b ? OBJECT : ARRAY;
      i++;
      member = 0;
      while (i < end && isSpace(b[i])) i++;
      if (i >= end) return false;
      if (b[i] === (c === 0x7b ? 0x7d : 0x5d)) {
        // empty: closes at once
        afterValue = true;
        continue;
      }
      if (c === 0x7b) {
        const keyStart = i;
        i = scanKeyAndColon(b, i, end);
        if (i < 0) return false;
        member = depth === 1 ? memberOf(found, b, keyStart + 1, keyEnd - 1) : 0;
      }
      continue;
    }
    if (c === 0x22) i = scanString(b, i, end);
    else if (c === 0x74) i = scanWord(b, i, end, "true");
    else if (c === 0x66) i = scanWord(b, i, end, "false");
    else if (c === 0x6e) i = scanWord(b, i, end, "null");
    else i = scanNumber(b, i, end);
    if (i < 0) return false;
    if (member !== 0) {
      found.starts[member - 1] = valueStart;
      found.ends[member - 1] = i;
    }
    member = 0;
    afterValue = true;
  }
}
