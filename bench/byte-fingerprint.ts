/**
 * A structural hash of JSON bytes that makes no value: for the bench's lower bound of cores
 * whose events are never objects (bench/scan-only.ts). Objects sum their members' hashes, so key
 * order does not count (as the near-duplicate rule's `structuralHash` ignores it); arrays,
 * strings and numbers are hashed over their bytes in sequence (so, unlike `structuralHash`,
 * `1.0` and `1`, or an escaped and a plain character, differ: a real rule would normalize
 * them). The bytes must be valid JSON (`scanLine` said so).
 */

/** FNV-1a of `b[start, end)`. */
export function hashBytes(b: Uint8Array, start: number, end: number, h = 0x811c9dc5): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 16777619);
  return h;
}

/** Where the pass is, the member name it looks for at the top of the data, and where it saw it. */
let at = 0;
let wanted: Uint8Array = new Uint8Array(0);
let keyStart = -1;
let keyEnd = -1;

function skipSpace(b: Uint8Array): void {
  while (b[at] === 0x20 || b[at] === 0x0a || b[at] === 0x0d || b[at] === 0x09) at++;
}

/** End of the string whose opening quote is at `i` (already validated). */
function stringEnd(b: Uint8Array, i: number): number {
  for (i++; b[i] !== 0x22; i++) if (b[i] === 0x5c) i++;
  return i + 1;
}

/**
 * The structural hash of the validated JSON value at `at` (which it moves past), from `seed`:
 * an object sums its members' hashes, each seeded with its key's hash, so key order does not
 * count but which value goes with which key does; arrays chain their elements in order;
 * strings and numbers are hashed over their bytes. 0 past 64 levels (validation makes those
 * dead letters).
 */
function fingerprint(b: Uint8Array, depth: number, seed: number): number {
  skipSpace(b);
  const c = b[at];
  if (c === 0x7b || c === 0x5b) {
    if (depth > 64) return 0;
    at++;
    let h = Math.imul(seed ^ c, 16777619);
    let sum = 0;
    skipSpace(b);
    while (b[at] !== (c === 0x7b ? 0x7d : 0x5d)) {
      if (c === 0x7b) {
        const k = at;
        const kEnd = stringEnd(b, k);
        at = kEnd;
        skipSpace(b);
        at++; // the colon
        skipSpace(b);
        const valueStart = at;
        sum = (sum + fingerprint(b, depth + 1, hashBytes(b, k, kEnd))) | 0;
        if (depth === 1 && isWanted(b, k + 1, kEnd - 1)) {
          keyStart = valueStart;
          keyEnd = at;
        }
      } else h = fingerprint(b, depth + 1, h);
      skipSpace(b);
      if (b[at] === 0x2c) at++;
      skipSpace(b);
    }
    at++;
    return c === 0x7b ? Math.imul(h ^ sum, 16777619) : h;
  }
  const start = at;
  if (c === 0x22) at = stringEnd(b, at);
  else while (at < b.length && b[at] !== 0x2c && b[at] !== 0x7d && b[at] !== 0x5d && b[at] !== 0x20 && b[at] !== 0x0a && b[at] !== 0x0d && b[at] !== 0x09) at++;
  return hashBytes(b, start, at, seed);
}

/** Whether the key `b[start, end)` is the wanted member's name. */
function isWanted(b: Uint8Array, start: number, end: number): boolean {
  if (end - start !== wanted.length) return false;
  for (let i = 0; i < wanted.length; i++) if (b[start + i] !== wanted[i]) return false;
  return true;
}

/**
 * The structural hash of the JSON value at `b[start]`; afterwards `foundKeyStart()` and `foundKeyEnd()` say where the
 * member `key` of its top level (when it is an object) lies. Nothing is allocated per call.
 *
 * @example
 * dataFingerprint(Buffer.from('{"a":1,"b":[2]}'), 0, key) === dataFingerprint(Buffer.from('{"b":[2],"a":1}'), 0, key)
 */
export function dataFingerprint(b: Uint8Array, start: number, key: Uint8Array): number {
  at = start;
  wanted = key;
  keyStart = keyEnd = -1;
  return fingerprint(b, 1, 0x811c9dc5);
}

/** Where the last `dataFingerprint` call's `key` value starts, -1 when absent. */
export function foundKeyStart(): number {
  return keyStart;
}

/** Where the last `dataFingerprint` call's `key` value ends (exclusive). */
export function foundKeyEnd(): number {
  return keyEnd;
}
